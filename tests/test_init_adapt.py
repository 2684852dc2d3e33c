"""`golive init` flags (and questions) for an app that keeps things its own way: tables,
the migration tool, settings in the database, the mode switch, role logins; and what
--from-openapi guesses about logins."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from golive.cli import main
from golive.engine.loader import load_checklist


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _django_app(folder: Path) -> None:
    migrations = folder / "shop" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "__init__.py").write_text("", encoding="utf-8")
    (migrations / "0001_initial.py").write_text("", encoding="utf-8")


def test_flags_write_tables_migrations_settings_switch_and_logins(
    empty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _django_app(empty)
    code = main(
        [
            "init",
            "--yes",
            "--base-url",
            "https://shop.example.com",
            "--tables",
            "plans=billing_plan,subscriptions=billing_sub,usage=a+b",
            "--tier-column",
            "name",
            "--migrations",
            "django",
            "--settings-sql",
            "SELECT 'STRIPE_WEBHOOK_SECRET', secret FROM endpoints",
            "--mode-switch",
            "STRIPE_LIVE_MODE:boolean",
            "--login",
            "/accounts/login/",
            "--login-form",
            "email,pass",
            "--csrf",
        ]
    )
    assert code == 0
    doc = yaml.safe_load((empty / "golive.yaml").read_text(encoding="utf-8"))
    assert doc["inputs"]["plans_table"] == "billing_plan"
    assert doc["inputs"]["usage_tables"] == ["a", "b"]
    assert doc["inputs"]["tier_column"] == "name"
    assert doc["inputs"]["migration_tool"] == "django"
    assert doc["inputs"]["migrations_dir"] == "."
    prod = doc["environments"]["prod"]
    assert prod["source"] == [
        "env",
        {"sql": "SELECT 'STRIPE_WEBHOOK_SECRET', secret FROM endpoints"},
    ]
    assert prod["mode_switch"] == {"var": "STRIPE_LIVE_MODE", "kind": "boolean"}
    admin = prod["roles"]["admin"]
    assert admin["bearer"] is None
    assert admin["login"] == {
        "path": "/accounts/login/",
        "form": {"email": "${GOLIVE_ADMIN_USERNAME}", "pass": "${GOLIVE_ADMIN_PASSWORD}"},
        "csrf": {},
    }
    # It loads, and 3.2a now reads Django's migrations under the app folder.
    checklist = load_checklist(empty / "golive.yaml").checklist
    item = next(i for i in checklist.items if i.id == "3.2a")
    assert item.probe.params["tool"] == "django"
    assert item.probe.params["migrations_dir"] == "."
    example = (empty / "prod.env.example").read_text(encoding="utf-8")
    for role in ("USER", "OTHER_USER", "ADMIN"):
        assert f"\nGOLIVE_{role}_USERNAME=" in example
        assert f"\nGOLIVE_{role}_PASSWORD=" in example
    assert "GOLIVE_ADMIN_TOKEN" not in example


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--mode-switch", "key:ONLY_ONE"], "--mode-switch: VAR:boolean"),
        (["--mode-switch", "STRIPE_LIVE_MODE:yesno"], "--mode-switch"),
        (["--tables", "planz=x"], "no table called 'planz'"),
        (["--migrations", "django"], "no APP/migrations/NNNN_*.py"),
        (["--migrations", "sql"], "--migration-sql"),
        (["--settings-sql", "DELETE FROM x"], "--settings-sql: a SELECT"),
        (["--login", "accounts/login"], "--login: a path"),
    ],
)
def test_bad_answers_are_usage_errors(
    empty: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    assert main(["init", "--yes", *flags]) == 2
    assert message in capsys.readouterr().err
    assert not (empty / "golive.yaml").exists()


def test_command_migrations_load(empty: Path) -> None:
    assert (
        main(["init", "--yes", "--migrations", "command", "--migration-command", "alembic current"])
        == 0
    )
    doc = yaml.safe_load((empty / "golive.yaml").read_text(encoding="utf-8"))
    assert doc["inputs"]["migration_command"] == "alembic current"
    items = {i.id: i for i in load_checklist(empty / "golive.yaml").checklist.items}
    assert items["3.2a"].probe.params["command"] == "alembic current"
    assert items["3.2b"].probe.params["tool"] == "command"  # judged as a skip, saying why


def test_questions_on_a_terminal(
    empty: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _django_app(empty)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = [
        "https://shop.example.com",  # base URL
        "sql",
        "SELECT key, price FROM prices",  # prices
        "plans=billing_plan",  # tables
        "django",  # migration tool
        "SELECT 'A', b FROM settings",  # settings query
        "STRIPE_LIVE_MODE:boolean",  # mode switch
        "/login/",
        "username,password",
        "y",  # login, fields, CSRF
        # the features no answer decided: admin e-mails, dispute and fraud tools, portal,
        # usage tables, OpenAPI, staging, test
        "n",
        "y",
        "y",
        "y",
        "n",
        "y",
        "y",
        "n",
    ]
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(answers) + "\n" + "\n" * 10))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    assert main(["init"]) == 0
    doc = yaml.safe_load((empty / "golive.yaml").read_text(encoding="utf-8"))
    assert doc["inputs"]["plans_table"] == "billing_plan"
    assert doc["inputs"]["migration_tool"] == "django"
    prod = doc["environments"]["prod"]
    assert prod["mode_switch"]["var"] == "STRIPE_LIVE_MODE"
    assert prod["source"][-1] == {"sql": "SELECT 'A', b FROM settings"}
    assert prod["roles"]["user"]["login"]["csrf"] == {}
    assert doc["without"] == ["admin_emails", "usage_tables", "test"]


def test_from_openapi_guesses_a_json_login_and_no_csrf_for_bearer_apps(
    empty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {
        "openapi": "3.0.3",
        "paths": {
            "/auth/login": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "email": {"type": "string"},
                                        "password": {"type": "string"},
                                    },
                                }
                            }
                        }
                    }
                }
            },
            "/billing/checkout": {"post": {}},
        },
        "components": {"securitySchemes": {"jwt": {"type": "http", "scheme": "bearer"}}},
    }
    (empty / "openapi.json").write_text(json.dumps(doc), encoding="utf-8")
    assert main(["init", "--yes", "--from-openapi", "openapi.json"]) == 0
    out = capsys.readouterr().out
    assert "guessed login = '/auth/login' (POST route whose path has 'login')" in out
    assert "guessed login_form = 'email,password'" in out
    assert "csrf" not in out
    login = yaml.safe_load((empty / "golive.yaml").read_text(encoding="utf-8"))["environments"][
        "prod"
    ]["roles"]["user"]["login"]
    assert login == {
        "path": "/auth/login",
        "json": {"email": "${GOLIVE_USER_USERNAME}", "password": "${GOLIVE_USER_PASSWORD}"},
    }
