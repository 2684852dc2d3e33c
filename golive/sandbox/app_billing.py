"""The reference deployment's billing side: webhook handling, checkout at Stripe, and the
admin actions on disputes and early fraud warnings, as the seed's backend does them.

app.py serves the routes; this module holds what `golive rehearse` exercises:

- `apply_event`: the webhook route's verified events, once per event id (Stripe
  retries and may deliver twice; a table `processed_webhook_events` remembers what was
  applied). invoice.payment_succeeded also records a subscription the app has not seen
  yet (created through the API rather than Checkout) from the invoice's customer e-mail
  and its subscription's metadata (`tier`); invoice events read the subscription from
  `parent.subscription_details` (current API versions) or `subscription` (older ones).
  The status changes themselves are the app's own handler (`ReferenceApp._apply_event`).
- with a Stripe link (`link`): create-checkout-session creates a Checkout Session at
  Stripe whose success and cancel URLs are on the app's public URL; the admin disputes
  API reads Stripe's disputes and can submit evidence and close one; the fraud-warning
  actions "Refund Full Amount" (a refund at Stripe) and "Mark as Ignored".
- break switches (`BILLING_BREAKS`) for the rehearsal's broken scenarios.

Only the standard library talks to Stripe here (urllib, form-encoded as Stripe wants).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from golive.sandbox.app import ReferenceApp, Request, Response, User

JsonObject = dict[str, Any]

BILLING_BREAKS: dict[str, str] = {
    "checkout-placeholder-host": "Checkout sessions return customers to https://example.com",
    "payment-failed-ignored": "invoice.payment_failed and past_due updates never set PAST_DUE",
    "cancel-ignored": "customer.subscription.deleted never marks the subscription cancelled",
    "new-subscription-ignored": "a subscription the app has not seen is never recorded",
    "disputes-stale": "the admin disputes API never shows Stripe's new disputes",
    "efw-refund-noop": '"Refund Full Amount" answers 200 without refunding at Stripe',
    "efw-ignore-noop": '"Mark as Ignored" answers 200 without changing the status',
}


@dataclass(frozen=True)
class StripeLink:
    """How the app reaches its Stripe account (the sandbox or Stripe in test mode)."""

    api_base: str
    secret_key: str = field(repr=False)
    #: {"basic": {"monthly": "price_..."}}, as STRIPE_PLAN_PRICE_MAPPING_* holds it
    price_mapping: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: where customers come back to; default: the app's own URL
    public_url: str | None = None


_LINKS: weakref.WeakKeyDictionary[ReferenceApp, StripeLink] = weakref.WeakKeyDictionary()
_SCHEMA_DONE: weakref.WeakKeyDictionary[ReferenceApp, bool] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def link(app: ReferenceApp, stripe: StripeLink) -> None:
    """Give the running app a Stripe account (the demo starts the app before the sandbox)."""
    _LINKS[app] = stripe


def linked(app: ReferenceApp) -> StripeLink | None:
    return _LINKS.get(app)


def billing_schema() -> MetaData:
    """The table that makes webhook handling idempotent."""
    from sqlalchemy import Column, DateTime, MetaData, String, Table

    metadata = MetaData()
    Table(
        "processed_webhook_events",
        metadata,
        Column("event_id", String(255), primary_key=True),
        Column("type", String(255), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
    return metadata


def _ensure_schema(app: ReferenceApp) -> None:
    with _LOCK:
        if not _SCHEMA_DONE.get(app):
            billing_schema().create_all(app._db())
            _SCHEMA_DONE[app] = True


# -- webhooks ---------------------------------------------------------------------------


def apply_event(app: ReferenceApp, event: JsonObject) -> bool:
    """Apply a verified event once; a repeated event id is acknowledged and skipped."""
    from sqlalchemy import text

    _ensure_schema(app)
    event_id = event.get("id")
    if isinstance(event_id, str) and event_id:
        with app._db().begin() as conn:
            seen = conn.execute(
                text("SELECT 1 FROM processed_webhook_events WHERE event_id = :id"),
                {"id": event_id},
            ).first()
            if seen:
                return False
            conn.execute(
                text(
                    "INSERT INTO processed_webhook_events (event_id, type, processed_at)"
                    " VALUES (:id, :type, :now)"
                ),
                {"id": event_id, "type": event["type"], "now": datetime.now(UTC)},
            )
    try:
        return _apply(app, event)
    except Exception:
        if isinstance(event_id, str) and event_id:  # let Stripe's retry apply it
            with app._db().begin() as conn:
                conn.execute(
                    text("DELETE FROM processed_webhook_events WHERE event_id = :id"),
                    {"id": event_id},
                )
        raise


def _apply(app: ReferenceApp, event: JsonObject) -> bool:
    breaks = app.config.breaks
    kind = str(event["type"])
    obj = (event.get("data") or {}).get("object") or {}
    if kind.startswith("invoice.") and not obj.get("subscription"):
        parent = obj.get("parent") or {}
        details = parent.get("subscription_details") or {}
        obj = {**obj, "subscription": details.get("subscription"), "_sub_meta": details}
        event = {**event, "data": {**event.get("data", {}), "object": obj}}
    if "payment-failed-ignored" in breaks and (
        kind == "invoice.payment_failed"
        or (kind == "customer.subscription.updated" and obj.get("status") in ("past_due", "unpaid"))
    ):
        return False
    if "cancel-ignored" in breaks and kind == "customer.subscription.deleted":
        return False
    if kind == "invoice.payment_succeeded" and obj.get("subscription"):
        _record_new_subscription(app, obj)
    return app._apply_event(event)


def _record_new_subscription(app: ReferenceApp, invoice: JsonObject) -> None:
    """A subscription made outside Checkout: the user is the invoice's customer e-mail."""
    from sqlalchemy import text

    if "new-subscription-ignored" in app.config.breaks or not invoice.get("customer_email"):
        return
    metadata = (invoice.get("_sub_meta") or {}).get("metadata") or {}
    tier = str(metadata.get("tier", "BASIC")).upper()
    now = datetime.now(UTC)
    with app._db().begin() as conn:
        known = conn.execute(
            text("SELECT 1 FROM user_subscriptions WHERE stripe_subscription_id = :sub"),
            {"sub": invoice["subscription"]},
        ).first()
        if known:
            return
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
                "email": invoice["customer_email"],
                "plan": plan_id,
                "cus": invoice.get("customer"),
                "sub": invoice["subscription"],
                "yes": True,
                "now": now,
            },
        )


