"""stripe.key_mode and stripe.account against the sandbox."""

from __future__ import annotations

from typing import Any

from golive.core.results import Status
from golive.sandbox.stripe.demo import demo_state

from .stripe_helpers import (
    LIVE_KEY,
    RESTRICTED_LIVE_KEY,
    TEST_KEY,
    WEBHOOK_URL,
    ContextFactory,
    SandboxFactory,
    run,
)


def with_account(**fields: Any) -> dict[str, Any]:
    state = demo_state(WEBHOOK_URL)
    state["live"]["account"] = fields
    return state


def test_live_key_in_live_environment_passes(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.key_mode", make_ctx(sandbox.url))
    assert outcome.status is Status.PASS, outcome.message
    assert "live mode" in outcome.message
    assert outcome.evidence["livemode"] is True
    assert [(r.method, r.path) for r in sandbox.requests] == [("GET", "/v1/balance")]


def test_test_key_in_test_environment_passes(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.key_mode", make_ctx(sandbox.url, mode="test"))
    assert outcome.status is Status.PASS, outcome.message


def test_test_key_in_live_environment_fails(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.key_mode", make_ctx(sandbox.url, key=TEST_KEY))
    assert outcome.status is Status.FAIL
    assert "test-mode key" in outcome.message
    assert "live mode" in outcome.message
    assert "sk_test_…(sha256:" in outcome.message  # the key is named by its mask only


def test_rejected_key_fails_with_stripes_message_redacted(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox({**demo_state(WEBHOOK_URL), "keys": ["sk_live_theOnlyGoodKey1"]})
    outcome = run("stripe.key_mode", make_ctx(sandbox.url))
    assert outcome.status is Status.FAIL
    assert "Invalid API Key provided" in outcome.message
    assert "STRIPE_SECRET_KEY" in outcome.message


def test_healthy_account_passes(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.account", make_ctx(sandbox.url))
    assert outcome.status is Status.PASS, outcome.message
    assert outcome.evidence["charges_enabled"] is True


def test_account_not_enabled_fails_naming_each_problem(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(
        with_account(
            charges_enabled=False,
            payouts_enabled=False,
            details_submitted=False,
            requirements={
                "past_due": ["external_account"],
                "disabled_reason": "requirements.past_due",
            },
        )
    )
    outcome = run("stripe.account", make_ctx(sandbox.url))
    assert outcome.status is Status.FAIL
    for expected in (
        "charges are disabled",
        "payouts are disabled",
        "details are not submitted",
        "requirements.past_due",
        "past due: external_account",
    ):
        assert expected in outcome.message


def test_payouts_disabled_alone_fails(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(with_account(payouts_enabled=False))
    outcome = run("stripe.account", make_ctx(sandbox.url))
    assert outcome.status is Status.FAIL
    assert outcome.message.endswith("payouts are disabled")


def test_currently_due_warns_or_fails_as_configured(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(with_account(requirements={"currently_due": ["tos_acceptance.date"]}))
    ctx = make_ctx(sandbox.url)
    warned = run("stripe.account", ctx)
    assert warned.status is Status.WARN
    assert "tos_acceptance.date" in warned.message
    failed = run("stripe.account", ctx, allow_currently_due=False)
    assert failed.status is Status.FAIL


def test_restricted_key_that_may_not_read_the_account_is_undecided_naming_the_permission(
    sandbox, make_ctx: ContextFactory
) -> None:
    # A blocking question nobody could look at: error (inconclusive), never a warning.
    outcome = run("stripe.account", make_ctx(sandbox.url, key=RESTRICTED_LIVE_KEY))
    assert outcome.status is Status.ERROR
    assert "lacks the permission to read the account" in outcome.message
    assert "Account: Read" in outcome.message
    assert "rak_accounts_kyc_basic_read" in outcome.message  # Stripe's reason, passed on
    assert outcome.evidence["http_status"] == 403


def test_restricted_key_still_proves_its_mode(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.key_mode", make_ctx(sandbox.url, key=RESTRICTED_LIVE_KEY))
    assert outcome.status is Status.PASS


def test_live_key_sees_live_account_data_only(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    state = demo_state(WEBHOOK_URL)
    state["test"]["account"] = {"charges_enabled": False}
    sandbox = make_sandbox(state)
    assert run("stripe.account", make_ctx(sandbox.url, key=LIVE_KEY)).status is Status.PASS
    assert run("stripe.account", make_ctx(sandbox.url, mode="test")).status is Status.FAIL
