"""http.rate_limit: a bounded burst as one user reaches 429, and a second user is still served.

The burst stops at the first 429 or at its cap (at most RATE_LIMIT_HARD_CAP requests),
and a live environment must opt in (`allow_traffic: true`) before any request is sent.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import TYPE_CHECKING, Any

from pydantic import Field

from golive.context import ProbeContext
from golive.probe import Probe, ProbeError, ProbeParams
from golive.results import Outcome

from .http_client import HttpMethod, RoutePath, role_headers, send, status_text

if TYPE_CHECKING:
    import httpx

RATE_LIMIT_HARD_CAP = 100
ROTATING_IP_HEADERS = frozenset(
    {"x-forwarded-for", "x-real-ip", "true-client-ip", "cf-connecting-ip", "x-client-ip"}
)


# -- http.rate_limit ---------------------------------------------------------------------


class RateLimitParams(ProbeParams):
    path: RoutePath = Field(description="The rate-limited route, e.g. create-checkout-session.")
    method: HttpMethod = "POST"
    role: str = Field("user", description="The role whose burst must be limited.")
    other_role: str | None = Field(
        None, description="A second user who must still be served after the first is limited."
    )
    body: dict[str, Any] | list[Any] | None = Field(
        None, description="JSON body; one the deployment rejects cheaply is fine."
    )
    headers: dict[str, str] = Field(default_factory=dict)
    max_requests: int = Field(
        30,
        ge=1,
        le=RATE_LIMIT_HARD_CAP,
        description=f"Burst cap: the probe stops at the first 429 or here (at most "
        f"{RATE_LIMIT_HARD_CAP}).",
    )
    rotate_headers: list[str] = Field(
        default_factory=list,
        description="Headers given a fresh made-up value on each request (X-Forwarded-For, "
        "Authorization...): a limiter keyed on them lets the burst through, and fails.",
    )
    require_retry_after: bool = Field(True, description="Warn when a 429 has no Retry-After.")


def rotated_value(header: str, i: int, salt: str) -> str:
    """A made-up value for a header on request `i` (documentation IPs, fake tokens)."""
    name = header.lower()
    ip = f"198.51.100.{(i % 254) + 1}"  # TEST-NET-2: never a real client
    if name in ROTATING_IP_HEADERS:
        return ip
    if name == "forwarded":
        return f"for={ip}"
    if name == "authorization":
        return f"Bearer golive-rotating-{salt}-{i}"
    return f"golive-{salt}-{i}"


class RateLimit(Probe[RateLimitParams]):
    kind = "http.rate_limit"
    Params = RateLimitParams
    summary = (
        "A bounded burst as one user reaches 429 (with Retry-After), and a second user is "
        "still served: the limit is per user, not global nor keyed on a spoofable header."
    )
    sends_traffic = True

    def run(self, params: RateLimitParams, ctx: ProbeContext) -> Outcome:
        if ctx.mode == "live" and not ctx.env.profile.allow_traffic:
            return Outcome.skip(
                f"not run: {ctx.env.name} is a live environment and this probe sends a burst "
                f"of up to {params.max_requests} requests to {params.path}; run it against "
                f"staging, or set allow_traffic: true in the {ctx.env.name} profile"
            )
        url = ctx.base_url() + params.path
        salt = secrets.token_hex(3)
        base_headers = {**role_headers(ctx, params.role), **params.headers}
        statuses: Counter[int] = Counter()
        rotating = ", ".join(params.rotate_headers)
        limited_at: int | None = None
        limited: httpx.Response | None = None
        evidence: dict[str, Any] = {"path": params.path, "role": params.role}
        for i in range(1, params.max_requests + 1):
            headers = {
                **base_headers,
                **{h: rotated_value(h, i, salt) for h in params.rotate_headers},
            }
            response = send(ctx, params.method, url, headers=headers, json_body=params.body)
            statuses[response.status_code] += 1
            evidence["statuses"] = dict(statuses)
            evidence["requests_sent"] = i
            if response.status_code == 429:
                limited_at, limited = i, response
                break
            self._check_served(response, params.role, i, params, evidence)
        label = f"{params.method} {params.path} as {params.role}"
        if limited is None or limited_at is None:
            counts = ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
            if params.rotate_headers:
                return Outcome.failed(
                    f"{label}: no 429 after {params.max_requests} requests with {rotating} "
                    f"changed on each request ({counts}): the limiter trusts an unverified "
                    "header; key it on the authenticated user (or the connection's address)",
                    **evidence,
                )
            return Outcome.failed(
                f"{label}: no 429 after {params.max_requests} requests ({counts}); add a "
                "per-user rate limit (e.g. 10 per minute) that answers 429 with Retry-After",
                **evidence,
            )
        retry_after = limited.headers.get("retry-after")
        evidence["limited_at"] = limited_at
        evidence["retry_after"] = retry_after
        found = f"429 at request {limited_at} of at most {params.max_requests}"
        found += f" (Retry-After: {retry_after})" if retry_after else " (no Retry-After)"
        other_note = ""
        if params.other_role is not None:
            headers = {
                **role_headers(ctx, params.other_role),
                **params.headers,
                **{h: rotated_value(h, 0, salt + "o") for h in params.rotate_headers},
            }
            other = send(ctx, params.method, url, headers=headers, json_body=params.body)
            evidence["other_role"] = params.other_role
            evidence["other_role_status"] = other.status_code
            if other.status_code == 429:
                return Outcome.failed(
                    f"{label}: {found}, but {params.other_role} was refused too (429) right "
                    "after: the limit is global or per address, not per user; key it on the "
                    "authenticated user",
                    **evidence,
                )
            self._check_served(other, params.other_role, 1, params, evidence)
            other_note = f"; {params.other_role} still served ({other.status_code})"
        if retry_after is None and params.require_retry_after:
            return Outcome.warn(
                f"{label}: {found}{other_note}; add a Retry-After header to the 429 so "
                "clients know when to retry",
                **evidence,
            )
        return Outcome.passed(f"{label}: {found}{other_note}", **evidence)

    def _check_served(
        self,
        response: httpx.Response,
        role: str,
        i: int,
        params: RateLimitParams,
        evidence: dict[str, Any],
    ) -> None:
        status = response.status_code
        if status >= 500:
            raise ProbeError(
                f"request {i} as {role} got {status_text(response)}: the route fails, so the "
                "burst proves nothing; see the deployment's logs"
            )
        if (
            status in (401, 403)
            and role != "anonymous"
            and "authorization" not in {h.lower() for h in params.rotate_headers}
        ):
            raise ProbeError(
                f"request {i} as {role} got {status}: the role's credentials were refused, so "
                "the burst proves nothing; check its token"
            )
