"""A healthy sandbox state for the demo and the tests: two tiers of prices in both modes, an
endpoint subscribed to what a subscription backend handles, and a little history.
"""

from __future__ import annotations

import json

from golive.sandbox.stripe.templates import (
    DEFAULT_API_VERSION,
    MODES,
    JsonObject,
)

# -- a healthy state for the demo and the tests ----------------------------------------

#: the events a subscription backend handles (the checklist's item 4.2)
DEMO_EVENTS = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "radar.early_fraud_warning.created",
    "radar.early_fraud_warning.updated",
)
DEMO_TIERS = ("basic", "pro")
_DEMO_AMOUNTS = {"monthly": 1200, "yearly": 12000}


def demo_price_id(mode: str, tier: str, cycle: str) -> str:
    """The demo's price id for a tier and cycle, e.g. price_live_basic_monthly."""
    return f"price_{mode}_{tier}_{cycle}"


def demo_mapping(mode: str, tiers: tuple[str, ...] = DEMO_TIERS) -> str:
    """The JSON price mapping (STRIPE_PLAN_PRICE_MAPPING_LIVE/_TEST) matching demo_state."""
    return json.dumps(
        {
            tier: {cycle: demo_price_id(mode, tier, cycle) for cycle in _DEMO_AMOUNTS}
            for tier in tiers
        }
    )


def demo_state(
    webhook_url: str,
    *,
    api_version: str = DEFAULT_API_VERSION,
    tiers: tuple[str, ...] = DEMO_TIERS,
) -> JsonObject:
    """A healthy account in both modes: every Stripe item of the checklist passes.

    Prices for each tier, monthly and yearly (ids from `demo_price_id`, mapping from
    `demo_mapping`); one enabled endpoint for `webhook_url` subscribed to DEMO_EVENTS
    with `api_version`; delivered events; 400 charges and one dispute in the last 30
    days (0.25%, so the dispute-rate probe can stop after two pages of charges); one
    non-actionable early fraud warning.
    """
    state: JsonObject = {}
    for mode in MODES:
        prices = [
            {
                "id": demo_price_id(mode, tier, cycle),
                "product": f"prod_{mode}_{tier}",
                "nickname": f"{tier.title()} {cycle}",
                "unit_amount": _DEMO_AMOUNTS[cycle] * (i + 1),
                "currency": "usd",
                "recurring": {"interval": "month" if cycle == "monthly" else "year"},
                "created": "-60d",
            }
            for i, tier in enumerate(tiers)
            for cycle in _DEMO_AMOUNTS
        ]
        state[mode] = {
            "balance": {"available": [{"amount": 250_000, "currency": "usd"}]},
            "products": [
                {"id": f"prod_{mode}_{tier}", "name": tier.title(), "created": "-60d"}
                for tier in tiers
            ],
            "prices": prices,
            "webhook_endpoints": [
                {
                    "id": f"we_{mode}_app",
                    "url": webhook_url,
                    "enabled_events": list(DEMO_EVENTS),
                    "api_version": api_version,
                    "description": "the app's webhook",
                    "created": "-60d",
                }
            ],
            "events": [
                {"type": "invoice.payment_succeeded", "created": "-2h", "delivery_success": True},
                {"type": "checkout.session.completed", "created": "-3h", "delivery_success": True},
            ],
            "charges": [{"repeat": 400, "created": ["-29d", "-1h"], "amount": 1200}],
            "disputes": [
                {
                    "id": f"dp_{mode}_one",
                    "charge": f"ch_{mode}_disputed",
                    "created": "-5d",
                    "status": "under_review",
                }
            ],
            "early_fraud_warnings": [
                {
                    "id": f"issfr_{mode}_one",
                    "charge": f"ch_{mode}_efw",
                    "actionable": False,
                    "created": "-6d",
                }
            ],
        }
    return state
