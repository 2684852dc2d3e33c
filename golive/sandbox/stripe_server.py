"""A Stripe-compatible API on 127.0.0.1, from a state file: golive's tests, demo and rehearsals.

Stripe's cloud is out of reach from tests and CI, and no offline server covers account,
prices, webhook endpoints, events' delivery filter, disputes and early fraud warnings.
This one serves exactly what golive reads, faithful to Stripe's wire format:

- Bearer (or Basic) auth; the key's prefix picks the mode (`sk_live_`/`rk_live_` live,
  `sk_test_`/`rk_test_` test) and objects are partitioned by mode;
- list envelopes (`object`, `data`, `has_more`, `url`) with `limit`, `starting_after`,
  `ending_before`, `created[gt|gte|lt|lte]` and each list's own filters; an unknown
  parameter is a 400, as on Stripe;
- Stripe's error bodies and statuses: 401 for a missing or refused key, 404
  `resource_missing` ("a similar object exists in test mode, but a live mode key was
  used to make this request."), 403 for a restricted key on `/v1/account`;
- injectable latency, and 429 (with or without `Stripe-Should-Retry`), 5xx or a slow
  answer on demand;
- a log of every request (method, path, query, mode; never the key).

The state file format is documented in docs/sandbox-stripe.md. Objects are built here
from templates with the same fields as Stripe's own examples (a contract test compares
them with Stripe's fixtures); the state overrides ids and the fields a scenario needs.
Only the standard library is used. Live mode never writes: any method but GET is
answered with an error and logged, so a test can prove golive only reads; test-mode
writes (what `golive rehearse` sends) are served by stripe_writes.py.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import typer

from golive.core.errors import GoliveError
from golive.sandbox.server import (
    LoopbackHandler,
    LoopbackServer,
    sigterm_as_interrupt,
    wait_for_interrupt,
)

MODES = ("live", "test")
DEFAULT_API_VERSION = "2026-10-28.endive"
ACCOUNT_ID = "acct_1GoLiveSandbox0"
DOCS_URL = "https://stripe.com/docs"
JsonObject = dict[str, Any]


class SandboxStateError(GoliveError):
    """The sandbox's state file is not valid (unknown field, bad time, bad shape)."""


# -- object templates: the fields of Stripe's own example of each resource -------------


def _address() -> JsonObject:
    return dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))


def _requirements() -> JsonObject:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }


def _list(url: str, data: list[JsonObject] | None = None) -> JsonObject:
    return {"object": "list", "data": data or [], "has_more": False, "url": url}


def account_template() -> JsonObject:
    """A Standard account that can take payments."""
    return {
        "id": ACCOUNT_ID,
        "object": "account",
        "business_profile": {
            "annual_revenue": {"amount": None, "currency": None, "fiscal_year_end": None},
            "estimated_worker_count": None,
            "mcc": "5734",
            "minority_owned_business_designation": None,
            "name": "golive sandbox",
            "product_description": "Software as a service",
            "support_address": _address(),
            "support_email": "support@example.com",
            "support_phone": None,
            "support_url": None,
            "url": "https://example.com",
        },
        "business_type": "company",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True,
        "controller": {"type": "account"},
        "country": "US",
        "created": 1_700_000_000,
        "default_currency": "usd",
        "details_submitted": True,
        "email": "owner@example.com",
        "external_accounts": _list(f"/v1/accounts/{ACCOUNT_ID}/external_accounts"),
        "future_requirements": _requirements(),
        "metadata": {},
        "payouts_enabled": True,
        "requirements": _requirements(),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {
                "icon": None,
                "logo": None,
                "primary_color": None,
                "secondary_color": None,
            },
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": True},
                "statement_descriptor_prefix": "GOLIVE",
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": "golive sandbox", "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": None},
            "payments": {
                "statement_descriptor": "GOLIVE SANDBOX",
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": 1_700_000_000, "ip": "192.0.2.1", "user_agent": None},
        "type": "standard",
    }


def balance_template() -> JsonObject:
    return {
        "object": "balance",
        "available": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}],
        "connect_reserved": [{"amount": 0, "currency": "usd"}],
        "livemode": False,
        "pending": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}],
    }


def product_template() -> JsonObject:
    return {
        "id": "",
        "object": "product",
        "active": True,
        "created": 0,
        "default_price": None,
        "description": None,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {},
        "name": "Plan",
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": 0,
        "url": None,
    }


def price_template() -> JsonObject:
    """A monthly recurring price."""
    return {
        "id": "",
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": 0,
        "currency": "usd",
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": "",
        "recurring": {
            "interval": "month",
            "interval_count": 1,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        },
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
        "unit_amount": 1000,
        "unit_amount_decimal": None,
    }


