"""Acme Billing: subscriptions, Stripe webhooks and an internal disputes desk."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import jwt
import stripe
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

DATABASE_URL = os.environ["DATABASE_URL"]  # e.g. sqlite+aiosqlite:///acme.db
JWT_SECRET = os.environ["JWT_SECRET"]
ENDPOINT_SECRET = os.environ["STRIPE_ENDPOINT_SECRET"]
BILLING_MODE = os.environ.get("BILLING_MODE", "test")
ADMINS = {e.strip().lower() for e in os.environ.get("BILLING_ADMINS", "").split(",") if e.strip()}
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000")
CHECKOUT_PER_MINUTE = int(os.environ.get("CHECKOUT_PER_MINUTE", "5"))
# Switches for golive's tests (issue 18): each plants one defect or behaviour.
#   ACME_LIMIT_KEY=authorization      the checkout limiter is keyed on the raw header
#   ACME_SWALLOW_SIGNATURE_ERRORS=1   a failed signature check is logged and answered 200
#   ACME_LOGIN_PER_MINUTE=5           a JSON login route, limited per client address
LIMIT_KEY = os.environ.get("ACME_LIMIT_KEY", "user")
SWALLOW_SIGNATURE_ERRORS = os.environ.get("ACME_SWALLOW_SIGNATURE_ERRORS") == "1"
LOGIN_PER_MINUTE = int(os.environ.get("ACME_LOGIN_PER_MINUTE", "0"))  # 0: no login route
LOGIN_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Settings:
    """Typed settings read from the environment (a test plants a default of true here)."""

    debug: bool = os.environ.get("ACME_DEBUG", "false").lower() == "true"


settings = Settings()
app = FastAPI(title="Acme Billing", version="1.0", debug=settings.debug)
user_bearer = HTTPBearer(scheme_name="UserBearer", auto_error=False)
admin_bearer = HTTPBearer(scheme_name="AdminBearer", auto_error=False)


def connect() -> sqlite3.Connection:
    """The async URL names the driver the ORM would use; this service reads the same file."""
    scheme, _, path = DATABASE_URL.partition(":///")
    if not scheme.startswith("sqlite"):
        raise RuntimeError(f"unsupported database {scheme}")
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return conn


class User(BaseModel):
    sub: str
    email: str


def _user(credentials: HTTPAuthorizationCredentials | None) -> User:
    if credentials is None:
        raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(
            credentials.credentials,
            JWT_SECRET,
            algorithms=["HS256"],
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"}) from None
    return User(sub=str(claims["sub"]), email=str(claims.get("email", "")))


def current_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(user_bearer)],
) -> User:
    return _user(credentials)


def admin_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(admin_bearer)],
) -> User:
    user = _user(credentials)
    if user.email.lower() not in ADMINS:
        raise HTTPException(403, "admins only")
    return user


class Limiter:
    """At most `per_minute` calls per user in any 60 seconds."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.calls: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def hit(self, key: str) -> None:
        now = time.monotonic()
        with self.lock:
            calls = self.calls[key]
            while calls and calls[0] <= now - 60:
                calls.popleft()
            if len(calls) >= self.per_minute:
                retry = int(60 - (now - calls[0])) + 1
                raise HTTPException(429, "too many checkouts", headers={"Retry-After": str(retry)})
            calls.append(now)


checkout_limiter = Limiter(CHECKOUT_PER_MINUTE)


class CheckoutRequest(BaseModel):
    plan: Literal["basic", "pro"]
    interval: Literal["monthly", "yearly"] = "monthly"


@app.get("/health", tags=["ops"])
def health() -> dict[str, bool]:
    return {"ok": True}


