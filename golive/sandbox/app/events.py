"""The reference app's status changes for the Stripe events it knows (subscriptions and
invoices, disputes, early fraud warnings), as the seed's backend applies them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from golive.sandbox.app.config import STATUSES

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


JsonObject = dict[str, Any]


def apply_status_event(engine: Engine, event: JsonObject) -> bool:
    """Apply the events the seed backend handles; others are acknowledged only."""
    from sqlalchemy import text

    kind = event["type"]
    obj = (event.get("data") or {}).get("object") or {}
    now = datetime.now(UTC)
    with engine.begin() as conn:
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
