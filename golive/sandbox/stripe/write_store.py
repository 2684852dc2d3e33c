"""The Stripe sandbox's write side, bottom layer: the objects writes create, form bodies in
Stripe's bracket notation, and the helpers every write uses (errors, public fields).
"""

from __future__ import annotations

import copy
import itertools
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from golive.sandbox.stripe.reads import ApiError
from golive.sandbox.stripe.state import (
    ModeStore,
    State,
)
from golive.sandbox.stripe.templates import JsonObject

#: seconds between a delivery's attempts (Stripe spreads them over three days)
RETRY_DELAYS_S = (0.2, 0.5, 1.0)
#: how long after the charge a test card's dispute or early fraud warning appears
ASYNC_DELAY_S = 0.2


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver an event to an endpoint, as the Dashboard lists them."""

    event_id: str
    event_type: str
    endpoint_id: str
    attempt: int
    status: int | None  # the endpoint's HTTP status; None if it could not be reached
    error: str | None
    at: float


# -- form bodies -----------------------------------------------------------------------

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse_form(pairs: list[tuple[str, str]]) -> JsonObject:
    """Stripe's bracket notation as nested values: `items[0][price]=p` -> {items: [{price: p}]}."""
    root: JsonObject = {}
    for name, value in pairs:
        match = _KEY.match(name)
        if not match:
            raise ApiError(400, f"Invalid parameter name: {name}", param=name)
        keys = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node: Any = root
        for i, key in enumerate(keys):
            last = i == len(keys) - 1
            if key == "":  # expand[]=a
                key = str(len(node))
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    raise ApiError(400, f"Invalid parameter: {name}", param=name)
    parsed: JsonObject = _lists(root)
    return parsed


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def _flag(params: Mapping[str, Any], name: str) -> bool:
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise ApiError(400, f"Invalid boolean: {value}", param=name)
    return bool(value == "true")


def _amount(params: Mapping[str, Any], name: str) -> int:
    try:
        return int(params[name])
    except KeyError:
        raise ApiError(400, f"Missing required param: {name}.", param=name) from None
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid integer: {params[name]}", param=name) from None


def _metadata(params: Mapping[str, Any]) -> dict[str, str]:
    meta = params.get("metadata") or {}
    if not isinstance(meta, dict):
        raise ApiError(400, "Invalid object", param="metadata")
    return {str(k): str(v) for k, v in meta.items()}


def _id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


# -- helpers -----------------------------------------------------------------------------

_KINDS = {
    "customers": "customer",
    "payment_methods": "PaymentMethod",
    "payment_intents": "payment_intent",
    "subscriptions": "subscription",
    "invoices": "invoice",
    "refunds": "refund",
    "checkout_sessions": "checkout.session",
    "test_clocks": "test_helpers.test_clock",
}


def _public(obj: JsonObject) -> JsonObject:
    """An object without the sandbox's own bookkeeping fields (`_behaviour`, `_charge`)."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def _period_seconds(price: Mapping[str, Any]) -> int:
    recurring = price.get("recurring") or {}
    days = {"day": 1, "week": 7, "month": 30, "year": 365}.get(str(recurring.get("interval")), 30)
    return int(days * 86400 * int(recurring.get("interval_count") or 1))


def _decline_body(charge_id: str | None) -> JsonObject:
    return {
        "charge": charge_id,
        "code": "card_declined",
        "decline_code": "generic_decline",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "message": "Your card was declined.",
        "type": "card_error",
    }


def _card_declined(charge_id: str | None, payment_intent: JsonObject | None = None) -> ApiError:
    err = ApiError(402, "Your card was declined.", type_="card_error", code="card_declined")
    err.body.update(_decline_body(charge_id))
    if charge_id is None:
        del err.body["charge"]
    if payment_intent is not None:
        err.body["payment_intent"] = payment_intent
    return err


def _unknown(method: str, parts: list[str]) -> ApiError:
    path = "/v1/" + "/".join(parts)
    return ApiError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
    )


class WriteStore:
    """Objects created by writes and webhook secrets of one sandbox, and the delivery queue
    the layers above fill."""

    def __init__(self, state: State, serving: Callable[[], bool]) -> None:
        self.state = state
        self.serving = serving  # False once the sandbox stopped: the worker ends
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, JsonObject]] = {}  # kind -> id -> object
        self.endpoint_secrets: dict[str, str] = {}
        self.deliveries: list[Delivery] = []
        self.retry_delays = RETRY_DELAYS_S
        self.async_delay_s = ASYNC_DELAY_S
        self._queue: list[tuple[float, int, str, str, str, int]] = []
        self._payloads: dict[tuple[str, str], bytes] = {}
        self._actions: dict[int, Callable[[], None]] = {}
        self._seq = itertools.count()
        self._wake = threading.Condition(self.lock)
        self._busy = 0
        self._worker: threading.Thread | None = None

    def of_kind(self, kind: str) -> list[JsonObject]:
        with self.lock:
            return [copy.deepcopy(o) for o in self.objects.get(kind, {}).values()]

    # -- storage helpers -----------------------------------------------------------------
    def _put(self, kind: str, obj: JsonObject) -> JsonObject:
        self.objects.setdefault(kind, {})[obj["id"]] = obj
        return obj

    def _find(self, kind: str, object_id: str, param: str = "id") -> JsonObject:
        obj = self.objects.get(kind, {}).get(object_id)
        if obj is None or obj.get("deleted"):
            raise ApiError(
                404,
                f"No such {_KINDS.get(kind, kind)}: '{object_id}'",
                code="resource_missing",
                param=param,
            )
        return obj

    def _get(self, kind: str, object_id: str) -> JsonObject:
        return _public(self._find(kind, object_id))

    def _list(self, kind: str, p: JsonObject) -> JsonObject:
        items = [o for o in self.objects.get(kind, {}).values() if not o.get("deleted")]
        if "customer" in p:
            items = [o for o in items if o.get("customer") == p["customer"]]
        if kind == "subscriptions":
            wanted = p.get("status")
            items = [
                o
                for o in items
                if (o["status"] == wanted if wanted and wanted != "all" else wanted == "all")
                or (not wanted and o["status"] != "canceled")
            ]
        limit = int(p.get("limit", 10))
        items.sort(key=lambda o: o["created"], reverse=True)
        return {
            "object": "list",
            "data": [_public(o) for o in items[:limit]],
            "has_more": len(items) > limit,
            "url": f"/v1/{kind.replace('_', '/') if kind == 'checkout_sessions' else kind}",
        }

    def _store_add(self, store: ModeStore, kind: str, obj: JsonObject) -> None:
        """Add an object to a kind the sandbox itself serves (charges, disputes, events)."""
        store.objects[kind] = [obj, *store.objects[kind]]
        store.by_id[kind][obj["id"]] = obj
        store.hidden[kind][obj["id"]] = {}

    def _now(self, customer_id: str | None) -> int:
        """The time of a customer's test clock, or now."""
        if customer_id:
            customer = self.objects.get("customers", {}).get(customer_id)
            if customer and customer.get("test_clock"):
                clock = self.objects["test_clocks"][customer["test_clock"]]
                return int(clock["frozen_time"])
        return int(time.time())
