"""Requests that never reach a handler decide nothing (issue 14 §5), and the burst's bypass
check rotates every identity a limiter may key on (issue 18), on real HTTP servers."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from golive.core.results import Status

from .helpers import make_context, run_probe
from .stub_server import Reply, Seen, stub_server

TOKENS = {"GOLIVE_USER_TOKEN": "tok-user", "GOLIVE_OTHER_USER_TOKEN": "tok-other"}
BURST = {"path": "/api/buy", "role": "user", "max_requests": 12}


def stub_ctx(tmp_path: Path, url: str, **kw: Any) -> Any:
    return make_context(tmp_path / "ctx", {"GOLIVE_BASE_URL": url, **TOKENS}, **kw)


def user_of(request: Seen) -> str | None:
    """The user a bearer token names; the scheme is case-insensitive (RFC 9110 11.1)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return {"tok-user": "user", "tok-other": "other"}.get(token)


@pytest.mark.parametrize(
    ("status", "cause"),
    [
        (404, "404: no route at this path"),
        (405, "405: the path does not take this method"),
        (501, "501: the server does not implement this method"),
    ],
)
def test_a_burst_that_only_meets_the_router_is_an_error_not_no_rate_limit(
    tmp_path: Path, status: int, cause: str
) -> None:
    with stub_server(lambda r: Reply(status, {"detail": "x"})) as stub:
        out = run_probe("http.rate_limit", stub_ctx(tmp_path, stub.url), **BURST)
        sent = len(stub.requests)
    assert out.status is Status.ERROR, out.message
    assert f"POST /api/buy as user: every answer was {status}×12 ({cause})" in out.message
    assert "never reached a handler of the app, so this decides nothing" in out.message
    assert "set the item's path and method to a route the app serves for POST" in out.message
    assert "rate limit" not in out.message
    assert sent == 12  # the one bounded burst, no rotations after it


def test_a_burst_redirected_to_the_login_page_is_an_error(tmp_path: Path) -> None:
    login = Reply(302, headers={"Location": "/users/sign_in"})
    with stub_server(lambda r: login) as stub:
        out = run_probe("http.rate_limit", stub_ctx(tmp_path, stub.url), **BURST)
    assert out.status is Status.ERROR, out.message
    assert "every answer was a redirect (302×12) to the login page /users/sign_in" in out.message
    assert "the credentials of role user were not accepted" in out.message
    assert "rate limit" not in out.message


def test_status_405_and_forged_token_404_decide_nothing(tmp_path: Path) -> None:
    with stub_server(lambda r: Reply(405 if r.method == "GET" else 404)) as stub:
        ctx = stub_ctx(tmp_path, stub.url)
        out = run_probe("http.status", ctx, routes=[{"path": "/api/me", "role": "user"}])
        assert out.status is Status.ERROR, out.message
        assert "GET /api/me as user: got 405, expected 200" in out.message
        assert "405: the path does not take this method" in out.message
        out = run_probe("http.forged_token", ctx, path="/api/me", method="POST")
    assert out.status is Status.ERROR, out.message
    assert "POST /api/me: every answer was 404 (404: no route at this path)" in out.message
    assert "let in" not in out.message


# -- the bypass check: every identity a limiter may key on ------------------------------


def limited_by(key: Callable[[Seen], str], limit: int = 5) -> Callable[[Seen], Reply]:
    """An app serving signed-in users, limited to `limit` requests per `key(request)`."""
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def handler(request: Seen) -> Reply:
        if user_of(request) is None:
            return Reply(401, {"detail": "sign in"})
        with lock:
            counts[key(request)] += 1
            over = counts[key(request)] > limit
        if over:
            return Reply(429, {"detail": "slow down"}, {"Retry-After": "60"})
        return Reply(200, {"ok": True})

    return handler


IDENTITIES: dict[str, Callable[[Seen], str]] = {
    "X-Forwarded-For": lambda r: r.headers.get("x-forwarded-for", "peer"),
    "X-Real-IP": lambda r: r.headers.get("x-real-ip", "peer"),
    "Forwarded": lambda r: r.headers.get("forwarded", "peer"),
    "CF-Connecting-IP": lambda r: r.headers.get("cf-connecting-ip", "peer"),
    "True-Client-IP": lambda r: r.headers.get("true-client-ip", "peer"),
    "Authorization": lambda r: r.headers.get("authorization", ""),  # the raw header
    "Cookie": lambda r: r.headers.get("cookie", ""),
}


