"""The Stripe client's pacing: at most `max_rps` requests in any one-second window over
all threads (`RateCap`), what one client did (`RequestStats`), and one request for many
identical concurrent GETs (`SingleFlight`)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: (body, status, headers): one answer, as the SDK's HTTP client returns it
Response = tuple[Any, int, Mapping[str, str]]


def replayable(status: int) -> bool:
    """Whether an answer may be given again from memory (not a 5xx, 409 or 429)."""
    return status < 500 and status not in (409, 429)


@dataclass
class RequestStats:
    """What one client did: requests sent (each attempt), answers from memory, refusals."""

    sent: int = 0
    cache_hits: int = 0
    refused: int = 0
    retries: int = 0
    waited_s: float = 0.0  # time spent waiting for the rate cap
    statuses: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, status: int | None, waited: float) -> None:
        with self._lock:
            self.sent += 1
            self.waited_s += waited
            if status is not None:
                self.statuses[status] = self.statuses.get(status, 0) + 1

    def bump(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)


#: the cap keeps this share of `max_rps` in any window, as margin for network jitter
RATE_MARGIN = 0.9
#: the window the cap counts in, a little over a second so that jitter on the way cannot
#: put more requests into any one-second window at Stripe's end
RATE_WINDOW_S = 1.05


class RateCap:
    """At most `rate` requests per second, in every window, across all threads.

    Two rules: requests are spaced at least `1/rate` apart, and no window of
    `RATE_WINDOW_S` holds more than `RATE_MARGIN * rate` of them. A plain token bucket
    lets `rate + 1` through in some one-second windows (it starts full and refills while
    the first goes out); the window log cannot. Each caller reserves the next free slot
    under the lock and sleeps outside it, so waiting is first come, first served.
    """

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.limit = max(1, int(rate * RATE_MARGIN))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: deque[float] = deque(maxlen=self.limit)

    def acquire(self) -> float:
        """Wait for the next free slot. Returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = now
            if self._slots:
                slot = max(slot, self._slots[-1] + 1.0 / self.rate)
            if len(self._slots) == self.limit:
                slot = max(slot, self._slots[0] + RATE_WINDOW_S)
            self._slots.append(slot)
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return max(0.0, wait)


class SingleFlight:
    """Remembers answers to identical GETs; concurrent twins wait for the first one.

    Only answers that would be the same next time are kept (2xx and 4xx but 409/429):
    a 5xx or 429 is retried by whoever asks next.
    """

    def __init__(self, stats: RequestStats) -> None:
        self._stats = stats
        self._lock = threading.Lock()
        self._done: dict[tuple[str, ...], Response] = {}
        self._flying: dict[tuple[str, ...], threading.Event] = {}

    def get(self, key: tuple[str, ...], fetch: Callable[[], Response]) -> Response:
        while True:
            with self._lock:
                if key in self._done:
                    self._stats.bump("cache_hits")
                    return self._done[key]
                event = self._flying.get(key)
                if event is None:
                    event = self._flying[key] = threading.Event()
                    break
            event.wait()  # then loop: answered from memory, or ask ourselves
        try:
            response = fetch()
            if replayable(response[1]):
                with self._lock:
                    self._done[key] = response
            return response
        finally:
            with self._lock:
                self._flying.pop(key, None)
            event.set()
