"""H.9's forged session cookies: when a role's session is a JWT in a cookie (a
cookie-session app: Next.js, Express, Rails API), every forgery a verifying server must
refuse is sent in that cookie instead of the Authorization header: unsigned (the
signature stripped), alg none, a made-up key, expired, and another user's id (the
role's claims with the user's id changed, signed with a made-up key, built with pyjwt).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from golive.engine.context import ProbeContext

from .http_client import Patience
from .jwt_forge import decode_jwt, forged_tokens

if TYPE_CHECKING:
    import httpx

COOKIE_VARIANTS = {
    "alg_none": "alg none",
    "wrong_key": "signed with a made-up key",
    "expired": "expired",
    "stripped": "unsigned (signature stripped)",
    "other_user": "another user's id",
}
ID_CLAIMS = ("sub", "user_id", "userId", "uid", "id", "email")


@dataclass
class CookieForgeries:
    tested: list[str] = field(default_factory=list)  # the JWT cookies forged
    accepted: list[str] = field(default_factory=list)
    odd: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def other_user(claims: dict[str, Any], now: int) -> str:
    """The claims with every user id changed, signed with a key no app has (pyjwt)."""
    import jwt

    changed = {**claims, "iat": now - 60, "exp": now + 3600}
    for name in ID_CLAIMS:
        value = changed.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            changed[name] = value + 1_000_003
        elif isinstance(value, str):
            changed[name] = f"golive-other-{secrets.token_hex(3)}"
    return str(jwt.encode(changed, secrets.token_bytes(32), algorithm="HS256"))


def forge_cookies(
    ctx: ProbeContext,
    role: str,
    method: str,
    url: str,
    patience: Patience,
    refusal: Callable[[httpx.Response], bool],
) -> CookieForgeries:
    """Send each forgery in each JWT cookie of the role (alone: no other cookie rides
    along, so only the forged one can let the request in)."""
    result = CookieForgeries()
    now = int(time.time())
    for name, value in ctx.role(role).cookies.items():
        token = value.reveal()
        decoded = decode_jwt(token)
        if decoded is None:
            continue
        result.tested.append(name)
        claims = {k: v for k, v in decoded[1].items() if k not in ("exp", "iat", "nbf")}
        forged = {**forged_tokens(token, claims, now), "other_user": other_user(claims, now)}
        for variant, cookie in forged.items():
            response = patience.send(ctx, method, url, headers={"Cookie": f"{name}={cookie}"})
            key = f"cookie {name} {variant}"
            result.statuses[key] = response.status_code
            if 200 <= response.status_code < 300:
                result.accepted.append(
                    f"cookie {name} {COOKIE_VARIANTS[variant]} ({response.status_code})"
                )
            elif not refusal(response):
                result.odd.append(
                    f"cookie {name} {COOKIE_VARIANTS[variant]} got {response.status_code}"
                )
    return result
