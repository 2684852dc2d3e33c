"""`flow.rehearse`'s parameters: which flow, the deployment's routes, bodies and queries
(defaults: the seed's), the statuses it stores, and how long each step waits.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from golive.engine.probe import ProbeParams

FLOWS = ("subscription", "portal_cancel", "failed_payment", "dispute", "fraud_warning")

SUBSCRIPTION_QUERY = (
    "SELECT status, is_active, stripe_customer_id FROM user_subscriptions "
    "WHERE stripe_subscription_id = :subscription_id"
)


class Route(ProbeParams):
    """One route of the deployment: path (with `{id}`), method, role and JSON body."""

    path: str
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    role: str = "user"
    body: dict[str, Any] | None = None


class RehearseParams(ProbeParams):
    flow: Literal["subscription", "portal_cancel", "failed_payment", "dispute", "fraud_warning"]
    user_email_var: str = Field(
        "GOLIVE_REHEARSAL_EMAIL",
        description="Variable holding the test user's e-mail (the role `user`'s, as the app "
        "knows the user): the Stripe customers' e-mail.",
    )
    price_mapping_var: str = "STRIPE_PLAN_PRICE_MAPPING_{MODE}"
    tier: str = "basic"
    cycle: str = "monthly"
    subscription_metadata: dict[str, str] = Field(
        default_factory=lambda: {"tier": "BASIC"},
        description="Metadata the app's checkout would put on the subscription.",
    )
    checkout: Route | None = Route(
        path="/api/subscription/create-checkout-session", body={"tier": "basic", "cycle": "monthly"}
    )
    checkout_url_field: str = "url"
    checkout_session_field: str = "session_id"
    public_host: str | None = Field(
        None, description="Host customers must return to; default: the base URL's host."
    )
    portal: Route = Route(path="/api/subscription/create-portal-session")
    subscription_query: str = SUBSCRIPTION_QUERY
    active_status: str = "ACTIVE"
    cancelled_status: str = "CANCELLED"
    past_due_status: str = "PAST_DUE"
    disputes: Route = Route(path="/api/stripe/disputes", method="GET", role="admin")
    dispute: Route = Route(path="/api/stripe/disputes/{id}", method="GET", role="admin")
    dispute_evidence: Route | None = Route(
        path="/api/stripe/disputes/{id}/evidence",
        role="admin",
        body={"text": "golive rehearsal: service provided as described"},
    )
    dispute_close: Route | None = Route(path="/api/stripe/disputes/{id}/close", role="admin")
    fraud_warnings: Route = Route(path="/api/stripe/fraud-warnings", method="GET", role="admin")
    fraud_warning: Route = Route(path="/api/stripe/fraud-warnings/{id}", method="GET", role="admin")
    refund: Route | None = Route(path="/api/stripe/fraud-warnings/{id}/refund", role="admin")
    ignore: Route | None = Route(path="/api/stripe/fraud-warnings/{id}/ignore", role="admin")
    ignored_status: str = "IGNORED"
    amount: int = Field(1000, gt=0, description="Test payments' amount, in the smallest unit.")
    currency: str = "usd"
    wait: float = Field(20.0, gt=0, description="Seconds each step waits for async effects.")
    poll_interval: float = Field(0.25, gt=0)
