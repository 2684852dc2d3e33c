"""`golive init` finds what the app lacks and guesses more from its OpenAPI document
(issue 14 point 1, issue 18): features from missing routes, the login's token field,
checkout words, admin routes by path words when the document declares no security."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive.cli import main
from golive.commands.openapi import guess


def _post(response: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
                    }
                }
            }
        }
    }
    if response is not None:
        spec["responses"] = {"200": {"content": {"application/json": {"schema": response}}}}
    return {"post": spec}


@pytest.mark.parametrize(
    ("response", "field"),
    [
        (
            {
                "type": "object",
                "properties": {"access_token": {"type": "string"}, "token_type": {}},
            },
            "access_token",
        ),
        (
            {
                "type": "object",
                "properties": {"data": {"type": "object", "properties": {"token": {}}}},
            },
            "data.token",
        ),
        ({"$ref": "#/components/schemas/Tokens"}, "accessToken"),
        ({"type": "object", "properties": {"user": {"type": "object"}}}, None),  # a cookie session
    ],
)
def test_the_login_token_field_comes_from_the_response_schema(
    response: dict[str, Any], field: str | None
) -> None:
    doc = {
        "paths": {"/api/login": _post(response)},
        "components": {"schemas": {"Tokens": {"properties": {"accessToken": {}, "refresh": {}}}}},
    }
    assert guess(doc).auth_value("token_field") == field


@pytest.mark.parametrize(
    ("path", "word"),
    [
        ("/api/billing/subscribe", "subscribe"),
        ("/api/subscription", "subscription"),
        ("/shop/purchase", "purchase"),
        ("/billing/session", "billing/session"),
    ],
)
def test_checkout_routes_by_their_words(path: str, word: str) -> None:
    doc = {
        "paths": {
            "/api/subscription/webhook": {
                "post": {}
            },  # not the checkout, though it says subscription
            "/api/subscription/cancel": {"post": {}},
            path: {"post": {}},
        }
    }
    found = {g.input: g for g in guess(doc).found}
    assert found["webhook_path"].value == "/api/subscription/webhook"
    assert found["checkout_path"].value == path
    assert repr(word) in found["checkout_path"].why


def test_admin_routes_by_path_words_only_when_the_document_declares_no_security() -> None:
    paths = {
        "/internal/disputes": {
            "get": {"responses": {"200": {"content": {"application/json": {}}}}}
        },
        "/office/fraud-warnings": {
            "get": {"responses": {"200": {"content": {"application/json": {}}}}}
        },
    }
    found = {g.input: g for g in guess({"paths": paths}).found}
    assert found["disputes_api"].value == "/internal/disputes"
    assert "/internal and the document declares no security" in found["disputes_api"].why
    assert found["fraud_warnings_api"].value == "/office/fraud-warnings"
    # With security declared, the security requirements say what is admin, not the path.
    secured = {"paths": paths, "components": {"securitySchemes": {"jwt": {"type": "http"}}}}
    assert "disputes_api" in guess(secured).missing


def test_init_writes_the_features_the_document_lacks_and_the_token_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {
        "openapi": "3.0.3",
        "paths": {
            "/api/login": _post({"type": "object", "properties": {"token": {"type": "string"}}}),
            "/api/checkout": {"post": {}},
            "/stripe/webhook": {"post": {}},
            "/api/billing-portal": {"post": {}},
        },
    }
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--yes", "--from-openapi", str(source), "--without", "staging"]) == 0
    out = capsys.readouterr().out
    assert (
        "without dispute_tools: the OpenAPI document has no route for disputes_api or admin_page"
        in out
    )
    assert "without fraud_tools" in out
    assert "without billing_portal" not in out  # the portal is there
    text = (tmp_path / "golive.yaml").read_text(encoding="utf-8")
    assert "without: [staging, dispute_tools, fraud_tools]\n" in text
    profile = yaml.safe_load(text)
    login = profile["environments"]["prod"]["roles"]["user"]["login"]
    assert login["token_field"] == "token"
    assert login["path"] == "/api/login"
    # what init wrote loads, and the items of the missing features are skipped saying so
    from golive.engine.loader import load_checklist

    items = {i.id: i for i in load_checklist(tmp_path / "golive.yaml").checklist.items}
    assert items["5.2b"].disabled == "the app has no dispute_tools (golive.yaml without:)"


def test_an_unknown_feature_is_refused_with_the_nearest_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--yes", "--without", "dispute_tool"]) == 2
    assert "did you mean 'dispute_tools'?" in capsys.readouterr().err
    assert not (tmp_path / "golive.yaml").exists()


def test_init_reads_what_the_app_lacks_from_its_variables_and_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE api_usage_logs (id INTEGER)")
    env_file = tmp_path / "prod.env"
    env_file.write_text(
        f"DATABASE_URL=sqlite:///{db}\nSTRIPE_MODE=live\nADMIN_EMAIL_DOMAIN=a.example\n", "utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--yes", "--env-file", str(env_file)]) == 0
    out = capsys.readouterr().out
    assert "without plans_table: the database has no table subscription_plans" in out
    for present in ("mode_switch", "admin_emails", "usage_tables"):
        assert f"without {present}" not in out
    assert yaml.safe_load((tmp_path / "golive.yaml").read_text(encoding="utf-8"))["without"] == [
        "plans_table"
    ]
    # an app that names its plans table otherwise is told so with --tables
    (tmp_path / "golive.yaml").unlink()
    (tmp_path / "prod.env.example").unlink()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE plans (tier TEXT)")
    env_file.write_text(f"DATABASE_URL=sqlite:///{db}\n", "utf-8")
    assert main(["init", "--yes", "--env-file", str(env_file), "--tables", "plans=plans"]) == 0
    out = capsys.readouterr().out
    assert "without plans_table" not in out
    assert "without mode_switch: STRIPE_MODE is not set in prod.env" in out


def test_init_finds_the_migration_tool_by_its_table_and_its_files_in_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tool's own table (knex_migrations) names it; a generic one (Rails'
    schema_migrations) only beside the tool's files; and then 3.2b, with no staging,
    judges production against those files."""
    import sqlite3

    from golive.engine.loader import load_checklist

    def init(tables: list[str]) -> tuple[str, dict[str, object]]:
        db = tmp_path / f"app{len(list(tmp_path.glob('app*.db')))}.db"
        with sqlite3.connect(db) as conn:
            for table in tables:
                conn.execute(f"CREATE TABLE {table} (id INTEGER, name TEXT, version TEXT)")
        env_file = tmp_path.parent / f"{tmp_path.name}.env"
        env_file.write_text(f"DATABASE_URL=sqlite:///{db}\n", "utf-8")
        for name in ("golive.yaml", "prod.env.example"):
            (tmp_path / name).unlink(missing_ok=True)
        assert main(["init", "--yes", "--without", "staging", "--env-file", str(env_file)]) == 0
        doc = yaml.safe_load((tmp_path / "golive.yaml").read_text(encoding="utf-8"))
        return capsys.readouterr().out, doc.get("inputs") or {}

    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "20240105120000_users.js").write_text("", "utf-8")
    out, inputs = init(["knex_migrations"])
    assert "migration tool knex: the database has knex_migrations; knex migration files in " in out
    assert inputs["migration_tool"] == "knex" and inputs["migrations_dir"] == "migrations"
    items = {i.id: i for i in load_checklist(tmp_path / "golive.yaml").checklist.items}
    assert items["3.2b"].probe.params["other"] is None  # judged against migrations/
    assert not items["3.2b"].disabled
    # Rails' table name alone tells nothing; with db/migrate/*.rb it does
    out, inputs = init(["schema_migrations"])
    assert "migration tool not guessed: the database has no migration tool's table" in out
    assert "migration_tool" not in inputs
    (tmp_path / "db" / "migrate").mkdir(parents=True)
    (tmp_path / "db" / "migrate" / "20240101000000_create_users.rb").write_text("", "utf-8")
    out, inputs = init(["schema_migrations"])
    assert inputs["migration_tool"] == "rails" and inputs["migrations_dir"] == "db/migrate"
    # two tools' tables: init does not pick one
    out, inputs = init(["knex_migrations", "_prisma_migrations"])
    assert "several migration tools: _prisma_migrations (prisma), knex_migrations (knex)" in out
    assert "migration_tool" not in inputs
