"""One rehearsal's state and its helpers: steps with a verdict each, polling until a
deadline, Stripe calls through the write-capable test-mode client, the deployment's
routes and database rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from golive.core.truthy import truthy
from golive.engine.probe import ProbeError

from .rehearse_params import RehearseParams, Route

if TYPE_CHECKING:
    import httpx
    import stripe

    from golive.engine.context import ProbeContext

T = TypeVar("T")
JsonObject = dict[str, Any]


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
        """The app's status and JSON body (None when not JSON) for one step's request;
        the body is read up to MAX_ANSWER_BYTES, as every http.* probe reads it."""
        import json

        import httpx

        from golive.core.inputfiles import InputFileError, read_capped

        from .http_client import MAX_ANSWER_BYTES

        role = self.ctx.role(route.role)
        headers = {name: value.reveal() for name, value in role.headers.items()}
        if role.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.reveal()}" for k, v in role.cookies.items())
        url = self.ctx.base_url() + route.path.replace("{id}", item_id)
        try:
            with self.http.stream(
                route.method, url, headers=headers, json=route.body, timeout=self.ctx.http_timeout()
            ) as answer:
                content = read_capped(
                    answer.iter_bytes(), MAX_ANSWER_BYTES, answer.headers.get("content-length")
                )
        except InputFileError as exc:
            raise ProbeError(f"{route.method} {route.path}: the answer is {exc}") from None
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
            body = json.loads(content)
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
                    and truthy(row.get("is_active")) == active
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


def host_of(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").lower()
