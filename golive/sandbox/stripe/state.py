"""The Stripe sandbox's state: the state file (YAML or JSON, docs/sandbox-stripe.md) loaded
into one store per mode, and injected faults.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.core.errors import GoliveError
from golive.sandbox.stripe.kinds import (
    KINDS,
    MODE_KEYS,
    REPEAT_KINDS,
    STATE_KEYS,
    Kind,
)
from golive.sandbox.stripe.templates import (
    MODES,
    JsonObject,
    _list,
    account_template,
    balance_template,
)


class SandboxStateError(GoliveError):
    """The sandbox's state file is not valid (unknown field, bad time, bad shape)."""


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
