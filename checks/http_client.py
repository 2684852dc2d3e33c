"""Sending requests to the deployment: shared by every http.* probe.

Every request goes to the environment's base URL with the shared httpx client (no
redirects followed, no proxies from the environment). A timeout or a refused connection
is ProbeError (`error`), never `pass`: the probe could not see the behaviour it was
asked about. Credentials come from the environment's roles and are revealed only into
the request's headers.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import ProbeError
from golive.values.login import retry_after_seconds

if TYPE_CHECKING:
    import httpx

#: The most of an answer's body (decompressed) any http.* probe reads: an app's answers
#: to API routes and pages are far smaller; one that sends without end is refused here.
MAX_ANSWER_BYTES = 10 * 1024 * 1024

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError("a path on the deployment, starting with '/'")
    return value


RoutePath = Annotated[str, AfterValidator(_path)]


def role_headers(ctx: ProbeContext, role: str) -> dict[str, str]:
    """The role's credentials as request headers (cookies as one Cookie header). A role
    that logs in does so here, on first use (golive/values/login.py): its failure is ProbeError."""
    creds = ctx.role(role)
    headers = {name: value.reveal() for name, value in creds.headers.items()}
    if creds.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v.reveal()}" for k, v in creds.cookies.items())
    return headers


def send(
    ctx: ProbeContext,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    content: bytes | None = None,
    client: httpx.Client | None = None,
    form: Mapping[str, str | int | float | bool] | None = None,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> httpx.Response:
    """One request; no answer, a refused connection or a broken exchange is ProbeError.

    The body is `content` (bytes as given), else `form` (form-encoded), else `json_body`.
    The answer's body is read up to `max_bytes` (decompressed): a longer one, or one that
    never ends, is ProbeError at the cap, never a process filling its memory."""
    import httpx

    from golive.core.inputfiles import InputFileError, read_capped

    shown = shown_url(url)
    use = client or ctx.http()
    try:
        request = use.build_request(
            method,
            url,
            headers=dict(headers or {}),
            json=json_body if content is None and form is None else None,
            data=form_fields(form) if form is not None and content is None else None,
            content=content,
            timeout=ctx.http_timeout(),  # this item's, not the shared client's
        )
        response = use.send(request, stream=True)
        try:
            body = read_capped(
                response.iter_bytes(), max_bytes, response.headers.get("content-length")
            )
        finally:
            response.close()
        kept = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(response.status_code, headers=kept, content=body, request=request)
    except InputFileError as exc:
        raise ProbeError(f"{method} {shown}: the answer is {exc}") from None
    except httpx.TimeoutException:
        raise ProbeError(
            f"{method} {shown}: no answer within {ctx.timeout:g}s; is the deployment up "
            "and healthy?"
        ) from None
    except httpx.ConnectError as exc:
        raise ProbeError(
            f"{method} {shown}: cannot connect ({reason(exc)}); is the deployment running "
            "at this base URL?"
        ) from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{method} {shown}: {type(exc).__name__}: {reason(exc)}") from None


def refuse_live_traffic(
    ctx: ProbeContext, what: str, instead: str = "run it against staging", tail: str = ""
) -> Outcome | None:
    """The one guard of every probe that sends traffic a deployment could notice (bursts,
    sweeps, state-changing requests): on a live environment without `allow_traffic` it is
    refused before anything is sent, as a skip saying why and how to opt in; else None."""
    if ctx.mode != "live" or ctx.env.profile.allow_traffic:
        return None
    env = ctx.env.name
    return Outcome.skip(
        f"not run: {env} is a live environment and {what}; {instead}, or set "
        f"allow_traffic: true in the {env} profile{tail}",
        refused="live_traffic",  # golive combine takes such items from a staging report
    )


#: Where a redirect that means "log in first" goes (searched in the Location's path).
DEFAULT_LOGIN_PATTERN = r"login|signin|sign-in|sign_in|accounts"

#: Answers that come from the server's routing, not from a handler of the app.
NOT_REACHED = {
    404: "no route at this path",
    405: "the path does not take this method",
    501: "the server does not implement this method",
}


def login_redirect(response: httpx.Response, pattern: str = DEFAULT_LOGIN_PATTERN) -> str | None:
    """The login page a 3xx answer sends the caller to (its Location's path), or None.

    Apps with session logins (Django's login_required, Rails' Devise) answer an anonymous
    or refused caller with a redirect to their login page rather than 401: that is a
    refusal, judged the same way by every probe that asks "was this caller refused?"."""
    if not 300 <= response.status_code < 400:
        return None
    location = str(response.headers.get("location", ""))
    target = urlsplit(location).path or location
    if location and re.search(pattern, target, re.I) is not None:
        return target
    return None


def never_reached(
    method: str,
    path: str,
    responses: Iterable[httpx.Response],
    *,
    role: str | None = None,
    login_pattern: str = DEFAULT_LOGIN_PATTERN,
    setting: str = "the item's path and method",
) -> str | None:
    """Why no answer reached a handler of the app, or None when one did.

    Every answer 404/405/501 (the server's routing: no such route, not for this method),
    or, for a request meant to be served to `role`, every answer a redirect to a login
    page (the request stopped at the login): then the item decides nothing about the
    app, and says which route and method it sent and what to set. Shared by every http.*
    probe, so none of them reports a finding ("no rate limit", "not verified") about a
    handler it never reached."""
    answers = list(responses)
    if not answers:
        return None
    label = f"{method} {path}" + (f" as {role}" if role else "")
    statuses = Counter(r.status_code for r in answers)
    counts = ", ".join(f"{s}×{n}" if n > 1 else str(s) for s, n in sorted(statuses.items()))
    if set(statuses) <= set(NOT_REACHED):
        causes = "; ".join(f"{s}: {NOT_REACHED[s]}" for s in sorted(statuses))
        return (
            f"{label}: every answer was {counts} ({causes}): the request never reached a "
            "handler of the app, so this decides nothing about it; set "
            f"{setting} to a route the app serves for {method} (and check the environment's "
            "base_url)"
        )
    pages = {login_redirect(r, login_pattern) for r in answers}
    if role is not None and None not in pages:
        who = "no credentials" if role == "anonymous" else f"the credentials of role {role}"
        return (
            f"{label}: every answer was a redirect ({counts}) to the login page "
            f"{', '.join(sorted(p for p in pages if p))}: the request stopped at the login and "
            f"never reached the route's handler, so this decides nothing about it; {who} "
            "were not accepted: give the item a role whose credentials the app accepts "
            "(the environment's roles:)"
        )
    return None


def form_fields(form: Mapping[str, str | int | float | bool]) -> dict[str, str]:
    """Form values as an HTML form sends them (true/false for booleans)."""
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in form.items()}


def shown_url(url: str) -> str:
    """The URL without user info or query (they may carry credentials)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def status_text(response: httpx.Response) -> str:
    phrase = response.reason_phrase
    return f"{response.status_code} {phrase}".strip()


class Patience:
    """How long a probe may wait for the app's own rate limiter to let it in again.

    A 429 from the app during a status or signature probe says nothing about the
    question asked: wait for Retry-After while the item's time allows (half of it, so
    the answer still comes in time), else give up with `error`, never a diagnosis.
    """

    def __init__(self, ctx: ProbeContext, retries: int = 3) -> None:
        self.deadline = time.monotonic() + ctx.timeout / 2
        self.retries = retries

    def send(
        self,
        ctx: ProbeContext,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        form: Mapping[str, str | int | float | bool] | None = None,
    ) -> httpx.Response:
        """`send`, retried after Retry-After on a 429; still 429 is ProbeError."""
        for _ in range(self.retries + 1):
            response = send(
                ctx, method, url, headers=headers, json_body=json_body, content=content, form=form
            )
            if response.status_code != 429:
                return response
            wait = retry_after_seconds(response)
            if wait is None or time.monotonic() + wait > self.deadline or self.retries <= 0:
                break
            self.retries -= 1
            time.sleep(wait)
        after = response.headers.get("retry-after")
        raise ProbeError(
            f"{method} {shown_url(url)}: rate limited by the app (429"
            f"{f', Retry-After: {after}' if after else ', no Retry-After'}), could not decide; "
            "run again when the app's limiter has reset, or exempt golive's requests from it"
        )
