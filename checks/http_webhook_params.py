"""http.webhook_signature's parameters: the route, the secret's variable, the synthetic
event sent; shared by the probe (http_webhook.py) and its judge (http_webhook_judge.py)."""

from __future__ import annotations

from pydantic import Field

from golive.engine.probe import ProbeParams

from .http_client import RoutePath

STRIPE_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
#: What golive sends by default: a type in no handler's switch (Stripe's own types all
#: have a dot-separated resource prefix; `golive.` is none of them), so no handler acts
#: on it, and an id prefix (`evt_golive_`) that marks it in the app's logs.
DEFAULT_EVENT_TYPE = "golive.probe.ping"


class WebhookParams(ProbeParams):
    path: RoutePath | None = Field(
        None, description="Webhook path on the deployment; default the profile's webhook_url."
    )
    secret_var: str = Field(
        "STRIPE_WEBHOOK_SECRET", description="Variable with the endpoint's signing secret."
    )
    event_type: str = Field(
        DEFAULT_EVENT_TYPE,
        description="Type of the harmless synthetic event sent (one no handler acts on).",
    )
    api_version: str | None = Field(
        None,
        description="api_version written in the synthetic event (some SDKs compare it with "
        "their own); default none.",
    )
    stale_age_s: int = Field(
        600, gt=300, description="Age of the stale event, beyond Stripe's 5-minute tolerance."
    )
    role: str | None = Field(
        None,
        description="When the route refuses requests without credentials (401/403), repeat the "
        "variants as this role to test the signature check behind the login.",
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Extra headers for the repeat behind the login (e.g. an API key header).",
    )
