"""http.webhook_signature on real HTTP: each pattern of answers gets its own cause."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from golive.core.results import Status
from golive.sandbox.app.server import ReferenceApp

from .helpers import make_context, run_probe
from .stub_server import Reply, Seen, stub_server

WEBHOOK = {"path": "/api/subscription/webhook"}
SECRET = "whsec_" + "s" * 32


def ctx_of(tmp_path: Path, app: ReferenceApp, **kw: Any) -> Any:
    return make_context(tmp_path / "ctx", app.golive_env(), **kw)


def stub_ctx(tmp_path: Path, url: str) -> Any:
    values = {"GOLIVE_BASE_URL": url, "STRIPE_WEBHOOK_SECRET": SECRET, "GOLIVE_USER_TOKEN": "t1"}
    return make_context(tmp_path / "ctx", values)


def webhook_posts(app: ReferenceApp) -> list[int]:
    return [r.status for r in app.requests if r.path == WEBHOOK["path"]]


def test_pass_names_every_variant_and_the_event_type(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = run_probe("http.webhook_signature", ctx_of(tmp_path, app), **WEBHOOK)
    assert out.status is Status.PASS, out.message
    assert out.evidence["statuses"] == {
        "signed": 200,
        "forged": 400,
        "unsigned": 400,
        "stale": 400,
        "tampered": 400,
    }
    assert "type golive.probe.ping" in out.message
    assert "forged 400, unsigned 400, stale 400, tampered 400" in out.message
    assert webhook_posts(app) == [200, 400, 400, 400, 400]  # one accepted delivery
    assert app.config.webhook_secret not in out.message


def test_a_role_is_not_used_when_the_route_needs_no_login(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = run_probe("http.webhook_signature", ctx_of(tmp_path, app), **WEBHOOK, role="user")
    assert out.status is Status.PASS, out.message
    assert len(webhook_posts(app)) == 5
    assert all(r.user is None for r in app.requests)


def test_webhook_url_defaults_to_the_profile(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    ctx = ctx_of(
        tmp_path, app, stripe={"webhook_url": "${GOLIVE_BASE_URL}/api/subscription/webhook"}
    )
    assert run_probe("http.webhook_signature", ctx).status is Status.PASS


def test_all_401_means_a_login_wall_not_a_wrong_secret(tmp_path: Path, make_app: Any) -> None:
    app = make_app("webhook-behind-login")
    out = run_probe("http.webhook_signature", ctx_of(tmp_path, app), **WEBHOOK)
    assert out.status is Status.FAIL
    assert "(signed 401, forged 401, unsigned 401, stale 401, tampered 401)" in out.message
    assert "demands authentication before it reads the signature" in out.message
    assert "exempt the webhook route from login" in out.message
    assert "signing secret" not in out.message
    assert "give the item a role to test it" in out.message


def test_behind_the_login_a_healthy_signature_check_is_one_finding(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app("webhook-behind-login")
    out = run_probe("http.webhook_signature", ctx_of(tmp_path, app), **WEBHOOK, role="user")
    assert out.status is Status.FAIL
    checks = out.evidence["checks"]
    assert [c["result"] for c in checks] == ["fail", "pass"]
    assert "1 of 2 checks failed" in out.message
    assert "(2) behind the login (role user): accepted the event signed with" in out.message
    # one signed event reached the handler: the anonymous one was stopped at the login
    assert [r.status for r in app.requests if r.user] == [200, 400, 400, 400, 400]


def test_forged_200_behind_the_login_is_a_second_finding(tmp_path: Path, make_app: Any) -> None:
    app = make_app("webhook-login-unverified")
    out = run_probe("http.webhook_signature", ctx_of(tmp_path, app), **WEBHOOK, role="user")
    assert out.status is Status.FAIL
    assert [c["result"] for c in out.evidence["checks"]] == ["fail", "fail"]
    assert "2 of 2 checks failed" in out.message
    assert "(1) as Stripe delivers (no credentials)" in out.message
    assert "exempt the webhook route from login" in out.message
    assert "(2) behind the login (role user): behind the login, an event signed with a made-up" in (
        out.message
    )
    assert "(signed 200, forged 200, unsigned 200, stale 200, tampered 200)" in out.message
    assert out.evidence["statuses_behind_login"]["forged"] == 200


def test_404_never_reached_a_handler_and_decides_nothing(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = run_probe("http.webhook_signature", ctx_of(tmp_path, app), path="/api/webhooks/stripe")
    assert out.status is Status.ERROR
    assert "every answer was 404×5 (404: no route at this path)" in out.message
    assert "never reached a handler of the app, so this decides nothing" in out.message
    assert "(signed 404, forged 404" in out.message
    assert "set the item's path (or the environment's stripe.webhook_url)" in out.message
    assert "signing secret" not in out.message and "verify" not in out.message


def test_405_never_reached_a_handler_either(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = run_probe("http.webhook_signature", ctx_of(tmp_path, app), path="/health")
    assert out.status is Status.ERROR
    assert "405: the path does not take this method" in out.message
    assert "a route the app serves for POST" in out.message


def fastapi_body_model(request: Seen) -> Reply:
    """A FastAPI route with a body model: validation answers 422 before the handler runs."""
    detail = [{"type": "missing", "loc": ["body", "customer_id"], "msg": "Field required"}]
    return Reply(422, {"detail": detail})


def test_422_to_every_variant_is_the_body_rejected_before_verification(tmp_path: Path) -> None:
    with stub_server(fastapi_body_model) as stub:
        out = run_probe("http.webhook_signature", stub_ctx(tmp_path, stub.url), **WEBHOOK)
        assert len(stub.requests) == 5
    assert out.status is Status.FAIL
    assert "(signed 422, forged 422, unsigned 422, stale 422, tampered 422)" in out.message
    assert "rejected the body before verifying the signature" in out.message
    assert "signing secret is not" not in out.message


def test_a_header_rejected_before_verification_is_named(tmp_path: Path) -> None:
    detail = [{"loc": ["header", "stripe-signature"], "msg": "string does not match"}]
    with stub_server(lambda r: Reply(422, {"detail": detail})) as stub:
        out = run_probe("http.webhook_signature", stub_ctx(tmp_path, stub.url), **WEBHOOK)
    assert out.status is Status.FAIL
    assert "rejected the Stripe-Signature header before verifying it" in out.message


def test_a_400_without_a_reason_names_both_causes(tmp_path: Path) -> None:
    with stub_server(lambda r: Reply(400, {"error": "bad request"})) as stub:
        out = run_probe("http.webhook_signature", stub_ctx(tmp_path, stub.url), **WEBHOOK)
    assert out.status is Status.FAIL
    assert "either the deployment's signing secret is not STRIPE_WEBHOOK_SECRET" in out.message
    assert "or the app rejects the body before verifying it" in out.message


def test_5xx_to_the_signed_event_is_a_failing_handler(tmp_path: Path, make_app: Any) -> None:
    app = make_app("webhook-500")
    out = run_probe("http.webhook_signature", ctx_of(tmp_path, app), **WEBHOOK)
    assert out.status is Status.FAIL
    assert "(signed 500, forged 400" in out.message
    assert "the handler fails on a valid event" in out.message
    assert "Stripe SDK version and the API version" in out.message


WEBHOOK_BREAKS = [
    ("webhook-unverified", ["an event signed with a made-up secret was answered 2xx",
                            "does not verify Stripe-Signature", "(signed 200, forged 200"]),
    ("webhook-no-tolerance", ["timestamped 10 minutes ago was answered 2xx", "replays",
                              "stale 200"]),
    ("webhook-wrong-secret", ["the event signed with STRIPE_WEBHOOK_SECRET (whsec_…(sha256:",
                              "was refused (400)", "the app's answer names the signature",
                              "verifies with another secret than STRIPE_WEBHOOK_SECRET",
                              "raw bytes received"]),
]  # fmt: skip


@pytest.mark.parametrize(("brk", "fragments"), WEBHOOK_BREAKS, ids=[b for b, _ in WEBHOOK_BREAKS])
def test_each_webhook_break_is_caught(
    tmp_path: Path, make_app: Any, brk: str, fragments: list[str]
) -> None:
    app = make_app(brk)
    out = run_probe("http.webhook_signature", ctx_of(tmp_path, app), **WEBHOOK)
    assert out.status is Status.FAIL, out.message
    for fragment in fragments:
        assert fragment in out.message
    assert app.config.webhook_secret not in out.message + json.dumps(out.evidence)


def test_a_429_from_the_app_is_retried_then_undecided(tmp_path: Path) -> None:
    with stub_server(lambda r: Reply(429, {"detail": "slow down"})) as stub:
        out = run_probe("http.webhook_signature", stub_ctx(tmp_path, stub.url), **WEBHOOK)
    assert out.status is Status.ERROR
    assert "rate limited by the app (429, no Retry-After), could not decide" in out.message


def test_webhook_needs_the_secret(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    values = {k: v for k, v in app.golive_env().items() if k != "STRIPE_WEBHOOK_SECRET"}
    out = run_probe("http.webhook_signature", make_context(tmp_path, values), **WEBHOOK)
    assert out.status is Status.ERROR and "STRIPE_WEBHOOK_SECRET is not set" in out.message


def test_signature_matches_stripe_sdk(tmp_path: Path) -> None:
    import stripe
    from golive.checks.http_webhook import stripe_signature, synthetic_event

    secret = "whsec_" + "k" * 32
    now = int(time.time())
    body = synthetic_event("golive.probe.ping", False, now)
    header = stripe_signature(body, secret, now)
    event = stripe.Webhook.construct_event(body.decode(), header, secret)
    assert event["type"] == "golive.probe.ping" and event["livemode"] is False
