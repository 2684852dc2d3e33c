"""`flow.rehearse`: the seed's manual test flows (6.1-6.5, 5.2b, 5.3c), run end to end in
Stripe test mode against a deployment, with a verdict per step.

Each flow creates what a customer or Stripe would (a customer, a subscription, a payment
with one of Stripe's test cards, a test clock advanced to the renewal) through Stripe's
public test-mode API, then waits, polling until a deadline, for the deployment to show
the effect: a row in its database, an entry in its admin API. The first step that does
not see what it expects fails the item, naming what it expected and what it saw.

Safety comes before the first request: the environment must be a test-mode one and the
key a test key (`sk_test_`/`rk_test_`); anything else is refused with nothing sent. The
write-capable Stripe client is built here only, after that check (golive's normal
client refuses every method but GET). Everything created carries the metadata
`golive: rehearsal`; subscriptions are cancelled, customers and test clocks deleted at
the end, after a failure too. Routes, bodies and queries are parameters, so a team
points the flows at its own app.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import Field

from golive.core.results import Outcome
from golive.engine.probe import Probe, ProbeError, ProbeParams

if TYPE_CHECKING:
    import httpx
    import stripe

    from golive.engine.context import ProbeContext

T = TypeVar("T")
JsonObject = dict[str, Any]
FLOWS = ("subscription", "portal_cancel", "failed_payment", "dispute", "fraud_warning")
TEST_KEY = re.compile(r"^(sk|rk)_test_")
SESSION_ID = re.compile(r"cs_(?:test|live)_[A-Za-z0-9]+")

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


@dataclass
class Step:
    name: str
    expected: str
    seen: str = ""
    ok: bool | None = None  # None: not decided (not run, or could not decide)


class StepFailed(Exception):
    """The current step saw something other than what it expected."""


@dataclass
class Rehearsal:
    """One flow's state: its steps, the Stripe objects to clean up, shared clients."""

    params: RehearseParams
    ctx: ProbeContext
    client: stripe.StripeClient
    http: httpx.Client
    steps: list[Step] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    clocks: list[str] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)

    # -- steps -----------------------------------------------------------------------------
    @contextmanager
    def step(self, name: str, expected: str) -> Iterator[Step]:
        current = Step(name, expected)
        self.steps.append(current)
        yield current
        if current.ok is None:
            current.ok = True

    def fail(self, current: Step, seen: str) -> None:
        current.seen, current.ok = seen, False
        raise StepFailed(seen)

    def poll(self, read: Callable[[], T], done: Callable[[T], bool]) -> tuple[T, bool]:
        """Read until `done` or the deadline (`wait` seconds): webhooks are asynchronous."""
        end = time.monotonic() + self.params.wait
        while True:
            value = read()
            if done(value):
                return value, True
            if time.monotonic() >= end:
                return value, False
            time.sleep(self.params.poll_interval)

    # -- Stripe ----------------------------------------------------------------------------
    @property
    def email(self) -> str:
        return self.ctx.require_var(self.params.user_email_var).reveal()

    @property
    def marker(self) -> dict[str, str]:
        return {"golive": "rehearsal", "golive_flow": self.params.flow}

    def stripe(self, method: str, path: str, **params: Any) -> JsonObject:
        import stripe

        try:
            data: JsonObject = self.client.raw_request(method, path, **params).data
        except stripe.CardError as exc:
            raise StripeDeclined(str(exc.user_message or exc.code)) from None
        except stripe.StripeError as exc:
            from golive.engine.stripe_client import describe

            key = self.ctx.require_var(self.ctx.env.stripe.api_key_var).reveal()
            raise ProbeError(f"{method.upper()} {path}: {describe(exc, key)}") from None
        return data

    def customer(self, clock: str | None = None) -> str:
        params: JsonObject = {"email": self.email, "metadata": self.marker}
        if clock:
            params["test_clock"] = clock
        customer = self.stripe("post", "/v1/customers", **params)
        self.customers.append(customer["id"])
        return str(customer["id"])

    def card(self, customer: str, token: str) -> str:
        pm = self.stripe("post", f"/v1/payment_methods/{token}/attach", customer=customer)
        self.stripe(
            "post",
            f"/v1/customers/{customer}",
            invoice_settings={"default_payment_method": pm["id"]},
        )
        return str(pm["id"])

    def price(self) -> str:
        import json

        raw = self.ctx.require_var(self.params.price_mapping_var).reveal()
        try:
            price = json.loads(raw)[self.params.tier][self.params.cycle]
        except (ValueError, KeyError, TypeError):
            raise ProbeError(
                f"{self.ctx.expand(self.params.price_mapping_var)} has no price for "
                f"{self.params.tier}/{self.params.cycle}"
            ) from None
        return str(price)

    def subscribe(self, clock: str | None = None) -> tuple[str, JsonObject]:
        price = self.price()
        with self.step(
            "subscribe",
            f"Stripe: a customer ({self.email}) with pm_card_visa subscribes to "
            f"{price}; subscription active",
        ) as s:
            customer = self.customer(clock)
            self.card(customer, "pm_card_visa")
            sub = self.stripe(
                "post",
                "/v1/subscriptions",
                customer=customer,
                items=[{"price": price}],
                metadata={**self.marker, **self.params.subscription_metadata},
            )
            self.subscriptions.append(sub["id"])
            s.seen = f"subscription {sub['id']} {sub['status']}"
            if sub["status"] != "active":
                self.fail(s, s.seen)
        return customer, sub

    # -- the deployment --------------------------------------------------------------------
    def call(self, route: Route, item_id: str = "") -> tuple[int, Any]:
        import httpx

        role = self.ctx.role(route.role)
        headers = {name: value.reveal() for name, value in role.headers.items()}
        if role.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.reveal()}" for k, v in role.cookies.items())
        url = self.ctx.base_url() + route.path.replace("{id}", item_id)
        try:
            answer = self.http.request(
                route.method, url, headers=headers, json=route.body, timeout=self.ctx.http_timeout()
            )
        except httpx.HTTPError as exc:
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise ProbeError(
                f"{route.method} {route.path}: {type(exc).__name__}"
                + (f" ({detail})" if detail else "")
            ) from None
        if answer.status_code == 429:
            # A limiter's answer says nothing about the flow: undecided, never a failed step.
            raise ProbeError(
                f"{route.method} {route.path} answered 429: rate limited by the app "
                f"(Retry-After: {answer.headers.get('retry-after') or 'none'}), so the flow "
                "cannot be judged; rerun once the limit has reset"
            )
        try:
            body = answer.json()
        except ValueError:
            body = None
        return answer.status_code, body

    def row(self, **binds: str) -> Mapping[str, Any] | None:
        from sqlalchemy import text

        from golive.values.db import reading

        with reading(self.ctx.db()) as conn:
            found = conn.execute(text(self.params.subscription_query), binds).mappings().first()
        return dict(found) if found is not None else None

    def wait_row(self, name: str, sub: JsonObject, status: str, active: bool, why: str) -> None:
        p = self.params
        with self.step(
            name,
            f"the database shows subscription {sub['id']} {status}, is_active "
            f"{str(active).lower()}, customer {sub['customer']} (within {p.wait:g}s)",
        ) as s:
            binds = {
                "subscription_id": sub["id"],
                "customer_id": sub["customer"],
                "user_email": self.email,
            }

            def good(row: Mapping[str, Any] | None) -> bool:
                return (
                    row is not None
                    and str(row.get("status")).upper() == status.upper()
                    and _truthy(row.get("is_active")) == active
                    and row.get("stripe_customer_id", sub["customer"]) == sub["customer"]
                )

            row, ok = self.poll(lambda: self.row(**binds), good)
            s.seen = (
                "no row"
                if row is None
                else ", ".join(f"{k}={v}" for k, v in row.items() if k != "password_hash")
            )
            if not ok:
                self.fail(s, f"{s.seen} after {p.wait:g}s; {why}")

    def listed(self, name: str, route: Route, item_id: str, fields: tuple[str, ...] = ()) -> None:
        with self.step(
            name,
            f"{route.method} {route.path} ({route.role}) lists {item_id}"
            + (f" with {', '.join(fields)}" if fields else "")
            + f" (within {self.params.wait:g}s)",
        ) as s:

            def read() -> tuple[int, JsonObject | None]:
                status, body = self.call(route)
                # Waiting longer cannot mend a failing route or a page that is not the API:
                # say so now instead of timing out with no cause.
                if status >= 500 or (200 <= status < 300 and body is None):
                    what = f"answered {status}" if status >= 500 else "answered a non-JSON body"
                    raise ProbeError(
                        f"{route.method} {route.path} {what} while the rehearsal waited for "
                        f"{item_id} (a failing app, or a page such as a maintenance page in "
                        "front of it), so the flow cannot be judged"
                    )
                data = body.get("data") if isinstance(body, dict) else body
                for entry in data if isinstance(data, list) else []:
                    if isinstance(entry, dict) and entry.get("id") == item_id:
                        return status, entry
                return status, None

            (status, entry), ok = self.poll(read, lambda r: r[1] is not None)
            if not ok or entry is None:
                self.fail(
                    s, f"HTTP {status}, {item_id} not in the list after {self.params.wait:g}s"
                )
                return
            missing = [f for f in fields if f not in entry]
            s.seen = f"HTTP {status}, listed" + (
                f"; missing {', '.join(missing)}" if missing else ""
            )
            if missing:
                self.fail(s, s.seen)


