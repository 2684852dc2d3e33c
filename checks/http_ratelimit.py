"""http.rate_limit: a bounded burst as one user reaches 429, and a second user is still served.

The burst stops at the first 429 or at its cap (at most RATE_LIMIT_HARD_CAP requests),
and a live environment must opt in (`allow_traffic: true`) before any request is sent.
Once limited, each identity a limiter may key on (the client-address headers, the raw
Authorization header, the Cookie header) is rotated in turn, as the same user: a burst
of at most as many requests as reached the 429, so the traffic stays bounded by
(1 + number of identities) x the first burst. Answers that never reached a handler
(all 404/405/501, or redirects to the login page) decide nothing: `error`.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams

from .http_client import (
    NOT_REACHED,
    HttpMethod,
    RoutePath,
    never_reached,
    refuse_live_traffic,
    role_headers,
    send,
    status_text,
)

if TYPE_CHECKING:
    import httpx

RATE_LIMIT_HARD_CAP = 100
ROTATING_IP_HEADERS = frozenset(
    {"x-forwarded-for", "x-real-ip", "true-client-ip", "cf-connecting-ip", "x-client-ip"}
)
#: Every identity a limiter may key on instead of the authenticated user.
IDENTITY_HEADERS = (
    "X-Forwarded-For",
    "X-Real-IP",
    "Forwarded",
    "CF-Connecting-IP",
    "True-Client-IP",
    "Authorization",
    "Cookie",
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
    form: dict[str, str | int | float | bool] | None = Field(
        None, description="A form-encoded body instead of the JSON one (an HTML form's POST)."
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
        default_factory=lambda: list(IDENTITY_HEADERS),
        description="Headers rotated one at a time once the burst is limited, each given a "
        "fresh value per request as the same user (client-address headers: documentation "
        "IPs; Authorization: the role's own credentials with the scheme's letter case "
        "changed, or junk ones when the role has none; Cookie: a junk cookie added): a limiter "
        "keyed on one of them lets that burst through, and fails naming it. [] turns it off.",
    )
    require_retry_after: bool = Field(
        False,
        description="Warn when a 429 has no Retry-After (default: an advisory note in the "
        "message, never a warning of the item).",
    )

    @model_validator(mode="after")
    def _one_body(self) -> RateLimitParams:
        if self.body is not None and self.form is not None:
            raise ValueError("give body: (JSON) or form:, not both")
        return self


def rotated_value(header: str, i: int, salt: str, current: str | None = None) -> str:
    """A made-up value for a header on request `i` (documentation IPs, fake tokens).

    A request that already carries the header (the role's credentials) keeps what
    authenticates it: Authorization gets the same credentials with the scheme's letters
    in another case (schemes are case-insensitive, RFC 9110 11.1, so the app still sees
    the same user while a limiter keyed on the raw header sees a new caller), Cookie
    gets one junk cookie added to the role's own."""
    name = header.lower()
    ip = f"198.51.100.{(i % 254) + 1}"  # TEST-NET-2: never a real client
    if name in ROTATING_IP_HEADERS:
        return ip
    if name == "forwarded":
        return f"for={ip}"
    if name == "authorization":
        scheme, _, credentials = (current or "").partition(" ")
        if current and credentials and len(scheme) > 1:
            # request i gets the i-th case pattern of the scheme (never the original's 0)
            n = min(len(scheme), 12)
            pattern = (i - 1) % (2**n - 1) + 1
            cased = "".join(
                c.swapcase() if (pattern >> k) & 1 else c for k, c in enumerate(scheme[:n])
            )
            return f"{cased}{scheme[n:]} {credentials}"
        return f"Bearer golive-rotating-{salt}-{i}"
    if name == "cookie":
        junk = f"golive_probe_{salt}={i}"
        return f"{current}; {junk}" if current else junk
    return f"golive-{salt}-{i}"


@dataclass
class Burst:
    statuses: Counter[int] = field(default_factory=Counter)
    sent: int = 0
    limited: httpx.Response | None = None
    answers: list[httpx.Response] = field(default_factory=list)

    def counts(self) -> str:
        return ", ".join(f"{s}×{n}" for s, n in sorted(self.statuses.items()))


class RateLimit(Probe[RateLimitParams]):
    kind = "http.rate_limit"
    Params = RateLimitParams
    summary = (
        "A bounded burst as one user reaches 429 (with Retry-After), and a second user is "
        "still served: the limit is per user, not global nor keyed on a spoofable header."
    )
    sends_traffic = True
    fills_limits = True  # after its burst the user is limited for a while: it runs last

    def run(self, params: RateLimitParams, ctx: ProbeContext) -> Outcome:
        refused = refuse_live_traffic(
            ctx,
            f"this probe sends a burst of up to {params.max_requests} requests to {params.path} "
            f"(and as many again per identity header rotated, {len(params.rotate_headers)})",
        )
        if refused:
            return refused
        url = ctx.base_url() + params.path
        salt = secrets.token_hex(3)
        label = f"{params.method} {params.path} as {params.role}"
        evidence: dict[str, Any] = {"path": params.path, "role": params.role}
        plain = self._burst(ctx, params, url, params.max_requests, None, salt, evidence)
        evidence["statuses"] = dict(plain.statuses)
        evidence["requests_sent"] = plain.sent
        unreached = never_reached(params.method, params.path, plain.answers, role=params.role)
        if unreached:
            raise ProbeError(unreached)
        if plain.limited is None:
            counts = plain.counts()
            if set(plain.statuses) <= {400, 422}:
                raise ProbeError(
                    f"{label}: every request of the burst was refused as invalid ({counts}), so "
                    "the app rejected the body before any limiter could count it: give the item "
                    "a body the route accepts (frameworks such as FastAPI validate the body "
                    "before dependencies and limiters run)"
                )
            return Outcome.failed(
                f"{label}: no 429 after {params.max_requests} requests ({counts}): no per-user "
                "rate limit at all; add one (e.g. 10 per minute) that answers 429 with "
                "Retry-After",
                **evidence,
            )
        limited = plain.limited
        retry_after = limited.headers.get("retry-after")
        evidence["limited_at"] = plain.sent
        evidence["retry_after"] = retry_after
        found = f"429 at request {plain.sent} of at most {params.max_requests}"
        found += f" (Retry-After: {retry_after})" if retry_after else " (no Retry-After)"
        bypass = self._rotations(ctx, params, url, plain, salt, evidence)
        if bypass:
            header, rotated = bypass
            return Outcome.failed(
                f"{label}: without header changes {found}, but with {header} changed on each "
                f"request (as the same user) no 429 after {rotated.sent} requests "
                f"({rotated.counts()}): the limiter is keyed on {header}, so it trusts an "
                "unverified header any client chooses; key it on the authenticated user (or "
                "the connection's address, as the trusted proxy reports it)",
                **evidence,
            )
        if evidence.get("rotated"):
            found += f"; still 429 with each of {', '.join(evidence['rotated'])} changed"
        if evidence.get("rotation_undecided"):
            found += f" (not judged: {'; '.join(evidence['rotation_undecided'])})"
        other_note = ""
        if params.other_role is not None:
            headers = {
                **role_headers(ctx, params.other_role),
                **params.headers,
            }
            other = send(
                ctx, params.method, url, headers=headers, json_body=params.body, form=params.form
            )
            evidence["other_role"] = params.other_role
            evidence["other_role_status"] = other.status_code
            if other.status_code == 429 and plain.sent == 1:
                # Refused before anything was served, both users alike: a global limit, one
                # still in force from an earlier burst, or the whole app rate limited. The
                # burst cannot tell these apart, so it decides nothing.
                raise ProbeError(
                    f"{label}: rate limited by the app: 429 at the first request, and "
                    f"{params.other_role} was refused too (429): a global limit, a limit still "
                    "in force from an earlier run, or a limiter in front of every route; rerun "
                    "once it has reset",
                )
            if other.status_code == 429:
                return Outcome.failed(
                    f"{label}: {found}, but {params.other_role} was refused too (429) right "
                    "after: the limit is global or per address, not per user; key it on the "
                    "authenticated user",
                    **evidence,
                )
            self._check_served(other, params.other_role, 1, params, evidence)
            other_note = f"; {params.other_role} still served ({other.status_code})"
        if retry_after is None:
            advice = "the 429 has no Retry-After header: add one so clients know when to retry"
            if params.require_retry_after:
                return Outcome.warn(f"{label}: {found}{other_note}; {advice}", **evidence)
            return Outcome.passed(f"{label}: {found}{other_note} (advisory: {advice})", **evidence)
        return Outcome.passed(f"{label}: {found}{other_note}", **evidence)

    def _rotations(
        self,
        ctx: ProbeContext,
        params: RateLimitParams,
        url: str,
        plain: Burst,
        salt: str,
        evidence: dict[str, Any],
    ) -> tuple[str, Burst] | None:
        """Each identity header rotated in turn, as the same user: at most as many requests
        as reached the 429 (so a limiter whose window reset in between still answers 429
        by then). The first header whose burst gets no 429 is returned."""
        rotated: list[str] = []
        undecided: list[str] = []
        evidence["rotated"], evidence["rotation_undecided"] = rotated, undecided
        if plain.sent < 2 and params.rotate_headers:
            undecided.append(
                "identity headers, since the first request was already limited (a limit still "
                "in force from an earlier run?), so the burst's size is unknown"
            )
            return None
        for header in params.rotate_headers:
            burst = self._burst(ctx, params, url, plain.sent, header, salt, evidence)
            evidence.setdefault("rotated_statuses", {})[header] = dict(burst.statuses)
            if burst.limited is not None:
                rotated.append(header)
            elif set(burst.statuses) <= {401, 403}:
                undecided.append(
                    f"{header}, whose changed values the app refused ({burst.counts()})"
                )
            elif never_reached(params.method, params.path, burst.answers):
                undecided.append(f"{header} ({burst.counts()}, never reached a handler)")
            else:
                return header, burst
        return None

    def _burst(
        self,
        ctx: ProbeContext,
        params: RateLimitParams,
        url: str,
        cap: int,
        rotate: str | None,
        salt: str,
        evidence: dict[str, Any],
    ) -> Burst:
        """Up to `cap` requests, stopping at the first 429; `rotate` changes one header."""
        base_headers = {**role_headers(ctx, params.role), **params.headers}
        current = {k.lower(): v for k, v in base_headers.items()}
        burst = Burst()
        for i in range(1, cap + 1):
            headers = {k: v for k, v in base_headers.items() if k.lower() != (rotate or "").lower()}
            if rotate:
                headers[rotate] = rotated_value(rotate, i, salt, current.get(rotate.lower()))
            response = send(
                ctx, params.method, url, headers=headers, json_body=params.body, form=params.form
            )
            burst.statuses[response.status_code] += 1
            burst.answers.append(response)
            burst.sent = i
            if response.status_code == 429:
                burst.limited = response
                break
            if rotate is None or response.status_code >= 500:
                self._check_served(response, params.role, i, params, evidence)
        return burst

    def _check_served(
        self,
        response: httpx.Response,
        role: str,
        i: int,
        params: RateLimitParams,
        evidence: dict[str, Any],
    ) -> None:
        status = response.status_code
        if status >= 500 and status not in NOT_REACHED:  # 501: judged as never reached
            raise ProbeError(
                f"request {i} as {role} got {status_text(response)}: the route fails, so the "
                "burst proves nothing; see the deployment's logs"
            )
        if status in (401, 403) and role != "anonymous":
            raise ProbeError(
                f"request {i} as {role} got {status}: the role's credentials were refused, so "
                "the burst proves nothing; check its token"
            )
