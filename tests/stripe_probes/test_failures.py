"""When Stripe fails (5xx, 429, slow, unreachable), every Stripe probe says `error` with the
cause, or passes once a retry succeeds: never a wrong pass, never a crash."""

from __future__ import annotations

import socket
import time
from collections import Counter
from typing import Any

import pytest

from golive.core.results import Status

from .stripe_helpers import ContextFactory, SandboxFactory, run

PROBES: dict[str, dict[str, Any]] = {
    "stripe.key_mode": {},
    "stripe.account": {},
    "stripe.prices": {},
    "stripe.webhook_endpoint": {},
    "stripe.failed_deliveries": {},
    "stripe.dispute_rate": {},
    "stripe.early_fraud_warnings": {"max_count": 5},
}


@pytest.fixture(params=sorted(PROBES))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 500}, "Stripe answered 500 after the retries allowed"),
        ({"status": 503}, "Stripe answered 503 after the retries allowed"),
        ({"status": 429}, "Stripe kept answering 429"),
        ({"status": 429, "should_retry": False}, "Stripe kept answering 429"),
        ({"delay_ms": 300}, "could not reach Stripe: timed out"),
    ],
    ids=["500", "503", "429", "429-no-retry", "timeout"],
)
def test_persistent_failures_are_errors_with_the_cause(
    make_sandbox: SandboxFactory,
    make_ctx: ContextFactory,
    kind: str,
    fault: dict[str, Any],
    expected: str,
) -> None:
    sandbox = make_sandbox()
    sandbox.inject(**fault)
    ctx = make_ctx(sandbox.url, max_retries=1, timeout=0.1)
    outcome = run(kind, ctx, **PROBES[kind])
    assert outcome.status is Status.ERROR, outcome.message
    assert expected in outcome.message
    assert "GET /v1/" in outcome.message  # which call failed
    # Each call was tried once, and once again unless Stripe advised against it.
    tries = 1 if fault.get("should_retry") is False else 2
    deadline = time.monotonic() + 2  # a timed-out request is logged when the sandbox answers
    while len(sandbox.requests) % tries and time.monotonic() < deadline:
        time.sleep(0.02)
    calls = Counter((r.path, r.query) for r in sandbox.requests)
    assert set(calls.values()) == {tries}, calls


def test_a_refused_connection_is_an_error(make_ctx: ContextFactory, kind: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on `port` any more.
    outcome = run(kind, make_ctx(f"http://127.0.0.1:{port}", max_retries=1), **PROBES[kind])
    assert outcome.status is Status.ERROR
    assert "could not reach Stripe: connection refused" in outcome.message


@pytest.mark.parametrize(
    "fault",
    [{"status": 500}, {"status": 429}, {"status": 429, "should_retry": True}, {"delay_ms": 2500}],
    ids=["500", "429", "429-retry-advised", "timeout"],
)
def test_a_failure_then_success_passes_after_the_retry(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory, kind: str, fault: dict[str, Any]
) -> None:
    sandbox = make_sandbox()
    sandbox.inject(**fault, times=1)
    # Timeouts with room for a loaded machine: only the delayed answer may time out.
    timeout = 1.0 if "delay_ms" in fault else 10.0
    outcome = run(kind, make_ctx(sandbox.url, max_retries=1, timeout=timeout), **PROBES[kind])
    assert outcome.status is Status.PASS, outcome.message
    calls = [(r.path, r.query) for r in sandbox.requests]
    assert calls.count(calls[0]) == 2  # the call that met the fault, made again


def test_a_sandbox_stopped_mid_run_gives_errors_not_passes(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox()
    ctx = make_ctx(sandbox.url, max_retries=1)
    assert run("stripe.key_mode", ctx).status is Status.PASS
    sandbox.stop()  # kept-alive connections are dropped too
    outcome = run("stripe.account", ctx)
    assert outcome.status is Status.ERROR
    assert "could not reach Stripe" in outcome.message
