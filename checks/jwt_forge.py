"""JWTs built by hand to be refused: base64url parts, decoding a role's token, and the
forgeries (alg none, a made-up HS256 key, expired, signature stripped). Nothing here can
produce a valid signature: golive never holds the app's key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_part(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Header and claims of a JWT-shaped token (not verified), or None if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header, claims = (json.loads(unb64url(p)) for p in parts[:2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not (isinstance(header, dict) and isinstance(claims, dict) and "alg" in header):
        return None
    return header, claims


def hs256(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    signing_input = f"{encode_part(header)}.{encode_part(claims)}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def forged_tokens(token: str | None, claims: dict[str, Any], now: int) -> dict[str, str]:
    """The four tokens a verifying server must refuse, by variant name."""
    fresh = {**claims, "iat": now - 60, "exp": now + 3600}
    expired = {**claims, "iat": now - 7200, "exp": now - 3600}
    if "nbf" in fresh:
        fresh["nbf"] = expired["nbf"] = now - 7200
    wrong_key = secrets.token_bytes(32)
    real_header: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
    stripped_input = f"{encode_part(real_header)}.{encode_part(fresh)}"
    decoded = decode_jwt(token) if token is not None else None
    if token is not None and decoded is not None:
        real_header = decoded[0]
        stripped_input = token.rsplit(".", 1)[0]
    return {
        "alg_none": f"{encode_part({'alg': 'none', 'typ': 'JWT'})}.{encode_part(fresh)}.",
        "wrong_key": hs256({**real_header, "alg": "HS256"}, fresh, wrong_key),
        "expired": hs256({**real_header, "alg": "HS256"}, expired, wrong_key),
        "stripped": f"{stripped_input}.",
    }
