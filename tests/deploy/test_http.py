"""HTTP probes against the reference app over real sockets: healthy, broken, unreachable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from golive.core.results import Outcome, Status
from golive.sandbox.app.routes import LEAKED_HASH
from golive.sandbox.app.server import ReferenceApp

from .helpers import make_context, run_probe

ADMIN_ROUTES = ["/api/stripe/disputes", "/api/stripe/fraud-warnings", "/stripe-disputes"]
DETAILS = [
    {"path": "/api/stripe/disputes/{id}", "id_from": "/api/stripe/disputes"},
    {
        "path": "/api/stripe/fraud-warnings/{id}",
        "id_from": "/api/stripe/fraud-warnings",
        "require_fields": ["fraud_type", "actionable", "status"],
    },
]
NON_ADMIN = [
    *({"path": p, "role": "anonymous", "expect": [401]} for p in ADMIN_ROUTES),
    *({"path": p, "role": "user", "expect": [403]} for p in ADMIN_ROUTES),
    {"path": "/api/stripe/disputes/dp_x", "role": "anonymous", "expect": [401]},
    {"path": "/api/stripe/fraud-warnings/issfr_x", "role": "user", "expect": [403]},
]
ADMIN = [
    *({"path": p, "role": "admin"} for p in ADMIN_ROUTES),
    {"path": "/api/stripe/fraud-warnings", "role": "domain_admin"},
    {
        "path": "/api/stripe/fraud-warnings",
        "role": "admin",
        "require_fields": ["data[].fraud_type"],
    },
    *({**d, "role": "admin"} for d in DETAILS),
]
PORTAL = [
    {
        "path": "/api/subscription/create-portal-session",
        "method": "POST",
        "role": "user",
        "require_fields": ["url"],
    }
]
CHECKOUT = "/api/subscription/create-checkout-session"
RATE = {"path": CHECKOUT, "role": "user", "other_role": "other_user"}


def ctx_of(tmp_path: Path, app: ReferenceApp, **kw: Any) -> Any:
    return make_context(tmp_path / "ctx", app.golive_env(), **kw)


def status(tmp_path: Path, app: ReferenceApp, routes: list[dict[str, Any]], **kw: Any) -> Outcome:
    return run_probe("http.status", ctx_of(tmp_path, app), routes=routes, **kw)


def checkout_requests(app: ReferenceApp) -> int:
    return sum(1 for r in app.requests if r.path == CHECKOUT)


# -- http.status --------------------------------------------------------------------------


@pytest.mark.parametrize("routes", [NON_ADMIN, ADMIN, PORTAL], ids=["non-admin", "admin", "portal"])
def test_healthy_app_passes_status_checks(
    tmp_path: Path, make_app: Any, routes: list[dict[str, Any]]
) -> None:
    app = make_app()
    out = status(tmp_path, app, routes)
    assert out.status is Status.PASS, out.message
    assert len(out.evidence["routes"]) == len(routes)
    assert all(r["result"] == "ok" for r in out.evidence["routes"])


def test_status_checks_also_pass_on_postgres(tmp_path: Path, make_app: Any, db_url: str) -> None:
    app = make_app(database_url=db_url)
    out = status(tmp_path, app, [*NON_ADMIN, *ADMIN])
    assert out.status is Status.PASS, out.message


STATUS_BREAKS = [
    (
        "auth-disabled",
        NON_ADMIN,
        Status.FAIL,
        ["as anonymous: got 200, expected 401", "require authentication"],
    ),
    (
        "admin-open",
        NON_ADMIN,
        Status.FAIL,
        ["/api/stripe/disputes as anonymous: got 200, expected 401"],
    ),
    (
        "admin-any-user",
        NON_ADMIN,
        Status.FAIL,
        [
            "as user: got 200, expected 403",
            "the credentials of user are let in: allow only the users this route is for",
            "issfr_x as user: got 404, expected 403; route not found at http://127.0.0.1:",
        ],
    ),
    ("admin-500", ADMIN, Status.ERROR, ["500 Internal Server Error: the route fails"]),
    (
        "leak-fields",
        ADMIN,
        Status.FAIL,
        ["carries data[0].customer.password_hash", "remove these fields"],
    ),
    (
        "leak-secret",
        ADMIN,
        Status.FAIL,
        ["the value of STRIPE_WEBHOOK_SECRET", "rotate that secret"],
    ),
    ("efw-missing-fields", ADMIN, Status.FAIL, ["lacks fraud_type", "actionable"]),
    ("portal-no-url", PORTAL, Status.FAIL, ["200 but lacks url"]),
]


@pytest.mark.parametrize(
    ("brk", "routes", "expected", "fragments"), STATUS_BREAKS, ids=[b for b, *_ in STATUS_BREAKS]
)
def test_each_http_break_is_caught_by_the_status_probe(
    tmp_path: Path,
    make_app: Any,
    brk: str,
    routes: list[dict[str, Any]],
    expected: Status,
    fragments: list[str],
) -> None:
    app = make_app(brk)
    out = status(tmp_path, app, routes)
    assert out.status is expected, out.message
    for fragment in fragments:
        assert fragment in out.message
    assert app.config.webhook_secret not in out.message + json.dumps(out.evidence)


def test_a_leaked_secret_is_named_but_never_shown(tmp_path: Path, make_app: Any) -> None:
    app = make_app("leak-secret")
    out = status(tmp_path, app, [{"path": "/api/stripe/fraud-warnings", "role": "admin"}])
    assert out.status is Status.FAIL
    assert "at data[0].debug.signing_secret" in out.message and "whsec_…(sha256:" in out.message
    assert app.config.webhook_secret not in out.message


def test_forbidden_fields_are_configurable(tmp_path: Path, make_app: Any) -> None:
    app = make_app("leak-fields")
    route = {"path": "/api/stripe/disputes", "role": "admin"}
    assert status(tmp_path, app, [route], forbid_fields=[]).status is Status.PASS
    out = status(tmp_path, app, [{**route, "forbid_fields": ["email"]}])
    assert out.status is Status.FAIL and "data[0].customer.email" in out.message
    assert LEAKED_HASH not in out.message


def test_wrong_expectations_say_what_to_fix(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = status(tmp_path, app, [{"path": "/api/stripe/disputes", "role": "user"}])
    assert out.status is Status.FAIL
    assert "got 403, expected 200; role user is refused: give its user the rights" in out.message
    out = status(tmp_path, app, [{"path": "/api/stripe/nope", "role": "admin"}])
    assert out.status is Status.ERROR  # a route that was never reached decides nothing
    assert "got 404" in out.message and "route not found at http://127.0.0.1:" in out.message
    assert "/api/stripe/nope: the request never reached a handler of the app" in out.message
    assert "check base_url and the item's path" in out.message


def test_one_item_reports_every_route(tmp_path: Path, make_app: Any) -> None:
    app = make_app("admin-any-user")
    out = status(tmp_path, app, NON_ADMIN)
    results = {(r["path"], r["role"]): r["result"] for r in out.evidence["routes"]}
    assert results[("/api/stripe/disputes", "anonymous")] == "ok"
    assert results[("/api/stripe/disputes", "user")] == "fail"
    assert f"{len(ADMIN_ROUTES)} of {len(NON_ADMIN)} route check(s) failed" in out.message
    # the user's 404 on a made-up id proves nothing alone (wrong path, or past access control)
    assert results[("/api/stripe/fraud-warnings/issfr_x", "user")] == "error"
    assert "(and could not check: GET /api/stripe/fraud-warnings/issfr_x as user" in out.message


def test_empty_lists_cannot_prove_required_fields(tmp_path: Path, make_app: Any) -> None:
    app = make_app("missing-fraud-warnings")  # the route then fails: error, not pass
    out = status(tmp_path, app, [{"path": "/api/stripe/fraud-warnings", "role": "admin"}])
    assert out.status is Status.ERROR and "500" in out.message
    from sqlalchemy import text

    from golive.sandbox.app.database import app_engine

    app2 = make_app(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    engine = app_engine(app2.config.database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fraud_warnings"))
    engine.dispose()
    out = status(tmp_path, app2, [{**DETAILS[1], "role": "admin"}])
    assert out.status is Status.WARN and "lists no item to open" in out.message
    out = status(
        tmp_path,
        app2,
        [
            {
                "path": "/api/stripe/fraud-warnings",
                "role": "admin",
                "require_fields": ["data[].fraud_type"],
            }
        ],
    )
    assert out.status is Status.WARN and "no element to check" in out.message


def test_roles_may_authenticate_with_cookies_and_headers(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    roles = {
        "user": {"cookies": {"session": "${GOLIVE_USER_TOKEN}"}},
        "admin": {"headers": {"Authorization": "Bearer ${GOLIVE_ADMIN_TOKEN}"}},
    }
    ctx = ctx_of(tmp_path, app, roles=roles)
    routes = [
        {"path": "/api/stripe/disputes", "role": "user", "expect": [403]},
        {"path": "/api/stripe/disputes", "role": "admin"},
        *PORTAL,
    ]
    out = run_probe("http.status", ctx, routes=routes)
    assert out.status is Status.PASS, out.message
    assert app.requests[0].user == "alice@customer.example"


def test_a_role_the_environment_lacks_is_an_error(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = status(tmp_path, app, [{"path": "/health", "role": "auditor"}])
    assert out.status is Status.ERROR and "defines no role 'auditor'" in out.message


# -- unreachable, slow, failing: error, never pass ----------------------------------------


def test_server_down_is_an_error_for_every_http_probe(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    ctx = ctx_of(tmp_path, app)
    app.stop()
    outcomes = [
        run_probe("http.status", ctx, routes=NON_ADMIN),
        run_probe("http.rate_limit", ctx, **RATE),
        run_probe("http.webhook_signature", ctx, path="/api/subscription/webhook"),
    ]
    for out in outcomes:
        assert out.status is Status.ERROR, out.message
        assert "cannot connect" in out.message and "is the deployment running" in out.message


def test_timeouts_are_errors(tmp_path: Path, make_app: Any) -> None:
    app = make_app(delay_s=1.0)
    ctx = ctx_of(tmp_path, app, timeout=0.3)
    out = run_probe("http.status", ctx, routes=[{"path": "/health"}])
    assert out.status is Status.ERROR and "no answer within 0.3s" in out.message
    out = run_probe("http.webhook_signature", ctx, path="/api/subscription/webhook")
    assert out.status is Status.ERROR and "no answer within 0.3s" in out.message


def test_each_probe_waits_for_its_own_timeout_on_the_shared_client(
    tmp_path: Path, make_app: Any
) -> None:
    # One HTTP client serves the whole run; the item that builds it must not impose its
    # timeout on the items after it, in either direction.
    app = make_app(delay_s=1.0)
    patient = ctx_of(tmp_path, app, timeout=5.0)
    hasty = patient.with_timeout(0.3)
    assert hasty.clients is patient.clients
    routes = [{"path": "/health"}]
    assert run_probe("http.status", patient, routes=routes).status is Status.PASS
    out = run_probe("http.status", hasty, routes=routes)
    assert out.status is Status.ERROR and "no answer within 0.3s" in out.message
    # and the other way round, on a fresh run's client
    hasty = ctx_of(tmp_path, app, timeout=0.3)
    patient = hasty.with_timeout(5.0)
    out = run_probe("http.status", hasty, routes=routes)
    assert out.status is Status.ERROR and "no answer within 0.3s" in out.message
    assert run_probe("http.status", patient, routes=routes).status is Status.PASS


def test_expected_5xx_is_allowed_but_unexpected_5xx_is_an_error(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app("admin-500")
    route = {"path": "/api/stripe/disputes", "role": "admin"}
    assert status(tmp_path, app, [{**route, "expect": [500]}]).status is Status.PASS
    assert status(tmp_path, app, [route]).status is Status.ERROR


# -- http.rate_limit ------------------------------------------------------------------------


def test_rate_limit_passes_when_per_user(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = run_probe("http.rate_limit", ctx_of(tmp_path, app), **RATE)
    assert out.status is Status.PASS, out.message
    assert "429 at request 11 of at most 30 (Retry-After: 60)" in out.message
    assert "other_user still served (200)" in out.message
    assert out.evidence["limited_at"] == 11 and out.evidence["statuses"] == {200: 10, 429: 1}
    identities = "X-Forwarded-For, X-Real-IP, Forwarded, CF-Connecting-IP, True-Client-IP, "
    assert f"still 429 with each of {identities}Authorization, Cookie changed" in out.message
    # stopped at the first 429, then one request per identity rotated (each limited at
    # once), plus one as other_user
    assert checkout_requests(app) == 12 + 7


def test_a_burst_runs_after_the_items_that_share_its_limiter(tmp_path: Path, make_app: Any) -> None:
    """7.1a fills the user's checkout limit; H.11 posts to the same route as the same user.
    Run together (as any check runs them), the burst waits, so H.11 is not answered 429."""
    from golive.engine.loader import load_checklist
    from golive.engine.runner import plan, run_plan

    from .helpers import CHECKLIST

    app = make_app()
    ctx = ctx_of(tmp_path, app)
    checklist = load_checklist(CHECKLIST).checklist
    # The reference checkout takes the client's choice from `tier` (a plan it looks up).
    items = []
    for item in checklist.items:
        if item.id == "H.11":
            spec = {"kind": item.probe.kind, **item.probe.params, "price_field": "tier"}
            item = item.model_copy(update={"probe": type(item.probe).model_validate(spec)})
        items.append(item)
    checklist = checklist.model_copy(update={"items": items})
    ids = ("7.1a", "H.11")
    planned = [p for p in plan(checklist, ctx.env.name, list(ids)) if p.item.id in ids]
    results = {r.id: r for r in run_plan(checklist, planned, ctx, concurrency=16)}
    assert results["H.11"].status is Status.PASS, results["H.11"].message
    assert results["7.1a"].status is Status.PASS, results["7.1a"].message
    # H.11's made-up prices are refused (400); the burst's requests are served, then 429.
    statuses = [r.status for r in app.requests if r.path == CHECKOUT]
    refused = [i for i, code in enumerate(statuses) if code == 400]
    assert refused and max(refused) < statuses.index(200), statuses  # H.11 went first


def test_rate_limit_passes_with_rotated_headers_when_keyed_on_the_user(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app()
    out = run_probe(
        "http.rate_limit", ctx_of(tmp_path, app), **RATE, rotate_headers=["X-Forwarded-For"]
    )
    assert out.status is Status.PASS, out.message
    assert "still 429 with each of X-Forwarded-For changed" in out.message


def test_no_rate_limit_fails_and_the_burst_stays_bounded(tmp_path: Path, make_app: Any) -> None:
    app = make_app("no-rate-limit")
    out = run_probe("http.rate_limit", ctx_of(tmp_path, app), **RATE, max_requests=25)
    assert out.status is Status.FAIL
    assert (
        "no 429 after 25 requests (200×25)" in out.message
        and "no per-user rate limit at all" in out.message
    )
    assert checkout_requests(app) == 25


def test_rate_limit_default_cap_is_30_and_the_hard_cap_100(tmp_path: Path, make_app: Any) -> None:
    from golive.checks.http_ratelimit import RateLimitParams

    assert RateLimitParams(path="/x").max_requests == 30
    with pytest.raises(ValueError):
        RateLimitParams(path="/x", max_requests=101)
    app = make_app("no-rate-limit")
    run_probe("http.rate_limit", ctx_of(tmp_path, app), path=CHECKOUT, role="user")
    assert checkout_requests(app) == 30


def test_global_rate_limit_fails_the_per_user_check(tmp_path: Path, make_app: Any) -> None:
    app = make_app("rate-limit-global")
    out = run_probe("http.rate_limit", ctx_of(tmp_path, app), **RATE)
    assert out.status is Status.FAIL
    assert "other_user was refused too (429)" in out.message and "not per user" in out.message


def test_limiter_keyed_on_an_unverified_header_fails_the_rotating_burst(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app("rate-limit-by-header")
    ctx = ctx_of(tmp_path, app)
    # Without rotation it looks fine: that is why the variant exists.
    assert run_probe("http.rate_limit", ctx, **RATE, rotate_headers=[]).status is Status.PASS
    app.reset_rate_limits()
    out = run_probe("http.rate_limit", ctx, **RATE)
    assert out.status is Status.FAIL
    assert "without header changes 429 at request 11" in out.message
    assert "with X-Forwarded-For changed on each request (as the same user) no 429 after 11" in (
        out.message
    )
    assert (
        "the limiter is keyed on X-Forwarded-For, so it trusts an unverified header" in out.message
    )
    # the second run: its burst, then one rotated burst no bigger than it, nothing more
    assert checkout_requests(app) == 12 + 11 + 11


def test_rate_limit_without_retry_after_is_advisory(tmp_path: Path, make_app: Any) -> None:
    app = make_app("rate-limit-no-retry-after")
    out = run_probe("http.rate_limit", ctx_of(tmp_path, app), **RATE)
    assert out.status is Status.PASS
    assert "(advisory: the 429 has no Retry-After header: add one" in out.message
    app.reset_rate_limits()
    out = run_probe("http.rate_limit", ctx_of(tmp_path, app), **RATE, require_retry_after=True)
    assert out.status is Status.WARN and "add one so clients know" in out.message


def test_rate_limit_refuses_live_environments_unless_allowed(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = run_probe("http.rate_limit", ctx_of(tmp_path, app, name="prod", mode="live"), **RATE)
    assert out.status is Status.SKIP
    assert "prod is a live environment" in out.message and "allow_traffic: true" in out.message
    assert checkout_requests(app) == 0
    allowed = ctx_of(tmp_path, app, name="prod", mode="live", allow_traffic=True)
    assert run_probe("http.rate_limit", allowed, **RATE).status is Status.PASS


def test_rate_limit_errors_on_refused_credentials_and_5xx(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    values = {**app.golive_env(), "GOLIVE_USER_TOKEN": "tok_not_a_real_user"}
    out = run_probe("http.rate_limit", make_context(tmp_path, values), **RATE)
    assert out.status is Status.ERROR and "credentials were refused" in out.message
    assert checkout_requests(app) == 1
    broken = make_app("admin-500", database_url=f"sqlite:///{tmp_path / 'b.db'}")
    out = run_probe(
        "http.rate_limit",
        ctx_of(tmp_path, broken),
        path="/api/stripe/disputes",
        method="GET",
        role="admin",
    )
    assert out.status is Status.ERROR and "500 Internal Server Error" in out.message


def test_anonymous_bursts_count_refusals_as_served(tmp_path: Path, make_app: Any) -> None:
    app = make_app()
    out = run_probe(
        "http.rate_limit", ctx_of(tmp_path, app), path=CHECKOUT, role="anonymous", max_requests=5
    )
    assert out.status is Status.FAIL and "401×5" in out.message
