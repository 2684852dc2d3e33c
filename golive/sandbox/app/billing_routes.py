"""The reference app's billing calls to Stripe and routes: checkout sessions at Stripe, the
admin disputes API read from Stripe, and the admin actions on disputes and early fraud
warnings.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from golive.sandbox.app.billing import BillingHost, StripeLink, linked
from golive.sandbox.app.config import User
from golive.sandbox.app.web import HttpError, Request, Response

if TYPE_CHECKING:
    pass


JsonObject = dict[str, Any]

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


def route(app: BillingHost, request: Request, user: User | None) -> Response | None:
    """The admin actions' answer, or None for any other route."""

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


def _require_link(app: BillingHost) -> StripeLink:

    stripe = linked(app)
    if stripe is None:
        raise HttpError(503, "Stripe is not configured")
    return stripe


def _dispute_action(app: BillingHost, name: str, dispute_id: str, request: Request) -> JsonObject:
    stripe = _require_link(app)
    if name == "close":
        return _dispute_json(stripe_call(stripe, "POST", f"/v1/disputes/{quote(dispute_id)}/close"))
    body = json.loads(request.body or b"{}") if request.body.strip() else {}
    text = str(body.get("text") or "Service was provided as described.")
    params = {"evidence": {"uncategorized_text": text}, "submit": True}
    return _dispute_json(stripe_call(stripe, "POST", f"/v1/disputes/{quote(dispute_id)}", params))


def _efw_action(app: BillingHost, name: str, efw_id: str) -> JsonObject:
    from sqlalchemy import text

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


def disputes(app: BillingHost, dispute_id: str | None = None) -> JsonObject | None:
    """Stripe's disputes (or one) for the admin API when linked; None: use the app's own."""

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


def checkout_session(app: BillingHost, user: User, tier: str, cycle: str) -> JsonObject | None:
    """A Checkout Session at Stripe for `user` (None when the app has no Stripe link)."""

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