@pytest.mark.parametrize("header", list(IDENTITIES))
def test_the_finding_names_the_header_that_defeats_the_limit(tmp_path: Path, header: str) -> None:
    with stub_server(limited_by(IDENTITIES[header])) as stub:
        out = run_probe("http.rate_limit", stub_ctx(tmp_path, stub.url), **BURST)
        sent = len(stub.requests)
    assert out.status is Status.FAIL, out.message
    assert "without header changes 429 at request 6 of at most 12" in out.message
    assert f"but with {header} changed on each request (as the same user) no 429 after 6" in (
        out.message
    )
    assert f"the limiter is keyed on {header}, so it trusts an unverified header" in out.message
    rotated_before = list(IDENTITIES).index(header)
    assert sent == 6 + rotated_before + 6  # bounded: one 429 per identity that holds


def test_a_limit_keyed_on_the_user_holds_against_every_identity(tmp_path: Path) -> None:
    with stub_server(limited_by(lambda r: str(user_of(r)))) as stub:
        ctx = stub_ctx(tmp_path, stub.url)
        out = run_probe("http.rate_limit", ctx, **BURST, other_role="other_user")
        sent = len(stub.requests)
        seen = stub.requests
    assert out.status is Status.PASS, out.message
    assert f"still 429 with each of {', '.join(IDENTITIES)} changed" in out.message
    assert "other_user still served (200)" in out.message
    assert sent == 6 + len(IDENTITIES) + 1
    rotated = [r.headers.get("authorization") for r in seen[6:]]
    assert "bearer tok-user" in rotated  # the same credentials, the scheme's case changed
    assert any("golive_probe_" in r.headers.get("cookie", "") for r in seen[6:])


# -- the app's own login limiter ----------------------------------------------------------


def login_limited(limited_times: int, retry_after: str | None) -> Callable[[Seen], Reply]:
    """POST /login answers 429 `limited_times` times, then a token; /api/me wants it."""
    logins = Counter[str]()

    def handler(request: Seen) -> Reply:
        if request.path == "/login":
            logins["n"] += 1
            if logins["n"] <= limited_times:
                headers = {"Retry-After": retry_after} if retry_after else {}
                return Reply(429, {"detail": "too many attempts"}, headers)
            return Reply(200, {"token": "tok-user"})
        return Reply(200, {"me": 1}) if user_of(request) else Reply(401, {"detail": "no"})

    return handler


LOGIN_ROLE = {
    "user": {
        "login": {
            "path": "/login",
            "json": {"email": "a@x.test", "password": "pw"},
            "token_field": "token",
        }
    }
}
ME = [{"path": "/api/me", "role": "user"}]


def test_a_login_limited_briefly_is_waited_for(tmp_path: Path) -> None:
    with stub_server(login_limited(2, "1")) as stub:
        ctx = stub_ctx(tmp_path, stub.url, roles=LOGIN_ROLE, timeout=8.0)
        out = run_probe("http.status", ctx, routes=ME)
        logins = [r for r in stub.requests if r.path == "/login"]
    assert out.status is Status.PASS, out.message
    assert len(logins) == 3  # waited out Retry-After twice, within the item's time


@pytest.mark.parametrize(
    ("retry_after", "advice"),
    [
        ("120", "rerun after 120 s"),
        (None, "rerun once its limit has reset (it sent no Retry-After)"),
    ],
)
def test_a_login_limited_beyond_the_deadline_says_so_and_nothing_else(
    tmp_path: Path, retry_after: str | None, advice: str
) -> None:
    with stub_server(login_limited(99, retry_after)) as stub:
        ctx = stub_ctx(tmp_path, stub.url, roles=LOGIN_ROLE)
        first = run_probe("http.status", ctx, routes=ME)
        again = run_probe("http.status", ctx, routes=ME)
        logins = [r for r in stub.requests if r.path == "/login"]
    assert first.status is Status.ERROR, first.message
    assert f"the app's login is rate-limited (429): {advice} or use a command role" in (
        first.message
    )
    assert "path" not in first.message.split("429", 1)[1] and "field" not in first.message
    assert again.message == first.message and len(logins) == 1  # one login per role per run