def webhook_endpoint_template() -> JsonObject:
    return {
        "id": "",
        "object": "webhook_endpoint",
        "api_version": None,
        "application": None,
        "created": 0,
        "description": None,
        "enabled_events": [],
        "livemode": False,
        "metadata": {},
        "status": "enabled",
        "url": "",
    }


def event_template() -> JsonObject:
    return {
        "id": "",
        "object": "event",
        "api_version": DEFAULT_API_VERSION,
        "created": 0,
        "data": {"object": {}},
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": "invoice.payment_succeeded",
    }


def charge_template() -> JsonObject:
    """A succeeded card charge."""
    return {
        "id": "",
        "object": "charge",
        "amount": 1000,
        "amount_captured": 1000,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": {
            "address": _address(),
            "email": None,
            "name": None,
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": "GOLIVE SANDBOX",
        "captured": True,
        "created": 0,
        "currency": "usd",
        "customer": None,
        "description": None,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "on_behalf_of": None,
        "outcome": {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": True,
        "payment_intent": None,
        "payment_method": None,
        "payment_method_details": {
            "card": {
                "amount_authorized": 1000,
                "authorization_code": None,
                "brand": "visa",
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "pass",
                },
                "country": "US",
                "exp_month": 12,
                "exp_year": 2034,
                "extended_authorization": {"status": "disabled"},
                "fingerprint": "GoLiveSandboxFp0",
                "funding": "credit",
                "incremental_authorization": {"status": "unavailable"},
                "installments": None,
                "last4": "4242",
                "mandate": None,
                "multicapture": {"status": "unavailable"},
                "network": "visa",
                "network_token": {"used": False},
                "network_transaction_id": None,
                "overcapture": {"maximum_amount_capturable": 1000, "status": "unavailable"},
                "regulated_status": "unregulated",
                "three_d_secure": None,
                "transaction_link_id": None,
                "wallet": None,
            },
            "type": "card",
        },
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "refunds": None,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded",
        "transfer_data": None,
        "transfer_group": None,
    }


