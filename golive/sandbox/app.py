"""A reference deployment on 127.0.0.1, modelled on the seed's backend, with break switches.

golive's deployment probes (database and HTTP) are proven against it, and `golive demo`
runs the whole checklist against it. It serves, with the standard library's
`ThreadingHTTPServer`:

- `POST /api/subscription/webhook`: verifies `Stripe-Signature` with its
  STRIPE_WEBHOOK_SECRET (five-minute tolerance) and applies the events it knows;
- `POST /api/subscription/create-checkout-session`: authenticated, 10 per 60 s per
  user, then 429 with Retry-After;
- `POST /api/subscription/create-portal-session`: authenticated, returns a portal URL;
- admin-only `GET /api/stripe/disputes`, `/api/stripe/disputes/{id}`,
  `/api/stripe/fraud-warnings`, `/api/stripe/fraud-warnings/{id}` and the
  `/stripe-disputes` page (401 anonymous, 403 non-admin; admin by ADMIN_EMAILS or
  ADMIN_EMAIL_DOMAIN);
- `GET /health`.

Users are bearer tokens mapped to e-mail addresses in its `AppConfig`. Its database
(any SQLAlchemy URL; SQLite by default) holds the seed's tables, created and filled by
`seed_database`. Each name in `BREAKS` breaks it in one way the checklist guards
against; docs/reference-app.md lists them with the item that catches each.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import re
import secrets
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import typer

from golive.sandbox import app_billing
from golive.sandbox.server import (
    LoopbackHandler,
    LoopbackServer,
    sigterm_as_interrupt,
    wait_for_interrupt,
)

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Engine

JsonObject = dict[str, Any]

# The migrations the app's schema went through (alembic-style revision ids), oldest first.
PREVIOUS_REVISION = "8b1e04d5a2c9"  # subscription tables
HEAD_REVISION = "3f2a9c1d7e64"  # fraud_warnings, usage tables
TIERS = ("BASIC", "PRO", "ENTERPRISE", "FREE")
STATUSES = ("ACTIVE", "PAST_DUE", "CANCELLED", "INCOMPLETE", "TRIALING")
SIGNATURE_TOLERANCE_S = 300
DEV_EMAIL = "dev@localhost"

BREAKS: dict[str, str] = {
    # authentication and admin access
    "auth-disabled": "DISABLE_AUTH=true: every request is a dev admin, tokens or not",
    "admin-open": "admin routes and page need no authentication at all",
    "admin-any-user": "admin routes let any signed-in user in (no ADMIN_EMAILS check)",
    "admin-500": "admin routes and the disputes page crash with 500",
    "leak-fields": "dispute and fraud-warning JSON carries the customer's password_hash",
    "leak-secret": "fraud-warning JSON carries the webhook signing secret",
    "efw-missing-fields": "fraud-warning JSON lacks fraud_type and actionable",
    "portal-no-url": "create-portal-session answers 200 without a URL",
    "jwt-unverified": "JWTs are decoded without verifying signature, algorithm or expiry",
    "open-write-route": "POST /api/admin/reset-rate-limits needs no authentication",
    # rate limiting
    "no-rate-limit": "create-checkout-session has no rate limit",
    "rate-limit-global": "one rate-limit bucket for all users",
    "rate-limit-by-header": "rate limit keyed on X-Forwarded-For when present (unverified)",
    "rate-limit-no-retry-after": "429 without a Retry-After header",
    # webhooks
    "webhook-unverified": "the webhook accepts any event, signed or not",
    "webhook-no-tolerance": "the webhook accepts signed events of any age (replays)",
    "webhook-wrong-secret": "the app verifies with another secret than its configuration's",
    "webhook-500": "the webhook crashes with 500 after verifying",
    "webhook-behind-login": "the webhook demands a signed-in user before it reads the signature",
    "webhook-login-unverified": "the webhook demands a signed-in user, then skips the signature "
    "check for them (forged and stale events answered 200 behind the login)",
    # database
    "missing-subscription-tables": "no user_subscriptions table",
    "missing-usage-tables": "no api_usage_logs and usage_summaries tables",
    "missing-fraud-warnings": "no fraud_warnings table",
    "missing-columns": "user_subscriptions lacks stripe_subscription_id; is_active is text",
    "inactive-plan": "the PRO plan row is inactive",
    "missing-plan": "no PRO plan row",
    "unsold-tier": "ENTERPRISE is active but no price sells it",
    "old-migration": "alembic_version is one revision behind the head",
    **app_billing.BILLING_BREAKS,  # billing and admin actions: app_billing.py
}
DATABASE_BREAKS = frozenset(
    {
        "missing-subscription-tables",
        "missing-usage-tables",
        "missing-fraud-warnings",
        "missing-columns",
        "inactive-plan",
        "missing-plan",
        "unsold-tier",
        "old-migration",
    }
)


class UnknownBreakError(ValueError):
    """A break switch name that the reference app does not have."""


def check_breaks(names: Iterable[str]) -> frozenset[str]:
    """The names as a set; an unknown one is an error listing the known ones."""
    given = frozenset(n.strip() for n in names if n.strip())
    unknown = sorted(given - BREAKS.keys())
    if unknown:
        raise UnknownBreakError(
            f"unknown break switch(es): {', '.join(unknown)}; known: {', '.join(sorted(BREAKS))}"
        )
    return given


# -- configuration ----------------------------------------------------------------------


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


# -- database ---------------------------------------------------------------------------


def app_engine(url: str) -> Engine:
    """The app's own read-write engine (golive's probes use golive.values.db, read-only)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from golive.values.db import with_default_driver

    return create_engine(with_default_driver(make_url(url)))


