"""No invented causes (issue 7 §4): each HTTP observation gets the cause it proves, on real
HTTP against the reference app and purpose-built servers on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from golive.core.results import Status

from .helpers import make_context, run_probe
from .stub_server import Reply, Seen, stub_server

CHECKOUT = "/api/subscription/create-checkout-session"
PORTAL = "/api/subscription/create-portal-session"
TOKENS = {"GOLIVE_USER_TOKEN": "tok-user", "GOLIVE_ADMIN_TOKEN": "tok-admin"}


def stub_ctx(tmp_path: Path, url: str, **kw: Any) -> Any:
    return make_context(tmp_path / "ctx", {"GOLIVE_BASE_URL": url, **TOKENS}, **kw)


def who(request: Seen) -> str:
    return {"Bearer tok-user": "user", "Bearer tok-admin": "admin"}.get(
        request.headers.get("authorization", ""), "anonymous"
    )


# -- 404: route not found, unless something proves the route exists --------------------


def records(request: Seen) -> Reply:
    """/health is served; /api/records/7 exists for admins; users fall through to 404."""
    if request.path == "/health":
        return Reply(200, {"status": "ok"})
    if request.path == "/api/records/7":
        return Reply(200, {"id": 7}) if who(request) == "admin" else Reply(404, {"detail": "x"})
    return Reply(404, {"detail": "Not Found"})


def test_a_404_is_route_not_found_by_default(tmp_path: Path) -> None:
    with stub_server(records) as stub:
        route = {"path": "/api/records/7", "role": "user", "expect": [403]}
        out = run_probe("http.status", stub_ctx(tmp_path, stub.url), routes=[route])
    assert out.status is Status.ERROR  # never reached a handler: decides nothing
    assert f"route not found at {stub.url}/api/records/7: the request never reached" in out.message
    assert "check base_url and the item's path" in out.message
    assert "access control" not in out.message


def test_a_404_after_a_200_for_the_same_path_is_past_access_control(tmp_path: Path) -> None:
    routes = [
        {"path": "/api/records/7", "role": "admin", "expect": [200]},
        {"path": "/api/records/7", "role": "user", "expect": [403]},
    ]
    with stub_server(records) as stub:
        out = run_probe("http.status", stub_ctx(tmp_path, stub.url), routes=routes)
    assert out.status is Status.FAIL
    assert "the same path answered 2xx to admin, so the route exists" in out.message
    assert "got past access control to the lookup" in out.message


def test_a_control_route_proves_the_base_url_and_both_causes_are_named(tmp_path: Path) -> None:
    route = {"path": "/api/records/7", "role": "user", "expect": [403]}
    with stub_server(records) as stub:
        ctx = stub_ctx(tmp_path, stub.url)
        out = run_probe("http.status", ctx, routes=[route], control_path="/health")
    assert out.status is Status.ERROR  # two causes fit: undecided
    assert "the base URL is right (GET /health answered 200)" in out.message
    assert "either the item's path is wrong, or" in out.message


# -- 302: judged by where it goes -------------------------------------------------------


def redirects(request: Seen) -> Reply:
    if request.path == "/admin":
        return Reply(302, headers={"Location": "/accounts/login/?next=/admin"})
    return Reply(302, headers={"Location": "/welcome"})


def test_a_redirect_to_the_login_page_is_a_refusal(tmp_path: Path) -> None:
    with stub_server(redirects) as stub:
        ctx = stub_ctx(tmp_path, stub.url)
        refused = [
            {"path": "/admin", "role": "anonymous", "expect": [401]},
            {"path": "/admin", "role": "user", "expect": [403]},
        ]
        out = run_probe("http.status", ctx, routes=refused)
        assert out.status is Status.PASS, out.message
        assert "302 to the login page /accounts/login/ (refused)" in out.message
        out = run_probe("http.status", ctx, routes=[{"path": "/admin", "role": "admin"}])
        assert out.status is Status.ERROR  # stopped at the login: the handler never ran
        assert "the request stopped at the login and never reached the route's handler" in (
            out.message
        )
        assert "the credentials of role admin were not accepted" in out.message
        out = run_probe(
            "http.status", ctx, routes=[{"path": "/other", "role": "anonymous", "expect": [401]}]
        )
        assert out.status is Status.FAIL and "302 to /welcome" in out.message
        assert "not to a login page" in out.message


def test_the_login_pattern_is_configurable(tmp_path: Path) -> None:
    with stub_server(redirects) as stub:
        route = {"path": "/other", "role": "anonymous", "expect": [401]}
        out = run_probe(
            "http.status", stub_ctx(tmp_path, stub.url), routes=[route], login_pattern="welcome"
        )
    assert out.status is Status.PASS, out.message


# -- 429 from the app's own limiter -------------------------------------------------------


def test_a_429_is_retried_after_retry_after(tmp_path: Path) -> None:
    calls: list[int] = []

    def limited_once(request: Seen) -> Reply:
        calls.append(1)
        if len(calls) == 1:
            return Reply(429, {"detail": "slow down"}, {"Retry-After": "1"})
        return Reply(401, {"detail": "Not authenticated"})

    with stub_server(limited_once) as stub:
        route = {"path": "/api/x", "role": "anonymous", "expect": [401]}
        out = run_probe("http.status", stub_ctx(tmp_path, stub.url), routes=[route])
        assert len(stub.requests) == 2
    assert out.status is Status.PASS, out.message


def test_429_on_every_route_is_undecided_never_a_diagnosis(tmp_path: Path) -> None:
    with stub_server(lambda r: Reply(429, {"detail": "x"}, {"Retry-After": "3600"})) as stub:
        routes = [
            {"path": "/api/a", "role": "anonymous", "expect": [401]},
            {"path": "/api/b", "role": "user", "expect": [200]},
        ]
        out = run_probe("http.status", stub_ctx(tmp_path, stub.url), routes=routes)
        assert len(stub.requests) == 2  # Retry-After beyond the item's time: not waited for
    assert out.status is Status.ERROR
    assert "rate limited by the app (429, Retry-After: 3600), could not decide" in out.message
    assert "expected 401" not in out.message


# -- credentials: "answers without credentials" only when none were sent ------------------


def test_answers_without_credentials_only_when_none_were_sent(tmp_path: Path) -> None:
    with stub_server(lambda r: Reply(200, {"ok": True})) as stub:
        ctx = stub_ctx(tmp_path, stub.url)
        anonymous = {"path": "/api/me", "role": "anonymous", "expect": [401]}
        out = run_probe("http.status", ctx, routes=[anonymous])
        assert "it answers without credentials" in out.message
        user = {"path": "/api/admin", "role": "user", "expect": [401, 403]}
        out = run_probe("http.status", ctx, routes=[user])
    assert out.status is Status.FAIL
    assert "without credentials" not in out.message
    assert "the credentials of user are let in" in out.message


# -- a list that must be JSON ---------------------------------------------------------------


def test_an_html_page_does_not_pass_a_json_list_route(tmp_path: Path) -> None:
    page = "<!doctype html><title>Down for maintenance</title>"
    with stub_server(lambda r: Reply(200, page)) as stub:
        route = {"path": "/api/stripe/fraud-warnings", "role": "admin", "json": "list"}
        out = run_probe("http.status", stub_ctx(tmp_path, stub.url), routes=[route])
    assert out.status is Status.FAIL
    assert "the answer is not JSON (text/html)" in out.message


def test_a_json_list_passes(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    ctx = make_context(tmp_path / "ctx", app.golive_env())
    route = {"path": "/api/stripe/fraud-warnings", "role": "admin", "json": "list"}
    assert run_probe("http.status", ctx, routes=[route]).status is Status.PASS


# -- rate limit ---------------------------------------------------------------------------


def test_422_on_every_burst_request_is_a_body_rejected_before_the_limiter(
    tmp_path: Path,
) -> None:
    detail = [{"loc": ["body", "price_id"], "msg": "Field required"}]
    with stub_server(lambda r: Reply(422, {"detail": detail})) as stub:
        out = run_probe(
            "http.rate_limit",
            stub_ctx(tmp_path, stub.url),
            path=CHECKOUT,
            role="user",
            max_requests=8,
            rotate_headers=["X-Forwarded-For"],
        )
        assert len(stub.requests) == 8  # no rotated burst: nothing to compare
    assert out.status is Status.ERROR
    assert "refused as invalid (422×8)" in out.message
    assert "rejected the body before any limiter" in out.message
    assert "give the item a body the route accepts" in out.message
    assert "trusts an unverified header" not in out.message


def test_no_429_either_way_is_no_limit_not_a_trusted_header(tmp_path: Path, make_app: Any) -> None:
    app = make_app("no-rate-limit")
    ctx = make_context(tmp_path / "ctx", app.golive_env())
    out = run_probe(
        "http.rate_limit",
        ctx,
        path=CHECKOUT,
        role="user",
        max_requests=12,
        rotate_headers=["X-Forwarded-For"],
    )
    assert out.status is Status.FAIL
    assert "no per-user rate limit at all" in out.message
    assert "trusts" not in out.message
    assert sum(1 for r in app.requests if r.path == CHECKOUT) == 12


# -- state-changing requests against a live environment -----------------------------------


def test_a_state_changing_route_is_refused_on_live_without_allow_traffic(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app()
    route = {"path": PORTAL, "method": "POST", "role": "user", "require_fields": ["url"]}
    live = make_context(tmp_path / "ctx", app.golive_env(), name="prod", mode="live")
    out = run_probe("http.status", live, routes=[route])
    assert out.status is Status.SKIP
    assert f"may change the app's state (POST {PORTAL})" in out.message
    assert "allow_traffic: true in the prod profile" in out.message
    assert app.requests == []
    allowed = make_context(
        tmp_path / "ctx2", app.golive_env(), name="prod", mode="live", allow_traffic=True
    )
    assert run_probe("http.status", allowed, routes=[route]).status is Status.PASS
    reads = {"path": "/api/stripe/disputes", "role": "admin"}
    assert run_probe("http.status", live, routes=[reads]).status is Status.PASS
