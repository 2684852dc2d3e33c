"""The seed's manual test flows (6.1-6.5, 5.2b, 5.3c) for `flow.rehearse`: what each creates
at Stripe in test mode and what it then expects the deployment to show.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from .rehearse_params import Route
from .rehearse_session import Rehearsal, StripeDeclined, host_of

JsonObject = dict[str, Any]
SESSION_ID = re.compile(r"cs_(?:test|live)_[A-Za-z0-9]+")


# -- the flows ---------------------------------------------------------------------------


def flow_subscription(r: Rehearsal) -> None:
    """6.1: checkout answers with a URL on Stripe whose return URLs are the app's own host;
    a subscription paid with a test card shows up ACTIVE with its Stripe ids."""
    p = r.params
    if p.checkout is not None:
        route = p.checkout
        with r.step(
            "checkout", f"{route.method} {route.path} ({route.role}) answers 2xx with a URL"
        ) as s:
            status, body = r.call(route)
            url = body.get(p.checkout_url_field) if isinstance(body, dict) else None
            s.seen = f"HTTP {status}, {p.checkout_url_field}: {'a URL' if url else 'none'}"
            if not (200 <= status < 300 and isinstance(url, str) and url.startswith("http")):
                r.fail(s, s.seen)
        public = (p.public_host or host_of(r.ctx.base_url())).lower()
        with r.step(
            "checkout-return-urls",
            f"the Checkout Session at Stripe returns customers to {public} "
            "(success_url and cancel_url)",
        ) as s:
            session_id = body.get(p.checkout_session_field) if isinstance(body, dict) else None
            if not session_id:
                found = SESSION_ID.search(str(url))
                session_id = found.group(0) if found else None
            if not session_id:
                r.fail(s, "no Checkout Session id in the answer or the URL")
            session = r.stripe("get", f"/v1/checkout/sessions/{session_id}")
            hosts = {host_of(session.get("success_url")), host_of(session.get("cancel_url"))}
            s.seen = f"success_url on {host_of(session.get('success_url')) or 'none'}, "
            s.seen += f"cancel_url on {host_of(session.get('cancel_url')) or 'none'}"
            if hosts != {public}:
                r.fail(
                    s,
                    s.seen + ": customers would land on another site after paying (a "
                    "placeholder domain such as example.com, or another environment's host)",
                )
    _, sub = r.subscribe()
    r.wait_row(
        "recorded-active",
        sub,
        p.active_status,
        True,
        "Stripe sent invoice.payment_succeeded (and customer.subscription.created); the "
        "webhook handler did not record the subscription, the endpoint is not subscribed to "
        "those events, or deliveries fail",
    )


def flow_portal_cancel(r: Rehearsal) -> None:
    """6.2: the portal answers with a URL; a cancelled subscription becomes not active."""
    p = r.params
    with r.step("portal", f"{p.portal.method} {p.portal.path} answers 2xx with a URL") as s:
        status, body = r.call(p.portal)
        url = body.get("url") if isinstance(body, dict) else None
        s.seen = f"HTTP {status}, url: {'a URL' if url else 'none'}"
        if not (200 <= status < 300 and isinstance(url, str) and url.startswith("http")):
            r.fail(s, s.seen)
    _, sub = r.subscribe()
    r.wait_row("recorded-active", sub, p.active_status, True, "the subscription was not recorded")
    with r.step("cancel", f"Stripe cancels {sub['id']}") as s:
        cancelled = r.stripe("delete", f"/v1/subscriptions/{sub['id']}")
        s.seen = f"status {cancelled['status']}"
    r.wait_row(
        "recorded-cancelled",
        sub,
        p.cancelled_status,
        False,
        "Stripe sent customer.subscription.deleted; the handler did not mark it cancelled, "
        "the endpoint is not subscribed to it, or deliveries fail",
    )


def flow_failed_payment(r: Rehearsal) -> None:
    """6.3: a renewal paid with a failing card sets PAST_DUE and is_active false."""
    p = r.params
    with r.step("test-clock", "Stripe: a test clock at the current time") as s:
        clock = r.stripe("post", "/v1/test_helpers/test_clocks", frozen_time=int(time.time()))
        r.clocks.append(clock["id"])
        s.seen = f"test clock {clock['id']}"
    customer, sub = r.subscribe(clock["id"])
    r.wait_row("recorded-active", sub, p.active_status, True, "the subscription was not recorded")
    with r.step("failing-card", "the customer's default card becomes pm_card_chargeCustomerFail"):
        r.card(customer, "pm_card_chargeCustomerFail")
    period_end = int(sub["items"]["data"][0]["current_period_end"])
    with r.step(
        "renewal-fails", "the test clock passes the period end; Stripe's renewal invoice fails"
    ) as s:
        r.stripe(
            "post",
            f"/v1/test_helpers/test_clocks/{clock['id']}/advance",
            frozen_time=period_end + 3600,
        )
        ready, ok = r.poll(
            lambda: r.stripe("get", f"/v1/test_helpers/test_clocks/{clock['id']}"),
            lambda c: c.get("status") == "ready",
        )
        now = r.stripe("get", f"/v1/subscriptions/{sub['id']}")
        s.seen = f"clock {ready.get('status')}, subscription {now['status']}"
        if not ok or now["status"] not in ("past_due", "unpaid"):
            r.fail(s, s.seen)
    r.wait_row(
        "recorded-past-due",
        sub,
        p.past_due_status,
        False,
        "Stripe sent invoice.payment_failed and customer.subscription.updated (past_due); the "
        "handler did not set the status, the endpoint is not subscribed to them, or "
        "deliveries fail",
    )


def _pay(r: Rehearsal, token: str) -> JsonObject:
    with r.step(
        "payment", f"Stripe: a {r.params.amount} {r.params.currency} payment with {token}"
    ) as s:
        customer = r.customer()
        try:
            intent = r.stripe(
                "post",
                "/v1/payment_intents",
                amount=r.params.amount,
                currency=r.params.currency,
                customer=customer,
                payment_method=token,
                payment_method_types=["card"],
                confirm=True,
                metadata=r.marker,
            )
        except StripeDeclined as exc:
            r.fail(s, f"declined: {exc}")
        s.seen = f"{intent['id']} {intent['status']}, charge {intent.get('latest_charge')}"
        if intent["status"] != "succeeded":
            r.fail(s, s.seen)
    return intent


def _stripe_object(r: Rehearsal, name: str, path: str, charge: str, what: str) -> JsonObject:
    with r.step(name, f"Stripe: {what} on charge {charge} (within {r.params.wait:g}s)") as s:
        page, ok = r.poll(
            lambda: r.stripe("get", path, charge=charge), lambda pg: bool(pg.get("data"))
        )
        if not ok:
            r.fail(s, f"none after {r.params.wait:g}s")
        obj: JsonObject = page["data"][0]
        s.seen = f"{obj['id']}"
        return obj


def flow_dispute(r: Rehearsal) -> None:
    """6.4 and 5.2b: a disputed test payment shows in the admin disputes API, which opens
    it, submits evidence and closes it at Stripe."""
    p = r.params
    intent = _pay(r, "pm_card_createDispute")
    dispute = _stripe_object(r, "disputed", "/v1/disputes", intent["latest_charge"], "a dispute")
    r.listed("listed", p.disputes, dispute["id"])
    with r.step("details", f"{p.dispute.method} {p.dispute.path} shows {dispute['id']}") as s:
        status, body = r.call(p.dispute, dispute["id"])
        s.seen = f"HTTP {status}"
        if status != 200 or not isinstance(body, dict) or body.get("id") != dispute["id"]:
            r.fail(s, s.seen + ", not the dispute")
    if p.dispute_evidence is not None:
        _dispute_action(r, "evidence", p.dispute_evidence, dispute["id"], ("under_review",))
    if p.dispute_close is not None:
        _dispute_action(r, "close", p.dispute_close, dispute["id"], ("lost",))


def _dispute_action(
    r: Rehearsal, name: str, route: Route, dispute_id: str, wanted: tuple[str, ...]
) -> None:
    with r.step(
        name, f"{route.method} {route.path} answers 2xx; Stripe shows the dispute {wanted[0]}"
    ) as s:
        status, _ = r.call(route, dispute_id)
        seen, ok = r.poll(
            lambda: r.stripe("get", f"/v1/disputes/{dispute_id}"),
            lambda d: d.get("status") in wanted,
        )
        s.seen = f"HTTP {status}; Stripe: dispute {seen.get('status')}"
        if not (200 <= status < 300 and ok):
            r.fail(s, s.seen)


def flow_fraud_warning(r: Rehearsal) -> None:
    """6.5 and 5.3c: an early fraud warning is ingested and shown with fraud_type and
    actionable; "Refund Full Amount" refunds the charge; "Mark as Ignored" sets the status."""
    p = r.params
    intent = _pay(r, "pm_card_createIssuerFraudRecord")
    charge = intent["latest_charge"]
    efw = _stripe_object(
        r, "warned", "/v1/radar/early_fraud_warnings", charge, "an early fraud warning"
    )
    r.listed("ingested", p.fraud_warnings, efw["id"], ("fraud_type", "actionable"))
    with r.step("details", f"{p.fraud_warning.path} shows fraud_type and actionable") as s:
        status, body = r.call(p.fraud_warning, efw["id"])
        missing = [
            f for f in ("fraud_type", "actionable") if not isinstance(body, dict) or f not in body
        ]
        s.seen = f"HTTP {status}" + (f", missing {', '.join(missing)}" if missing else "")
        if status != 200 or missing:
            r.fail(s, s.seen)
    if p.refund is not None:
        with r.step("refund", f"{p.refund.path} answers 2xx; Stripe shows {charge} refunded") as s:
            status, _ = r.call(p.refund, efw["id"])
            seen, ok = r.poll(
                lambda: r.stripe("get", f"/v1/charges/{charge}"),
                lambda c: bool(c.get("refunded")),
            )
            s.seen = f"HTTP {status}; Stripe: amount_refunded {seen.get('amount_refunded')}"
            if not (200 <= status < 300 and ok):
                r.fail(s, s.seen)
    if p.ignore is not None:
        with r.step("ignore", f"{p.ignore.path} answers 2xx; status {p.ignored_status}") as s:
            status, _ = r.call(p.ignore, efw["id"])
            (_, body), ok = r.poll(
                lambda: r.call(p.fraud_warning, efw["id"]),
                lambda sb: isinstance(sb[1], dict) and sb[1].get("status") == p.ignored_status,
            )
            shown = body.get("status") if isinstance(body, dict) else None
            s.seen = f"HTTP {status}; status {shown}"
            if not (200 <= status < 300 and ok):
                r.fail(s, s.seen)


FLOW_RUNNERS: dict[str, Callable[[Rehearsal], None]] = {
    "subscription": flow_subscription,
    "portal_cancel": flow_portal_cancel,
    "failed_payment": flow_failed_payment,
    "dispute": flow_dispute,
    "fraud_warning": flow_fraud_warning,
}
