"""The reference deployment's billing side: webhook handling, checkout at Stripe, and the
admin actions on disputes and early fraud warnings, as the seed's backend does them.

server.py serves the routes; this module and billing_routes.py hold what `golive rehearse`
exercises:

- `apply_event`: the webhook route's verified events, once per event id (Stripe
  retries and may deliver twice; a table `processed_webhook_events` remembers what was
  applied). invoice.payment_succeeded also records a subscription the app has not seen
  yet (created through the API rather than Checkout) from the invoice's customer e-mail
  and its subscription's metadata (`tier`); invoice events read the subscription from
  `parent.subscription_details` (current API versions) or `subscription` (older ones).
  The status changes themselves are events.py's `apply_status_event`.
- with a Stripe link (`link`): create-checkout-session creates a Checkout Session at
  Stripe whose success and cancel URLs are on the app's public URL; the admin disputes
  API reads Stripe's disputes and can submit evidence and close one; the fraud-warning
  actions "Refund Full Amount" (a refund at Stripe) and "Mark as Ignored".
- break switches (`BILLING_BREAKS`, in breaks.py) for the rehearsal's broken scenarios.

Only the standard library talks to Stripe here (urllib, form-encoded as Stripe wants).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from golive.sandbox.app.config import AppConfig, User
from golive.sandbox.app.events import apply_status_event

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Engine


JsonObject = dict[str, Any]


class BillingHost(Protocol):
    """What the billing side needs of the running app (server.ReferenceApp is one)."""

    config: AppConfig

    @property
    def url(self) -> str: ...

    def _db(self) -> Engine: ...

    def _require_admin(self, user: User | None) -> None: ...


@dataclass(frozen=True)
class StripeLink:
    """How the app reaches its Stripe account (the sandbox or Stripe in test mode)."""

    api_base: str
    secret_key: str = field(repr=False)
    #: {"basic": {"monthly": "price_..."}}, as STRIPE_PLAN_PRICE_MAPPING_* holds it
    price_mapping: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: where customers come back to; default: the app's own URL
    public_url: str | None = None


_LINKS: weakref.WeakKeyDictionary[BillingHost, StripeLink] = weakref.WeakKeyDictionary()
_SCHEMA_DONE: weakref.WeakKeyDictionary[BillingHost, bool] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def link(app: BillingHost, stripe: StripeLink) -> None:
    """Give the running app a Stripe account (the demo starts the app before the sandbox)."""
    _LINKS[app] = stripe


def linked(app: BillingHost) -> StripeLink | None:
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


def _ensure_schema(app: BillingHost) -> None:
    with _LOCK:
        if not _SCHEMA_DONE.get(app):
            billing_schema().create_all(app._db())
            _SCHEMA_DONE[app] = True


# -- webhooks ---------------------------------------------------------------------------


def apply_event(app: BillingHost, event: JsonObject) -> bool:
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


def _apply(app: BillingHost, event: JsonObject) -> bool:
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
    return apply_status_event(app._db(), event)


def _record_new_subscription(app: BillingHost, invoice: JsonObject) -> None:
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
