"""The reference app's HTTP vocabulary: requests, responses, errors, the per-user rate
limiter, and Stripe's webhook signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


JsonObject = dict[str, Any]


class HttpError(Exception):
    """An error answer: status, JSON detail, extra headers."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    client: str


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Response:
        return cls(status, json.dumps(data).encode(), headers=headers)


@dataclass(frozen=True)
class LoggedRequest:
    """One request the app answered (never its headers: they hold tokens)."""

    method: str
    path: str
    status: int
    user: str | None


class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one hit; None if allowed, else the seconds until the next is."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window - now
            hits.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


def _not_found() -> Response:
    raise HttpError(404, "Not Found")


def _json_body(request: Request) -> JsonObject:
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HttpError(400, "Invalid JSON body") from None
    if not isinstance(body, dict):
        raise HttpError(400, "Expected a JSON object")
    return body


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value for `payload`, as Stripe computes it."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_signature(
    payload: bytes, header: str | None, secret: str, tolerance: int | None
) -> None:
    """Raise HttpError(400) unless `header` signs `payload` with `secret` (Stripe's scheme:
    `t=TIMESTAMP,v1=HEX(HMAC-SHA256(secret, "TIMESTAMP." + payload))`)."""
    if not header:
        raise HttpError(400, "Missing Stripe-Signature header")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise HttpError(400, "Unable to extract timestamp and signatures from header")
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise HttpError(400, "No signatures found matching the expected signature for payload")
    if tolerance is not None and abs(time.time() - timestamp) > tolerance:
        raise HttpError(400, "Timestamp outside the tolerance zone")
