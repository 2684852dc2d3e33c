"""golive's Stripe client: read-only, rate-capped, retrying, answering repeats from memory."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import stripe

from golive.checklist.profiles import StripeSettings
from golive.engine.stripe_client import WriteRefused, build_client, close_client, request_stats
from golive.engine.stripe_rate import RateCap
from golive.sandbox.stripe.server import StripeSandbox

from .stripe_helpers import LIVE_KEY, SandboxFactory


def client_for(sandbox: StripeSandbox, **settings: object) -> stripe.StripeClient:
    return build_client(
        LIVE_KEY, StripeSettings.model_validate({"api_base": sandbox.url, **settings})
    )


def test_a_write_is_refused_before_anything_is_sent(sandbox: StripeSandbox) -> None:
    client = client_for(sandbox)
    with pytest.raises(WriteRefused, match=r"read-only: refused POST .*/v1/prices"):
        client.v1.prices.create(params={"currency": "usd", "unit_amount": 100})
    with pytest.raises(WriteRefused, match="refused DELETE"):
        client.v1.webhook_endpoints.delete("we_live_app")
    with pytest.raises(WriteRefused, match="refused POST"):
        client.v1.refunds.create(params={"charge": "ch_1"})
    assert sandbox.requests == []
    assert request_stats(client).refused == 3
    assert request_stats(client).sent == 0


def test_reads_go_through_with_the_sandbox_base(sandbox: StripeSandbox) -> None:
    client = client_for(sandbox, api_base=sandbox.url + "/")  # a trailing slash is fine
    assert client.v1.balance.retrieve().livemode is True
    assert [(r.method, r.path) for r in sandbox.requests] == [("GET", "/v1/balance")]
    assert request_stats(client).sent == 1


def test_requests_never_exceed_the_rate_cap_whatever_the_threads(
    sandbox: StripeSandbox,
) -> None:
    client = client_for(sandbox, max_rps=40)
    ids = [f"price_nope{i}" for i in range(21)]  # distinct requests: none from memory

    def fetch(price_id: str) -> None:
        with pytest.raises(stripe.InvalidRequestError):
            client.v1.prices.retrieve(price_id)

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(fetch, ids))
    elapsed = time.monotonic() - start
    assert elapsed >= 20 / 40 - 0.02  # 21 requests, one every 25 ms
    arrivals = sorted(r.at for r in sandbox.requests)
    assert len(arrivals) == 21
    # Never more than the cap in any window (plus the one the window opens with, and one
    # for network jitter); without the cap all 21 would arrive within a few milliseconds.
    for i, first in enumerate(arrivals):
        within = [t for t in arrivals[i:] if t - first < 0.25]
        assert len(within) <= 0.25 * 40 + 2


def test_rate_cap_spaces_acquisitions_evenly() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    bucket = RateCap(rate=10, clock=lambda: now[0], sleep=sleep)
    waits = [bucket.acquire() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])
    now[0] = 10.0  # a long pause allows one at once, then the spacing again
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(0.1)


def test_identical_concurrent_reads_are_sent_once(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(latency_ms=100)
    client = client_for(sandbox)
    barrier = threading.Barrier(8)

    def fetch(_: int) -> str:
        barrier.wait()
        return client.v1.prices.retrieve("price_live_basic_monthly").id

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(fetch, range(8))) == {"price_live_basic_monthly"}
    assert len(sandbox.requests) == 1
    assert request_stats(client).cache_hits == 7


def test_server_errors_are_not_remembered(sandbox: StripeSandbox) -> None:
    client = client_for(sandbox, max_retries=0)
    sandbox.inject(500, "/v1/balance", times=1)
    with pytest.raises(stripe.APIError):
        client.v1.balance.retrieve()
    assert client.v1.balance.retrieve().livemode is True
    assert [r.status for r in sandbox.requests] == [500, 200]


@pytest.mark.parametrize(
    ("should_retry", "expected_statuses"),
    [(None, [429, 200]), (True, [429, 200]), (False, [429])],
)
def test_429_is_retried_unless_stripe_says_not_to(
    sandbox: StripeSandbox, should_retry: bool | None, expected_statuses: list[int]
) -> None:
    client = client_for(sandbox, max_retries=2)
    sandbox.inject(429, "/v1/balance", times=1, should_retry=should_retry)
    if expected_statuses[-1] == 200:
        assert client.v1.balance.retrieve().livemode is True
    else:
        with pytest.raises(stripe.RateLimitError):
            client.v1.balance.retrieve()
    assert [r.status for r in sandbox.requests] == expected_statuses


def test_retries_stop_at_max_retries(sandbox: StripeSandbox) -> None:
    client = client_for(sandbox, max_retries=3)
    sandbox.inject(503, "/v1/balance")
    with pytest.raises(stripe.APIError):
        client.v1.balance.retrieve()
    assert [r.status for r in sandbox.requests] == [503] * 4
    assert request_stats(client).retries == 3


def test_timeouts_are_enforced(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(latency_ms=1000)
    client = client_for(sandbox, timeout=0.2, max_retries=0)
    start = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        client.v1.balance.retrieve()
    assert time.monotonic() - start < 0.9


def test_importing_golive_stripe_modules_does_not_import_stripe() -> None:
    code = (
        "import sys, golive.engine.stripe_client, golive.sandbox.stripe.server, "
        "golive.checks.stripe_account, golive.checks.stripe_prices, "
        "golive.checks.stripe_webhooks, golive.checks.stripe_risk; "
        "print('stripe' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_closed_client_sends_nothing_more(sandbox: StripeSandbox) -> None:
    client = client_for(sandbox)
    client.v1.balance.retrieve()
    close_client(client)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.accounts.retrieve_current()
    assert len(sandbox.requests) == 1


def test_raw_pages_walk_a_list_as_json_through_the_same_client(sandbox: StripeSandbox) -> None:
    from golive.engine.stripe_client import raw_pages

    client = client_for(sandbox)
    typed = sum(1 for _ in client.v1.charges.list(params={"limit": 100}).auto_paging_iter())
    sandbox.clear_log()
    pages = list(raw_pages(client, "/v1/charges", {"created": {"gte": 0}}))
    assert sum(len(p["data"]) for p in pages) == typed > 100  # more than one page
    assert {(r.method, r.path) for r in sandbox.requests} == {("GET", "/v1/charges")}
    assert all("created[gte]=0" in r.query for r in sandbox.requests)
    assert len(sandbox.requests) == len(pages)
    # a write through the same path is still refused before it is sent
    with pytest.raises(WriteRefused):
        client.raw_request("post", "/v1/charges", amount=100)
