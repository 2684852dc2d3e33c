"""http.forged_token: a protected route refuses tokens that a verifying server must refuse.

golive cannot sign with the app's key, so every token it sends is invalid by
construction: a JWT with `alg: none`, one signed with a made-up HS256 key, an expired one
(also signed with a made-up key: an app that skips verification but checks `exp` refuses
it), and the role's own token with its signature stripped. Each must get 401/403. The
claims are copied from the role's token when it is a JWT, so an app that decodes without
verifying would find its user and let the request in: that is the defect this catches,
whatever switch turns verification off. The JWTs are built by hand (base64url, HMAC):
no dependency, and nothing here can produce a valid signature.

A refusal is 401/403, or a redirect to the login page (`login_pattern`, as http.status
judges it): a Django or Rails app answers a caller it does not know with 302 to
/accounts/login/?next=..., and that is the same refusal.

A session-only app (the role logs in and carries a cookie, no token in `header`) may not
read bearer tokens at all: then every forged token is "refused" exactly as no token is,
and that says nothing about token verification. The forged tokens are still sent (one
let in is a fail: the app does read tokens, and does not verify them), but when all are
refused the item is a skip with that reason, not a pass. Why skip and not pass: a pass
in a go-live gate is a claim someone relies on ("this app verifies token signatures"),
and nothing here observed a verification; an error would block a deployment over a
property it does not have. The skip is shown, with its reason, in every report.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams

from .http_client import (
    DEFAULT_LOGIN_PATTERN,
    HttpMethod,
    Patience,
    RoutePath,
    login_redirect,
    never_reached,
    refuse_live_traffic,
    role_headers,
    status_text,
)
from .http_cookies import forge_cookies
from .jwt_forge import decode_jwt, forged_tokens

if TYPE_CHECKING:
    import httpx

VARIANTS = {
    "alg_none": "a JWT with alg none",
    "wrong_key": "a JWT signed with a made-up HS256 key",
    "expired": "an expired JWT",
    "stripped": "the role's token with its signature stripped",
}


class ForgedTokenParams(ProbeParams):
    path: RoutePath = Field(description="A protected route (GET by default).")
    method: HttpMethod = "GET"
    role: str | None = Field(
        None,
        description="A role whose token is a JWT: its claims are copied into the forged "
        "tokens, and its real token must be let in (the control).",
    )
    claims: dict[str, Any] | None = Field(
        None,
        description="Claims for the forged tokens when the role's token is not a JWT "
        "(e.g. {sub: an existing user's id}).",
    )
    header: str = Field("Authorization", description="Header that carries the token.")
    prefix: str = Field("Bearer ", description="What precedes the token in that header.")
    expect: list[int] = Field(
        default_factory=lambda: [401, 403], min_length=1, description="Statuses that refuse."
    )
    login_pattern: str = Field(
        DEFAULT_LOGIN_PATTERN,
        description="Regular expression (case-insensitive) on a redirect's Location path: a "
        "redirect to a login page counts as a refusal.",
    )

    @model_validator(mode="after")
    def _pattern(self) -> ForgedTokenParams:
        try:
            re.compile(self.login_pattern)
        except re.error as exc:
            raise ValueError(f"login_pattern: {exc}") from None
        return self


class ForgedToken(Probe[ForgedTokenParams]):
    kind = "http.forged_token"
    Params = ForgedTokenParams
    summary = (
        "A protected route refuses forged tokens (alg none, a wrong HS256 key, expired, "
        "signature stripped) with 401/403: the app verifies token signatures."
    )

    def run(self, params: ForgedTokenParams, ctx: ProbeContext) -> Outcome:
        if params.method not in ("GET", "HEAD", "OPTIONS"):
            not_run = refuse_live_traffic(
                ctx,
                f"{params.method} {params.path} may change the app's state if a forged token "
                "is let in",
                instead="use a GET route",
            )
            if not_run:
                return not_run
        url = ctx.base_url() + params.path
        label = f"{params.method} {params.path}"
        patience = Patience(ctx)
        token: str | None = None
        claims = dict(params.claims or {})
        source = "the item's claims" if params.claims else "made-up claims (sub golive-probe)"
        evidence: dict[str, Any] = {"path": params.path, "method": params.method}
        refused = "/".join(map(str, params.expect)) + " or a redirect to the login page"

        def refusal(response: httpx.Response) -> bool:
            return response.status_code in params.expect or (
                login_redirect(response, params.login_pattern) is not None
            )

        anonymous = patience.send(ctx, params.method, url)
        evidence["anonymous_status"] = anonymous.status_code
        unreached = never_reached(params.method, params.path, [anonymous])
        if unreached:
            raise ProbeError(unreached)
        if not refusal(anonymous):
            raise ProbeError(
                f"{label} without any token got {status_text(anonymous)}, not {refused}, so "
                "refusing forged tokens would prove nothing here: give a route that refuses "
                "anonymous callers (the access-control items judge this one)"
            )
        session_only = False
        if params.role is not None:
            credentials = role_headers(ctx, params.role)
            real = credentials.get(params.header, "")
            token = real.removeprefix(params.prefix) if real else None
            session_only = not token
            decoded = decode_jwt(token) if token else None
            control = patience.send(ctx, params.method, url, headers=credentials)
            evidence["control_status"] = control.status_code
            if not 200 <= control.status_code < 300:
                raise ProbeError(
                    f"{label} as {params.role} (its real token) got {status_text(control)}, so "
                    "refusing forged tokens would prove nothing: give a role that may open "
                    "this route"
                )
            if decoded is not None and not params.claims:
                claims = {k: v for k, v in decoded[1].items() if k not in ("exp", "iat", "nbf")}
                source = f"claims copied from role {params.role}'s token"
        if not claims:
            claims = {"sub": "golive-probe"}
        evidence["claims_from"] = source
        now = int(time.time())
        accepted: list[str] = []
        odd: list[str] = []
        statuses: dict[str, int] = {}
        for name, forged in forged_tokens(token, claims, now).items():
            headers = {params.header: f"{params.prefix}{forged}"}
            response = patience.send(ctx, params.method, url, headers=headers)
            status = response.status_code
            statuses[name] = status
            if 200 <= status < 300:
                accepted.append(f"{VARIANTS[name]} ({status})")
            elif not refusal(response):
                odd.append(f"{VARIANTS[name]} got {status}")
        cookies = None
        if params.role is not None and ctx.role(params.role).cookies:
            cookies = forge_cookies(ctx, params.role, params.method, url, patience, refusal)
            statuses.update(cookies.statuses)
            odd.extend(cookies.odd)
        evidence["statuses"] = statuses
        seen = ", ".join(f"{n} {s}" for n, s in statuses.items())
        if cookies is not None and cookies.accepted:
            return Outcome.failed(
                f"{label} let in a forged session cookie: {'; '.join(cookies.accepted)} "
                f"({seen}): the app does not verify its session cookie's signature (or accepts "
                "alg none / expired ones / another user's id it did not sign): verify the "
                "cookie's JWT with the app's key, a fixed list of algorithms and exp checked, "
                "before reading the user from it",
                **evidence,
            )
        if accepted:
            return Outcome.failed(
                f"{label} let in {'; '.join(accepted)} ({seen}; {source}): the app does not "
                "verify token signatures (or accepts alg none / expired tokens): decode with "
                "signature verification, a fixed list of algorithms and exp checked (e.g. "
                "jwt.decode(token, key, algorithms=[...])), in every environment",
                **evidence,
            )
        if odd:
            return Outcome.error(
                f"{label}: {'; '.join(odd)} ({seen}), neither let in nor refused with "
                f"{refused}: see the deployment's logs (add the status to expect if that is "
                "how the app refuses a bad token)",
                **evidence,
            )
        if session_only and cookies is not None and cookies.tested:
            return Outcome.passed(
                f"{label} refused every forged session cookie and token ({seen}; cookie "
                f"{', '.join(cookies.tested)} forged from role {params.role}'s session)",
                **evidence,
            )
        if session_only:
            evidence["session_only"] = True
            return Outcome.not_applicable(
                f"not judged: role {params.role} gets in with a session (no token in "
                f"{params.header}), and every forged token was refused just as no token is "
                f"({seen}): the app may not read bearer tokens at all, so there is no token "
                "verification to prove; none was let in (one let in would fail this item). "
                "If the app also accepts tokens, give a role whose credentials are a token",
                **evidence,
            )
        control_note = f"; the role's real token was let in ({evidence['control_status']})" * (
            "control_status" in evidence
        )
        return Outcome.passed(
            f"{label} refused every forged token ({seen}; {source}){control_note}", **evidence
        )
