"""The Stripe client golive probes with: read-only by construction, rate-capped, retrying.

`build_client` gives the official SDK's `StripeClient` an HTTP client of golive's own (a
subclass of the SDK's `HTTPXClient`) that:

- refuses every method but GET before anything leaves the process, so no bug in a probe
  can change a live account (`WriteRefused`);
- sends at most `max_rps` requests in any one-second window, whatever the number of
  probe threads (one `RateCap` per client, and the runner shares one client per key);
- retries 429s (the SDK alone does not), 5xx and connection errors with exponential
  backoff, up to `max_retries`, and respects Stripe's `Stripe-Should-Retry` header;
- answers a GET it has already made in this run from memory: several checklist items
  reading the same object (the webhook endpoints, a price under two keys) cost one
  request, and concurrent identical requests wait for the first one (single flight);
- counts what it sends (`request_stats`), for the benchmark and the tests.

Helpers below turn the SDK's exceptions into `ProbeError` (the item is `error`, never a
wrong pass) with Stripe's message, any echo of the key replaced by its mask.

The rate cap and single flight are in stripe_rate.py; the key's mode in stripe_mode.py.

`stripe` is imported inside functions only: `golive --help` must not pay for it.
"""

from __future__ import annotations

import random
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from golive.core import stripe_keys
from golive.core.errors import ProbeError
from golive.core.secrets import mask
from golive.engine.stripe_rate import RateCap, RequestStats, Response, SingleFlight

if TYPE_CHECKING:
    import stripe
    from stripe import ListObject, StripeError, StripeObject
    from stripe._base_address import BaseAddresses

    from golive.checklist.profiles import StripeSettings

T = TypeVar("T", bound="StripeObject")

#: first retry waits about this long (halved to doubled by jitter), then doubling
BACKOFF_INITIAL_S = 0.5
#: no retry waits longer than this
BACKOFF_MAX_S = 5.0
#: how many objects one list request asks for: Stripe's maximum
PAGE_SIZE = 100

_KEY_ECHO = stripe_keys.ECHO_IN_TEXT


class WriteRefused(RuntimeError):
    """golive's Stripe client only reads: a request other than GET is never sent."""


def _refuse_unless_get(method: str, url: str, stats: RequestStats) -> None:
    if method.upper() != "GET":
        stats.bump("refused")
        path = url.split("?", 1)[0]
        raise WriteRefused(
            f"golive's Stripe client is read-only: refused {method.upper()} {path} "
            "before sending it"
        )


def _backoff_seconds(num_retries: int) -> float:
    base = min(BACKOFF_INITIAL_S * 2.0 ** max(0, num_retries - 1), BACKOFF_MAX_S)
    return base * random.uniform(0.5, 1.0)  # jitter, not cryptography


