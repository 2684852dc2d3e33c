"""http.webhook_signature: the webhook route verifies Stripe-Signature as Stripe signs it.

golive sends five variants of one harmless synthetic event (docs/webhook-probe.md):
correctly signed, forged, unsigned, stale and tampered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from golive.context import ProbeContext
from golive.probe import Probe, ProbeError, ProbeParams
from golive.results import Outcome

from .http_client import RoutePath, send, shown_url, status_text

STRIPE_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


# -- http.webhook_signature -----------------------------------------------------------


class WebhookParams(ProbeParams):
    path: RoutePath | None = Field(
        None, description="Webhook path on the deployment; default the profile's webhook_url."
    )
    secret_var: str = Field(
        "STRIPE_WEBHOOK_SECRET", description="Variable with the endpoint's signing secret."
    )
    event_type: str = Field(
        "golive.probe.ping", description="Type of the harmless synthetic event sent."
    )
    stale_age_s: int = Field(
        600, gt=300, description="Age of the stale event, beyond Stripe's 5-minute tolerance."
    )


def stripe_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """`Stripe-Signature` exactly as Stripe computes it (scheme v1)."""
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def synthetic_event(event_type: str, livemode: bool, created: int) -> bytes:
    """A harmless event in Stripe's envelope, with an id no real event has."""
    token = secrets.token_hex(8)
    event = {
        "id": f"evt_golive_{token}",
        "object": "event",
        "api_version": None,
        "created": created,
        "data": {"object": {"id": f"golive_probe_{token}", "object": "golive_probe"}},
        "livemode": livemode,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    return json.dumps(event, separators=(",", ":")).encode()


@dataclass(frozen=True)
class WebhookCase:
    name: str
    what: str  # for messages: "an event with a forged signature"
    accept: bool
    if_wrong: str


WEBHOOK_CASES = (
    WebhookCase(
        "signed",
        "an event signed with {var} ({secret})",
        True,
        "the deployment's signing secret is not {var}: set it to the signing secret of this "
        "endpoint (Developers > Webhooks) and redeploy",
    ),
    WebhookCase(
        "forged",
        "an event signed with a made-up secret",
        False,
        "the deployment does not verify Stripe-Signature: verify every event with {var} "
        "(stripe.Webhook.construct_event) and answer 400 when it fails",
    ),
    WebhookCase(
        "unsigned",
        "an event without a Stripe-Signature header",
        False,
        "the deployment does not require Stripe-Signature: verify every event and answer 400 "
        "without one",
    ),
    WebhookCase(
        "stale",
        "a correctly signed event timestamped {age} ago",
        False,
        "the deployment accepts old signatures (replays): keep the default 5-minute tolerance "
        "of construct_event",
    ),
    WebhookCase(
        "tampered",
        "an event whose body was changed after signing",
        False,
        "the deployment does not verify the signature against the raw body: verify the bytes "
        "as received, before parsing",
    ),
)


class WebhookSignature(Probe[WebhookParams]):
    kind = "http.webhook_signature"
    Params = WebhookParams
    summary = (
        "An event signed with STRIPE_WEBHOOK_SECRET is accepted (2xx); forged, unsigned, "
        "stale and tampered ones are refused (4xx)."
    )

    def run(self, params: WebhookParams, ctx: ProbeContext) -> Outcome:
        var = ctx.expand(params.secret_var)
        secret = ctx.require_var(var)
        if params.path is not None:
            url = ctx.base_url() + params.path
        elif ctx.env.stripe.webhook_url:
            url = ctx.env.stripe.webhook_url
        else:
            raise ProbeError("give the item a path, or the environment a stripe.webhook_url")
        now = int(time.time())
        lines: dict[str, str] = {}
        failed: list[str] = []
        errors: list[str] = []
        evidence: dict[str, Any] = {"url": shown_url(url), "statuses": {}}
        age = f"{params.stale_age_s // 60} minutes"
        for case in WEBHOOK_CASES:
            body = synthetic_event(params.event_type, ctx.mode == "live", now)
            headers = {"Content-Type": "application/json; charset=utf-8"}
            headers["User-Agent"] = STRIPE_USER_AGENT
            if case.name == "signed":
                headers["Stripe-Signature"] = stripe_signature(body, secret.reveal(), now)
            elif case.name == "forged":
                fake = "whsec_" + secrets.token_hex(16)
                headers["Stripe-Signature"] = stripe_signature(body, fake, now)
            elif case.name == "stale":
                then = now - params.stale_age_s
                body = synthetic_event(params.event_type, ctx.mode == "live", then)
                headers["Stripe-Signature"] = stripe_signature(body, secret.reveal(), then)
            elif case.name == "tampered":
                headers["Stripe-Signature"] = stripe_signature(body, secret.reveal(), now)
                body = body.replace(b'"pending_webhooks":1', b'"pending_webhooks":2')
            response = send(ctx, "POST", url, headers=headers, content=body)
            status = response.status_code
            evidence["statuses"][case.name] = status
            what = case.what.format(var=var, secret=secret, age=age)
            if status >= 500:
                errors.append(
                    f"{what} got {status_text(response)}: the handler fails; see the "
                    "deployment's logs"
                )
            elif case.accept and not 200 <= status < 300:
                hint = (
                    "Stripe does not follow redirects: point the endpoint at the final URL"
                    if 300 <= status < 400
                    else case.if_wrong.format(var=var)
                )
                failed.append(f"{what} was refused ({status}): {hint}")
            elif not case.accept and not 400 <= status < 500:
                failed.append(f"{what} was answered {status}: {case.if_wrong.format(var=var)}")
            lines[case.name] = f"{case.name} {status}"
        if failed:
            return Outcome.failed("; ".join(failed + errors), **evidence)
        if errors:
            return Outcome.error("; ".join(errors), **evidence)
        refused = ", ".join(lines[c.name] for c in WEBHOOK_CASES if not c.accept)
        return Outcome.passed(
            f"accepted the event signed with {var} ({lines['signed']}) and refused the "
            f"others ({refused})",
            **evidence,
        )
