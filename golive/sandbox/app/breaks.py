"""The reference app's break switches: each name breaks it in one way the checklist guards
against (docs/reference-app.md lists them with the item that catches each).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


JsonObject = dict[str, Any]

#: billing and admin actions: what the test-mode rehearsal catches (billing.py, billing_routes.py)
BILLING_BREAKS: dict[str, str] = {
    "checkout-placeholder-host": "Checkout sessions return customers to https://example.com",
    "payment-failed-ignored": "invoice.payment_failed and past_due updates never set PAST_DUE",
    "cancel-ignored": "customer.subscription.deleted never marks the subscription cancelled",
    "new-subscription-ignored": "a subscription the app has not seen is never recorded",
    "disputes-stale": "the admin disputes API never shows Stripe's new disputes",
    "efw-refund-noop": '"Refund Full Amount" answers 200 without refunding at Stripe',
    "efw-ignore-noop": '"Mark as Ignored" answers 200 without changing the status',
}

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
    **BILLING_BREAKS,
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