@cache
def _client_class() -> type[stripe.HTTPXClient]:
    """The read-only HTTP client class, made on first use so that `stripe` loads late."""
    import stripe

    class ReadOnlyHTTPClient(stripe.HTTPXClient):
        """The SDK's httpx client, GET-only, rate-capped, retrying 429s, single-flight."""

        name = "golive-read-only"

        def __init__(self, *, timeout: float, max_rps: float) -> None:
            super().__init__(timeout=timeout, allow_sync_methods=True)
            self.stats = RequestStats()
            self._bucket = RateCap(max_rps)
            self._flight = SingleFlight(self.stats)

        # The SDK's own classes disagree on this signature (str vs bytes content):
        # this matches the base class, which is what the SDK calls.
        def request(  # type: ignore[override]
            self,
            method: str,
            url: str,
            headers: Mapping[str, str] | None,
            post_data: Any = None,
            *,
            _usage: list[str] | None = None,
        ) -> tuple[bytes, int, Mapping[str, str]]:
            _refuse_unless_get(method, url, self.stats)
            sent = headers or {}
            key = (
                url,
                sent.get("Authorization", ""),
                sent.get("Stripe-Account", ""),
                sent.get("Stripe-Version", ""),
            )
            content, status, rheaders = self._flight.get(
                key, lambda: self._send(method, url, sent, post_data)
            )
            return content, status, rheaders

        def _send(
            self, method: str, url: str, headers: Mapping[str, str], post_data: Any
        ) -> Response:
            waited = self._bucket.acquire()
            try:
                response: Response = super().request(method, url, headers, post_data)
            except stripe.APIConnectionError:
                self.stats.record(None, waited)
                raise
            self.stats.record(response[1], waited)
            return response

        def request_stream(
            self,
            method: str,
            url: str,
            headers: Mapping[str, str] | None,
            post_data: Any = None,
            *,
            _usage: list[str] | None = None,
        ) -> tuple[Any, int, Mapping[str, str]]:
            _refuse_unless_get(method, url, self.stats)
            waited = self._bucket.acquire()
            response = super().request_stream(method, url, headers or {}, post_data)
            self.stats.record(response[1], waited)
            return response

        async def request_async(
            self,
            method: str,
            url: str,
            headers: Mapping[str, str],
            post_data: Any = None,
        ) -> tuple[bytes, int, Mapping[str, str]]:
            # golive never calls Stripe asynchronously: refuse rather than bypass the cap.
            raise WriteRefused("golive's Stripe client is synchronous only")

        async def request_stream_async(
            self,
            method: str,
            url: str,
            headers: Mapping[str, str],
            post_data: Any = None,
        ) -> tuple[Any, int, Mapping[str, str]]:
            raise WriteRefused("golive's Stripe client is synchronous only")

        def _should_retry(
            self,
            response: tuple[Any, int, Mapping[str, str] | None] | None,
            api_connection_error: stripe.APIConnectionError | None,
            num_retries: int,
            max_network_retries: int | None,
        ) -> bool:
            retry = self._decide_retry(
                response, api_connection_error, num_retries, max_network_retries
            )
            if retry:
                self.stats.bump("retries")
            return retry

        def _decide_retry(
            self,
            response: tuple[Any, int, Mapping[str, str] | None] | None,
            api_connection_error: stripe.APIConnectionError | None,
            num_retries: int,
            max_network_retries: int | None,
        ) -> bool:
            if response is not None and num_retries < (max_network_retries or 0):
                _, status, rheaders = response
                advice = (rheaders or {}).get("stripe-should-retry")
                # Stripe's rate limiter answers 429: back off and try again, unless
                # Stripe says that would be pointless.
                if status == 429 and advice != "false":
                    return True
            return bool(
                super()._should_retry(
                    response, api_connection_error, num_retries, max_network_retries
                )
            )

        def _sleep_time_seconds(self, num_retries: int) -> float:
            return _backoff_seconds(num_retries)

    return ReadOnlyHTTPClient


_HTTP: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def build_client(api_key: str, settings: StripeSettings) -> stripe.StripeClient:
    """A read-only, rate-capped, retrying `StripeClient` for one API key."""
    import stripe

    http = _client_class()(timeout=settings.timeout, max_rps=settings.max_rps)
    bases: BaseAddresses | None = None
    if settings.api_base:
        bases = {"api": settings.api_base.rstrip("/")}
    client = stripe.StripeClient(
        api_key,
        http_client=http,
        max_network_retries=settings.max_retries,
        base_addresses=bases,
    )
    _HTTP[client] = http
    return client


def request_stats(client: stripe.StripeClient) -> RequestStats:
    """What a client built by `build_client` has sent so far."""
    stats: RequestStats = _HTTP[client].stats
    return stats


def close_client(client: stripe.StripeClient) -> None:
    """Close the connections of a client built by `build_client` (at the end of a run)."""
    http = _HTTP.pop(client, None)
    if http is not None:
        http.close()


# -- for probes ------------------------------------------------------------------------


