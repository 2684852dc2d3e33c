"""stripe.webhook_endpoint and stripe.failed_deliveries against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from golive.core.results import Status
from golive.sandbox.stripe.demo import demo_state
from golive.sandbox.stripe.templates import DEFAULT_API_VERSION

from .stripe_helpers import WEBHOOK_URL, ContextFactory, SandboxFactory, run

REQUIRED = [
    "checkout.session.completed",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "radar.early_fraud_warning.created",
]


def with_endpoint(**fields: Any) -> dict[str, Any]:
    state = demo_state(WEBHOOK_URL)
    state["live"]["webhook_endpoints"][0].update(fields)
    return state


def test_healthy_endpoint_passes(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run(
        "stripe.webhook_endpoint",
        make_ctx(sandbox.url),
        required_events=REQUIRED,
        optional_events=["radar.early_fraud_warning.updated"],
    )
    assert outcome.status is Status.PASS, outcome.message
    assert f"API version {DEFAULT_API_VERSION}" in outcome.message
    assert outcome.evidence["api_version"] == DEFAULT_API_VERSION


@pytest.mark.parametrize(
    "url",
    [
        WEBHOOK_URL + "/",
        "https://APP.Example.com/api/subscription/webhook",
        "https://app.example.com:443/api/subscription/webhook",
    ],
)
def test_urls_are_compared_normalised(sandbox, make_ctx: ContextFactory, url: str) -> None:
    outcome = run("stripe.webhook_endpoint", make_ctx(sandbox.url), url=url)
    assert outcome.status is Status.PASS, outcome.message


def test_missing_endpoint_fails_listing_the_ones_there(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run(
        "stripe.webhook_endpoint", make_ctx(sandbox.url), url="https://app.example.com/hooks"
    )
    assert outcome.status is Status.FAIL
    assert "no live-mode webhook endpoint for https://app.example.com/hooks" in outcome.message
    assert WEBHOOK_URL in outcome.message
    assert "api_version" in outcome.evidence


def test_http_endpoint_fails_when_https_is_required(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(with_endpoint(url=WEBHOOK_URL.replace("https:", "http:")))
    ctx = make_ctx(sandbox.url)
    outcome = run("stripe.webhook_endpoint", ctx)
    assert outcome.status is Status.FAIL
    assert "its URL is http, not https" in outcome.message
    relaxed = run("stripe.webhook_endpoint", ctx, require_https=False)
    assert relaxed.status is Status.WARN  # still not the deployment's scheme
    assert "its URL is http, the deployment's is https" in relaxed.message


def test_disabled_endpoint_fails(make_sandbox: SandboxFactory, make_ctx: ContextFactory) -> None:
    sandbox = make_sandbox(with_endpoint(status="disabled"))
    outcome = run("stripe.webhook_endpoint", make_ctx(sandbox.url))
    assert outcome.status is Status.FAIL
    assert "is disabled" in outcome.message
    assert outcome.evidence["status"] == "disabled"


def test_a_disabled_endpoint_still_has_its_url_and_events_judged(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    events = [e for e in REQUIRED if e != "invoice.payment_failed"]
    http_url = WEBHOOK_URL.replace("https:", "http:")
    sandbox = make_sandbox(with_endpoint(status="disabled", url=http_url, enabled_events=events))
    ctx = make_ctx(sandbox.url)
    https = run("stripe.webhook_endpoint", ctx, check="https")
    assert https.status is Status.FAIL, https.message
    assert "its URL is http, not https" in https.message
    assert "disabled (the endpoint item reports that)" in https.message
    judged = run("stripe.webhook_endpoint", ctx, check="events", required_events=REQUIRED)
    assert judged.status is Status.FAIL and "it does not receive invoice.payment_failed" in (
        judged.message
    )
    every = run("stripe.webhook_endpoint", ctx, check="all", required_events=REQUIRED)
    assert every.status is Status.FAIL
    for fault in ("it is disabled", "not https", "invoice.payment_failed"):
        assert fault in every.message, every.message


def test_missing_one_required_event_fails_naming_it(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    events = [e for e in REQUIRED if e != "invoice.payment_failed"]
    sandbox = make_sandbox(with_endpoint(enabled_events=events))
    outcome = run("stripe.webhook_endpoint", make_ctx(sandbox.url), required_events=REQUIRED)
    assert outcome.status is Status.FAIL
    assert "it does not receive invoice.payment_failed" in outcome.message


def test_missing_optional_event_warns(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(with_endpoint(enabled_events=REQUIRED))
    outcome = run(
        "stripe.webhook_endpoint",
        make_ctx(sandbox.url),
        required_events=REQUIRED,
        optional_events=["radar.early_fraud_warning.updated"],
    )
    assert outcome.status is Status.WARN
    assert "optional radar.early_fraud_warning.updated" in outcome.message


def test_wildcard_events_warn(make_sandbox: SandboxFactory, make_ctx: ContextFactory) -> None:
    sandbox = make_sandbox(with_endpoint(enabled_events=["*"]))
    outcome = run("stripe.webhook_endpoint", make_ctx(sandbox.url), required_events=REQUIRED)
    assert outcome.status is Status.WARN
    assert "'*'" in outcome.message
    assert "Stripe advises" in outcome.message


def test_api_version_drift_warns_by_default_and_is_reported(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(with_endpoint(api_version="2024-06-20"))
    ctx = make_ctx(sandbox.url)
    outcome = run("stripe.webhook_endpoint", ctx)
    assert outcome.status is Status.WARN
    strict = run("stripe.webhook_endpoint", ctx, check="api_version", version_severity="fail")
    assert strict.status is Status.FAIL
    assert f"its API version is 2024-06-20, the deployment expects {DEFAULT_API_VERSION}" in (
        outcome.message
    )
    assert outcome.evidence["api_version"] == "2024-06-20"
    # The item's own api_version overrides the environment's.
    assert run("stripe.webhook_endpoint", ctx, api_version="2024-06-20").status is Status.PASS


def test_endpoints_are_listed_once_per_run(sandbox, make_ctx: ContextFactory) -> None:
    ctx = make_ctx(sandbox.url)
    for https in (True, False):
        assert run("stripe.webhook_endpoint", ctx, require_https=https).status is Status.PASS
    listed = [r for r in sandbox.requests if r.path == "/v1/webhook_endpoints"]
    assert len(listed) == 1
    assert listed[0].params == {"limit": "100"}


def with_events(*events: dict[str, Any]) -> dict[str, Any]:
    state = demo_state(WEBHOOK_URL)
    state["live"]["events"].extend(events)
    return state


def test_no_failed_deliveries_passes(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.failed_deliveries", make_ctx(sandbox.url))
    assert outcome.status is Status.PASS, outcome.message
    (listing,) = [r for r in sandbox.requests if r.path == "/v1/events"]
    assert listing.params["delivery_success"] == "false"
    assert "created[gte]" in listing.params


def test_failed_deliveries_fail_counted_by_type(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(
        with_events(
            {"type": "invoice.payment_failed", "created": "-1h", "delivery_success": False},
            {"type": "invoice.payment_failed", "created": "-2h", "delivery_success": False},
            {"type": "customer.subscription.updated", "created": "-3h", "delivery_success": False},
            {"type": "invoice.paid", "created": "-3d", "delivery_success": False},
        )
    )
    ctx = make_ctx(sandbox.url)
    outcome = run("stripe.failed_deliveries", ctx)
    assert outcome.status is Status.FAIL
    assert "3 live-mode event(s) not delivered in the last 24 h" in outcome.message
    assert "invoice.payment_failed x2" in outcome.message
    assert "customer.subscription.updated x1" in outcome.message
    assert outcome.evidence["by_type"] == {
        "customer.subscription.updated": 1,
        "invoice.payment_failed": 2,
    }
    week = run("stripe.failed_deliveries", ctx, window_hours=168, max_failed=3)
    assert week.status is Status.FAIL
    assert "4 live-mode event(s) not delivered in the last 7 days (allowed 3)" in week.message
    allowed = run("stripe.failed_deliveries", ctx, max_failed=3)
    assert allowed.status is Status.PASS
    # The three windows shared one request.
    assert len([r for r in sandbox.requests if r.path == "/v1/events"]) == 1


def test_failed_deliveries_page_until_the_window_ends(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(
        with_events(
            {
                "repeat": 250,
                "type": "invoice.payment_failed",
                "created": ["-20h", "-1h"],
                "delivery_success": False,
            }
        )
    )
    outcome = run("stripe.failed_deliveries", make_ctx(sandbox.url), max_failed=249)
    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("250 live-mode event(s)")
    pages = [r for r in sandbox.requests if r.path == "/v1/events"]
    assert len(pages) == 3
    assert "starting_after" in pages[1].params


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ({"enabled_events": ["*"]}, "events"),
        ({"status": "disabled"}, "endpoint"),
        ({"url": WEBHOOK_URL.replace("https:", "http:")}, "https"),
        ({"api_version": "2024-06-20"}, "api_version"),
    ],
)
def test_each_endpoint_fault_is_one_aspects_finding(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory, fault: dict[str, Any], check: str
) -> None:
    """The fault is found by its own aspect; the others pass, or (when no enabled endpoint
    is there to judge) are undecided, never a repeated finding."""
    sandbox = make_sandbox(with_endpoint(**fault))
    ctx = make_ctx(sandbox.url)
    for aspect in ("endpoint", "https", "events", "api_version"):
        outcome = run("stripe.webhook_endpoint", ctx, check=aspect, required_events=REQUIRED)
        if aspect == check:
            assert outcome.status in (Status.FAIL, Status.WARN), (aspect, outcome.message)
        elif fault.get("status") == "disabled":  # still judged on its own question
            assert outcome.status is Status.PASS, (aspect, outcome.message)
            assert "disabled (the endpoint item reports that)" in outcome.message
        else:
            assert outcome.status is Status.PASS, (aspect, outcome.message)
