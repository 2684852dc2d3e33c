"""Test-mode writes for the Stripe sandbox: what `golive rehearse` and the reference
deployment send, routed to the layers below (customers, payments, subscriptions) in
Stripe's wire format. Live mode never writes: a write with a live key is a 405.
"""

from __future__ import annotations

import copy
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

from golive.sandbox.stripe.reads import ApiError
from golive.sandbox.stripe.state import ModeStore
from golive.sandbox.stripe.subscriptions import SubscriptionWrites
from golive.sandbox.stripe.templates import JsonObject
from golive.sandbox.stripe.write_store import (
    _KINDS,
    _amount,
    _id,
    _metadata,
    _unknown,
    parse_form,
)

_SERVED = re.compile(
    r"^/v1/(customers|payment_methods|payment_intents|subscriptions|invoices|refunds"
    r"|checkout/sessions|test_helpers/test_clocks)(/.*)?$"
)


def serves(method: str, path: str) -> bool:
    """True if this module answers the request (every write; reads of its own kinds)."""
    return method != "GET" or bool(_SERVED.match(path))


def handle(
    writes: Writes,
    method: str,
    path: str,
    query: list[tuple[str, str]],
    body: bytes,
    mode: str,
) -> JsonObject:
    """The answer to a write (or a read of a written object); raises ApiError."""
    if mode != "test" and method != "GET":
        raise ApiError(
            405,
            f"The golive Stripe sandbox is read-only in live mode: {method} {path} is not "
            "served. Rehearse with a test-mode key (sk_test_/rk_test_).",
        )
    pairs = list(query)
    if body:
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    try:
        return writes.dispatch(method, path, parse_form(pairs), mode)
    except ApiError:
        raise
    except Exception as exc:  # the sandbox's own bug: a 500 as Stripe would answer, not a hang-up
        raise ApiError(
            500, f"An unknown error occurred ({type(exc).__name__}: {exc}).", type_="api_error"
        ) from exc


