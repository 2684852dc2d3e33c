"""Acme Billing's switches (issue 18): each planted behaviour is found by exactly its item,
with the cause that holds for any app, on the real FastAPI service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from deploy.helpers import make_context, run_probe
from test_fastapi_app import EXPECTED, check_acme, start_acme

from golive.core.results import Status

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

pytestmark = pytest.mark.slow

#: What each switch must change in the report, and nothing else.
PLANTED = {
    "7.1a": (
        "fail",
        "with Authorization changed on each request (as the same user) no 429 after 6 requests",
    ),
    "4.3a": (
        "fail",
        "or it verifies but catches the verification failure and still answers 2xx",
    ),
}


def test_a_limiter_on_the_raw_header_and_a_swallowed_signature_error_are_each_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    switches = {"ACME_LIMIT_KEY": "authorization", "ACME_SWALLOW_SIGNATURE_ERRORS": "1"}
    with start_acme(tmp_path, **switches) as acme:
        code, results = check_acme(acme, monkeypatch, capsys)
    assert code == 1
    moved = []
    for item_id, result in results.items():
        want, words = PLANTED.get(item_id) or EXPECTED.get(item_id) or ("", "")
        status, message = result["status"], result["message"]
        if want and (status != want or words not in message):
            moved.append(f"{item_id}: expected {want} ({words}), got {status}: {message}")
        elif not want and status not in ("pass", "skip", "manual"):
            moved.append(f"{item_id}: {status}: {message}")
    assert not moved, "\n".join(moved)
    assert "the limiter is keyed on Authorization" in results["7.1a"]["message"]
    webhook = results["4.3a"]["message"]
    assert "either the deployment does not verify Stripe-Signature" in webhook
    assert "answer 400 when verification fails" in webhook


LOGIN = {"email": "alice@customer.example", "password": "correct horse battery staple"}


def test_the_apps_own_login_limiter_is_named_not_the_logins_path_or_fields(
    tmp_path: Path,
) -> None:
    role = {"login": {"path": "/auth/login", "json": LOGIN, "token_field": "access_token"}}
    route = {"path": "/internal/disputes", "role": "user", "expect": [403]}
    with start_acme(tmp_path, ACME_LOGIN_PER_MINUTE="5") as acme:
        values: dict[str, Any] = {"GOLIVE_BASE_URL": acme["url"]}

        def ctx(n: int) -> Any:  # a fresh context is a new run: it logs in again
            return make_context(tmp_path / f"ctx{n}", values, roles={"user": role})

        served = run_probe("http.status", ctx(1), routes=[route])
        assert served.status is Status.PASS, served.message  # the login works
        for _ in range(4):  # other runs within the minute use up the login's limit
            httpx.post(f"{acme['url']}/auth/login", json=LOGIN, timeout=5)
        out = run_probe("http.status", ctx(2), routes=[route])
    assert out.status is Status.ERROR, out.message
    assert "POST /auth/login answered 429: the app's login is rate-limited (429): rerun after" in (
        out.message
    )
    assert " s or use a command role" in out.message
    assert "check the login's path" not in out.message and "fields" not in out.message


def _debug_on_by_default(repo: Path) -> None:
    main = repo / "app" / "main.py"
    text = main.read_text(encoding="utf-8")
    healthy = 'debug: bool = os.environ.get("ACME_DEBUG", "false")'
    assert healthy in text
    main.write_text(text.replace(healthy, healthy.replace('"false"', '"true"')), "utf-8")


def test_a_typed_settings_debug_that_defaults_to_true_is_found_by_the_code_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ACME_DEBUG is unset in prod, so the app runs with its own default: on."""
    with start_acme(tmp_path, plant=_debug_on_by_default) as acme:
        assert httpx.get(f"{acme['url']}/health").status_code == 200
        code, results = check_acme(acme, monkeypatch, capsys)
    assert code == 1
    h8 = results["H.8"]
    assert h8["status"] == "fail", h8
    assert "app/main.py:" in h8["message"] and "ACME_DEBUG" in h8["message"], h8["message"]
    assert "or on when its variable is unset" in h8["message"], h8["message"]
    moved = [
        f"{item_id}: {r['status']}: {r['message']}"
        for item_id, r in results.items()
        if item_id != "H.8"
        and (
            (r["status"], EXPECTED[item_id][1] in r["message"]) != (EXPECTED[item_id][0], True)
            if item_id in EXPECTED
            else r["status"] not in ("pass", "skip", "manual")
        )
    ]
    assert not moved, "\n".join(moved)