def schema(breaks: frozenset[str] = frozenset()) -> MetaData:
    """The seed backend's tables, as `breaks` leaves them."""
    from sqlalchemy import (
        Boolean,
        Column,
        DateTime,
        Enum,
        ForeignKey,
        Integer,
        MetaData,
        String,
        Table,
        Text,
    )

    metadata = MetaData()
    tier = Enum(*TIERS, name="subscription_tier")
    Table(
        "subscription_plans",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("tier", tier, nullable=False, unique=True),
        Column("name", String(100), nullable=False),
        Column("monthly_price_cents", Integer, nullable=False),
        Column("is_active", Boolean, nullable=False, default=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )
    if "missing-subscription-tables" not in breaks:
        columns: list[Column[Any]] = [
            Column("id", Integer, primary_key=True),
            Column("user_email", String(255), nullable=False, index=True),
            Column("plan_id", Integer, ForeignKey("subscription_plans.id")),
            Column("stripe_customer_id", String(255)),
            Column("status", Enum(*STATUSES, name="subscription_status"), nullable=False),
            Column("current_period_end", DateTime(timezone=True)),
            Column("created_at", DateTime(timezone=True), nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        ]
        if "missing-columns" in breaks:
            columns.append(Column("is_active", String(10), nullable=False))
        else:
            columns.append(Column("stripe_subscription_id", String(255), unique=True))
            columns.append(Column("is_active", Boolean, nullable=False))
        Table("user_subscriptions", metadata, *columns)
    if "missing-usage-tables" not in breaks:
        Table(
            "api_usage_logs",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("user_email", String(255), nullable=False),
            Column("endpoint", String(255), nullable=False),
            Column("created_at", DateTime(timezone=True), nullable=False),
        )
        Table(
            "usage_summaries",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("user_email", String(255), nullable=False),
            Column("period", String(7), nullable=False),
            Column("request_count", Integer, nullable=False),
        )
    if "missing-fraud-warnings" not in breaks:
        Table(
            "fraud_warnings",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("stripe_efw_id", String(255), nullable=False, unique=True),
            Column("charge_id", String(255), nullable=False),
            Column("fraud_type", String(64), nullable=False),
            Column("actionable", Boolean, nullable=False),
            Column("status", String(32), nullable=False),
            Column("notes", Text),
            Column("created_at", DateTime(timezone=True), nullable=False),
        )
    Table(
        "alembic_version",
        metadata,
        Column("version_num", String(32), primary_key=True),
    )
    return metadata


def seed_database(url: str, breaks: Iterable[str] = ()) -> None:
    """Create the app's tables in `url` (dropping the app's own first) and fill them.

    Plans: BASIC and PRO active, ENTERPRISE inactive (not sold), FREE active without a
    Stripe price (free tiers have none); two subscriptions; two
    early fraud warnings; alembic_version at HEAD_REVISION. `breaks` (the database
    switches of BREAKS) leave a table, column, plan or migration out.
    """
    broken = check_breaks(breaks)
    engine = app_engine(url)
    try:
        metadata = schema(broken)
        schema(frozenset()).drop_all(engine)  # every table the app may have made
        metadata.create_all(engine)
        now = datetime.now(UTC)
        plans = [
            {"tier": "BASIC", "name": "Basic", "monthly_price_cents": 1200, "is_active": True},
            {"tier": "PRO", "name": "Pro", "monthly_price_cents": 4900, "is_active": True},
            {
                "tier": "ENTERPRISE",
                "name": "Enterprise",
                "monthly_price_cents": 19900,
                "is_active": "unsold-tier" in broken,
            },
            {"tier": "FREE", "name": "Free", "monthly_price_cents": 0, "is_active": True},
        ]
        if "missing-plan" in broken:
            plans = [p for p in plans if p["tier"] != "PRO"]
        if "inactive-plan" in broken:
            for plan in plans:
                if plan["tier"] == "PRO":
                    plan["is_active"] = False
        tables = metadata.tables
        with engine.begin() as conn:
            conn.execute(
                tables["subscription_plans"].insert(),
                [{**p, "id": i, "created_at": now} for i, p in enumerate(plans, start=1)],
            )
            if "user_subscriptions" in tables:
                rows = [
                    {
                        "user_email": "alice@customer.example",
                        "plan_id": 1,
                        "stripe_customer_id": "cus_GoLiveAlice01",
                        "stripe_subscription_id": "sub_GoLiveAlice01",
                        "status": "ACTIVE",
                        "is_active": True,
                    },
                    {
                        "user_email": "bob@customer.example",
                        "plan_id": 1,
                        "stripe_customer_id": "cus_GoLiveBob001",
                        "stripe_subscription_id": "sub_GoLiveBob001",
                        "status": "PAST_DUE",
                        "is_active": False,
                    },
                ]
                if "missing-columns" in broken:
                    for row in rows:
                        del row["stripe_subscription_id"]
                        row["is_active"] = str(row["is_active"]).lower()
                conn.execute(
                    tables["user_subscriptions"].insert(),
                    [
                        {
                            **r,
                            "current_period_end": now + timedelta(days=30),
                            "created_at": now,
                            "updated_at": now,
                        }
                        for r in rows
                    ],
                )
            if "fraud_warnings" in tables:
                conn.execute(
                    tables["fraud_warnings"].insert(),
                    [
                        {
                            "stripe_efw_id": "issfr_1GoLiveDemo0001",
                            "charge_id": "ch_1GoLiveDemo0001",
                            "fraud_type": "made_with_stolen_card",
                            "actionable": True,
                            "status": "OPEN",
                            "created_at": now - timedelta(days=2),
                        },
                        {
                            "stripe_efw_id": "issfr_1GoLiveDemo0002",
                            "charge_id": "ch_1GoLiveDemo0002",
                            "fraud_type": "card_never_received",
                            "actionable": False,
                            "status": "IGNORED",
                            "created_at": now - timedelta(days=9),
                        },
                    ],
                )
            revision = PREVIOUS_REVISION if "old-migration" in broken else HEAD_REVISION
            conn.execute(tables["alembic_version"].insert(), [{"version_num": revision}])
    finally:
        engine.dispose()


# -- the web app ----------------------------------------------------------------------


class HttpError(Exception):
    """An error answer: status, JSON detail, extra headers."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    client: str


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Response:
        return cls(status, json.dumps(data).encode(), headers=headers)


@dataclass(frozen=True)
class LoggedRequest:
    """One request the app answered (never its headers: they hold tokens)."""

    method: str
    path: str
    status: int
    user: str | None


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one hit; None if allowed, else the seconds until the next is."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window - now
            hits.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


DISPUTES: tuple[JsonObject, ...] = (
    {
        "id": "dp_1GoLiveDemo0001",
        "object": "dispute",
        "amount": 1200,
        "currency": "usd",
        "charge": "ch_1GoLiveDemo0003",
        "reason": "fraudulent",
        "status": "needs_response",
        "created": 1_760_000_000,
        "evidence_details": {"due_by": 1_760_800_000, "has_evidence": False},
    },
    {
        "id": "dp_1GoLiveDemo0002",
        "object": "dispute",
        "amount": 4900,
        "currency": "usd",
        "charge": "ch_1GoLiveDemo0004",
        "reason": "product_not_received",
        "status": "under_review",
        "created": 1_759_000_000,
        "evidence_details": {"due_by": 1_759_800_000, "has_evidence": True},
    },
)
LEAKED_HASH = "pbkdf2_sha256$600000$golivesalt$Q2hhbmdlTWVQbGVhc2VJbUFIYXNo"

DISPUTES_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stripe disputes</title></head>
<body><h1>Stripe disputes</h1>
<nav><a href="#disputes">Disputes</a> | <a href="#fraud-warnings">Fraud Warnings</a></nav>
<section id="disputes"><p>{disputes} open disputes.</p></section>
<section id="fraud-warnings"><p>Loaded from /api/stripe/fraud-warnings.</p></section>
</body></html>
"""

Route = tuple[str, "re.Pattern[str]", str]
ROUTES: tuple[Route, ...] = (
    ("POST", re.compile(r"/api/subscription/webhook"), "webhook"),
    ("POST", re.compile(r"/api/subscription/create-checkout-session"), "checkout"),
    ("POST", re.compile(r"/api/subscription/create-portal-session"), "portal"),
    ("GET", re.compile(r"/api/stripe/disputes"), "disputes"),
    ("GET", re.compile(r"/api/stripe/disputes/(?P<id>[^/]+)"), "dispute"),
    ("GET", re.compile(r"/api/stripe/fraud-warnings"), "fraud_warnings"),
    ("GET", re.compile(r"/api/stripe/fraud-warnings/(?P<id>[^/]+)"), "fraud_warning"),
    ("GET", re.compile(r"/stripe-disputes"), "disputes_page"),
    ("GET", re.compile(r"/health"), "health"),
    ("POST", re.compile(r"/api/admin/reset-rate-limits"), "reset_limits"),
    ("GET", re.compile(r"/openapi.json"), "openapi"),
)


def _operation(tag: str, summary: str, security: list[str] | None, **extra: Any) -> JsonObject:
    op: JsonObject = {
        "tags": [tag],
        "summary": summary,
        "responses": {"200": {"description": "OK"}},
    }
    if security is not None:
        op["security"] = [{"bearer": security}]
    op.update(extra)
    return op


#: The app's OpenAPI document (what FastAPI serves at /openapi.json), for `golive init
#: --from-openapi`.
OPENAPI: JsonObject = {
    "openapi": "3.1.0",
    "info": {"title": "reference deployment", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/subscription/webhook": {"post": _operation("subscription", "Stripe webhook", None)},
        "/api/subscription/create-checkout-session": {
            "post": _operation(
                "subscription",
                "Create a Checkout session",
                [],
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["tier"],
                                "properties": {
                                    "tier": {"type": "string", "enum": ["basic", "pro"]},
                                    "cycle": {"type": "string", "enum": ["monthly", "yearly"]},
                                },
                            }
                        }
                    },
                },
            )
        },
        "/api/subscription/create-portal-session": {
            "post": _operation("subscription", "Create a billing portal session", [])
        },
        "/api/stripe/disputes": {"get": _operation("admin", "List disputes", ["admin"])},
        "/api/stripe/disputes/{id}": {"get": _operation("admin", "One dispute", ["admin"])},
        "/api/stripe/fraud-warnings": {
            "get": _operation("admin", "List early fraud warnings", ["admin"])
        },
        "/api/stripe/fraud-warnings/{id}": {
            "get": _operation("admin", "One early fraud warning", ["admin"])
        },
        "/stripe-disputes": {"get": _operation("admin", "Disputes page", ["admin"])},
        "/api/admin/reset-rate-limits": {
            "post": _operation("admin", "Reset the rate limiter", ["admin"])
        },
        "/health": {"get": _operation("meta", "Health", None)},
    },
}
#: The routes the document lists: (method, path template, summary).
OPENAPI_ROUTES: tuple[tuple[str, str, str], ...] = tuple(
    (method, path, op["summary"])
    for path, ops in OPENAPI["paths"].items()
    for method, op in ops.items()
)


