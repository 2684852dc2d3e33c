"""The reference app's configuration: its users and tokens, JWTs, and `AppConfig`."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from golive.sandbox.app.breaks import check_breaks

if TYPE_CHECKING:
    pass


JsonObject = dict[str, Any]

# The migrations the app's schema went through (alembic-style revision ids), oldest first.
PREVIOUS_REVISION = "8b1e04d5a2c9"  # subscription tables
HEAD_REVISION = "3f2a9c1d7e64"  # fraud_warnings, usage tables
TIERS = ("BASIC", "PRO", "ENTERPRISE", "FREE")
STATUSES = ("ACTIVE", "PAST_DUE", "CANCELLED", "INCOMPLETE", "TRIALING")
SIGNATURE_TOLERANCE_S = 300
DEV_EMAIL = "dev@localhost"


@dataclass(frozen=True)
class User:
    """A user of the app: the bearer token that identifies them, and their e-mail."""

    role: str
    email: str
    token: str = field(repr=False)


def _token(role: str) -> str:
    return f"tok_{role}_{secrets.token_urlsafe(18)}"


def default_users() -> tuple[User, ...]:
    """Four users with fresh random tokens: two customers, two admins (list and domain)."""
    return (
        User("user", "alice@customer.example", _token("user")),
        User("other_user", "bob@customer.example", _token("other_user")),
        User("admin", "ops@golive.example", _token("admin")),
        User("domain_admin", "carol@admins.example", _token("domain_admin")),
    )


def _webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B")


def _b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint_jwt(email: str, key: str, ttl_s: int = 86_400, now: float | None = None) -> str:
    """An HS256 JWT for `email` (`sub`), as the app's login would issue it."""
    issued = int(time.time() if now is None else now)
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64url(json.dumps({"sub": email, "iat": issued, "exp": issued + ttl_s}).encode())
    mac = hmac.new(key.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{_b64url(mac)}"


def jwt_subject(token: str, key: str, *, verify: bool) -> str | None:
    """The `sub` of a JWT the app accepts, or None. `verify=False` is the jwt-unverified
    break: the claims are read as they come (alg none, any key, any expiry)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(_unb64url(parts[0]))
        claims = json.loads(_unb64url(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    if verify:
        if header.get("alg") != "HS256":
            return None
        expected = hmac.new(key.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256)
        try:
            given = _unb64url(parts[2])
        except ValueError:
            return None
        if not hmac.compare_digest(expected.digest(), given):
            return None
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= time.time():
            return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None


@dataclass(frozen=True)
class AppConfig:
    """What the reference app runs with. Every secret is random unless given."""

    database_url: str
    webhook_secret: str = field(default_factory=_webhook_secret, repr=False)
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    admin_emails: tuple[str, ...] = ("ops@golive.example",)
    admin_email_domain: str | None = "admins.example"
    users: tuple[User, ...] = field(default_factory=default_users)
    breaks: frozenset[str] = frozenset()
    mode: str = "test"  # the Stripe mode its checkout/portal URLs pretend to be in
    rate_limit: int = 10
    rate_window_s: float = 60.0
    delay_s: float = 0.0  # added to every answer: for timeout tests
    latency_ms: int = 0  # added to every answer: network latency, for benchmarks

    def __post_init__(self) -> None:
        check_breaks(self.breaks)

    def token(self, role: str) -> str:
        """The bearer token of a role (user, other_user, admin, domain_admin)."""
        for user in self.users:
            if user.role == role:
                return user.token
        raise KeyError(role)

    def with_breaks(self, *names: str) -> AppConfig:
        return replace(self, breaks=check_breaks([*self.breaks, *names]))

    @classmethod
    def from_env(cls, environ: Mapping[str, str], database_url: str | None = None) -> AppConfig:
        """Read the app's settings the way the seed backend does, from variables:

        DATABASE_URL, STRIPE_WEBHOOK_SECRET, ADMIN_EMAILS (comma-separated),
        ADMIN_EMAIL_DOMAIN, DISABLE_AUTH (truthy: the auth-disabled break), STRIPE_MODE,
        APP_USERS (`role:email:token` entries, comma-separated), APP_BREAKS
        (comma-separated switch names). Unset ones keep their defaults.
        """
        values: dict[str, Any] = {}
        url = database_url or environ.get("DATABASE_URL")
        if not url:
            raise ValueError("DATABASE_URL is not set")
        values["database_url"] = url
        if environ.get("STRIPE_WEBHOOK_SECRET"):
            values["webhook_secret"] = environ["STRIPE_WEBHOOK_SECRET"]
        if "ADMIN_EMAILS" in environ:
            values["admin_emails"] = tuple(
                e.strip() for e in environ["ADMIN_EMAILS"].split(",") if e.strip()
            )
        if "ADMIN_EMAIL_DOMAIN" in environ:
            values["admin_email_domain"] = environ["ADMIN_EMAIL_DOMAIN"].strip() or None
        if environ.get("STRIPE_MODE", "").strip().lower() in ("live", "test"):
            values["mode"] = environ["STRIPE_MODE"].strip().lower()
        if environ.get("APP_USERS"):
            users = []
            for entry in environ["APP_USERS"].split(","):
                role, email, token = [*entry.strip().split(":", 2), "", ""][:3]
                if not (role and email and token):
                    raise ValueError("APP_USERS: expected role:email:token entries")
                users.append(User(role, email, token))
            values["users"] = tuple(users)
        breaks = list(environ.get("APP_BREAKS", "").split(","))
        if environ.get("DISABLE_AUTH", "").strip().lower() in ("true", "1", "yes", "on"):
            breaks.append("auth-disabled")
        values["breaks"] = check_breaks(breaks)
        return cls(**values)
