"""http.webhook_signature: the webhook route verifies Stripe-Signature as Stripe signs it.

golive sends five variants of one harmless synthetic event (docs/http-probes.md):
correctly signed, forged, unsigned, stale and tampered, without credentials, as Stripe
does. The pattern of the five answers says what happened, and each pattern has its own
cause: a login wall (all 401/403), no route (404/405), a body rejected before
verification (the same 4xx to all), a handler that fails on a valid event (5xx), or a
signature that is not enforced (2xx to a bad variant). When the route demands a login,
an optional role repeats the variants with credentials: a second defect (a signature not
checked behind the login) hides behind the first, and both are reported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError

from .http_client import Patience, role_headers, shown_url
from .http_webhook_judge import VARIANTS, Answer, Check, Judge
from .http_webhook_params import STRIPE_USER_AGENT, WebhookParams


def stripe_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """`Stripe-Signature` exactly as Stripe computes it (scheme v1)."""
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def synthetic_event(
    event_type: str, livemode: bool, created: int, api_version: str | None = None
) -> bytes:
    """A harmless event in Stripe's envelope, with an id no real event has."""
    token = secrets.token_hex(8)
    event = {
        "id": f"evt_golive_{token}",
        "object": "event",
        "api_version": api_version,
        "created": created,
        "data": {"object": {"id": f"golive_probe_{token}", "object": "golive_probe"}},
        "livemode": livemode,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    return json.dumps(event, separators=(",", ":")).encode()


class Variants:
    """Builds the five requests of one round; the signed one is built at most once per run."""

    def __init__(self, params: WebhookParams, secret: str, livemode: bool) -> None:
        self.params = params
        self.secret = secret
        self.livemode = livemode

    def request(self, name: str) -> tuple[bytes, dict[str, str]]:
        params, now = self.params, int(time.time())
        created = now - params.stale_age_s if name == "stale" else now
        body = synthetic_event(params.event_type, self.livemode, created, params.api_version)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        headers["User-Agent"] = STRIPE_USER_AGENT
        if name in ("signed", "stale", "tampered"):
            headers["Stripe-Signature"] = stripe_signature(body, self.secret, created)
        elif name == "forged":
            headers["Stripe-Signature"] = stripe_signature(
                body, "whsec_" + secrets.token_hex(16), now
            )
        if name == "tampered":
            body = body.replace(b'"pending_webhooks":1', b'"pending_webhooks":2')
        return body, headers


class WebhookSignature(Probe[WebhookParams]):
    kind = "http.webhook_signature"
    Params = WebhookParams
    summary = (
        "An event signed with STRIPE_WEBHOOK_SECRET is accepted (2xx) without credentials, as "
        "Stripe sends it; forged, unsigned, stale and tampered ones are refused (4xx), also "
        "behind a login when the item names a role."
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
        variants = Variants(params, secret.reveal(), ctx.mode == "live")
        patience = Patience(ctx)
        shown = shown_url(url)
        judge = Judge(var, str(secret), params, shown)

        def round_(names: tuple[str, ...], extra: dict[str, str]) -> dict[str, Answer]:
            answers: dict[str, Answer] = {}
            for name in names:
                body, headers = variants.request(name)
                response = patience.send(
                    ctx, "POST", url, headers={**headers, **extra}, content=body
                )
                answers[name] = Answer.of(response)
            return answers

        answers = round_(VARIANTS, {})
        checks = [judge.as_stripe_sends(answers)]
        evidence: dict[str, Any] = {
            "url": shown,
            "event_type": params.event_type,
            "statuses": {name: a.status for name, a in answers.items()},
        }
        if all(a.status in (401, 403) for a in answers.values()):
            if params.role is None and not params.headers:
                checks[0].message += (
                    "; the signature check behind the login was not tested: give the item a "
                    "role to test it"
                )
            else:
                who = f"role {params.role}" if params.role else "the item's headers"
                try:
                    extra = {**role_headers(ctx, params.role or "anonymous"), **params.headers}
                    # The anonymous signed event never reached the handler (refused at the
                    # login), so this is still the run's only delivered signed event.
                    behind = round_(VARIANTS, extra)
                except ProbeError as exc:
                    checks.append(Check(f"behind the login ({who})", "error", str(exc)))
                else:
                    evidence["statuses_behind_login"] = {n: a.status for n, a in behind.items()}
                    checks.append(judge.behind_login(behind, who))
        evidence["checks"] = [c.evidence() for c in checks]
        failed = [c for c in checks if c.result == "fail"]
        undecided = [c for c in checks if c.result == "error"]
        if len(checks) == 1:
            message = checks[0].message
        else:
            message = f"{len(failed)} of {len(checks)} checks failed: " + "; ".join(
                f"({i}) {c.name}: {c.message}" for i, c in enumerate(checks, start=1)
            )
        if failed:
            return Outcome.failed(message, **evidence)
        if undecided:
            return Outcome.error(message, **evidence)
        return Outcome.passed(message, **evidence)