class _Handler(LoopbackHandler["ReferenceApp"]):
    server_version = "golive-reference-app"
    # Headers and body go out in separate writes: without this, delayed ACKs make every
    # kept-alive request wait ~40 ms.
    disable_nagle_algorithm = True

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        request = Request(
            method=self.command,
            path=urlsplit(self.path).path.rstrip("/") or "/",
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            client=self.client_address[0],
        )
        response = self.server.owner.handle(request)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any


class ReferenceApp(LoopbackServer[LoggedRequest]):
    """The reference deployment on 127.0.0.1. A context manager.

    >>> seed_database(url)
    >>> with ReferenceApp(AppConfig(database_url=url)) as app:
    ...     httpx.get(app.url + "/health")
    """

    handler = _Handler
    thread_name = "reference app"

    def __init__(self, config: AppConfig, port: int = 0, log_path: Path | None = None) -> None:
        # log_path: every request is appended there too (method, path, status, time)
        super().__init__(port, log_path)
        self.config = config
        # webhook-wrong-secret: the app runs with another secret than the one its
        # configuration (what golive reads) holds.
        self._verify_secret = (
            _webhook_secret() if "webhook-wrong-secret" in config.breaks else config.webhook_secret
        )
        self._users = {u.token: u for u in config.users}
        self._limiter = SlidingWindow(config.rate_limit, config.rate_window_s)
        self._engine: Engine | None = None

    # -- lifecycle: start, stop, port and url come from LoopbackServer ---------------
    def _open(self) -> None:
        self._engine = app_engine(self.config.database_url)

    def _close(self) -> None:
        """Close the database pool."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- for tests and the demo (requests, clear_log: LoopbackServer) ---------------
    def reset_rate_limits(self) -> None:
        self._limiter.reset()

    def golive_env(self) -> dict[str, str]:
        """The deployment's configuration as golive reads it (a dotenv's worth).

        GOLIVE_BASE_URL, DATABASE_URL, STRIPE_WEBHOOK_SECRET (the configured one, even
        under webhook-wrong-secret), STRIPE_MODE, ADMIN_EMAILS, ADMIN_EMAIL_DOMAIN,
        DISABLE_AUTH, GOLIVE_MIGRATION_HEAD and a GOLIVE_*_TOKEN per user role.
        """
        config = self.config
        values = {
            "GOLIVE_BASE_URL": self.url,
            "DATABASE_URL": config.database_url,
            "STRIPE_WEBHOOK_SECRET": config.webhook_secret,
            "STRIPE_MODE": config.mode,
            "ADMIN_EMAILS": ",".join(config.admin_emails),
            "ADMIN_EMAIL_DOMAIN": config.admin_email_domain or "",
            "DISABLE_AUTH": "true" if "auth-disabled" in config.breaks else "false",
            "GOLIVE_MIGRATION_HEAD": HEAD_REVISION,
        }
        for user in config.users:
            values[f"GOLIVE_{user.role.upper()}_TOKEN"] = self.jwt(user.role)
        return values

    def jwt(self, role: str) -> str:
        """A JWT for the user of `role`, signed with the app's key (valid for a day)."""
        for user in self.config.users:
            if user.role == role:
                return mint_jwt(user.email, self.config.jwt_secret)
        raise KeyError(role)

    # -- request handling --------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        user: User | None = None
        try:
            if self.config.delay_s:
                time.sleep(self.config.delay_s)
            if self.config.latency_ms:
                time.sleep(self.config.latency_ms / 1000)
            handler, params = self._route(request)
            user = self._user(request)
            response = handler(request, user, **params)
        except HttpError as exc:
            response = Response.json({"detail": exc.detail}, exc.status, **exc.headers)
        except Exception as exc:  # the app's own bug: a 500, as a real backend would
            response = Response.json(
                {"detail": "Internal Server Error", "error": type(exc).__name__}, 500
            )
        with self._lock:
            self._log.append(
                LoggedRequest(
                    request.method, request.path, response.status, user.email if user else None
                )
            )
        self.log_line({"method": request.method, "path": request.path, "status": response.status})
        return response

    def _route(self, request: Request) -> tuple[Callable[..., Response], dict[str, str]]:
        if any(request.path.endswith(a) for a in ("/evidence", "/close", "/refund", "/ignore")):
            return (lambda r, u: app_billing.route(self, r, u) or _not_found()), {}
        allowed: list[str] = []
        for method, pattern, name in ROUTES:
            match = pattern.fullmatch(request.path)
            if match:
                if method == request.method:
                    return getattr(self, f"_{name}"), match.groupdict()
                allowed.append(method)
        if allowed:
            raise HttpError(405, "Method Not Allowed", {"Allow": ", ".join(allowed)})
        raise HttpError(404, "Not Found")

    def _user(self, request: Request) -> User | None:
        """The user of a bearer token, or of a `session` cookie holding one."""
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        user = self._token_user(token.strip()) if scheme.lower() == "bearer" else None
        if user is None and "cookie" in request.headers:
            cookies = SimpleCookie()
            with contextlib.suppress(CookieError):
                cookies.load(request.headers["cookie"])
            if "session" in cookies:
                user = self._token_user(cookies["session"].value)
        if user is None and "auth-disabled" in self.config.breaks:
            return User("dev", DEV_EMAIL, "")
        return user

    def _token_user(self, token: str) -> User | None:
        """The user of an opaque token, or of a JWT the app issued (`sub` = e-mail)."""
        user = self._users.get(token)
        if user is None and token.count(".") == 2:
            verify = "jwt-unverified" not in self.config.breaks
            email = jwt_subject(token, self.config.jwt_secret, verify=verify)
            user = next((u for u in self.config.users if u.email == email), None)
        return user

    def is_admin(self, user: User) -> bool:
        if user.email == DEV_EMAIL:
            return True
        email = user.email.lower()
        if email in {e.lower() for e in self.config.admin_emails}:
            return True
        domain = (self.config.admin_email_domain or "").lower().lstrip("@")
        return bool(domain) and email.rsplit("@", 1)[-1] == domain

    def _require_user(self, user: User | None) -> User:
        if user is None:
            raise HttpError(401, "Not authenticated", {"WWW-Authenticate": "Bearer"})
        return user

    def _require_admin(self, user: User | None) -> None:
        breaks = self.config.breaks
        if "admin-open" not in breaks:
            signed_in = self._require_user(user)
            if "admin-any-user" not in breaks and not self.is_admin(signed_in):
                raise HttpError(403, "Admin access required")
        if "admin-500" in breaks:
            raise RuntimeError("admin route failed")

    def _db(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the app is not running")
        return self._engine

    # -- routes --------------------------------------------------------------------
    def _health(self, request: Request, user: User | None) -> Response:
        return Response.json({"status": "ok"})

    def _openapi(self, request: Request, user: User | None) -> Response:
        return Response.json(OPENAPI)

    def _reset_limits(self, request: Request, user: User | None) -> Response:
        if "open-write-route" not in self.config.breaks:
            self._require_admin(user)
        self._limiter.reset()
        return Response.json({"reset": True})

    def _webhook(self, request: Request, user: User | None) -> Response:
        breaks = self.config.breaks
        behind_login = {"webhook-behind-login", "webhook-login-unverified"} & breaks
        if behind_login:
            self._require_user(user)
        if not {"webhook-unverified", "webhook-login-unverified"} & breaks:
            verify_signature(
                request.body,
                request.headers.get("stripe-signature"),
                self._verify_secret,
                tolerance=None if "webhook-no-tolerance" in breaks else SIGNATURE_TOLERANCE_S,
            )
        try:
            event = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise HttpError(400, "Invalid payload") from None
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise HttpError(400, "Invalid payload: not a Stripe event")
        if "webhook-500" in breaks:
            raise RuntimeError("webhook handler failed")
        handled = app_billing.apply_event(self, event)  # once per event id
        return Response.json({"received": True, "handled": handled})

    def _checkout(self, request: Request, user: User | None) -> Response:
        signed_in = self._require_user(user)
        self._rate_limit(request, signed_in)
        body = _json_body(request)
        tier = str(body.get("tier", "basic")).upper()
        cycle = str(body.get("cycle", "monthly")).lower()
        if cycle not in ("monthly", "yearly"):
            raise HttpError(400, f"Unknown billing cycle {cycle!r}")
        from sqlalchemy import text

        with self._db().connect() as conn:
            active = conn.execute(
                text("SELECT is_active FROM subscription_plans WHERE tier = :tier"),
                {"tier": tier},
            ).scalar()
        if not active:
            raise HttpError(400, f"Plan {tier} is not available")
        at_stripe = app_billing.checkout_session(self, signed_in, tier, cycle)
        if at_stripe is not None:
            return Response.json(at_stripe)
        session = f"cs_{self.config.mode}_{secrets.token_hex(12)}"
        return Response.json(
            {"session_id": session, "url": f"https://checkout.stripe.com/c/pay/{session}"}
        )

    def _rate_limit(self, request: Request, user: User) -> None:
        breaks = self.config.breaks
        if "no-rate-limit" in breaks:
            return
        key = f"user:{user.email}"
        if "rate-limit-global" in breaks:
            key = "global"
        elif "rate-limit-by-header" in breaks and request.headers.get("x-forwarded-for"):
            key = "ip:" + request.headers["x-forwarded-for"].split(",")[0].strip()
        wait = self._limiter.hit(key)
        if wait is not None:
            headers = {}
            if "rate-limit-no-retry-after" not in breaks:
                headers["Retry-After"] = str(max(1, math.ceil(wait)))
            raise HttpError(429, "Rate limit exceeded: too many checkout sessions", headers)

    def _portal(self, request: Request, user: User | None) -> Response:
        self._require_user(user)
        if "portal-no-url" in self.config.breaks:
            return Response.json({"status": "ok"})
        return Response.json(
            {
                "url": f"https://billing.stripe.com/p/session/{self.config.mode}_"
                f"{secrets.token_hex(12)}"
            }
        )

    def _disputes(self, request: Request, user: User | None) -> Response:
        self._require_admin(user)
        if (at_stripe := app_billing.disputes(self)) is not None:
            return Response.json(at_stripe)
        return Response.json(
            {"object": "list", "data": [self._dispute_json(d) for d in DISPUTES], "has_more": False}
        )

    def _dispute(self, request: Request, user: User | None, id: str) -> Response:
        self._require_admin(user)
        if (at_stripe := app_billing.disputes(self, id)) is not None:
            return Response.json(at_stripe)
        for dispute in DISPUTES:
            if dispute["id"] == id:
                return Response.json(self._dispute_json(dispute))
        raise HttpError(404, f"No such dispute: {id}")

    def _dispute_json(self, dispute: JsonObject) -> JsonObject:
        if "leak-fields" in self.config.breaks:
            customer = {"email": "alice@customer.example", "password_hash": LEAKED_HASH}
            return {**dispute, "customer": customer}
        return dict(dispute)

    def _fraud_warnings(self, request: Request, user: User | None) -> Response:
        self._require_admin(user)
        rows = self._efw_rows()
        return Response.json(
            {"object": "list", "data": [self._efw_json(r) for r in rows], "has_more": False}
        )

    def _fraud_warning(self, request: Request, user: User | None, id: str) -> Response:
        self._require_admin(user)
        for row in self._efw_rows(id):
            return Response.json(self._efw_json(row))
        raise HttpError(404, f"No such early fraud warning: {id}")

    def _efw_rows(self, efw_id: str | None = None) -> list[Mapping[str, Any]]:
        from sqlalchemy import select

        table = schema().tables["fraud_warnings"]
        query = select(
            table.c.stripe_efw_id,
            table.c.charge_id,
            table.c.fraud_type,
            table.c.actionable,
            table.c.status,
            table.c.created_at,
        ).order_by(table.c.id)
        if efw_id is not None:
            query = query.where(table.c.stripe_efw_id == efw_id)
        with self._db().connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def _efw_json(self, row: Mapping[str, Any]) -> JsonObject:
        created = row["created_at"]
        data: JsonObject = {
            "id": row["stripe_efw_id"],
            "object": "radar.early_fraud_warning",
            "charge": row["charge_id"],
            "fraud_type": row["fraud_type"],
            "actionable": bool(row["actionable"]),
            "status": row["status"],
            "created": int(created.timestamp()) if isinstance(created, datetime) else created,
        }
        breaks = self.config.breaks
        if "efw-missing-fields" in breaks:
            del data["fraud_type"], data["actionable"]
        if "leak-fields" in breaks:
            data["customer"] = {"email": "alice@customer.example", "password_hash": LEAKED_HASH}
        if "leak-secret" in breaks:
            data["debug"] = {"signing_secret": self.config.webhook_secret}
        return data

    def _disputes_page(self, request: Request, user: User | None) -> Response:
        self._require_admin(user)
        page = DISPUTES_PAGE.format(disputes=len(DISPUTES))
        return Response(200, page.encode(), "text/html; charset=utf-8")

    # -- webhook events ------------------------------------------------------------------
    def _apply_event(self, event: JsonObject) -> bool:
        """Apply the events the seed backend handles; others are acknowledged only."""
        from sqlalchemy import text

        kind = event["type"]
        obj = (event.get("data") or {}).get("object") or {}
        now = datetime.now(UTC)
        with self._db().begin() as conn:
            if kind == "checkout.session.completed":
                tier = str((obj.get("metadata") or {}).get("tier", "BASIC")).upper()
                plan_id = conn.execute(
                    text("SELECT id FROM subscription_plans WHERE tier = :t"), {"t": tier}
                ).scalar()
                conn.execute(
                    text(
                        "INSERT INTO user_subscriptions (user_email, plan_id, stripe_customer_id,"
                        " stripe_subscription_id, status, is_active, created_at, updated_at)"
                        " VALUES (:email, :plan, :cus, :sub, 'ACTIVE', :yes, :now, :now)"
                    ),
                    {
                        "email": obj.get("customer_email") or obj.get("client_reference_id"),
                        "plan": plan_id,
                        "cus": obj.get("customer"),
                        "sub": obj.get("subscription"),
                        "yes": True,
                        "now": now,
                    },
                )
                return True
            status_of = {
                "invoice.payment_failed": ("PAST_DUE", False),
                "invoice.payment_succeeded": ("ACTIVE", True),
                "customer.subscription.deleted": ("CANCELLED", False),
            }
            if kind in status_of or kind == "customer.subscription.updated":
                if kind == "customer.subscription.updated":
                    stripe_status = str(obj.get("status", "active")).upper()
                    status = {"CANCELED": "CANCELLED"}.get(stripe_status, stripe_status)
                    if status not in STATUSES:
                        return False
                    active = status in ("ACTIVE", "TRIALING")
                    subscription = obj.get("id")
                else:
                    status, active = status_of[kind]
                    subscription = (
                        obj.get("subscription") if kind.startswith("invoice") else (obj.get("id"))
                    )
                conn.execute(
                    text(
                        "UPDATE user_subscriptions SET status = :s, is_active = :a, "
                        "updated_at = :now WHERE stripe_subscription_id = :sub"
                    ),
                    {"s": status, "a": active, "now": now, "sub": subscription},
                )
                return True
            if kind in ("radar.early_fraud_warning.created", "radar.early_fraud_warning.updated"):
                efw_id = obj.get("id")
                exists = conn.execute(
                    text("SELECT 1 FROM fraud_warnings WHERE stripe_efw_id = :id"), {"id": efw_id}
                ).first()
                values = {
                    "id": efw_id,
                    "charge": obj.get("charge"),
                    "fraud_type": obj.get("fraud_type"),
                    "actionable": bool(obj.get("actionable")),
                    "now": now,
                }
                if exists:
                    conn.execute(
                        text(
                            "UPDATE fraud_warnings SET fraud_type = :fraud_type, "
                            "actionable = :actionable WHERE stripe_efw_id = :id"
                        ),
                        values,
                    )
                else:
                    conn.execute(
                        text(
                            "INSERT INTO fraud_warnings (stripe_efw_id, charge_id, fraud_type,"
                            " actionable, status, created_at) VALUES (:id, :charge, :fraud_type,"
                            " :actionable, 'OPEN', :now)"
                        ),
                        values,
                    )
                return True
        return False


def _not_found() -> Response:
    raise HttpError(404, "Not Found")


def _json_body(request: Request) -> JsonObject:
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HttpError(400, "Invalid JSON body") from None
    if not isinstance(body, dict):
        raise HttpError(400, "Expected a JSON object")
    return body


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value for `payload`, as Stripe computes it."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_signature(
    payload: bytes, header: str | None, secret: str, tolerance: int | None
) -> None:
    """Raise HttpError(400) unless `header` signs `payload` with `secret` (Stripe's scheme:
    `t=TIMESTAMP,v1=HEX(HMAC-SHA256(secret, "TIMESTAMP." + payload))`)."""
    if not header:
        raise HttpError(400, "Missing Stripe-Signature header")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise HttpError(400, "Unable to extract timestamp and signatures from header")
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise HttpError(400, "No signatures found matching the expected signature for payload")
    if tolerance is not None and abs(time.time() - timestamp) > tolerance:
        raise HttpError(400, "Timestamp outside the tolerance zone")


