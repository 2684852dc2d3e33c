"""The reference app itself: configuration, webhook handling, limiter, command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ctrl_c_reaches_the_child

from golive.sandbox.app.breaks import UnknownBreakError
from golive.sandbox.app.config import AppConfig
from golive.sandbox.app.database import app_engine
from golive.sandbox.app.web import SlidingWindow, sign_payload
from golive.values.sources import parse_dotenv

REPO = Path(__file__).resolve().parents[2]


def test_unknown_break_switch_lists_the_known_ones() -> None:
    with pytest.raises(UnknownBreakError, match=r"unknown break switch.*no-rate-limit"):
        AppConfig(database_url="sqlite://", breaks=frozenset({"no-rate-limitt"}))


def test_config_from_the_seed_backends_variables() -> None:
    config = AppConfig.from_env(
        {
            "DATABASE_URL": "sqlite://",
            "STRIPE_WEBHOOK_SECRET": "whsec_fromenv123",
            "ADMIN_EMAILS": "a@x.example, b@x.example",
            "ADMIN_EMAIL_DOMAIN": "",
            "DISABLE_AUTH": "True",
            "APP_USERS": "user:u@x.example:tok_u1,admin:a@x.example:tok_a1",
            "APP_BREAKS": "no-rate-limit",
        }
    )
    assert config.webhook_secret == "whsec_fromenv123"
    assert config.admin_emails == ("a@x.example", "b@x.example")
    assert config.admin_email_domain is None
    assert config.breaks == {"auth-disabled", "no-rate-limit"}
    assert config.token("admin") == "tok_a1"
    with pytest.raises(ValueError, match="DATABASE_URL"):
        AppConfig.from_env({})


def test_sliding_window_limits_then_recovers() -> None:
    window = SlidingWindow(2, 0.2)
    assert window.hit("a") is None and window.hit("a") is None
    wait = window.hit("a")
    assert wait is not None and 0 < wait <= 0.2
    assert window.hit("b") is None  # per key
    time.sleep(0.25)
    assert window.hit("a") is None


def _post_event(app: Any, event: dict[str, Any]) -> httpx.Response:
    body = json.dumps(event).encode()
    return httpx.post(
        app.url + "/api/subscription/webhook",
        content=body,
        headers={"Stripe-Signature": sign_payload(body, app.config.webhook_secret)},
    )


def test_webhook_events_update_the_database(make_app: Any, db_url: str) -> None:
    from sqlalchemy import text

    app = make_app(database_url=db_url)
    completed = {
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "customer": "cus_New",
                "subscription": "sub_New",
                "customer_email": "new@customer.example",
                "metadata": {"tier": "pro"},
            }
        },
    }
    assert _post_event(app, completed).json() == {"received": True, "handled": True}
    failed = {"type": "invoice.payment_failed", "data": {"object": {"subscription": "sub_New"}}}
    assert _post_event(app, failed).status_code == 200
    efw = {
        "type": "radar.early_fraud_warning.created",
        "data": {
            "object": {
                "id": "issfr_New",
                "charge": "ch_New",
                "fraud_type": "misc",
                "actionable": True,
            }
        },
    }
    assert _post_event(app, efw).status_code == 200
    assert _post_event(app, {"type": "customer.created"}).json()["handled"] is False
    engine = app_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT status, is_active FROM user_subscriptions"
                " WHERE stripe_subscription_id = 'sub_New'"
            )
        ).one()
    engine.dispose()
    assert (row[0], bool(row[1])) == ("PAST_DUE", False)
    admin = {"Authorization": f"Bearer {app.config.token('admin')}"}
    detail = httpx.get(app.url + "/api/stripe/fraud-warnings/issfr_New", headers=admin).json()
    assert (
        detail["fraud_type"] == "misc"
        and detail["actionable"] is True
        and detail["status"] == "OPEN"
    )


def test_routing_answers_404_and_405(make_app: Any) -> None:
    app = make_app()
    assert httpx.get(app.url + "/nope").status_code == 404
    response = httpx.get(app.url + "/api/subscription/webhook")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_request_log_holds_no_credentials(make_app: Any) -> None:
    app = make_app()
    token = app.config.token("user")
    httpx.post(
        app.url + "/api/subscription/create-portal-session",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert app.requests[-1].user == "alice@customer.example"
    assert token not in repr(app.requests)


def test_cli_serves_until_interrupted_and_writes_the_config_privately(tmp_path: Path) -> None:
    env_file = tmp_path / "app.env"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "golive",
            "sandbox",
            "app",
            "--env-file",
            str(env_file),
            "--break",
            "no-rate-limit",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        preexec_fn=ctrl_c_reaches_the_child,
    )
    try:
        deadline = time.monotonic() + 20
        while not (env_file.exists() and env_file.stat().st_size) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        values = parse_dotenv(env_file.read_text(encoding="utf-8"), str(env_file))
        assert env_file.stat().st_mode & 0o077 == 0
        assert httpx.get(values["GOLIVE_BASE_URL"] + "/health").json() == {"status": "ok"}
        database = Path(values["DATABASE_URL"].removeprefix("sqlite:///"))
        assert database.exists()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "breaks: no-rate-limit" in out and str(env_file) in out
    for name in ("STRIPE_WEBHOOK_SECRET", "GOLIVE_USER_TOKEN", "GOLIVE_ADMIN_TOKEN"):
        assert values[name] not in out + err
    assert not database.exists()  # the temporary database is removed


def test_cli_refuses_an_unknown_break(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "golive",
            "sandbox",
            "app",
            "--break",
            "nope",
            "--env-file",
            str(tmp_path / "x.env"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2 and "unknown break switch(es): nope" in proc.stderr


def test_the_app_verifies_the_jwts_it_issues(make_app: Any) -> None:
    from golive.sandbox.app.config import mint_jwt

    app = make_app()
    url = app.url + "/api/stripe/disputes"

    def status(token: str) -> int:
        return httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code

    assert status(app.jwt("admin")) == 200
    assert status(app.jwt("user")) == 403
    expired = mint_jwt("ops@golive.example", app.config.jwt_secret, now=time.time() - 90_000)
    assert status(expired) == 401
    assert status(mint_jwt("ops@golive.example", "another key")) == 401
    header, claims, _ = app.jwt("admin").split(".")
    assert status(f"{header}.{claims}.") == 401
    unverified = make_app("jwt-unverified", database_url=app.config.database_url, seed=False)
    assert (
        httpx.get(
            unverified.url + "/api/stripe/disputes", headers={"Authorization": f"Bearer {expired}"}
        ).status_code
        == 200
    )


def test_openapi_document_lists_the_routes_and_the_reset_route_is_admin_only(
    make_app: Any,
) -> None:
    app = make_app()
    document = httpx.get(app.url + "/openapi.json").json()
    assert "/api/admin/reset-rate-limits" in document["paths"]
    assert "/api/stripe/disputes/{id}" in document["paths"]
    reset = app.url + "/api/admin/reset-rate-limits"
    assert httpx.post(reset).status_code == 401
    admin = {"Authorization": f"Bearer {app.jwt('admin')}"}
    assert httpx.post(reset, headers=admin).json() == {"reset": True}
    opened = make_app("open-write-route", database_url=app.config.database_url, seed=False)
    assert httpx.post(opened.url + "/api/admin/reset-rate-limits").status_code == 200
