"""The kinds of objects the Stripe sandbox serves from its state: list URL, id prefix,
template and list filters of each, and the state file's keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from golive.sandbox.stripe.templates import (
    MODES,
    JsonObject,
    charge_template,
    dispute_template,
    early_fraud_warning_template,
    event_template,
    price_template,
    product_template,
    webhook_endpoint_template,
)


@dataclass(frozen=True)
class Kind:
    """One kind of object the sandbox serves: its list URL, template and filters."""

    name: str  # the state file's key
    path: str  # list URL
    prefix: str  # id prefix
    noun: str  # in "No such <noun>: 'id'"
    template: Callable[[], JsonObject]
    filters: Mapping[str, str]  # list parameter -> "bool" | "str" | "list"
    internal: tuple[str, ...] = ()  # state-only fields, never served


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "products",
            "/v1/products",
            "prod_",
            "product",
            product_template,
            {"active": "bool", "shippable": "bool", "url": "str", "ids": "list"},
        ),
        Kind(
            "prices",
            "/v1/prices",
            "price_",
            "price",
            price_template,
            {
                "active": "bool",
                "currency": "str",
                "product": "str",
                "type": "str",
                "lookup_keys": "list",
            },
        ),
        Kind(
            "webhook_endpoints",
            "/v1/webhook_endpoints",
            "we_",
            "webhook endpoint",
            webhook_endpoint_template,
            {},
        ),
        Kind(
            "events",
            "/v1/events",
            "evt_",
            "event",
            event_template,
            {"type": "str", "types": "list", "delivery_success": "bool"},
            internal=("delivery_success",),
        ),
        Kind(
            "charges",
            "/v1/charges",
            "ch_",
            "charge",
            charge_template,
            {"customer": "str", "payment_intent": "str", "transfer_group": "str"},
        ),
        Kind(
            "disputes",
            "/v1/disputes",
            "dp_",
            "dispute",
            dispute_template,
            {"charge": "str", "payment_intent": "str"},
        ),
        Kind(
            "early_fraud_warnings",
            "/v1/radar/early_fraud_warnings",
            "issfr_",
            "radar.early_fraud_warning",
            early_fraud_warning_template,
            {"charge": "str", "payment_intent": "str"},
        ),
    )
}
KIND_BY_PATH = {k.path: k for k in KINDS.values()}
MODE_KEYS = ("account", "balance", *KINDS)
STATE_KEYS = ("account", "keys", "restricted_denied", "latency_ms", "faults", *MODES)
REPEAT_KINDS = ("events", "charges", "disputes", "early_fraud_warnings")
