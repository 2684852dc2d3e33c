"""The reference deployment on 127.0.0.1: `ReferenceApp`, its request handling, users and
admins, and the handlers of the routes in routes.py (billing's in billing_routes.py).
"""

from __future__ import annotations

import contextlib
import json
import math
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from golive.sandbox.app import billing_routes
from golive.sandbox.app.billing import apply_event
from golive.sandbox.app.config import (
    DEV_EMAIL,
    HEAD_REVISION,
    SIGNATURE_TOLERANCE_S,
    AppConfig,
    User,
    _webhook_secret,
    jwt_subject,
    mint_jwt,
)
from golive.sandbox.app.database import app_engine, fraud_warning_rows
from golive.sandbox.app.routes import DISPUTES, DISPUTES_PAGE, LEAKED_HASH, OPENAPI, ROUTES
from golive.sandbox.app.web import (
    HttpError,
    LoggedRequest,
    Request,
    Response,
    SlidingWindow,
    _json_body,
    _not_found,
    verify_signature,
)
from golive.sandbox.server import LoopbackHandler, LoopbackServer

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


JsonObject = dict[str, Any]


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
            return (lambda r, u: billing_routes.route(self, r, u) or _not_found()), {}
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
        handled = apply_event(self, event)  # once per event id
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
        at_stripe = billing_routes.checkout_session(self, signed_in, tier, cycle)
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
        if (at_stripe := billing_routes.disputes(self)) is not None:
            return Response.json(at_stripe)
        return Response.json(
            {"object": "list", "data": [self._dispute_json(d) for d in DISPUTES], "has_more": False}
        )

    def _dispute(self, request: Request, user: User | None, id: str) -> Response:
        self._require_admin(user)
        if (at_stripe := billing_routes.disputes(self, id)) is not None:
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
        rows = fraud_warning_rows(
            self._db(),
        )
        return Response.json(
            {"object": "list", "data": [self._efw_json(r) for r in rows], "has_more": False}
        )

    def _fraud_warning(self, request: Request, user: User | None, id: str) -> Response:
        self._require_admin(user)
        for row in fraud_warning_rows(self._db(), id):
            return Response.json(self._efw_json(row))
        raise HttpError(404, f"No such early fraud warning: {id}")

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