class StripeDeclined(Exception):
    """Stripe declined a test card where the flow expected it to pay."""


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "t", "yes")
    return bool(value)


def _host(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").lower()


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
        public = (p.public_host or _host(r.ctx.base_url())).lower()
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
            hosts = {_host(session.get("success_url")), _host(session.get("cancel_url"))}
            s.seen = f"success_url on {_host(session.get('success_url')) or 'none'}, "
            s.seen += f"cancel_url on {_host(session.get('cancel_url')) or 'none'}"
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


# -- safety and the probe ----------------------------------------------------------------


def refuse_unless_test(ctx: ProbeContext) -> str:
    """The test key to rehearse with; ProbeError (nothing sent) for live mode or a live key."""
    from golive.core.secrets import mask

    if ctx.mode != "test":
        raise ProbeError(
            f"refused: environment {ctx.env.name!r} is in {ctx.mode} mode; rehearsals create "
            "customers and payments, so they run only against test-mode environments"
        )
    key = ctx.require_var(ctx.env.stripe.api_key_var).reveal()
    if not TEST_KEY.match(key):
        raise ProbeError(
            f"refused: {ctx.env.stripe.api_key_var} is {mask(key)}, not a test-mode key "
            "(sk_test_/rk_test_); nothing was sent to Stripe or the deployment"
        )
    return key


def write_client(key: str, ctx: ProbeContext) -> stripe.StripeClient:
    """A Stripe client that may write: built only here, after `refuse_unless_test`."""
    import stripe

    if not TEST_KEY.match(key):  # never reached with a live key; kept next to the builder
        raise ProbeError("refused: a write-capable Stripe client needs a test-mode key")
    settings = ctx.env.stripe
    return stripe.StripeClient(
        key,
        base_addresses={"api": settings.api_base.rstrip("/")} if settings.api_base else None,
        max_network_retries=settings.max_retries,
        http_client=stripe.RequestsClient(timeout=settings.timeout),
        stripe_version=settings.api_version or None,
    )


def clean_up(r: Rehearsal) -> None:
    """Cancel what is still billing, delete customers and clocks; note what could not be."""
    for sub_id in r.subscriptions:
        try:
            sub = r.stripe("get", f"/v1/subscriptions/{sub_id}")
            if sub.get("status") not in ("canceled", "incomplete_expired"):
                r.stripe("delete", f"/v1/subscriptions/{sub_id}")
        except (ProbeError, StripeDeclined) as exc:
            r.cleanup.append(f"subscription {sub_id}: {exc}")
    for customer in r.customers:
        try:
            r.stripe("delete", f"/v1/customers/{customer}")
        except (ProbeError, StripeDeclined) as exc:
            if "No such customer" not in str(exc):
                r.cleanup.append(f"customer {customer}: {exc}")
    for clock in r.clocks:
        try:
            r.stripe("delete", f"/v1/test_helpers/test_clocks/{clock}")
        except (ProbeError, StripeDeclined) as exc:
            r.cleanup.append(f"test clock {clock}: {exc}")


class Rehearse(Probe[RehearseParams]):
    kind = "flow.rehearse"
    Params = RehearseParams
    summary = (
        "a seed test flow end to end in Stripe test mode (subscription, portal and cancel, "
        "failed payment, dispute, early fraud warning), a verdict per step"
    )
    sends_traffic: ClassVar[bool] = True

    def run(self, params: RehearseParams, ctx: ProbeContext) -> Outcome:
        key = refuse_unless_test(ctx)  # before any client exists
        client = write_client(key, ctx)
        rehearsal = Rehearsal(params, ctx, client, ctx.http())
        failed: str | None = None
        undecided: str | None = None
        try:
            FLOW_RUNNERS[params.flow](rehearsal)
        except StepFailed as exc:
            failed = str(exc)
        except StripeDeclined as exc:
            undecided = f"Stripe declined a test card: {exc}"
        except ProbeError as exc:
            undecided = str(exc)
        finally:
            clean_up(rehearsal)
        steps = rehearsal.steps
        evidence: dict[str, Any] = {
            "flow": params.flow,
            "steps": [
                {"step": s.name, "expected": s.expected, "seen": s.seen, "ok": s.ok} for s in steps
            ],
            "cleanup": rehearsal.cleanup or "every subscription cancelled, customer deleted",
        }
        if failed is not None:
            last = steps[-1]
            index = len(steps)
            return Outcome.failed(
                f"{params.flow}: step {index} '{last.name}' failed: expected {last.expected}; "
                f"saw {failed}",
                **evidence,
            )
        if undecided is not None:
            name = steps[-1].name if steps else "setup"
            return Outcome.error(
                f"{params.flow}: step '{name}' could not run: {undecided}", **evidence
            )
        if rehearsal.cleanup:
            return Outcome.warn(
                f"{params.flow}: all {len(steps)} steps passed; clean-up left: "
                + "; ".join(rehearsal.cleanup),
                **evidence,
            )
        return Outcome.passed(
            f"{params.flow}: all {len(steps)} steps passed in Stripe test mode against "
            f"{ctx.base_url()} ({', '.join(s.name for s in steps)})",
            **evidence,
        )
