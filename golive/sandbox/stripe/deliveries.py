"""The Stripe sandbox's events and webhook deliveries: an event for each change, delivered to
every enabled endpoint subscribed to its type with Stripe's signature, retried with backoff.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from golive.sandbox.stripe.state import ModeStore
from golive.sandbox.stripe.templates import (
    DEFAULT_API_VERSION,
    JsonObject,
)
from golive.sandbox.stripe.write_store import (
    Delivery,
    WriteStore,
    _id,
    _public,
)

DELIVERY_TIMEOUT_S = 5.0


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header Stripe sends: `t=...,v1=...`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Deliveries(WriteStore):
    """Events of every change and their signed deliveries to the enabled endpoints."""

    def set_endpoint_secret(self, endpoint_id: str, secret: str) -> None:
        """The signing secret of an endpoint of the state file (Stripe shows it once)."""
        with self.lock:
            self.endpoint_secrets[endpoint_id] = secret

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
                    if not self._queue and not self.serving():
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
        store = self.state.modes[mode]
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
