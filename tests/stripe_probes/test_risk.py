"""stripe.dispute_rate and stripe.early_fraud_warnings against the sandbox."""

from __future__ import annotations

from typing import Any

from golive.core.results import Status
from golive.sandbox.stripe.demo import demo_state

from .stripe_helpers import WEBHOOK_URL, ContextFactory, SandboxFactory, run


def risk_state(charges: int, disputes: int, efws: list[dict[str, Any]] | None = None) -> Any:
    state = demo_state(WEBHOOK_URL)
    live = state["live"]
    live["charges"] = [{"repeat": charges, "created": ["-29d", "-1h"]}] if charges else []
    live["disputes"] = (
        [{"repeat": disputes, "created": ["-20d", "-1d"], "status": "needs_response"}]
        if disputes
        else []
    )
    if efws is not None:
        live["early_fraud_warnings"] = efws
    return state


def paths(sandbox: Any, path: str) -> list[Any]:
    return [r for r in sandbox.requests if r.path == path]


def test_demo_dispute_rate_passes_and_stops_paging_once_sure(
    sandbox, make_ctx: ContextFactory
) -> None:
    # 1 dispute: under 0.75% as soon as 134 charges are seen, so 2 of the 4 pages suffice.
    outcome = run("stripe.dispute_rate", make_ctx(sandbox.url))
    assert outcome.status is Status.PASS, outcome.message
    assert "at most 0.50%" in outcome.message
    assert "at least 200 charges" in outcome.message
    assert len(paths(sandbox, "/v1/disputes")) == 1
    charges = paths(sandbox, "/v1/charges")
    assert len(charges) == 2
    assert all(r.params["limit"] == "100" and "created[gte]" in r.params for r in charges)


def test_no_disputes_needs_no_charges(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(risk_state(charges=300, disputes=0))
    outcome = run("stripe.dispute_rate", make_ctx(sandbox.url))
    assert outcome.status is Status.PASS
    assert outcome.message == "no disputes in the last 30 days of live-mode data"
    assert paths(sandbox, "/v1/charges") == []


def test_dispute_rate_over_threshold_fails(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(risk_state(charges=250, disputes=3))
    outcome = run("stripe.dispute_rate", make_ctx(sandbox.url))
    assert outcome.status is Status.FAIL
    assert (
        "dispute rate 1.20% (3 dispute(s) / 250 charges in the last 30 days of live-mode data)"
        in (outcome.message)
    )
    assert "at or over 0.75%" in outcome.message
    assert len(paths(sandbox, "/v1/charges")) == 3  # a fail needs every charge counted
    assert outcome.evidence["by_status"] == {"needs_response": 3}


def test_dispute_rate_threshold_is_configurable(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(risk_state(charges=250, disputes=3))
    outcome = run("stripe.dispute_rate", make_ctx(sandbox.url), threshold_percent=1.5)
    assert outcome.status is Status.PASS
    assert "under 1.5%" in outcome.message


def test_disputes_outside_the_window_do_not_count(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    state = risk_state(charges=100, disputes=0)
    state["live"]["disputes"] = [{"repeat": 5, "created": ["-60d", "-40d"]}]
    sandbox = make_sandbox(state)
    assert run("stripe.dispute_rate", make_ctx(sandbox.url)).status is Status.PASS
    short = run("stripe.dispute_rate", make_ctx(sandbox.url), window_days=90)
    assert short.status is Status.FAIL


def test_disputes_without_charges_fail(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(risk_state(charges=0, disputes=1))
    outcome = run("stripe.dispute_rate", make_ctx(sandbox.url))
    assert outcome.status is Status.FAIL
    assert "no successful charge" in outcome.message


def test_failed_charges_do_not_count(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    state = risk_state(charges=100, disputes=1)
    state["live"]["charges"].append({"repeat": 100, "created": ["-10d", "-2d"], "status": "failed"})
    sandbox = make_sandbox(state)
    outcome = run("stripe.dispute_rate", make_ctx(sandbox.url))
    assert outcome.status is Status.FAIL
    assert "1 dispute(s) / 100 charges" in outcome.message


def efw(n: int, actionable: bool) -> dict[str, Any]:
    return {
        "id": f"issfr_case{n}",
        "charge": f"ch_case{n}",
        "actionable": actionable,
        "fraud_type": "made_with_stolen_card",
        "created": f"-{n}d",
    }


def test_demo_early_fraud_warnings_pass(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.early_fraud_warnings", make_ctx(sandbox.url), max_count=5)
    assert outcome.status is Status.PASS, outcome.message
    assert "none actionable" in outcome.message


def test_early_fraud_warnings_over_threshold_fail_naming_actionable_ones(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(risk_state(100, 0, [efw(1, True), efw(2, False), efw(3, True)]))
    outcome = run("stripe.early_fraud_warnings", make_ctx(sandbox.url), max_count=2)
    assert outcome.status is Status.FAIL
    assert (
        "3 early fraud warning(s) in the last 30 days of live-mode data (allowed 2)"
        in outcome.message
    )
    assert "issfr_case1 (charge ch_case1, made_with_stolen_card)" in outcome.message
    assert "issfr_case3" in outcome.message
    assert "issfr_case2" not in outcome.message
    assert outcome.evidence["actionable"] == ["issfr_case1", "issfr_case3"]


def test_actionable_warnings_within_the_count_warn(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(risk_state(100, 0, [efw(1, True)]))
    outcome = run("stripe.early_fraud_warnings", make_ctx(sandbox.url), max_count=5)
    assert outcome.status is Status.WARN
    assert "refund before they become disputes" in outcome.message


def test_old_early_fraud_warnings_are_outside_the_window(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(risk_state(100, 0, [efw(40, True), efw(45, True)]))
    outcome = run("stripe.early_fraud_warnings", make_ctx(sandbox.url))
    assert outcome.status is Status.PASS
    assert outcome.evidence["count"] == 0
