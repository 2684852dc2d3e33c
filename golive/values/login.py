"""Roles that log in: a login request, or a command that prints a token or a cookie.

Many apps have no long-lived API token to paste into a profile: a user signs in with a
form (Django's session + CSRF) or a JSON POST, or a team's script mints a short-lived
token. A role may therefore say how to obtain its credentials, and golive does it once
per role per run, on first use, shared by every probe (thread-safe; a failed login is
remembered too, so each item reports the same cause without trying again).

What is obtained is a secret from that moment: added to the run's redactor, wrapped in
`Secret`, never printed. A login golive cannot complete is `error` on every item that
needs the role, naming the request and the status seen; a login answer never decides
an item by itself.

The login runs in a client of its own (its own cookie jar): the shared client keeps no
cookies, so a session never leaks into requests made as another role or as anonymous.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from golive.core.codegate import run_command
from golive.core.errors import ProbeError, SourceError
from golive.core.secrets import Redactor, Secret, remember
from golive.core.useragent import user_agent
from golive.values.roles import Role, RoleCommand

if TYPE_CHECKING:
    import http.cookiejar

    import httpx


class LoginContext(Protocol):
    """What a login needs of a run: the deployment's URL, the checklist's folder (where a
    role's command runs), the time allowed and the redactor; not a whole ProbeContext."""

    @property
    def root(self) -> Path: ...
    @property
    def timeout(self) -> float: ...
    @property
    def redactor(self) -> Redactor: ...
    def base_url(self) -> str: ...


def obtain(ctx: LoginContext, role: Role) -> Role:
    """Log in (or run the command) now; ProbeError names what was seen when it fails."""
    if role.command is not None:
        headers, cookies = _run_command(ctx, role.name, role.command)
    else:
        assert role.login is not None
        headers, cookies = _log_in(ctx, role)
    for name, secret in (*headers.items(), *cookies.items()):
        if name == "Referer":
            continue  # the deployment's own URL, not a credential
        value = secret.reveal()
        remember(value)
        ctx.redactor.add(value)
        ctx.redactor.add(value.removeprefix("Bearer "))
    return Role(
        role.name,
        {**role.headers, **headers},
        {**role.cookies, **cookies},
    )


# -- a login request ---------------------------------------------------------------------


def _log_in(ctx: LoginContext, role: Role) -> tuple[dict[str, Secret], dict[str, Secret]]:
    import httpx

    assert role.login is not None
    login = role.login
    spec = login.spec
    base = ctx.base_url()
    what = f"could not log in as {role.name}"
    fixed = {name: value.reveal() for name, value in role.headers.items()}
    if role.cookies:
        fixed["Cookie"] = "; ".join(f"{k}={v.reveal()}" for k, v in role.cookies.items())
    with httpx.Client(
        timeout=httpx.Timeout(ctx.timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": user_agent()},
    ) as client:
        headers = dict(fixed)
        form = dict(login.form) if login.form is not None else None
        csrf_token = None
        if spec.csrf is not None:
            page = spec.csrf.from_path or spec.path
            answer = _send(client, "GET", base + page, what, ctx, headers=fixed)
            csrf_token = _cookie(client, spec.csrf.cookie)
            if not csrf_token:
                raise ProbeError(
                    f"{what}: GET {page} answered {_status(answer)} and set no "
                    f"{spec.csrf.cookie!r} cookie, so there is no CSRF token to send back: "
                    "check csrf.from_path (a page that renders the login form) and csrf.cookie"
                )
            headers[spec.csrf.header] = csrf_token
            headers["Referer"] = base + page  # HTTPS CSRF checks compare it with the host
            if form is not None and spec.csrf.field:
                form[spec.csrf.field] = csrf_token
        shown = f"{spec.method} {spec.path}"
        deadline = time.monotonic() + ctx.timeout / 2  # the answer must still come in time
        while True:
            answer = _send(
                client,
                spec.method,
                base + spec.path,
                what,
                ctx,
                headers=headers,
                form=form,
                json_body=login.json_body if form is None else None,
            )
            if answer.status_code != 429:
                break
            # The app's own login limiter (a rerun within its window): nothing is known
            # about the credentials or the request's shape, so no advice about them.
            wait = retry_after_seconds(answer)
            if wait is None or time.monotonic() + wait > deadline:
                after = (
                    f"rerun after {math.ceil(wait)} s"
                    if wait is not None
                    else ("rerun once its limit has reset (it sent no Retry-After)")
                )
                raise ProbeError(
                    f"{what}: {shown} answered 429: the app's login is rate-limited (429): "
                    f"{after} or use a command role (a token or cookie minted by a command, "
                    "docs/adapting.md)"
                )
            time.sleep(wait)
        status = answer.status_code
        if status >= 500:
            raise ProbeError(
                f"{what}: {shown} answered {_status(answer)}: the login route fails; see the "
                "deployment's logs"
            )
        if status in (401, 403):
            raise ProbeError(
                f"{what}: {shown} answered {status}: the credentials were refused, or the "
                "request was (a CSRF check answers 403 too: then set csrf: on the login)"
            )
        if status >= 400:
            raise ProbeError(
                f"{what}: {shown} answered {status}: the login request was not accepted; "
                "check the login's path and its form or json fields"
            )
        if spec.token_field is not None:
            token = _token(answer, spec.token_field)
            if token is None:
                raise ProbeError(
                    f"{what}: {shown} answered {status} without a {spec.token_field!r} string "
                    "in a JSON body: wrong credentials, or token_field names another field"
                )
            return {"Authorization": Secret(f"Bearer {token}")}, {}
        set_now = {c.name for c in answer.cookies.jar}
        if spec.csrf is not None:
            set_now.discard(spec.csrf.cookie)
        if not set_now:
            again = " with the login form again" if _login_form(answer) else ""
            raise ProbeError(
                f"{what}: {shown} answered {status}{again} and set no session cookie: "
                "wrong credentials" + (" or CSRF" if spec.csrf is not None else "")
            )
        cookies = {c.name: Secret(c.value or "") for c in client.cookies.jar}
        headers_out: dict[str, Secret] = {}
        if spec.csrf is not None:
            # Unsafe requests of a CSRF-protected app must send the (possibly rotated) token.
            token = _cookie(client, spec.csrf.cookie) or csrf_token or ""
            headers_out[spec.csrf.header] = Secret(token)
            headers_out["Referer"] = Secret(base + "/")  # HTTPS CSRF checks want one
        return headers_out, cookies


def cookie_header(jar: http.cookiejar.CookieJar, url: str, given: str | None) -> str | None:
    """The Cookie header for a login request: what the role gives, then the login's own.

    A cookie marked Secure goes back only over https, as a browser does; but the base
    URL is the one the user chose to check, so when it is http:// (a loopback or internal
    deployment) Secure cookies (Django's CSRF_COOKIE_SECURE, SESSION_COOKIE_SECURE) are
    sent back to it too: otherwise the CSRF cookie never returns and the login fails its
    CSRF check whatever the credentials.
    """
    import http.cookiejar
    import urllib.request

    protocols = ("https", "wss", "http") if urlsplit(url).scheme == "http" else ("https", "wss")
    chosen = http.cookiejar.CookieJar(
        policy=http.cookiejar.DefaultCookiePolicy(secure_protocols=protocols)
    )
    for cookie in jar:
        chosen.set_cookie(cookie)
    request = urllib.request.Request(url)
    chosen.add_cookie_header(request)
    own = request.get_header("Cookie")
    parts = [part for part in (given, own) if part]
    return "; ".join(parts) or None


def _send(
    client: httpx.Client,
    method: str,
    url: str,
    what: str,
    ctx: LoginContext,
    *,
    headers: Mapping[str, str],
    form: Mapping[str, str] | None = None,
    json_body: Any = None,
) -> httpx.Response:
    import httpx

    shown = f"{method} {urlsplit(url).path}"
    sent = dict(headers)
    cookies = cookie_header(client.cookies.jar, url, sent.pop("Cookie", None))
    if cookies:
        sent["Cookie"] = cookies  # the jar's own header would drop Secure cookies on http
    try:
        return client.request(
            method, url, headers=sent, data=dict(form) if form else None, json=json_body
        )
    except httpx.TimeoutException:
        raise ProbeError(f"{what}: {shown}: no answer within {ctx.timeout:g}s") from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{what}: {shown}: {type(exc).__name__}") from None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After of an answer in seconds (delta-seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    import datetime as dt
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _cookie(client: httpx.Client, name: str) -> str | None:
    for cookie in client.cookies.jar:
        if cookie.name == name and cookie.value:
            return cookie.value
    return None


def _status(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


def _login_form(response: httpx.Response) -> bool:
    """Whether the answer is an HTML page with a password field (the form shown again)."""
    if "html" not in response.headers.get("content-type", ""):
        return False
    text = response.text.lower()
    return "<form" in text and 'type="password"' in text


def _token(response: httpx.Response, path: str) -> str | None:
    try:
        value: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value if isinstance(value, str) and value else None


# -- a command ---------------------------------------------------------------------------


def _run_command(
    ctx: LoginContext, name: str, command: RoleCommand
) -> tuple[dict[str, Secret], dict[str, Secret]]:
    what = f"could not obtain credentials for {name}"
    shown = command.argv[0]
    try:
        out, err, code = run_command(
            list(command.argv), ctx.root, command.timeout, f"the command {shown!r}"
        )
    except SourceError as exc:
        raise ProbeError(f"{what}: {exc}") from None
    if code != 0:
        raise ProbeError(
            f"{what}: the command {shown!r} exited {code} ({len(err)} bytes on stderr, not "
            "shown; GOLIVE_DEBUG=1 shows it redacted)"
        )
    text = out.decode("utf-8", errors="replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ProbeError(
            f"{what}: the command {shown!r} printed {len(lines)} lines; expected one line "
            f"with the {'token' if command.prints == 'token' else 'cookie NAME=VALUE'}"
        )
    value = lines[0].strip()
    remember(value)
    ctx.redactor.add(value)
    if command.prints == "token":
        return {"Authorization": Secret(f"Bearer {value.removeprefix('Bearer ')}")}, {}
    cookies: dict[str, Secret] = {}
    for pair in value.removeprefix("Cookie:").split(";"):
        key, eq, cookie = pair.strip().partition("=")
        if not eq or not key:
            raise ProbeError(
                f"{what}: the command {shown!r} printed a line that is not a cookie "
                "NAME=VALUE (not shown: it may be a secret)"
            )
        cookies[key] = Secret(cookie)
    return {}, cookies
