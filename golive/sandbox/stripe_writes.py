"""Test-mode writes for the Stripe sandbox: what `golive rehearse` and the reference
deployment send, and the signed webhook deliveries Stripe would make in answer.

The sandbox (stripe_server.py) serves reads from a state file and stays read-only for
live keys. In test mode it hands every write, and reads of the objects only writes
create, to this module, which keeps Stripe's wire format:

- customers, payment methods (Stripe's test tokens `pm_card_visa`,
  `pm_card_chargeCustomerFail`, `pm_card_createDispute`,
  `pm_card_createIssuerFraudRecord`, ... attach as new `pm_` objects), payment intents,
  charges, refunds, subscriptions and their invoices, disputes (evidence, close), early
  fraud warnings, checkout sessions, webhook endpoints, and test clocks
  (`/v1/test_helpers/test_clocks`, `advance` renews the clock's subscriptions);
- form-encoded bodies with Stripe's bracket notation (`items[0][price]`,
  `metadata[golive]`), Stripe's error bodies (`resource_missing`, 402 `card_error`);
- an event for each change, in the account's `/v1/events` list, delivered to every
  enabled endpoint subscribed to its type as Stripe does: JSON body, `Stripe-Signature:
  t=...,v1=HMAC-SHA256(secret, "t.body")` with the endpoint's secret, retried with
  backoff when the endpoint does not answer 2xx. An event's `delivery_success` (the
  filter the failed-deliveries probe reads) is false while a delivery is pending or has
  failed, true once every endpoint took it.

Disputes and early fraud warnings of the test cards arrive a moment after the charge,
as on Stripe, so clients must poll. Only the standard library is used.
"""

from __future__ import annotations

import copy
import hashlib
import heapq
import hmac
import itertools
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from golive.sandbox.stripe_server import (
    DEFAULT_API_VERSION,
    ApiError,
    JsonObject,
    ModeStore,
    charge_template,
    dispute_template,
    early_fraud_warning_template,
)

if TYPE_CHECKING:
    from golive.sandbox.stripe_server import StripeSandbox

#: what a test token does when it pays: succeed, fail, then dispute or warn
TEST_CARDS: dict[str, tuple[str, str, str]] = {
    # token: (brand, last4, behaviour)
    "pm_card_visa": ("visa", "4242", "succeed"),
    "pm_card_mastercard": ("mastercard", "4444", "succeed"),
    "pm_card_chargeCustomerFail": ("visa", "0341", "fail"),
    "pm_card_chargeDeclined": ("visa", "0002", "decline"),
    "pm_card_createDispute": ("visa", "0259", "dispute"),
    "pm_card_createIssuerFraudRecord": ("visa", "5423", "efw"),
}
#: seconds between a delivery's attempts (Stripe spreads them over three days)
RETRY_DELAYS_S = (0.2, 0.5, 1.0)
#: how long after the charge a test card's dispute or early fraud warning appears
ASYNC_DELAY_S = 0.2
DELIVERY_TIMEOUT_S = 5.0

_SERVED = re.compile(
    r"^/v1/(customers|payment_methods|payment_intents|subscriptions|invoices|refunds"
    r"|checkout/sessions|test_helpers/test_clocks)(/.*)?$"
)


def serves(method: str, path: str) -> bool:
    """True if this module answers the request (every write; reads of its own kinds)."""
    return method != "GET" or bool(_SERVED.match(path))


def writes_for(sandbox: StripeSandbox) -> Writes:
    """The sandbox's write side, made on first use."""
    found: Writes | None = getattr(sandbox, "_golive_writes", None)
    if found is None:
        with sandbox._lock:
            found = getattr(sandbox, "_golive_writes", None)
            if found is None:
                found = Writes(sandbox)
                sandbox._golive_writes = found  # type: ignore[attr-defined]
    return found