# -- command line ----------------------------------------------------------------------


def write_env_file(path: Path, values: Mapping[str, str]) -> None:
    """A dotenv file only its owner can read: it holds the app's tokens and secret."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    lines = [f"{name}='{value}'\n" for name, value in values.items()]
    path.write_text("".join(lines), encoding="utf-8")


def serve(
    database_url: str | None = None,
    seed: bool = True,
    breaks: Iterable[str] = (),
    port: int = 0,
    env_file: Path = Path("reference-app.env"),
    latency_ms: int = 0,
    log: Path | None = None,
) -> None:
    """`golive sandbox app` (options in golive/sandbox/commands.py): serve until Ctrl-C or
    SIGTERM. Without `database_url`, a SQLite file in a temporary folder, removed on the
    way out whichever of the two stopped it."""
    import os

    try:
        chosen = check_breaks(breaks)
    except UnknownBreakError as exc:
        raise typer.BadParameter(str(exc), param_hint="--break") from None
    with sigterm_as_interrupt(), contextlib.ExitStack() as cleanup:
        if database_url is None:
            folder = cleanup.enter_context(
                tempfile.TemporaryDirectory(prefix="golive-app-", ignore_cleanup_errors=True)
            )
            database_url = f"sqlite:///{Path(folder) / 'app.db'}"
        environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        config = AppConfig.from_env(environ, database_url=database_url)
        config = replace(config.with_breaks(*chosen), latency_ms=latency_ms)
        if seed:
            seed_database(database_url, config.breaks & DATABASE_BREAKS)
        with ReferenceApp(config, port=port, log_path=log) as app:
            write_env_file(env_file, app.golive_env())
            typer.echo(f"reference app listening on {app.url}")
            typer.echo(f"  breaks: {', '.join(sorted(config.breaks)) or 'none'}")
            typer.echo(
                f"  golive configuration (tokens, secret): {env_file} -- "
                f"golive check --env test --env-file {env_file}. Ctrl-C stops."
            )
            wait_for_interrupt()
        typer.echo(f"stopped after {len(app.requests)} requests")


if __name__ == "__main__":  # pragma: no cover
    from golive.sandbox.commands import app as app_command

    typer.run(app_command)