def dispute_template() -> JsonObject:
    evidence_fields = [
        *("access_activity_log", "billing_address", "cancellation_policy"),
        *("cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication"),
        *("customer_email_address", "customer_name", "customer_purchase_ip"),
        *("customer_signature", "duplicate_charge_documentation"),
        *("duplicate_charge_explanation", "duplicate_charge_id", "product_description"),
        *("receipt", "refund_policy", "refund_policy_disclosure", "refund_refusal_explanation"),
        *("service_date", "service_documentation", "shipping_address", "shipping_carrier"),
        *("shipping_date", "shipping_documentation", "shipping_tracking_number"),
        *("uncategorized_file", "uncategorized_text"),
    ]
    return {
        "id": "",
        "object": "dispute",
        "amount": 1000,
        "balance_transactions": [],
        "charge": "",
        "created": 0,
        "currency": "usd",
        "enhanced_eligibility_types": [],
        "evidence": {**dict.fromkeys(evidence_fields), "enhanced_evidence": {}},
        "evidence_details": {
            "due_by": None,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": None,
        "payment_method_details": {
            "card": {
                "brand": "visa",
                "case_type": "chargeback",
                "network": "visa",
                "network_reason_code": "10.4",
            },
            "type": "card",
        },
        "reason": "fraudulent",
        "status": "needs_response",
    }


def early_fraud_warning_template() -> JsonObject:
    return {
        "id": "",
        "object": "radar.early_fraud_warning",
        "actionable": True,
        "charge": "",
        "created": 0,
        "fraud_type": "unauthorized_use_of_card",
        "livemode": False,
    }


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


# -- state -----------------------------------------------------------------------------


_RELATIVE = re.compile(r"^(?P<sign>[-+])(?P<n>\d+(?:\.\d+)?)(?P<unit>[smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(value: Any, now: float, where: str) -> int:
    """A Unix time from an int, "now", or a time relative to now ("-3h", "-30d")."""
    if isinstance(value, bool):
        raise SandboxStateError(f"{where}: expected a Unix time or a relative time like -3h")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        if value == "now":
            return int(now)
        match = _RELATIVE.match(value.strip())
        if match:
            seconds = float(match.group("n")) * _UNITS[match.group("unit")]
            return int(now + (seconds if match.group("sign") == "+" else -seconds))
    raise SandboxStateError(
        f"{where}: {value!r} is not a time (use a Unix time, 'now', or -30s, -5m, -3h, -2d, -1w)"
    )


def _merge(template: Any, override: Any, where: str) -> Any:
    """`override` laid over `template`; unknown keys of a structured object are errors.

    A template dict with keys is structured (requirements, recurring): the override may
    set only those keys. An empty dict or None is free-form (metadata). A list of dicts
    has each element laid over the template's first element.
    """
    if isinstance(template, dict) and template and isinstance(override, dict):
        merged = copy.deepcopy(template)
        for key, value in override.items():
            if key not in template:
                known = ", ".join(sorted(template))
                raise SandboxStateError(f"{where}: unknown field {key!r} (fields: {known})")
            merged[key] = _merge(template[key], value, f"{where}.{key}")
        return merged
    if (
        isinstance(template, list)
        and template
        and isinstance(template[0], dict)
        and isinstance(override, list)
    ):
        return [_merge(template[0], item, f"{where}[{i}]") for i, item in enumerate(override)]
    return copy.deepcopy(override)


def _make_id(prefix: str, *parts: object) -> str:
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()
    return prefix + "Sbx" + digest[:14]


@dataclass
class ModeStore:
    """The objects of one mode."""

    mode: str
    account: JsonObject
    balance: JsonObject
    objects: dict[str, list[JsonObject]]  # kind -> objects, newest first
    hidden: dict[str, dict[str, JsonObject]]  # kind -> id -> state-only fields
    by_id: dict[str, dict[str, JsonObject]]  # kind -> id -> object


@dataclass
class Fault:
    """An answer forced on matching requests: a status (429, 500, ...) and/or a delay."""

    status: int | None = None
    path: str = "*"  # glob over the path, e.g. /v1/prices/*
    method: str | None = None
    mode: str | None = None
    times: int | None = None  # None: every matching request
    should_retry: bool | None = None  # Stripe-Should-Retry header; None: not sent
    delay_ms: int = 0
    message: str | None = None

    def matches(self, method: str, path: str, mode: str | None) -> bool:
        return (
            (self.times is None or self.times > 0)
            and fnmatch.fnmatchcase(path, self.path)
            and (self.method is None or self.method.upper() == method)
            and (self.mode is None or self.mode == mode)
        )


_FAULT_FIELDS = set(Fault.__dataclass_fields__)


def fault_from(data: Any, where: str) -> Fault:
    if not isinstance(data, dict):
        raise SandboxStateError(f"{where}: expected a mapping")
    unknown = set(data) - _FAULT_FIELDS
    if unknown:
        raise SandboxStateError(
            f"{where}: unknown field {sorted(unknown)[0]!r} "
            f"(fields: {', '.join(sorted(_FAULT_FIELDS))})"
        )
    return Fault(**data)


@dataclass
class State:
    """The sandbox's whole state, normalised."""

    modes: dict[str, ModeStore]
    keys: frozenset[str] | None
    restricted_denied: tuple[str, ...]
    latency_ms: int
    faults: list[Fault]


def load_state(source: Mapping[str, Any] | Path, now: float | None = None) -> State:
    """Read and normalise a state (a mapping, or a YAML/JSON file). Raises SandboxStateError."""
    data: Any
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise SandboxStateError(f"{source}: cannot read ({exc.strerror})") from None
        if source.suffix == ".json":
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise SandboxStateError(f"{source}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        else:
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise SandboxStateError(f"{source}: invalid YAML: {exc}") from None
    else:
        data = source
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise SandboxStateError("the state must be a mapping")
    unknown = set(data) - set(STATE_KEYS)
    if unknown:
        raise SandboxStateError(
            f"unknown top-level key {sorted(unknown)[0]!r} (keys: {', '.join(STATE_KEYS)})"
        )
    now = time.time() if now is None else now
    shared_account = data.get("account") or {}
    modes = {mode: _mode_store(mode, data.get(mode) or {}, shared_account, now) for mode in MODES}
    keys = data.get("keys")
    return State(
        modes=modes,
        keys=frozenset(str(k) for k in keys) if keys is not None else None,
        restricted_denied=tuple(data.get("restricted_denied", ["/v1/account"])),
        latency_ms=int(data.get("latency_ms", 0)),
        faults=[fault_from(f, f"faults[{i}]") for i, f in enumerate(data.get("faults") or [])],
    )


def _mode_store(mode: str, data: Any, shared_account: Any, now: float) -> ModeStore:
    if not isinstance(data, Mapping):
        raise SandboxStateError(f"{mode}: expected a mapping")
    unknown = set(data) - set(MODE_KEYS)
    if unknown:
        raise SandboxStateError(
            f"{mode}: unknown key {sorted(unknown)[0]!r} (keys: {', '.join(MODE_KEYS)})"
        )
    account = _merge(account_template(), shared_account, "account")
    account = _merge(account, data.get("account") or {}, f"{mode}.account")
    balance = _merge(balance_template(), data.get("balance") or {}, f"{mode}.balance")
    balance["livemode"] = mode == "live"
    store = ModeStore(mode, account, balance, {}, {}, {})
    for kind in KINDS.values():
        entries = data.get(kind.name) or []
        if not isinstance(entries, list):
            raise SandboxStateError(f"{mode}.{kind.name}: expected a list")
        built: list[tuple[JsonObject, JsonObject]] = []
        for i, entry in enumerate(entries):
            where = f"{mode}.{kind.name}[{i}]"
            if not isinstance(entry, Mapping):
                raise SandboxStateError(f"{where}: expected a mapping")
            if "repeat" in entry:
                built.extend(_repeat(kind, mode, dict(entry), now, where))
            else:
                built.append(_build(kind, mode, dict(entry), now, where, len(built)))
        _index(store, kind, built)
    _add_referenced_products(store, now)
    return store


def _build(
    kind: Kind, mode: str, entry: JsonObject, now: float, where: str, seq: int
) -> tuple[JsonObject, JsonObject]:
    """One object from its state entry: (served object, state-only fields)."""
    hidden = {name: entry.pop(name) for name in kind.internal if name in entry}
    created = parse_time(entry.pop("created", "-1d"), now, f"{where}.created")
    obj: JsonObject = _merge(kind.template(), entry, where)
    obj["id"] = str(obj["id"] or _make_id(kind.prefix, mode, kind.name, seq))
    obj["created"] = created
    obj["livemode"] = mode == "live"
    _derive(kind, obj, hidden, mode, seq)
    return obj, hidden


def _repeat(
    kind: Kind, mode: str, entry: JsonObject, now: float, where: str
) -> list[tuple[JsonObject, JsonObject]]:
    """`repeat: N` objects alike, `created: [from, to]` spread evenly between."""
    if kind.name not in REPEAT_KINDS:
        raise SandboxStateError(f"{where}: repeat is only for {', '.join(REPEAT_KINDS)}")
    count = entry.pop("repeat")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise SandboxStateError(f"{where}.repeat: expected a positive integer")
    if "id" in entry:
        raise SandboxStateError(f"{where}: repeated objects get generated ids; remove 'id'")
    span = entry.pop("created", ["-30d", "now"])
    if not (isinstance(span, list) and len(span) == 2):
        raise SandboxStateError(f"{where}.created: expected [from, to], e.g. [-30d, -1h]")
    start = parse_time(span[0], now, f"{where}.created[0]")
    end = parse_time(span[1], now, f"{where}.created[1]")
    out = []
    for n in range(count):
        one = copy.deepcopy(entry)
        one["created"] = start + (end - start) * n // max(1, count - 1) if count > 1 else end
        one["id"] = _make_id(kind.prefix, mode, where, n)
        out.append(_build(kind, mode, one, now, f"{where}#{n}", n))
    return out


def _derive(kind: Kind, obj: JsonObject, hidden: JsonObject, mode: str, seq: int) -> None:
    """Fields that follow from others, as on Stripe."""
    if kind.name == "prices":
        obj["type"] = "recurring" if obj["recurring"] else "one_time"
        if obj["unit_amount"] is not None and obj["unit_amount_decimal"] is None:
            obj["unit_amount_decimal"] = str(obj["unit_amount"])
        if not obj["product"]:
            obj["product"] = _make_id("prod_", mode, "default")
    elif kind.name == "products":
        obj["updated"] = obj["updated"] or obj["created"]
    elif kind.name == "events":
        if "delivery_success" in hidden and not isinstance(hidden["delivery_success"], bool):
            raise SandboxStateError(f"{mode}.events: delivery_success must be true or false")
        if hidden.get("delivery_success") is False and obj["pending_webhooks"] == 0:
            obj["pending_webhooks"] = 1  # Stripe keeps retrying a failed delivery
        if not obj["data"].get("object"):
            noun = obj["type"].rsplit(".", 1)[0]
            obj["data"] = {"object": {"id": _make_id("obj_", mode, obj["id"]), "object": noun}}
    elif kind.name == "charges":
        if obj["status"] != "succeeded":
            obj["paid"] = obj["captured"] = False
            obj["amount_captured"] = 0
        else:
            obj["amount_captured"] = obj["amount"]
        if obj["refunds"] is None:
            obj["refunds"] = _list(f"/v1/charges/{obj['id']}/refunds")
    elif kind.name in ("disputes", "early_fraud_warnings") and not obj["charge"]:
        obj["charge"] = _make_id("ch_", mode, kind.name, seq)


def _index(store: ModeStore, kind: Kind, built: list[tuple[JsonObject, JsonObject]]) -> None:
    order = sorted(range(len(built)), key=lambda i: (built[i][0]["created"], i), reverse=True)
    objects = [built[i][0] for i in order]
    by_id: dict[str, JsonObject] = {}
    for obj in objects:
        if obj["id"] in by_id:
            raise SandboxStateError(f"{store.mode}.{kind.name}: duplicate id {obj['id']!r}")
        by_id[obj["id"]] = obj
    store.objects[kind.name] = objects
    store.by_id[kind.name] = by_id
    store.hidden[kind.name] = {obj["id"]: hidden for obj, hidden in built}


def _add_referenced_products(store: ModeStore, now: float) -> None:
    """Prices may name products the state leaves out: make them, as Stripe would have."""
    products = store.by_id["products"]
    missing = sorted({p["product"] for p in store.objects["prices"]} - set(products))
    if not missing:
        return
    kind = KINDS["products"]
    extra = [
        _build(kind, store.mode, {"id": pid, "name": pid}, now, "products", i)
        for i, pid in enumerate(missing)
    ]
    existing: list[tuple[JsonObject, JsonObject]] = [(obj, {}) for obj in store.objects["products"]]
    _index(store, kind, existing + extra)


# -- requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedRequest:
    """One request the sandbox received. The key is never kept, only its mode and type."""

    method: str
    path: str
    query: str
    params: Mapping[str, str]
    mode: str | None
    key_type: str | None  # "secret" | "restricted" | None
    status: int | None  # None while the sandbox has not answered yet
    at: float  # time.monotonic() when it arrived


class ApiError(Exception):
    """An answer in Stripe's error format."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: JsonObject = {"message": message, "type": type_}
        if code:
            self.body["code"] = code
            self.body["doc_url"] = f"{DOCS_URL}/error-codes/{code.replace('_', '-')}"
        if param:
            self.body["param"] = param
        self.headers = dict(headers or {})


def _masked(key: str) -> str:
    """How Stripe echoes a key in its messages: prefix, stars, last four."""
    prefix = re.match(r"^[a-z]+_(?:live_|test_)?", key)
    head = prefix.group(0) if prefix else ""
    return head + "*" * max(4, len(key) - len(head) - 4) + key[-4:]


def _authenticate(header: str | None, accepted: frozenset[str] | None) -> tuple[str, str]:
    """(mode, key type) for an Authorization header, or ApiError 401."""
    key = ""
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            key = value.strip()
        elif scheme.lower() == "basic":
            try:
                key = base64.b64decode(value.strip()).decode().split(":", 1)[0]
            except ValueError:
                key = ""
    if not key:
        raise ApiError(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
            "or we can help at https://support.stripe.com/.",
        )
    if key.startswith(("pk_live_", "pk_test_")):
        raise ApiError(
            401,
            "This API call cannot be made with a publishable API key. "
            "Please use a secret API key. You can find a list of your API keys at "
            "https://dashboard.stripe.com/account/apikeys.",
        )
    match = re.match(r"^(?P<type>sk|rk)_(?P<mode>live|test)_[A-Za-z0-9]+$", key)
    if not match or (accepted is not None and key not in accepted):
        raise ApiError(401, f"Invalid API Key provided: {_masked(key)}")
    return match.group("mode"), "secret" if match.group("type") == "sk" else "restricted"


def _bool(name: str, value: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise ApiError(400, f"Invalid boolean: {value}", param=name)


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"Invalid integer: {value}", param=name) from None


_BRACKET = re.compile(r"^(?P<base>[a-z_]+)(?:\[(?P<sub>[a-z_0-9]*)\])?$")


@dataclass
class Query:
    """A list request's parameters, parsed and checked as Stripe does."""

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    created: dict[str, int] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)


def parse_query(pairs: list[tuple[str, str]], allowed: Mapping[str, str], listing: bool) -> Query:
    query = Query()
    for name, value in pairs:
        match = _BRACKET.match(name)
        if not match:
            raise ApiError(400, f"Received unknown parameter: {name}", param=name)
        base, sub = match.group("base"), match.group("sub")
        if base == "expand":
            continue
        if not listing:
            raise ApiError(400, f"Received unknown parameter: {name}", param=name)
        if base == "limit" and sub is None:
            query.limit = _int(name, value)
            if not 1 <= query.limit <= 100:
                raise ApiError(
                    400, "Invalid limit: must be between 1 and 100 (inclusive).", param=name
                )
        elif base in ("starting_after", "ending_before") and sub is None:
            setattr(query, base, value)
        elif base == "created":
            if sub is None:
                query.created["eq"] = _int(name, value)
            elif sub in ("gt", "gte", "lt", "lte"):
                query.created[sub] = _int(name, value)
            else:
                raise ApiError(400, f"Received unknown parameter: {name}", param=name)
        elif base in allowed:
            kind = allowed[base]
            if kind == "list":
                query.filters.setdefault(base, []).append(value)
            elif sub is not None:
                raise ApiError(400, f"Received unknown parameter: {name}", param=name)
            elif kind == "bool":
                query.filters[base] = _bool(name, value)
            else:
                query.filters[base] = value
        else:
            raise ApiError(400, f"Received unknown parameter: {name}", param=name)
    if query.starting_after and query.ending_before:
        raise ApiError(
            400,
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
        )
    return query


_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "eq": lambda created, bound: created == bound,
    "gt": lambda created, bound: created > bound,
    "gte": lambda created, bound: created >= bound,
    "lt": lambda created, bound: created < bound,
    "lte": lambda created, bound: created <= bound,
}


def _created_ok(created: int, bounds: Mapping[str, int]) -> bool:
    return all(_COMPARE[op](created, bound) for op, bound in bounds.items())


def _filter_ok(kind: Kind, obj: JsonObject, hidden: JsonObject, filters: Mapping[str, Any]) -> bool:
    for name, wanted in filters.items():
        if name == "delivery_success":
            if hidden.get("delivery_success", True) is not wanted:
                return False
        elif name == "types":
            if obj["type"] not in wanted:
                return False
        elif name == "ids":
            if obj["id"] not in wanted:
                return False
        elif name == "lookup_keys":
            if obj.get("lookup_key") not in wanted:
                return False
        elif obj.get(name) != wanted:
            return False
    return True


# -- the server ------------------------------------------------------------------------


class _Handler(LoopbackHandler["StripeSandbox"]):
    server_version = "golive-stripe-sandbox"

    def _any(self) -> None:
        self.server.owner._handle(self)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = _any


class StripeSandbox(LoopbackServer[LoggedRequest]):
    """A Stripe-compatible API on 127.0.0.1 serving `state`. A context manager.

    >>> with StripeSandbox(demo_state("https://app.example/webhook")) as sandbox:
    ...     client = StripeClient("sk_test_123", base_addresses={"api": sandbox.url})
    """

    handler = _Handler
    thread_name = "stripe sandbox"
    poll_interval = 0.01

    def __init__(
        self,
        state: Mapping[str, Any] | Path,
        port: int = 0,
        latency_ms: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        # log_path: every request is appended there too (method, path, query, mode, time)
        super().__init__(port, log_path)
        self.state = load_state(state)
        self.latency_ms = self.state.latency_ms if latency_ms is None else latency_ms
        self._counter = 0

    # start, stop, port and url (for the SDK: `base_addresses={"api": sandbox.url}`)
    # come from LoopbackServer.

    # -- for tests (requests, clear_log: LoopbackServer) ------------------------------
    def inject(
        self,
        status: int | None = None,
        path: str = "*",
        *,
        method: str | None = None,
        mode: str | None = None,
        times: int | None = None,
        should_retry: bool | None = None,
        delay_ms: int = 0,
        message: str | None = None,
    ) -> Fault:
        """Answer matching requests with `status` (and/or after `delay_ms`), `times` times."""
        fault = Fault(status, path, method, mode, times, should_retry, delay_ms, message)
        with self._lock:
            self.state.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.state.faults.clear()

    # -- serving -----------------------------------------------------------------------
    def _handle(self, handler: _Handler) -> None:
        arrived = time.monotonic()
        method = handler.command
        parts = urlsplit(handler.path)
        path = parts.path.rstrip("/") or "/"
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""  # keeps kept-alive in step
        mode: str | None = None
        key_type: str | None = None
        refused: ApiError | None = None
        headers: dict[str, str] = {}
        try:
            mode, key_type = _authenticate(handler.headers.get("Authorization"), self.state.keys)
        except ApiError as err:
            refused = err
        entry = LoggedRequest(method, path, parts.query, dict(pairs), mode, key_type, None, arrived)
        with self._lock:  # logged on arrival: a client that gives up early still shows
            self._log.append(entry)
            self.log_line({"method": method, "path": path, "query": parts.query, "mode": mode})
            self._counter += 1
            request_id = f"req_sbx{self._counter:010d}"
        try:
            if refused is not None or mode is None or key_type is None:
                raise refused or ApiError(401, "Invalid API Key provided")
            fault = self._take_fault(method, path, mode)
            delay = self.latency_ms + (fault.delay_ms if fault else 0)
            if delay:
                time.sleep(delay / 1000)
            self._raise_fault(fault)
            from golive.sandbox import stripe_writes  # test-mode writes: stripe_writes.py

            if stripe_writes.serves(method, path):
                body = stripe_writes.handle(self, method, path, pairs, raw, mode)
                status = 200
            else:
                status, body = 200, self._route(path, pairs, mode, key_type)
        except ApiError as err:
            status, body, headers = err.status, {"error": err.body}, err.headers
        with self._lock:
            for i in range(len(self._log) - 1, -1, -1):
                if self._log[i] is entry:
                    self._log[i] = replace(entry, status=status)
                    break
        if status >= 400:
            body["error"]["request_log_url"] = (
                f"https://dashboard.stripe.com/{mode or 'test'}/logs/{request_id}"
            )
        payload = json.dumps(body, indent=2).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Request-Id", request_id)
        handler.send_header(
            "Stripe-Version", handler.headers.get("Stripe-Version") or DEFAULT_API_VERSION
        )
        handler.send_header("Cache-Control", "no-cache, no-store")
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if method != "HEAD":
            handler.wfile.write(payload)

    def _take_fault(self, method: str, path: str, mode: str | None) -> Fault | None:
        """The first fault matching the request, counted as used (`times`) at once."""
        with self._lock:
            for fault in self.state.faults:
                if fault.matches(method, path, mode):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _raise_fault(self, fault: Fault | None) -> None:
        if fault is None or fault.status is None:
            return
        headers = {}
        if fault.should_retry is not None:
            headers["Stripe-Should-Retry"] = "true" if fault.should_retry else "false"
        if fault.status == 429:
            raise ApiError(
                429,
                fault.message
                or "Too many requests hit the API too quickly. We recommend an "
                "exponential backoff of your requests.",
                code="rate_limit",
                headers=headers,
            )
        if fault.status >= 500:
            raise ApiError(
                fault.status,
                fault.message
                or "An unknown error occurred. Please retry your request or contact support.",
                type_="api_error",
                headers=headers,
            )
        raise ApiError(fault.status, fault.message or "Injected error.", headers=headers)

    def _route(
        self, path: str, pairs: list[tuple[str, str]], mode: str, key_type: str
    ) -> JsonObject:
        store = self.state.modes[mode]
        if key_type == "restricted" and any(
            fnmatch.fnmatchcase(path, pattern) for pattern in self.state.restricted_denied
        ):
            raise ApiError(
                403,
                f"The provided key 'rk_{mode}_*****' does not have the required permissions "
                f"for this endpoint on account '{store.account['id']}'. Having the "
                "'rak_accounts_kyc_basic_read' permission would allow this request to continue.",
            )
        if path == "/v1/balance":
            parse_query(pairs, {}, listing=False)
            return copy.deepcopy(store.balance)
        if path == "/v1/account":
            parse_query(pairs, {}, listing=False)
            return copy.deepcopy(store.account)
        kind = KIND_BY_PATH.get(path)
        if kind is not None:
            return self._list(kind, store, parse_query(pairs, kind.filters, listing=True))
        head, _, object_id = path.rpartition("/")
        kind = KIND_BY_PATH.get(head)
        if kind is not None and object_id:
            parse_query(pairs, {}, listing=False)
            return self._retrieve(kind, store, object_id)
        raise ApiError(
            404,
            f"Unrecognized request URL (GET: {path}). Please see {DOCS_URL} or we can help at "
            "https://support.stripe.com/.",
        )

    def _retrieve(self, kind: Kind, store: ModeStore, object_id: str) -> JsonObject:
        obj = store.by_id[kind.name].get(object_id)
        if obj is not None:
            return copy.deepcopy(obj)
        raise self._missing(kind, store.mode, object_id, param="id")

    def _missing(self, kind: Kind, mode: str, object_id: str, param: str) -> ApiError:
        message = f"No such {kind.noun}: '{object_id}'"
        other = "test" if mode == "live" else "live"
        if object_id in self.state.modes[other].by_id[kind.name]:
            message += (
                f"; a similar object exists in {other} mode, but a {mode} mode key was used "
                "to make this request."
            )
        return ApiError(404, message, code="resource_missing", param=param)

    def _list(self, kind: Kind, store: ModeStore, query: Query) -> JsonObject:
        hidden = store.hidden[kind.name]
        items = [
            obj
            for obj in store.objects[kind.name]
            if _created_ok(obj["created"], query.created)
            and _filter_ok(kind, obj, hidden.get(obj["id"], {}), query.filters)
        ]
        cursor = query.starting_after or query.ending_before
        if cursor is not None:
            ids = [obj["id"] for obj in items]
            if cursor not in ids:
                param = "starting_after" if query.starting_after else "ending_before"
                if cursor not in store.by_id[kind.name]:
                    raise self._missing(kind, store.mode, cursor, param=param)
                # An object outside the filters: position it by its place in the whole list.
                order = [obj["id"] for obj in store.objects[kind.name]]
                position = order.index(cursor)
                before = sum(1 for obj in items if order.index(obj["id"]) < position)
                index = before if query.ending_before else before - 1
            else:
                index = ids.index(cursor)
            if query.starting_after:
                items = items[index + 1 :]
                page, has_more = items[: query.limit], len(items) > query.limit
            else:
                items = items[: max(0, index)]
                page, has_more = items[-query.limit :], len(items) > query.limit
        else:
            page, has_more = items[: query.limit], len(items) > query.limit
        return {
            "object": "list",
            "data": copy.deepcopy(page),
            "has_more": has_more,
            "url": kind.path,
        }


# -- a healthy state for the demo and the tests ----------------------------------------

#: the events a subscription backend handles (the checklist's item 4.2)
DEMO_EVENTS = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "radar.early_fraud_warning.created",
    "radar.early_fraud_warning.updated",
)
DEMO_TIERS = ("basic", "pro")
_DEMO_AMOUNTS = {"monthly": 1200, "yearly": 12000}


def demo_price_id(mode: str, tier: str, cycle: str) -> str:
    """The demo's price id for a tier and cycle, e.g. price_live_basic_monthly."""
    return f"price_{mode}_{tier}_{cycle}"


def demo_mapping(mode: str, tiers: tuple[str, ...] = DEMO_TIERS) -> str:
    """The JSON price mapping (STRIPE_PLAN_PRICE_MAPPING_LIVE/_TEST) matching demo_state."""
    return json.dumps(
        {
            tier: {cycle: demo_price_id(mode, tier, cycle) for cycle in _DEMO_AMOUNTS}
            for tier in tiers
        }
    )


def demo_state(
    webhook_url: str,
    *,
    api_version: str = DEFAULT_API_VERSION,
    tiers: tuple[str, ...] = DEMO_TIERS,
) -> JsonObject:
    """A healthy account in both modes: every Stripe item of the checklist passes.

    Prices for each tier, monthly and yearly (ids from `demo_price_id`, mapping from
    `demo_mapping`); one enabled endpoint for `webhook_url` subscribed to DEMO_EVENTS
    with `api_version`; delivered events; 400 charges and one dispute in the last 30
    days (0.25%, so the dispute-rate probe can stop after two pages of charges); one
    non-actionable early fraud warning.
    """
    state: JsonObject = {}
    for mode in MODES:
        prices = [
            {
                "id": demo_price_id(mode, tier, cycle),
                "product": f"prod_{mode}_{tier}",
                "nickname": f"{tier.title()} {cycle}",
                "unit_amount": _DEMO_AMOUNTS[cycle] * (i + 1),
                "currency": "usd",
                "recurring": {"interval": "month" if cycle == "monthly" else "year"},
                "created": "-60d",
            }
            for i, tier in enumerate(tiers)
            for cycle in _DEMO_AMOUNTS
        ]
        state[mode] = {
            "balance": {"available": [{"amount": 250_000, "currency": "usd"}]},
            "products": [
                {"id": f"prod_{mode}_{tier}", "name": tier.title(), "created": "-60d"}
                for tier in tiers
            ],
            "prices": prices,
            "webhook_endpoints": [
                {
                    "id": f"we_{mode}_app",
                    "url": webhook_url,
                    "enabled_events": list(DEMO_EVENTS),
                    "api_version": api_version,
                    "description": "the app's webhook",
                    "created": "-60d",
                }
            ],
            "events": [
                {"type": "invoice.payment_succeeded", "created": "-2h", "delivery_success": True},
                {"type": "checkout.session.completed", "created": "-3h", "delivery_success": True},
            ],
            "charges": [{"repeat": 400, "created": ["-29d", "-1h"], "amount": 1200}],
            "disputes": [
                {
                    "id": f"dp_{mode}_one",
                    "charge": f"ch_{mode}_disputed",
                    "created": "-5d",
                    "status": "under_review",
                }
            ],
            "early_fraud_warnings": [
                {
                    "id": f"issfr_{mode}_one",
                    "charge": f"ch_{mode}_efw",
                    "actionable": False,
                    "created": "-6d",
                }
            ],
        }
    return state


# -- command line ----------------------------------------------------------------------


def serve(state: Path, port: int = 0, latency_ms: int = 0, log: Path | None = None) -> None:
    """`golive sandbox stripe` (options in golive/sandbox/commands.py): serve until Ctrl-C or
    SIGTERM, then say how many requests were answered."""
    with sigterm_as_interrupt():
        sandbox = StripeSandbox(state, port=port, latency_ms=latency_ms or None, log_path=log)
        with sandbox:
            typer.echo(f"Stripe sandbox listening on {sandbox.url}")
            typer.echo(
                f"  point golive at it: STRIPE_API_BASE={sandbox.url} "
                "(any sk_live_/sk_test_ key picks the mode). Ctrl-C stops."
            )
            wait_for_interrupt()
    typer.echo(f"stopped after {len(sandbox.requests)} requests")


if __name__ == "__main__":  # pragma: no cover
    from golive.sandbox.commands import stripe

    typer.run(stripe)