@app.post("/billing/checkout", tags=["billing"])
def checkout(
    body: CheckoutRequest, request: Request, user: Annotated[User, Depends(current_user)]
) -> dict[str, str]:
    if LIMIT_KEY == "authorization":
        checkout_limiter.hit(request.headers.get("authorization", ""))
    else:
        checkout_limiter.hit(user.sub)
    with connect() as conn:
        row = conn.execute(
            "SELECT stripe_price FROM billing_prices WHERE plan_key = ? AND mode = ?",
            (f"{body.plan}.{body.interval}", BILLING_MODE),
        ).fetchone()
    if row is None:
        raise HTTPException(404, "no such plan")
    session = {
        "price": row["stripe_price"],
        "success_url": f"{PUBLIC_URL}/billing/done",
        "cancel_url": f"{PUBLIC_URL}/billing",
    }
    return {"url": f"https://checkout.stripe.com/c/pay/acme_{user.sub}", "price": session["price"]}


@app.post("/billing/portal", tags=["billing"])
def portal(user: Annotated[User, Depends(current_user)]) -> dict[str, str]:
    return {"url": f"https://billing.stripe.com/p/session/acme_{user.sub}"}


@app.post("/billing/stripe-hooks", tags=["billing"])
async def stripe_hooks(request: Request) -> dict[str, bool]:
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    if not signature:
        raise HTTPException(400, "missing signature")
    try:
        event = stripe.Webhook.construct_event(payload, signature, ENDPOINT_SECRET)
    except (ValueError, stripe.SignatureVerificationError):
        if SWALLOW_SIGNATURE_ERRORS:
            print("webhook: bad signature, ignored")  # "logged", then answered 200
            return {"received": False}
        raise HTTPException(400, "bad signature") from None
    data = event["data"]["object"]
    if event["type"] == "checkout.session.completed":
        with connect() as conn:
            conn.execute(
                "INSERT INTO subscriptions (user_id, stripe_customer_id, stripe_subscription_id,"
                " status, is_active) VALUES (?, ?, ?, 'ACTIVE', 1)",
                (data.get("client_reference_id"), data.get("customer"), data.get("subscription")),
            )
    return {"received": True}


def _rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    with connect() as conn:
        return [dict(r) for r in conn.execute(sql, args)]


@app.get("/internal/disputes", tags=["internal"])
def disputes(admin: Annotated[User, Depends(admin_user)]) -> list[dict[str, Any]]:
    return _rows("SELECT * FROM disputes ORDER BY id")


@app.get("/internal/disputes/{dispute_id}", tags=["internal"])
def dispute(dispute_id: str, admin: Annotated[User, Depends(admin_user)]) -> dict[str, Any]:
    found = _rows("SELECT * FROM disputes WHERE id = ?", dispute_id)
    if not found:
        raise HTTPException(404, "no such dispute")
    return found[0]


@app.get("/internal/fraud-warnings", tags=["internal"])
def fraud_warnings(admin: Annotated[User, Depends(admin_user)]) -> list[dict[str, Any]]:
    return [
        {**r, "actionable": bool(r["actionable"])}
        for r in _rows("SELECT * FROM radar_warnings ORDER BY id")
    ]


@app.get("/internal/fraud-warnings/{warning_id}", tags=["internal"])
def fraud_warning(warning_id: str, admin: Annotated[User, Depends(admin_user)]) -> dict[str, Any]:
    found = _rows("SELECT * FROM radar_warnings WHERE id = ?", warning_id)
    if not found:
        raise HTTPException(404, "no such warning")
    return {**found[0], "actionable": bool(found[0]["actionable"])}


@app.get("/internal/dashboard", response_class=HTMLResponse, tags=["internal"])
def dashboard(admin: Annotated[User, Depends(admin_user)]) -> str:
    count = len(_rows("SELECT id FROM disputes"))
    return f"<html><body><h1>Disputes desk</h1><p>{count} open</p></body></html>"


if LOGIN_PER_MINUTE:
    login_limiter = Limiter(LOGIN_PER_MINUTE)

    class LoginRequest(BaseModel):
        email: str
        password: str

    @app.post("/auth/login", tags=["auth"])
    def login(body: LoginRequest, request: Request) -> dict[str, str]:
        login_limiter.hit(request.client.host if request.client else "?")
        if body.password != LOGIN_PASSWORD:
            raise HTTPException(401, "wrong e-mail or password")
        claims = {"sub": body.email, "email": body.email, "exp": int(time.time()) + 3600}
        return {"access_token": jwt.encode(claims, JWT_SECRET, algorithm="HS256")}