def clean_message(exc: StripeError, api_key: str) -> str:
    """Stripe's message without the request id, any echo of a key replaced by the mask."""
    message = exc.user_message or type(exc).__name__
    return _KEY_ECHO.sub(lambda _: mask(api_key), str(message)).strip()


def describe(exc: StripeError, api_key: str) -> str:
    """Why a Stripe call could not be decided, for an `error` result."""
    import stripe

    message = clean_message(exc, api_key)
    status = exc.http_status
    if isinstance(exc, stripe.APIConnectionError):
        return f"could not reach Stripe: {_connection_cause(exc)}"
    if isinstance(exc, stripe.RateLimitError):
        return f"Stripe kept answering 429 (rate limited) after the retries allowed: {message}"
    if isinstance(exc, stripe.AuthenticationError):
        return f"Stripe refused the API key ({status}): {message}"
    if isinstance(exc, stripe.PermissionError):
        return f"the API key may not read this ({status}): {message}"
    if status is not None and status >= 500:
        return f"Stripe answered {status} after the retries allowed: {message}"
    return f"Stripe answered {status}: {message}"


def _connection_cause(exc: StripeError) -> str:
    cause = exc.__cause__
    if cause is None:
        return "connection failed"
    name = type(cause).__name__
    detail = str(cause).strip().splitlines()[0][:200] if str(cause).strip() else ""
    # A TLS failure surfaces as a ConnectError too: "refused" would send the reader to
    # the wrong layer, so name the certificate or handshake problem instead.
    if "SSL" in name or "SSL" in detail or "certificate" in detail.lower():
        return f"TLS failed ({name}: {detail})"
    if "Timeout" in name:
        return f"timed out ({name})"
    if "Connect" in name:
        return f"connection refused or unreachable ({name})"
    return name


@contextmanager
def stripe_errors(api_key: str, doing: str) -> Iterator[None]:
    """Turn any SDK error inside into `ProbeError`: the item cannot be decided."""
    import stripe

    try:
        yield
    except stripe.StripeError as exc:
        raise ProbeError(f"{doing}: {describe(exc, api_key)}") from None


def pages(
    list_page: Callable[[dict[str, Any]], ListObject[T]],
    params: Mapping[str, Any],
) -> Iterator[ListObject[T]]:
    """Pages of a Stripe list, newest first, `PAGE_SIZE` a page, while the caller reads."""
    query: dict[str, Any] = {"limit": PAGE_SIZE, **params}
    while True:
        page = list_page(query)
        yield page
        if not page.has_more or not page.data:
            return
        query = {**query, "starting_after": page.data[-1]["id"]}


def raw_pages(
    client: stripe.StripeClient, path: str, params: Mapping[str, Any]
) -> Iterator[dict[str, Any]]:
    """Pages of a Stripe list as plain JSON, for probes that only count a field.

    Building SDK objects for a page of 100 charges costs 50-150 ms of CPU, which the
    other probe threads wait for (the GIL); the dispute rate only counts statuses. The
    request goes through the same read-only, rate-capped client. A body that is not a
    JSON list object is a ProbeError, as the SDK's own parsing would fail.
    """
    import json

    query: dict[str, Any] = {"limit": PAGE_SIZE, **params}
    while True:
        response = client.raw_request("get", path, **query)
        try:
            page = json.loads(response.body)
        except ValueError:
            raise ProbeError(f"GET {path}: Stripe's answer is not JSON (invalid body)") from None
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise ProbeError(f"GET {path}: Stripe's answer is not a list object (invalid body)")
        yield page
        data = page["data"]
        if not page.get("has_more") or not data or not isinstance(data[-1], dict):
            return
        query = {**query, "starting_after": data[-1].get("id")}


def window_start(seconds: float, now: float | None = None) -> int:
    """The Unix time `seconds` ago, floored to the minute.

    Flooring makes items that run within the same minute send identical queries, which
    the client then answers once.
    """
    start = int((time.time() if now is None else now) - seconds)
    return start - start % 60