# -- Stripe calls ----------------------------------------------------------------------


class StripeCallError(Exception):
    """Stripe answered an error (status, message) or could not be reached."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _form(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            pairs += _form(value, name)
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    pairs += _form(item, f"{name}[{i}]")
                else:
                    pairs.append((f"{name}[{i}]", str(item)))
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif value is not None:
            pairs.append((name, str(value)))
    return pairs


def stripe_call(
    stripe: StripeLink, method: str, path: str, params: Mapping[str, Any] | None = None
) -> JsonObject:
    """One request to the app's Stripe account; StripeCallError unless 2xx."""
    url = stripe.api_base.rstrip("/") + path
    data = None
    if params and method == "GET":
        url += "?" + urlencode(_form(params))
    elif params:
        data = urlencode(_form(params)).encode()
    request = urllib.request.Request(
        url,
        data,
        {
            "Authorization": f"Bearer {stripe.secret_key}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            body: JsonObject = json.loads(answer.read())
            return body
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read())["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {exc.code}"
        raise StripeCallError(exc.code, str(message)) from None
    except (urllib.error.URLError, OSError) as exc:
        raise StripeCallError(502, f"Stripe unreachable: {type(exc).__name__}") from None


# -- routes ------------------------------------------------------------------------------

_ACTIONS = (
    ("POST", re.compile(r"/api/stripe/disputes/(?P<id>[^/]+)/evidence"), "evidence"),
    ("POST", re.compile(r"/api/stripe/disputes/(?P<id>[^/]+)/close"), "close"),
    ("POST", re.compile(r"/api/stripe/fraud-warnings/(?P<id>[^/]+)/refund"), "refund"),
    ("POST", re.compile(r"/api/stripe/fraud-warnings/(?P<id>[^/]+)/ignore"), "ignore"),
)


def route(app: ReferenceApp, request: Request, user: User | None) -> Response | None:
    """The admin actions' answer, or None for any other route."""
    from golive.sandbox.app import HttpError, Response

    for method, pattern, name in _ACTIONS:
        match = pattern.fullmatch(request.path)
        if not match:
            continue
        if request.method != method:
            raise HttpError(405, "Method Not Allowed", {"Allow": method})
        app._require_admin(user)
        item_id = match.group("id")
        try:
            if name in ("evidence", "close"):
                return Response.json(_dispute_action(app, name, item_id, request))
            return Response.json(_efw_action(app, name, item_id))
        except StripeCallError as exc:
            raise HttpError(502 if exc.status >= 500 else 400, f"Stripe: {exc}") from None
    return None


def _require_link(app: ReferenceApp) -> StripeLink:
    from golive.sandbox.app import HttpError

    stripe = linked(app)
    if stripe is None:
        raise HttpError(503, "Stripe is not configured")
    return stripe


def _dispute_action(app: ReferenceApp, name: str, dispute_id: str, request: Request) -> JsonObject:
    stripe = _require_link(app)
    if name == "close":
        return _dispute_json(stripe_call(stripe, "POST", f"/v1/disputes/{quote(dispute_id)}/close"))
    body = json.loads(request.body or b"{}") if request.body.strip() else {}
    text = str(body.get("text") or "Service was provided as described.")
    params = {"evidence": {"uncategorized_text": text}, "submit": True}
    return _dispute_json(stripe_call(stripe, "POST", f"/v1/disputes/{quote(dispute_id)}", params))


def _efw_action(app: ReferenceApp, name: str, efw_id: str) -> JsonObject:
    from sqlalchemy import text

    from golive.sandbox.app import HttpError

    with app._db().connect() as conn:
        row = conn.execute(
            text("SELECT charge_id, status FROM fraud_warnings WHERE stripe_efw_id = :id"),
            {"id": efw_id},
        ).first()
    if row is None:
        raise HttpError(404, f"No such early fraud warning: {efw_id}")
    breaks = app.config.breaks
    status = "REFUNDED" if name == "refund" else "IGNORED"
    if name == "refund" and "efw-refund-noop" not in breaks:
        stripe_call(
            _require_link(app),
            "POST",
            "/v1/refunds",
            {"charge": row[0], "reason": "fraudulent", "metadata": {"efw": efw_id}},
        )
    if not (name == "ignore" and "efw-ignore-noop" in breaks):
        with app._db().begin() as conn:
            conn.execute(
                text("UPDATE fraud_warnings SET status = :s WHERE stripe_efw_id = :id"),
                {"s": status, "id": efw_id},
            )
    return {"id": efw_id, "status": status}


def _dispute_json(dispute: JsonObject) -> JsonObject:
    details = dispute.get("evidence_details") or {}
    return {
        "id": dispute["id"],
        "object": "dispute",
        "amount": dispute.get("amount"),
        "currency": dispute.get("currency"),
        "charge": dispute.get("charge"),
        "reason": dispute.get("reason"),
        "status": dispute.get("status"),
        "created": dispute.get("created"),
        "evidence_details": {
            "due_by": details.get("due_by"),
            "has_evidence": details.get("has_evidence"),
        },
    }


def disputes(app: ReferenceApp, dispute_id: str | None = None) -> JsonObject | None:
    """Stripe's disputes (or one) for the admin API when linked; None: use the app's own."""
    from golive.sandbox.app import HttpError

    stripe = linked(app)
    if stripe is None or "disputes-stale" in app.config.breaks:
        return None
    try:
        if dispute_id is not None:
            return _dispute_json(stripe_call(stripe, "GET", f"/v1/disputes/{quote(dispute_id)}"))
        page = stripe_call(stripe, "GET", "/v1/disputes", {"limit": 100})
    except StripeCallError as exc:
        if exc.status == 404:
            raise HttpError(404, f"No such dispute: {dispute_id}") from None
        raise HttpError(502, f"Stripe: {exc}") from None
    return {
        "object": "list",
        "data": [_dispute_json(d) for d in page.get("data", [])],
        "has_more": bool(page.get("has_more")),
    }


def checkout_session(app: ReferenceApp, user: User, tier: str, cycle: str) -> JsonObject | None:
    """A Checkout Session at Stripe for `user` (None when the app has no Stripe link)."""
    from golive.sandbox.app import HttpError

    stripe = linked(app)
    if stripe is None:
        return None
    price = (stripe.price_mapping.get(tier.lower()) or {}).get(cycle)
    if not price:
        raise HttpError(400, f"No price for {tier} {cycle}")
    public = (stripe.public_url or app.url).rstrip("/")
    if "checkout-placeholder-host" in app.config.breaks:
        public = "https://example.com"
    params = {
        "mode": "subscription",
        "line_items": [{"price": price, "quantity": 1}],
        "success_url": f"{public}/billing/success?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{public}/pricing",
        "customer_email": user.email,
        "client_reference_id": user.email,
        "metadata": {"tier": tier, "user_email": user.email},
        "subscription_data": {"metadata": {"tier": tier, "user_email": user.email}},
    }
    try:
        session = stripe_call(stripe, "POST", "/v1/checkout/sessions", params)
    except StripeCallError as exc:
        raise HttpError(502, f"Stripe: {exc}") from None
    return {"session_id": session["id"], "url": session["url"]}
