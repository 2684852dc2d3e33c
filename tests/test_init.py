"""`golive init`, `golive vars`, the packaged default, `--from-openapi`; and the
acceptance run: only the built wheel, an empty folder, init with flags, then check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from golive.cli import main
from golive.engine.loader import load_checklist


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_init_writes_a_short_overlay_with_only_what_differs(empty: Path) -> None:
    code = main(
        [
            "init",
            "--yes",
            "--base-url",
            "https://api.example.com/",
            "--webhook-path",
            "/billing/hook",
            "--stripe-key-var",
            "STRIPE_API_KEY",
            "--database-url-var",
            "DATABASE_URL",
        ]  # the default: not written
    )
    assert code == 0
    profile = yaml.safe_load((empty / "golive.yaml").read_text(encoding="utf-8"))
    assert profile == {
        "extend": "default",
        "inputs": {"webhook_path": "/billing/hook", "secret_key_var": "STRIPE_API_KEY"},
        "environments": {
            "prod": {
                "base_url": "https://api.example.com",
                "stripe": {"webhook_url": "https://api.example.com/billing/hook"},
            }
        },
    }
    checklist = load_checklist(empty / "golive.yaml").checklist
    items = {i.id: i for i in checklist.items}
    assert items["4.3a"].probe.params["path"] == "/billing/hook"
    assert items["1.2a"].probe.params["var"] == "STRIPE_API_KEY"
    assert checklist.environments["prod"].stripe.api_key_var == "STRIPE_API_KEY"
    assert checklist.environments["staging"].stripe.api_key_var == "STRIPE_API_KEY"

    example = (empty / "prod.env.example").read_text(encoding="utf-8")
    assert "\nSTRIPE_API_KEY=\n" in example and "STRIPE_SECRET_KEY" not in example
    assert "# STRIPE_API_KEY: read by " in example
    assert "\nDATABASE_URL=\n" in example and "\nSTRIPE_PLAN_PRICE_MAPPING_LIVE=\n" in example
    # Every variable line has its comment line above it.
    lines = example.splitlines()
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert lines[i - 1].startswith(f"# {line.rstrip('=')}")
    # Never overwrites by accident.
    assert main(["init", "--yes"]) == 2


def test_vars_lists_set_and_missing_without_values(
    empty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "sk_live_" + "a" * 30
    (empty / "prod.env").write_text(f"STRIPE_SECRET_KEY={secret}\n", encoding="utf-8")
    code = main(["vars", "--env", "prod", "--env-file", "prod.env"])
    out = capsys.readouterr().out
    assert code == 1
    assert secret not in out
    assert "set      STRIPE_SECRET_KEY  needed by 1.1b, 1.2a" in out
    assert "missing  STRIPE_WEBHOOK_SECRET  needed by 1.2b, 4.3a, 4.3b" in out
    assert f"missing in {empty / 'prod.env'}" in out


def test_without_a_checklist_the_packaged_default_runs_and_says_so(
    empty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (empty / "prod.env").write_text("STRIPE_SECRET_KEY=nope\n", encoding="utf-8")
    main(["check", "--env", "prod", "--env-file", "prod.env", "--only", "1.2a", "-f", "json", "-q"])
    report = json.loads(capsys.readouterr().out)
    assert report["checklist"]["name"].endswith("(the packaged default)")
    main(["check", "--env", "prod", "--env-file", "prod.env", "--only", "1.2a", "-q"])
    assert "(the packaged default)" in capsys.readouterr().out.splitlines()[0]


def test_from_openapi_finds_the_reference_apps_routes(
    empty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from golive.sandbox.app.config import AppConfig
    from golive.sandbox.app.database import seed_database
    from golive.sandbox.app.server import ReferenceApp

    database = f"sqlite:///{empty.parent / 'app.db'}"
    seed_database(database)
    with ReferenceApp(AppConfig(database_url=database)) as app:
        assert main(["init", "--yes", "--from-openapi", f"{app.url}/openapi.json"]) == 0
    out = capsys.readouterr().out
    for name, route in (
        ("webhook_path", "/api/subscription/webhook"),
        ("checkout_path", "/api/subscription/create-checkout-session"),
        ("portal_path", "/api/subscription/create-portal-session"),
        ("disputes_api", "/api/stripe/disputes"),
        ("fraud_warnings_api", "/api/stripe/fraud-warnings"),
        ("admin_page", "/stripe-disputes"),
    ):
        assert f"guessed {name} = {route!r}" in out
    assert "admin-only (tagged admin)" in out
    assert "guessed checkout_body = {'tier': 'basic'}" in out
    # The routes are the packaged defaults, so only the burst body differs.
    profile = yaml.safe_load((empty / "golive.yaml").read_text(encoding="utf-8"))
    assert profile["inputs"] == {"checkout_body": {"tier": "basic"}}


def test_from_openapi_with_other_names(empty: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = {
        "openapi": "3.0.0",
        "paths": {
            "/hooks/stripe": {"post": {}},
            "/billing/checkout": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {"$ref": "#/components/schemas/Checkout"}
                            }
                        }
                    }
                }
            },
            "/billing/portal": {"post": {}},
            "/internal/disputes": {"get": {"security": [{"oauth": ["admin:read"]}]}},
            "/internal/users": {"get": {"security": [{"oauth": ["user"]}]}},
        },
        "components": {
            "schemas": {
                "Checkout": {
                    "type": "object",
                    "required": ["plan", "seats"],
                    "properties": {"plan": {"type": "string"}, "seats": {"type": "integer"}},
                }
            }
        },
    }
    (empty / "openapi.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert main(["init", "--yes", "--from-openapi", "openapi.yaml"]) == 0
    out = capsys.readouterr().out
    assert "guessed webhook_path = '/hooks/stripe'" in out
    # A form-encoded body is the burst's form, not a JSON body.
    assert "guessed checkout_form = {'plan': 'golive-probe', 'seats': 1}" in out
    assert "guessed portal_path = '/billing/portal'" in out
    assert "security requirement oauth: ['admin:read']" in out
    assert "not found: fraud_warnings_api" in out


def test_from_openapi_guesses_the_routes_a_signed_in_user_reads(
    empty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """H.12's user routes: GET, no parameter, signed in, not admin-only, not a page."""
    cookie = [{"session": []}]
    doc = {
        "openapi": "3.0.0",
        "security": cookie,  # every route needs a session unless it says otherwise
        "paths": {
            "/health": {"get": {"security": []}},
            "/api/me": {"get": {}},
            "/api/invoices": {"get": {"security": cookie}},
            "/api/invoices/{id}": {"get": {}},
            "/api/admin/users": {"get": {}},
            "/account": {"get": {"responses": {"200": {"content": {"text/html": {}}}}}},
        },
        "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie"}}},
    }
    (empty / "openapi.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert main(["init", "--yes", "--from-openapi", "openapi.yaml"]) == 0
    assert "guessed user_routes = ['/api/invoices', '/api/me']" in capsys.readouterr().out
    profile = yaml.safe_load((empty / "golive.yaml").read_text(encoding="utf-8"))
    assert profile["inputs"]["user_routes"] == ["/api/invoices", "/api/me"]


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("golive-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "golive/data/checklist.yaml" in names
    data = zipfile.ZipFile(wheel).read("golive/data/checklist.yaml")
    assert data == (REPO / "checklist.yaml").read_bytes()  # one source of truth
    site = out / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return site


def wheel_golive(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`golive ARGS` from the installed wheel only (no site: the editable checkout is not
    importable), its dependencies from this interpreter's site-packages."""
    deps = sysconfig.get_paths()["purelib"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), deps]), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-S", "-m", "golive", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_wheel_only_init_then_check_matches_the_repositorys_checklist(
    wheel_site: Path, tmp_path: Path
) -> None:
    from golive.commands.demo import demo_deployment

    folder = tmp_path / "user"
    folder.mkdir()
    with demo_deployment("healthy", tmp_path, "live") as (env_file, _staging):
        values = dict(
            line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines()
        )
        (folder / "prod.env").write_text(env_file.read_text(encoding="utf-8"), encoding="utf-8")
        init = wheel_golive(
            wheel_site,
            folder,
            "init",
            "--yes",
            "--base-url",
            values["GOLIVE_BASE_URL"],
            "--stripe-key-var",
            "STRIPE_SECRET_KEY",
            "--database-url-var",
            "DATABASE_URL",
            "--webhook-path",
            "/api/subscription/webhook",
            "--price-mapping-var",
            "STRIPE_PLAN_PRICE_MAPPING_{MODE}",
        )
        assert init.returncode == 0, init.stderr
        assert "golive" in wheel_golive(wheel_site, folder, "--version").stdout
        runs = {}
        for name, extra in (("init", []), ("repo", ["-c", str(REPO / "checklist.yaml")])):
            out = folder / f"{name}.json"
            proc = wheel_golive(
                wheel_site,
                folder,
                "check",
                *extra,
                "--env",
                "prod",
                "--env-file",
                "prod.env",
                "-q",
                "-f",
                f"json:{out}",
            )
            assert proc.returncode in (0, 1, 4), proc.stderr
            report = json.loads(out.read_text(encoding="utf-8"))
            runs[name] = {r["id"]: r["status"] for r in report["results"]}
    assert runs["init"] == runs["repo"]
    assert len(runs["init"]) > 50
    # Not vacuous: the deployment's own checks ran and passed against the sandboxes.
    for item in ("1.2a", "1.2a.api", "2.1a", "4.1a", "4.3a", "5.1b", "5.2b", "2.3b"):
        assert runs["init"][item] == "pass", (item, runs["init"][item])
