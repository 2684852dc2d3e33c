"""Sending requests to the deployment: shared by every http.* probe.

Every request goes to the environment's base URL with the shared httpx client (no
redirects followed, no proxies from the environment). A timeout or a refused connection
is ProbeError (`error`), never `pass`: the probe could not see the behaviour it was
asked about. Credentials come from the environment's roles and are revealed only into
the request's headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator

from golive.context import ProbeContext
from golive.probe import ProbeError

if TYPE_CHECKING:
    import httpx

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError("a path on the deployment, starting with '/'")
    return value


RoutePath = Annotated[str, AfterValidator(_path)]


def role_headers(ctx: ProbeContext, role: str) -> dict[str, str]:
    """The role's credentials as request headers (cookies as one Cookie header)."""
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
) -> httpx.Response:
    """One request; no answer, a refused connection or a broken exchange is ProbeError."""
    import httpx

    shown = shown_url(url)
    try:
        return (client or ctx.http()).request(
            method,
            url,
            headers=dict(headers or {}),
            json=json_body if content is None else None,
            content=content,
        )
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