def handle(
    sandbox: StripeSandbox,
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
        return writes_for(sandbox).dispatch(method, path, parse_form(pairs), mode)
    except ApiError:
        raise
    except Exception as exc:  # the sandbox's own bug: a 500 as Stripe would answer, not a hang-up
        raise ApiError(
            500, f"An unknown error occurred ({type(exc).__name__}: {exc}).", type_="api_error"
        ) from exc


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


# -- deliveries ------------------------------------------------------------------------


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


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header Stripe sends: `t=...,v1=...`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# -- the write side ------------------------------------------------------------------


class Writes:
    """Objects created by writes, webhook secrets, and the delivery queue of one sandbox."""

    def __init__(self, sandbox: StripeSandbox) -> None:
        self.sandbox = sandbox
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

    # -- for tests and the demo --------------------------------------------------------
    def set_endpoint_secret(self, endpoint_id: str, secret: str) -> None:
        """The signing secret of an endpoint of the state file (Stripe shows it once)."""
        with self.lock:
            self.endpoint_secrets[endpoint_id] = secret

    def of_kind(self, kind: str) -> list[JsonObject]:
        with self.lock:
            return [copy.deepcopy(o) for o in self.objects.get(kind, {}).values()]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no delivery or delayed effect is pending; False on timeout."""
        end = time.monotonic() + timeout
        with self.lock:
            while self._queue or self._busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(min(left, 0.05))
        return True

    # -- dispatch ------------------------------------------------------------------------
    def dispatch(self, method: str, path: str, params: JsonObject, mode: str) -> JsonObject:
        store = self.sandbox.state.modes[mode]
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

    # -- events and deliveries -----------------------------------------------------------
    def _event(
        self,
        store: ModeStore,
        type_: str,
        obj: JsonObject,
        previous: JsonObject | None = None,
        created: int | None = None,
    ) -> JsonObject:
        endpoints = [
            e
            for e in store.objects["webhook_endpoints"]
            if e["status"] == "enabled"
            and ("*" in e["enabled_events"] or type_ in e["enabled_events"])
        ]
        data: JsonObject = {"object": _public(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event: JsonObject = {
            "id": _id("evt_"),
            "object": "event",
            "api_version": DEFAULT_API_VERSION,
            "created": created if created is not None else int(time.time()),
            "data": data,
            "livemode": store.mode == "live",
            "pending_webhooks": len(endpoints),
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        self._store_add(store, "events", event)
        store.hidden["events"][event["id"]] = {"delivery_success": not endpoints}
        payload = json.dumps(event, indent=2).encode()
        for endpoint in endpoints:
            self._schedule(0.0, event["id"], endpoint["id"], store.mode, 1, payload)
        return event

    def _schedule(
        self, delay: float, event_id: str, endpoint_id: str, mode: str, attempt: int, payload: bytes
    ) -> None:
        entry = (time.monotonic() + delay, next(self._seq), event_id, endpoint_id, mode, attempt)
        self._payloads[(event_id, endpoint_id)] = payload
        heapq.heappush(self._queue, entry)
        self._ensure_worker()
        self._wake.notify_all()

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        """Run `action` (under the lock) after `delay` seconds, in the delivery worker."""
        entry = (time.monotonic() + delay, next(self._seq), "", "", "", 0)
        self._actions[entry[1]] = action
        heapq.heappush(self._queue, entry)
        self._ensure_worker()
        self._wake.notify_all()

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(
                target=self._work, name="stripe sandbox deliveries", daemon=True
            )
            self._worker.start()

    def _work(self) -> None:
        while True:
            with self.lock:
                while not self._queue or self._queue[0][0] > time.monotonic():
                    if not self._queue and self.sandbox._server is None:
                        return
                    wait = self._queue[0][0] - time.monotonic() if self._queue else 0.5
                    self._wake.wait(max(0.01, min(wait, 0.5)))
                _, seq, event_id, endpoint_id, mode, attempt = heapq.heappop(self._queue)
                self._busy += 1
                action = self._actions.pop(seq, None)
            try:
                if action is not None:
                    with self.lock:
                        action()
                else:
                    self._deliver(event_id, endpoint_id, mode, attempt)
            finally:
                with self.lock:
                    self._busy -= 1
                    self._wake.notify_all()

    def _deliver(self, event_id: str, endpoint_id: str, mode: str, attempt: int) -> None:
        store = self.sandbox.state.modes[mode]
        with self.lock:
            endpoint = store.by_id["webhook_endpoints"].get(endpoint_id)
            payload = self._payloads.get((event_id, endpoint_id), b"")
            secret = self.endpoint_secrets.get(endpoint_id)
        if endpoint is None:
            return
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Accept": "*/*; q=0.5, application/xml",
            "Cache-Control": "no-cache",
        }
        if secret is not None:
            headers["Stripe-Signature"] = sign(payload, secret, int(time.time()))
        status: int | None = None
        error: str | None = None
        request = urllib.request.Request(endpoint["url"], payload, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_S) as answer:
                status = int(answer.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = type(exc).__name__
        ok = status is not None and 200 <= status < 300
        with self.lock:
            event = store.by_id["events"].get(event_id)
            if event is None:
                return
            self.deliveries.append(
                Delivery(event_id, event["type"], endpoint_id, attempt, status, error, time.time())
            )
            if ok:
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
                if event["pending_webhooks"] == 0:
                    store.hidden["events"][event_id]["delivery_success"] = True
                self._payloads.pop((event_id, endpoint_id), None)
            elif attempt <= len(self.retry_delays):
                self._schedule(
                    self.retry_delays[attempt - 1],
                    event_id,
                    endpoint_id,
                    mode,
                    attempt + 1,
                    payload,
                )

    # -- customers and payment methods ---------------------------------------------------
    def _create_customer(self, p: JsonObject, store: ModeStore) -> JsonObject:
        clock = p.get("test_clock")
        if clock is not None:
            self._find("test_clocks", clock, "test_clock")
        customer = self._put(
            "customers",
            {
                "id": _id("cus_"),
                "object": "customer",
                "address": None,
                "balance": 0,
                "created": int(time.time()),
                "currency": None,
                "default_source": None,
                "delinquent": False,
                "description": p.get("description"),
                "email": p.get("email"),
                "invoice_prefix": secrets.token_hex(4).upper(),
                "invoice_settings": {
                    "custom_fields": None,
                    "default_payment_method": None,
                    "footer": None,
                    "rendering_options": None,
                },
                "livemode": False,
                "metadata": _metadata(p),
                "name": p.get("name"),
                "phone": None,
                "preferred_locales": [],
                "shipping": None,
                "tax_exempt": "none",
                "test_clock": clock,
            },
        )
        if p.get("payment_method"):
            self._attach(p["payment_method"], {"customer": customer["id"]}, store)
        if isinstance(p.get("invoice_settings"), dict):
            self._update_customer(
                customer["id"], {"invoice_settings": p["invoice_settings"]}, store
            )
        self._event(store, "customer.created", customer)
        return copy.deepcopy(customer)

    def _update_customer(self, customer_id: str, p: JsonObject, store: ModeStore) -> JsonObject:
        customer = self._find("customers", customer_id)
        previous: JsonObject = {}
        for name in ("email", "name", "description"):
            if name in p:
                previous[name] = customer[name]
                customer[name] = p[name] or None
        if "metadata" in p:
            previous["metadata"] = dict(customer["metadata"])
            customer["metadata"].update(_metadata(p))
        settings = p.get("invoice_settings")
        if isinstance(settings, dict) and "default_payment_method" in settings:
            pm_id = settings["default_payment_method"] or None
            if pm_id is not None:
                pm = self._resolve_pm(pm_id, "invoice_settings[default_payment_method]")
                if pm["customer"] != customer_id:
                    raise ApiError(
                        400,
                        f"The customer does not have a payment method with the ID {pm_id}. The "
                        "payment method must be attached to the customer.",
                        param="invoice_settings[default_payment_method]",
                    )
            previous["invoice_settings"] = copy.deepcopy(customer["invoice_settings"])
            customer["invoice_settings"]["default_payment_method"] = pm_id
        self._event(store, "customer.updated", customer, previous)
        return copy.deepcopy(customer)

    def _delete_customer(self, customer_id: str, store: ModeStore) -> JsonObject:
        customer = self._find("customers", customer_id)
        for sub in list(self.objects.get("subscriptions", {}).values()):
            if sub["customer"] == customer_id and sub["status"] != "canceled":
                self._cancel_subscription(sub["id"], store)
        customer["deleted"] = True
        self._event(store, "customer.deleted", customer)
        return {"id": customer_id, "object": "customer", "deleted": True}

    def _resolve_pm(self, pm_id: str, param: str) -> JsonObject:
        pm = self.objects.get("payment_methods", {}).get(pm_id)
        if pm is None:
            raise ApiError(
                404, f"No such PaymentMethod: '{pm_id}'", code="resource_missing", param=param
            )
        return pm

    def _new_pm(self, token: str, param: str) -> JsonObject:
        if token not in TEST_CARDS:
            raise ApiError(
                404, f"No such PaymentMethod: '{token}'", code="resource_missing", param=param
            )
        brand, last4, behaviour = TEST_CARDS[token]
        return self._put(
            "payment_methods",
            {
                "id": _id("pm_"),
                "object": "payment_method",
                "allow_redisplay": "unspecified",
                "billing_details": {
                    "address": dict.fromkeys(
                        ("city", "country", "line1", "line2", "postal_code", "state")
                    ),
                    "email": None,
                    "name": None,
                    "phone": None,
                    "tax_id": None,
                },
                "card": {
                    "brand": brand,
                    "checks": {
                        "address_line1_check": None,
                        "address_postal_code_check": None,
                        "cvc_check": "unchecked",
                    },
                    "country": "US",
                    "display_brand": brand,
                    "exp_month": 12,
                    "exp_year": 2034,
                    "fingerprint": hashlib.sha256(token.encode()).hexdigest()[:16],
                    "funding": "credit",
                    "generated_from": None,
                    "last4": last4,
                    "networks": {"available": [brand], "preferred": None},
                    "regulated_status": "unregulated",
                    "three_d_secure_usage": {"supported": True},
                    "wallet": None,
                },
                "created": int(time.time()),
                "customer": None,
                "livemode": False,
                "metadata": {},
                "type": "card",
                "_behaviour": behaviour,
            },
        )

    def _attach(self, pm_id: str, p: JsonObject, store: ModeStore) -> JsonObject:
        customer_id = p.get("customer")
        if not customer_id:
            raise ApiError(400, "Missing required param: customer.", param="customer")
        self._find("customers", customer_id, "customer")
        pm = self.objects.get("payment_methods", {}).get(pm_id) or self._new_pm(pm_id, "id")
        if pm["_behaviour"] == "decline":
            raise _card_declined(None)
        pm["customer"] = customer_id
        self._event(store, "payment_method.attached", _public(pm))
        return _public(pm)

    def _detach(self, pm_id: str, store: ModeStore) -> JsonObject:
        pm = self._resolve_pm(pm_id, "id")
        pm["customer"] = None
        self._event(store, "payment_method.detached", _public(pm))
        return _public(pm)

    # -- payments ------------------------------------------------------------------------
    def _charge(
        self,
        store: ModeStore,
        amount: int,
        currency: str,
        customer_id: str | None,
        pm: JsonObject,
        payment_intent: str,
        metadata: Mapping[str, str],
        description: str | None = None,
    ) -> JsonObject:
        """A charge by the payment method's test behaviour, with its events and effects."""
        behaviour = pm["_behaviour"]
        failed = behaviour in ("fail", "decline")
        created = self._now(customer_id)
        charge = charge_template()
        charge.update(
            {
                "id": _id("ch_"),
                "amount": amount,
                "amount_captured": 0 if failed else amount,
                "captured": not failed,
                "created": created,
                "currency": currency,
                "customer": customer_id,
                "description": description,
                "metadata": dict(metadata),
                "paid": not failed,
                "payment_intent": payment_intent,
                "payment_method": pm["id"],
                "status": "failed" if failed else "succeeded",
            }
        )
        card = charge["payment_method_details"]["card"]
        card.update({"brand": pm["card"]["brand"], "last4": pm["card"]["last4"]})
        card["amount_authorized"] = None if failed else amount
        card["fingerprint"] = pm["card"]["fingerprint"]
        charge["refunds"] = {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/charges/{charge['id']}/refunds",
        }
        if failed:
            charge["failure_code"] = "card_declined"
            charge["failure_message"] = "Your card was declined."
            charge["outcome"].update(
                {
                    "network_status": "declined_by_network",
                    "reason": "generic_decline",
                    "seller_message": "The bank did not return any further details with "
                    "this decline.",
                    "type": "issuer_declined",
                }
            )
        self._store_add(store, "charges", charge)
        self._event(store, "charge.failed" if failed else "charge.succeeded", charge, None, created)
        if behaviour == "dispute":
            self._later(self.async_delay_s, lambda: self._open_dispute(store, charge["id"]))
        elif behaviour == "efw":
            self._later(self.async_delay_s, lambda: self._open_efw(store, charge["id"]))
        return charge

    def _open_dispute(self, store: ModeStore, charge_id: str) -> None:
        charge = store.by_id["charges"][charge_id]
        dispute = dispute_template()
        now = int(time.time())
        dispute.update(
            {
                "id": _id("dp_"),
                "amount": charge["amount"],
                "charge": charge_id,
                "created": now,
                "currency": charge["currency"],
                "payment_intent": charge["payment_intent"],
                "metadata": {},
            }
        )
        dispute["evidence_details"]["due_by"] = now + 7 * 86400
        charge["disputed"] = True
        self._store_add(store, "disputes", dispute)
        self._event(store, "charge.dispute.created", dispute)

    def _open_efw(self, store: ModeStore, charge_id: str) -> None:
        charge = store.by_id["charges"][charge_id]
        efw = early_fraud_warning_template()
        efw.update(
            {
                "id": _id("issfr_"),
                "actionable": True,
                "charge": charge_id,
                "created": int(time.time()),
                "fraud_type": "made_with_stolen_card",
                "payment_intent": charge["payment_intent"],
            }
        )
        self._store_add(store, "early_fraud_warnings", efw)
        self._event(store, "radar.early_fraud_warning.created", efw)

    def _payment_method_for(
        self, p: JsonObject, customer_id: str | None, param: str = "payment_method"
    ) -> JsonObject:
        pm_id = p.get(param)
        if not pm_id:
            raise ApiError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        pm = self.objects.get("payment_methods", {}).get(pm_id)
        if pm is None:
            pm = self._new_pm(pm_id, param)
            pm["customer"] = customer_id
        return pm

    def _create_payment_intent(self, p: JsonObject, store: ModeStore) -> JsonObject:
        amount = _amount(p, "amount")
        currency = str(p.get("currency") or "")
        if not currency:
            raise ApiError(400, "Missing required param: currency.", param="currency")
        customer_id = p.get("customer")
        if customer_id:
            self._find("customers", customer_id, "customer")
        pi = self._put(
            "payment_intents",
            {
                "id": _id("pi_"),
                "object": "payment_intent",
                "amount": amount,
                "amount_received": 0,
                "capture_method": "automatic",
                "client_secret": None,
                "confirmation_method": "automatic",
                "created": int(time.time()),
                "currency": currency,
                "customer": customer_id,
                "description": p.get("description"),
                "last_payment_error": None,
                "latest_charge": None,
                "livemode": False,
                "metadata": _metadata(p),
                "payment_method": None,
                "payment_method_types": ["card"],
                "status": "requires_payment_method",
            },
        )
        pi["client_secret"] = f"{pi['id']}_secret_{secrets.token_hex(8)}"
        self._event(store, "payment_intent.created", pi)
        if p.get("payment_method"):
            pm = self._payment_method_for(p, customer_id)
            pi["payment_method"] = pm["id"]
            pi["status"] = "requires_confirmation"
            if _flag(p, "confirm"):
                charge = self._charge(
                    store, amount, currency, customer_id, pm, pi["id"], pi["metadata"]
                )
                pi["latest_charge"] = charge["id"]
                if charge["status"] == "succeeded":
                    pi["status"] = "succeeded"
                    pi["amount_received"] = amount
                    self._event(store, "payment_intent.succeeded", pi)
                else:
                    pi["status"] = "requires_payment_method"
                    pi["last_payment_error"] = _decline_body(charge["id"])
                    self._event(store, "payment_intent.payment_failed", pi)
                    raise _card_declined(charge["id"], copy.deepcopy(pi))
        return copy.deepcopy(pi)

    def _create_refund(self, p: JsonObject, store: ModeStore) -> JsonObject:
        charge_id = p.get("charge")
        if not charge_id and p.get("payment_intent"):
            pi = self._find("payment_intents", p["payment_intent"], "payment_intent")
            charge_id = pi["latest_charge"]
        if not charge_id:
            raise ApiError(
                400,
                "One of the following params should be provided for this "
                "request: payment_intent or charge.",
            )
        charge = store.by_id["charges"].get(charge_id)
        if charge is None:
            raise ApiError(
                404, f"No such charge: '{charge_id}'", code="resource_missing", param="charge"
            )
        left = charge["amount"] - charge["amount_refunded"]
        amount = _amount(p, "amount") if "amount" in p else left
        if charge["status"] != "succeeded" or amount > left or amount <= 0:
            raise ApiError(
                400,
                f"Charge {charge_id} has already been refunded."
                if left == 0
                else f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({left})",
                code="charge_already_refunded" if left == 0 else "amount_too_large",
                param="amount",
            )
        refund = self._put(
            "refunds",
            {
                "id": _id("re_"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": None,
                "charge": charge_id,
                "created": int(time.time()),
                "currency": charge["currency"],
                "destination_details": {"card": {"type": "refund"}, "type": "card"},
                "metadata": _metadata(p),
                "payment_intent": charge["payment_intent"],
                "reason": p.get("reason"),
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": "succeeded",
                "transfer_reversal": None,
            },
        )
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        self._event(store, "refund.created", refund)
        self._event(store, "charge.refunded", charge, previous)
        if charge["refunded"]:
            for efw in store.objects["early_fraud_warnings"]:
                if efw["charge"] == charge_id and efw["actionable"]:
                    efw["actionable"] = False
                    self._event(
                        store, "radar.early_fraud_warning.updated", efw, {"actionable": True}
                    )
        return copy.deepcopy(refund)

    # -- disputes ------------------------------------------------------------------------
    def _dispute(self, store: ModeStore, dispute_id: str) -> JsonObject:
        dispute = store.by_id["disputes"].get(dispute_id)
        if dispute is None:
            raise ApiError(
                404, f"No such dispute: '{dispute_id}'", code="resource_missing", param="dispute"
            )
        return dispute

    def _update_dispute(self, dispute_id: str, p: JsonObject, store: ModeStore) -> JsonObject:
        dispute = self._dispute(store, dispute_id)
        if dispute["status"] in ("won", "lost", "warning_closed"):
            raise ApiError(
                400,
                f"This dispute is already closed; its status is {dispute['status']}.",
            )
        previous: JsonObject = {}
        evidence = p.get("evidence") or {}
        if not isinstance(evidence, dict):
            raise ApiError(400, "Invalid object", param="evidence")
        for name, value in evidence.items():
            if name not in dispute["evidence"]:
                raise ApiError(
                    400, f"Received unknown parameter: evidence[{name}]", param=f"evidence[{name}]"
                )
            previous.setdefault("evidence", {})[name] = dispute["evidence"][name]
            dispute["evidence"][name] = value
        if evidence:
            dispute["evidence_details"]["has_evidence"] = True
        if "metadata" in p:
            dispute["metadata"].update(_metadata(p))
        if _flag(p, "submit"):
            previous["status"] = dispute["status"]
            dispute["status"] = "under_review"
            dispute["evidence_details"]["submission_count"] += 1
        self._event(store, "charge.dispute.updated", dispute, previous)
        return copy.deepcopy(dispute)

    def _close_dispute(self, dispute_id: str, store: ModeStore) -> JsonObject:
        dispute = self._dispute(store, dispute_id)
        previous = {"status": dispute["status"]}
        dispute["status"] = "lost"
        self._event(store, "charge.dispute.closed", dispute, previous)
        return copy.deepcopy(dispute)

    # -- subscriptions and invoices ------------------------------------------------------
    def _create_subscription(self, p: JsonObject, store: ModeStore) -> JsonObject:
        customer_id = p.get("customer")
        if not customer_id:
            raise ApiError(400, "Missing required param: customer.", param="customer")
        customer = self._find("customers", customer_id, "customer")
        items = p.get("items")
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise ApiError(400, "Missing required param: items.", param="items")
        price_id = items[0].get("price")
        price = store.by_id["prices"].get(price_id or "")
        if price is None:
            raise ApiError(
                404,
                f"No such price: '{price_id}'",
                code="resource_missing",
                param="items[0][price]",
            )
        if not price["active"]:
            raise ApiError(
                400,
                "The price specified is inactive. This field only accepts active prices.",
                param="items[0][price]",
            )
        if price.get("recurring") is None:
            raise ApiError(
                400,
                "The price specified is set to `type=one_time` but this field only accepts "
                "prices with `type=recurring`.",
                param="items[0][price]",
            )
        behaviour = p.get("payment_behavior", "allow_incomplete")
        pm_id = p.get("default_payment_method")
        if pm_id:
            pm = self._resolve_pm(pm_id, "default_payment_method")
            if pm["customer"] != customer_id:
                raise ApiError(
                    400,
                    f"The customer does not have a payment method with the ID {pm_id}.",
                    param="default_payment_method",
                )
        now = self._now(customer_id)
        sub_id = _id("sub_")
        start, end = now, now + _period_seconds(price)
        sub = self._put(
            "subscriptions",
            {
                "id": sub_id,
                "object": "subscription",
                "application": None,
                "billing_cycle_anchor": now,
                "cancel_at": None,
                "cancel_at_period_end": False,
                "canceled_at": None,
                "collection_method": "charge_automatically",
                "created": now,
                "currency": price["currency"],
                "customer": customer_id,
                "default_payment_method": pm_id or None,
                "description": None,
                "ended_at": None,
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": _id("si_"),
                            "object": "subscription_item",
                            "created": now,
                            "current_period_end": end,
                            "current_period_start": start,
                            "metadata": {},
                            "price": copy.deepcopy(price),
                            "quantity": int(items[0].get("quantity", 1)),
                            "subscription": sub_id,
                        }
                    ],
                    "has_more": False,
                    "url": f"/v1/subscription_items?subscription={sub_id}",
                },
                "latest_invoice": None,
                "livemode": False,
                "metadata": _metadata(p),
                "start_date": now,
                "status": "incomplete",
                "test_clock": customer.get("test_clock"),
            },
        )
        invoice = self._invoice(store, sub, price, "subscription_create", start, end)
        if self._pay_invoice(store, sub, invoice):
            sub["status"] = "active"
        elif behaviour == "error_if_incomplete":
            sub["status"] = "incomplete_expired"
            raise _card_declined(invoice.get("_charge"))
        self._event(store, "customer.subscription.created", sub, None, now)
        return _public(sub)

    def _invoice(
        self,
        store: ModeStore,
        sub: JsonObject,
        price: JsonObject,
        reason: str,
        start: int,
        end: int,
    ) -> JsonObject:
        customer = self._find("customers", sub["customer"])
        amount = int(price["unit_amount"] or 0) * int(sub["items"]["data"][0]["quantity"])
        number = len(self.objects.get("invoices", {})) + 1
        invoice = self._put(
            "invoices",
            {
                "id": _id("in_"),
                "object": "invoice",
                "account_country": "US",
                "amount_due": amount,
                "amount_paid": 0,
                "amount_remaining": amount,
                "attempt_count": 0,
                "attempted": False,
                "auto_advance": True,
                "billing_reason": reason,
                "collection_method": "charge_automatically",
                "created": start,
                "currency": price["currency"],
                "customer": customer["id"],
                "customer_email": customer["email"],
                "customer_name": customer["name"],
                "hosted_invoice_url": None,
                "lines": {
                    "object": "list",
                    "data": [
                        {
                            "id": _id("il_"),
                            "object": "line_item",
                            "amount": amount,
                            "currency": price["currency"],
                            "period": {"end": end, "start": start},
                            "pricing": {
                                "price_details": {
                                    "price": price["id"],
                                    "product": price["product"],
                                },
                                "type": "price_details",
                                "unit_amount_decimal": str(price["unit_amount"]),
                            },
                            "quantity": sub["items"]["data"][0]["quantity"],
                        }
                    ],
                    "has_more": False,
                    "url": "/v1/invoices/upcoming/lines",
                },
                "livemode": False,
                "metadata": {},
                "next_payment_attempt": None,
                "number": f"{customer['invoice_prefix']}-{number:04d}",
                "parent": {
                    "quote_details": None,
                    "subscription_details": {
                        "metadata": dict(sub["metadata"]),
                        "subscription": sub["id"],
                    },
                    "type": "subscription_details",
                },
                "period_end": start,
                "period_start": start,
                "status": "open",
                "subtotal": amount,
                "test_clock": sub["test_clock"],
                "total": amount,
            },
        )
        sub["latest_invoice"] = invoice["id"]
        self._event(store, "invoice.created", _public(invoice), None, start)
        self._event(store, "invoice.finalized", _public(invoice), None, start)
        return invoice

    def _pay_invoice(self, store: ModeStore, sub: JsonObject, invoice: JsonObject) -> bool:
        customer = self._find("customers", sub["customer"])
        pm_id = (
            sub["default_payment_method"] or customer["invoice_settings"]["default_payment_method"]
        )
        now = int(invoice["created"])
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        pm = self.objects.get("payment_methods", {}).get(pm_id or "")
        charge: JsonObject | None = None
        if pm is not None:
            charge = self._charge(
                store,
                invoice["amount_due"],
                invoice["currency"],
                customer["id"],
                pm,
                _id("pi_"),
                {},
                "Subscription creation"
                if invoice["billing_reason"] == "subscription_create"
                else "Subscription update",
            )
            invoice["_charge"] = charge["id"]
        if charge is not None and charge["status"] == "succeeded":
            invoice.update(
                {"amount_paid": invoice["amount_due"], "amount_remaining": 0, "status": "paid"}
            )
            self._event(store, "invoice.paid", _public(invoice), None, now)
            self._event(store, "invoice.payment_succeeded", _public(invoice), None, now)
            return True
        invoice["next_payment_attempt"] = now + 3 * 86400
        self._event(store, "invoice.payment_failed", _public(invoice), None, now)
        return False

    def _update_subscription(self, sub_id: str, p: JsonObject, store: ModeStore) -> JsonObject:
        sub = self._find("subscriptions", sub_id)
        previous: JsonObject = {}
        if "metadata" in p:
            previous["metadata"] = dict(sub["metadata"])
            sub["metadata"].update(_metadata(p))
        if "default_payment_method" in p:
            pm_id = p["default_payment_method"] or None
            if pm_id:
                self._resolve_pm(pm_id, "default_payment_method")
            previous["default_payment_method"] = sub["default_payment_method"]
            sub["default_payment_method"] = pm_id
        if "cancel_at_period_end" in p:
            previous["cancel_at_period_end"] = sub["cancel_at_period_end"]
            sub["cancel_at_period_end"] = _flag(p, "cancel_at_period_end")
        self._event(store, "customer.subscription.updated", sub, previous)
        return _public(sub)

    def _cancel_subscription(self, sub_id: str, store: ModeStore) -> JsonObject:
        sub = self._find("subscriptions", sub_id)
        if sub["status"] == "canceled":
            raise ApiError(
                404,
                f"No such subscription: '{sub_id}'",
                code="resource_missing",
                param="id",
            )
        now = self._now(sub["customer"])
        sub.update({"status": "canceled", "canceled_at": now, "ended_at": now})
        self._event(store, "customer.subscription.deleted", sub, None, now)
        return _public(sub)

    def _renew(self, store: ModeStore, sub: JsonObject, frozen: int) -> None:
        """Bill every period of `sub` that ended by `frozen` (a test clock's advance)."""
        item = sub["items"]["data"][0]
        while sub["status"] in ("active", "past_due") and item["current_period_end"] <= frozen:
            start = item["current_period_end"]
            end = start + _period_seconds(item["price"])
            previous = {
                "items": copy.deepcopy(sub["items"]),
                "latest_invoice": sub["latest_invoice"],
            }
            item.update({"current_period_start": start, "current_period_end": end})
            invoice = self._invoice(store, sub, item["price"], "subscription_cycle", start, end)
            if self._pay_invoice(store, sub, invoice):
                if sub["status"] != "active":
                    previous["status"] = sub["status"]
                    sub["status"] = "active"
            else:
                previous["status"] = sub["status"]
                sub["status"] = "past_due"
            self._event(store, "customer.subscription.updated", sub, previous, start)
            if sub["status"] == "past_due":
                return

    # -- checkout, test clocks, endpoints -------------------------------------------------
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
