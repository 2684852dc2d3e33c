"""http.forged_token and http.openapi_auth against the reference app on real HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.core.results import Status
from golive.sandbox.app.routes import OPENAPI_ROUTES
from golive.sandbox.app.server import ReferenceApp

from .helpers import make_context, run_probe
from .stub_server import Reply, Seen, stub_server

FORGED = {"path": "/api/stripe/disputes", "role": "admin"}
PUBLIC = ["/health", "/openapi.json", "POST /api/subscription/webhook"]


def ctx_of(tmp_path: Path, app: ReferenceApp, **kw: Any) -> Any:
    return make_context(tmp_path / "ctx", app.golive_env(), **kw)


# -- http.forged_token ----------------------------------------------------------------------


def test_a_verifying_app_refuses_every_forged_token(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = run_probe("http.forged_token", ctx_of(tmp_path, app), **FORGED)
    assert out.status is Status.PASS, out.message
    assert out.evidence["statuses"] == {
        "alg_none": 401,
        "wrong_key": 401,
        "expired": 401,
        "stripped": 401,
    }
    assert "claims copied from role admin's token" in out.message
    assert "the role's real token was let in (200)" in out.message
    # anonymous control, the real token, four forged ones: nothing else
    assert [r.status for r in app.requests] == [401, 200, 401, 401, 401, 401]


def test_an_app_that_does_not_verify_jwts_is_caught(tmp_path: Path, make_app: Any) -> None:
    app = make_app("jwt-unverified")
    out = run_probe("http.forged_token", ctx_of(tmp_path, app), **FORGED)
    assert out.status is Status.FAIL
    assert "let in a JWT with alg none (200)" in out.message
    assert "an expired JWT (200)" in out.message
    assert "does not verify token signatures" in out.message
    token = app.golive_env()["GOLIVE_ADMIN_TOKEN"]
    assert token not in out.message and token.split(".")[1] not in str(out.evidence)


def test_only_the_verification_step_that_is_missing_fails(tmp_path: Path) -> None:
    """An app that checks the signature but accepts alg none: only that variant is named."""
    from golive.checks.jwt_forge import decode_jwt

    def alg_none_accepted(request: Seen) -> Reply:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        decoded = decode_jwt(token)
        if token == "real" or (decoded and decoded[0]["alg"] == "none"):
            return Reply(200, [])
        return Reply(401, {"detail": "Not authenticated"})

    values = {"GOLIVE_ADMIN_TOKEN": "real"}
    with stub_server(alg_none_accepted) as stub:
        ctx = make_context(tmp_path / "ctx", {"GOLIVE_BASE_URL": stub.url, **values})
        out = run_probe("http.forged_token", ctx, **FORGED)
    assert out.status is Status.FAIL
    assert "let in a JWT with alg none (200)" in out.message
    assert "wrong HS256 key (200)" not in out.message
    assert "made-up claims (sub golive-probe)" in out.message


def test_a_route_open_to_anyone_proves_nothing_about_tokens(tmp_path: Path, make_app: Any) -> None:
    app = make_app("admin-open")
    out = run_probe("http.forged_token", ctx_of(tmp_path, app), **FORGED)
    assert out.status is Status.ERROR
    assert "without any token got 200" in out.message
    assert len(app.requests) == 1


# -- http.openapi_auth ----------------------------------------------------------------------


def probed(app: ReferenceApp) -> list[str]:
    return [f"{r.method} {r.path}" for r in app.requests if r.path != "/openapi.json"]


def test_the_sweep_passes_the_healthy_app_and_probes_each_listed_route(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app()
    out = run_probe("http.openapi_auth", ctx_of(tmp_path, app), public=PUBLIC)
    assert out.status is Status.PASS, out.message
    assert out.evidence["open"] == [] and out.evidence["protected"] == len(OPENAPI_ROUTES) - 2
    assert f"{len(OPENAPI_ROUTES)} route(s) in /openapi.json" in out.message
    assert len(probed(app)) == len(OPENAPI_ROUTES) - 2  # one request each, public ones skipped
    assert all(r.status == 401 for r in app.requests if r.path != "/openapi.json")


@pytest.mark.parametrize(
    ("brk", "open_routes"),
    [
        ("open-write-route", ["POST /api/admin/reset-rate-limits (200)"]),
        (
            "admin-open",
            [
                "GET /api/stripe/disputes (200)",
                "GET /api/stripe/disputes/{id} (404 for a made-up id: the lookup ran "
                "before any access control)",
                "GET /api/stripe/fraud-warnings (200)",
                "GET /api/stripe/fraud-warnings/{id} (404 for a made-up id: the lookup ran "
                "before any access control)",
                "GET /stripe-disputes (200)",
                "POST /api/admin/reset-rate-limits (200)",
            ],
        ),
    ],
)
def test_the_sweep_lists_exactly_the_open_routes(
    tmp_path: Path, make_app: Any, brk: str, open_routes: list[str]
) -> None:
    app = make_app(brk)
    out = run_probe("http.openapi_auth", ctx_of(tmp_path, app), public=PUBLIC)
    assert out.status is Status.FAIL
    assert out.evidence["open"] == open_routes
    assert f"{len(open_routes)} route(s) answer anonymous callers" in out.message


def test_the_sweep_refuses_live_without_allow_traffic_before_any_request(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app("open-write-route")
    live = ctx_of(tmp_path, app, name="prod", mode="live")
    out = run_probe("http.openapi_auth", live, public=PUBLIC)
    assert out.status is Status.SKIP
    assert "prod is a live environment" in out.message and "allow_traffic: true" in out.message
    assert app.requests == []
    allowed = ctx_of(tmp_path, app, name="prod", mode="live", allow_traffic=True)
    assert run_probe("http.openapi_auth", allowed, public=PUBLIC).status is Status.FAIL


def test_writes_can_be_left_out(tmp_path: Path, make_app: Any) -> None:
    app = make_app("open-write-route")
    out = run_probe("http.openapi_auth", ctx_of(tmp_path, app), public=PUBLIC, writes=False)
    assert out.status is Status.PASS, out.message
    assert "write(s) not probed" in out.message
    assert not [p for p in probed(app) if p.startswith("POST")]


def test_a_write_route_gets_an_invalid_body_and_422_means_open(tmp_path: Path) -> None:
    document = {
        "openapi": "3.1.0",
        "paths": {"/api/users": {"get": {}, "post": {}}, "/api/me": {"get": {}}},
    }

    def app(request: Seen) -> Reply:
        if request.path == "/openapi.json":
            return Reply(200, document)
        if request.method == "POST":  # validates the body before any authentication
            return Reply(422, {"detail": [{"loc": ["body"], "msg": "Input should be an object"}]})
        if request.path == "/api/users":
            return Reply(200, [{"email": "a@x", "password_hash": "h"}])
        return Reply(401, {"detail": "Not authenticated"})

    with stub_server(app) as stub:
        ctx = make_context(tmp_path / "ctx", {"GOLIVE_BASE_URL": stub.url})
        out = run_probe("http.openapi_auth", ctx)
        posts = [r for r in stub.requests if r.method == "POST"]
    assert out.status is Status.FAIL
    assert out.evidence["open"] == ["GET /api/users (200)", "POST /api/users (422)"]
    assert posts[0].body == b'["golive: deliberately invalid body"]'


def test_the_sweep_is_bounded(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = run_probe("http.openapi_auth", ctx_of(tmp_path, app), public=PUBLIC, max_routes=3)
    assert out.status is Status.ERROR and "more than max_routes (3)" in out.message
    assert probed(app) == []


def test_the_document_may_be_a_file(tmp_path: Path, make_app: Any) -> None:
    app = make_app("open-write-route")
    ctx = ctx_of(tmp_path, app)
    doc = ctx.root / "openapi.yaml"
    doc.write_text(
        "openapi: 3.1.0\npaths:\n  /api/admin/reset-rate-limits: {post: {}}\n", encoding="utf-8"
    )
    out = run_probe("http.openapi_auth", ctx, document_file="openapi.yaml")
    assert out.status is Status.FAIL
    assert out.evidence["open"] == ["POST /api/admin/reset-rate-limits (200)"]
    assert [r.path for r in app.requests] == ["/api/admin/reset-rate-limits"]