class Writes(SubscriptionWrites):
    """The test-mode write side of one sandbox: every route, and checkout sessions, test
    clocks and webhook endpoints."""

    # -- dispatch ------------------------------------------------------------------------
    def dispatch(self, method: str, path: str, params: JsonObject, mode: str) -> JsonObject:
        store = self.state.modes[mode]
        parts = path.strip("/").split("/")[1:]  # without "v1"
        with self.lock:
            return self._route(method, parts, params, store)

    def _route(self, method: str, parts: list[str], p: JsonObject, store: ModeStore) -> JsonObject:
        head = parts[0] if parts else ""
        rest = parts[1:]
        if head == "checkout" and rest[:1] == ["sessions"]:
            head, rest = "checkout_sessions", rest[1:]
        if head == "test_helpers" and rest[:1] == ["test_clocks"]:
            head, rest = "test_clocks", rest[1:]
        if head == "radar" and rest[:1] == ["early_fraud_warnings"]:
            head, rest = "early_fraud_warnings", rest[1:]
        route = (method, head, len(rest), rest[1] if len(rest) > 1 else "")
        handlers = {
            ("POST", "customers", 0, ""): self._create_customer,
            ("POST", "payment_intents", 0, ""): self._create_payment_intent,
            ("POST", "subscriptions", 0, ""): self._create_subscription,
            ("POST", "refunds", 0, ""): self._create_refund,
            ("POST", "checkout_sessions", 0, ""): self._create_checkout_session,
            ("POST", "test_clocks", 0, ""): self._create_test_clock,
            ("POST", "webhook_endpoints", 0, ""): self._create_webhook_endpoint,
        }
        if route in handlers:
            return handlers[route](p, store)
        if not rest:
            if method == "GET" and head in _KINDS:
                return self._list(head, p)
            raise _unknown(method, parts)
        object_id = rest[0]
        by_id: dict[tuple[str, str, int, str], Any] = {
            ("GET", "customers", 1, ""): lambda: self._get("customers", object_id),
            ("POST", "customers", 1, ""): lambda: self._update_customer(object_id, p, store),
            ("DELETE", "customers", 1, ""): lambda: self._delete_customer(object_id, store),
            ("GET", "payment_methods", 1, ""): lambda: self._get("payment_methods", object_id),
            ("POST", "payment_methods", 2, "attach"): lambda: self._attach(object_id, p, store),
            ("POST", "payment_methods", 2, "detach"): lambda: self._detach(object_id, store),
            ("GET", "payment_intents", 1, ""): lambda: self._get("payment_intents", object_id),
            ("GET", "subscriptions", 1, ""): lambda: self._get("subscriptions", object_id),
            ("POST", "subscriptions", 1, ""): lambda: self._update_subscription(
                object_id, p, store
            ),
            ("DELETE", "subscriptions", 1, ""): lambda: self._cancel_subscription(object_id, store),
            ("GET", "invoices", 1, ""): lambda: self._get("invoices", object_id),
            ("GET", "refunds", 1, ""): lambda: self._get("refunds", object_id),
            ("GET", "checkout_sessions", 1, ""): lambda: self._get("checkout_sessions", object_id),
            ("GET", "test_clocks", 1, ""): lambda: self._get("test_clocks", object_id),
            ("POST", "test_clocks", 2, "advance"): lambda: self._advance(object_id, p, store),
            ("DELETE", "test_clocks", 1, ""): lambda: self._delete_clock(object_id, store),
            ("POST", "disputes", 1, ""): lambda: self._update_dispute(object_id, p, store),
            ("POST", "disputes", 2, "close"): lambda: self._close_dispute(object_id, store),
            ("DELETE", "webhook_endpoints", 1, ""): lambda: self._delete_endpoint(object_id, store),
        }
        action = by_id.get(route)
        if action is None:
            raise _unknown(method, parts)
        result: JsonObject = action()
        return result

    def _create_checkout_session(self, p: JsonObject, store: ModeStore) -> JsonObject:
        mode = p.get("mode")
        if mode not in ("payment", "setup", "subscription"):
            raise ApiError(400, "Missing required param: mode.", param="mode")
        line_items = p.get("line_items") or []
        for i, item in enumerate(line_items if isinstance(line_items, list) else []):
            if isinstance(item, dict) and item.get("price") not in store.by_id["prices"]:
                raise ApiError(
                    404,
                    f"No such price: '{item.get('price')}'",
                    code="resource_missing",
                    param=f"line_items[{i}][price]",
                )
        session_id = f"cs_test_{secrets.token_hex(24)}"
        now = int(time.time())
        session = self._put(
            "checkout_sessions",
            {
                "id": session_id,
                "object": "checkout.session",
                "cancel_url": p.get("cancel_url"),
                "client_reference_id": p.get("client_reference_id"),
                "created": now,
                "customer": p.get("customer"),
                "customer_email": p.get("customer_email"),
                "expires_at": now + 86400,
                "livemode": False,
                "metadata": _metadata(p),
                "mode": mode,
                "payment_status": "unpaid",
                "status": "open",
                "subscription": None,
                "success_url": p.get("success_url"),
                "ui_mode": p.get("ui_mode", "hosted"),
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            },
        )
        return copy.deepcopy(session)

    def _create_test_clock(self, p: JsonObject, store: ModeStore) -> JsonObject:
        frozen = _amount(p, "frozen_time")
        now = int(time.time())
        clock = self._put(
            "test_clocks",
            {
                "id": _id("clock_"),
                "object": "test_helpers.test_clock",
                "created": now,
                "deletes_after": now + 30 * 86400,
                "frozen_time": frozen,
                "livemode": False,
                "name": p.get("name"),
                "status": "ready",
                "status_details": {},
            },
        )
        return copy.deepcopy(clock)

    def _advance(self, clock_id: str, p: JsonObject, store: ModeStore) -> JsonObject:
        clock = self._find("test_clocks", clock_id)
        frozen = _amount(p, "frozen_time")
        if clock["status"] != "ready":
            raise ApiError(400, "The test clock is already advancing.", code="test_clock_advancing")
        if frozen <= clock["frozen_time"]:
            raise ApiError(
                400,
                "The frozen_time must be after the test clock's current frozen_time.",
                param="frozen_time",
            )
        clock["status"] = "advancing"
        clock["status_details"] = {"advancing": {"target_frozen_time": frozen}}
        answer = copy.deepcopy(clock)

        def finish() -> None:
            clock["frozen_time"] = frozen
            customers = {
                c["id"]
                for c in self.objects.get("customers", {}).values()
                if c.get("test_clock") == clock_id and not c.get("deleted")
            }
            for sub in list(self.objects.get("subscriptions", {}).values()):
                if sub["customer"] in customers:
                    self._renew(store, sub, frozen)
            clock["status"] = "ready"
            clock["status_details"] = {}
            self._event(store, "test_helpers.test_clock.ready", clock, None, frozen)

        self._later(self.async_delay_s, finish)
        return answer

    def _delete_clock(self, clock_id: str, store: ModeStore) -> JsonObject:
        clock = self._find("test_clocks", clock_id)
        for customer in list(self.objects.get("customers", {}).values()):
            if customer.get("test_clock") == clock_id and not customer.get("deleted"):
                self._delete_customer(customer["id"], store)
        clock["deleted"] = True
        return {"id": clock_id, "object": "test_helpers.test_clock", "deleted": True}

    def _create_webhook_endpoint(self, p: JsonObject, store: ModeStore) -> JsonObject:
        url = p.get("url")
        events = p.get("enabled_events")
        if not url:
            raise ApiError(400, "Missing required param: url.", param="url")
        if not isinstance(events, list) or not events:
            raise ApiError(400, "Missing required param: enabled_events.", param="enabled_events")
        endpoint: JsonObject = {
            "id": _id("we_"),
            "object": "webhook_endpoint",
            "api_version": p.get("api_version"),
            "application": None,
            "created": int(time.time()),
            "description": p.get("description"),
            "enabled_events": events,
            "livemode": False,
            "metadata": _metadata(p),
            "status": "enabled",
            "url": url,
        }
        self._store_add(store, "webhook_endpoints", endpoint)
        secret = "whsec_" + secrets.token_hex(16)
        self.endpoint_secrets[endpoint["id"]] = secret
        return {**copy.deepcopy(endpoint), "secret": secret}

    def _delete_endpoint(self, endpoint_id: str, store: ModeStore) -> JsonObject:
        if endpoint_id not in store.by_id["webhook_endpoints"]:
            raise ApiError(
                404,
                f"No such webhook endpoint: '{endpoint_id}'",
                code="resource_missing",
                param="id",
            )
        store.objects["webhook_endpoints"] = [
            e for e in store.objects["webhook_endpoints"] if e["id"] != endpoint_id
        ]
        del store.by_id["webhook_endpoints"][endpoint_id]
        return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
