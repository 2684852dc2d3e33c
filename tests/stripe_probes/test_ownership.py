"""One finding, one item; and the key's mode, not the environment's, decides what is read.

The project's own checklist.yaml runs (`golive check`, the Stripe items and the key and
price items beside them) against the sandbox with one fault at a time: exactly the item
that owns the fault fails or warns, and items the fault makes undecidable say so
(blocked by the owner, or error naming it) without advice of their own. The table of
docs/fault-ownership.md is this test's table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from golive.commands.check import CheckOptions, run_check
from golive.core.results import Report, Status
from golive.sandbox.stripe.demo import demo_mapping, demo_state
from golive.sandbox.stripe.templates import DEFAULT_API_VERSION

from .stripe_helpers import (
    LIVE_KEY,
    RESTRICTED_LIVE_KEY,
    TEST_KEY,
    SandboxFactory,
    clean_app_repo,
    run,
)

REPO = Path(__file__).resolve().parents[2]
BASE_URL = "https://app.example.com"
HOOK = f"{BASE_URL}/api/subscription/webhook"
#: the Stripe items, the key items they need, and the other price items of prod
SELECTED = ("stripe", "1.2d", "2.2c", "9.1b")

State = dict[str, Any]


def check(sandbox_url: str, tmp_path: Path, key: str = LIVE_KEY, **values: str) -> Report:
    env = {
        "GOLIVE_BASE_URL": BASE_URL,
        "STRIPE_API_BASE": sandbox_url,
        "STRIPE_API_VERSION": DEFAULT_API_VERSION,
        "STRIPE_SECRET_KEY": key,
        "STRIPE_PLAN_PRICE_MAPPING_LIVE": demo_mapping("live"),
        "STRIPE_PLAN_PRICE_MAPPING_TEST": demo_mapping("test"),
        **values,
    }
    path = tmp_path / "deploy.env"
    path.write_text("".join(f"{k}='{v}'\n" for k, v in env.items()), encoding="utf-8")
    return run_check(
        CheckOptions(
            checklist=REPO / "checklist.yaml",
            environment="prod",
            env_file=path,
            only=SELECTED,
            root=clean_app_repo(tmp_path),  # 4.1d reads the app's handlers
        )
    )


def live_price(state: State, price_id: str, **fields: Any) -> State:
    for price in state["live"]["prices"]:
        if price["id"] == price_id:
            price.update(fields)
    return state


def live_endpoint(state: State, **fields: Any) -> State:
    state["live"]["webhook_endpoints"][0].update(fields)
    return state


def test_mapping(**entries: str) -> dict[str, str]:
    mapping = json.loads(demo_mapping("live"))
    for key, price in entries.items():
        tier, cycle = key.split(".")
        mapping[tier][cycle] = price
    return {"STRIPE_PLAN_PRICE_MAPPING_LIVE": json.dumps(mapping)}


test_mapping.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


#: fault -> (how to make it, {item: status} of every item that does not pass)
FAULTS: dict[str, tuple[Callable[[State], State], dict[str, str], dict[str, str]]] = {
    "star": (lambda s: live_endpoint(s, enabled_events=["*"]), {}, {"4.2": "warn"}),
    "disabled": (
        lambda s: live_endpoint(s, status="disabled"),
        {},
        # its URL and events are still judged (and hold), so one run shows every fault
        # (4.1d waits for an enabled endpoint: a disabled one is sent no payloads)
        {"4.1a": "fail", "4.1c": "blocked", "4.1d": "blocked"},
    ),
    "http": (lambda s: live_endpoint(s, url=HOOK.replace("https:", "http:")), {}, {"4.1b": "fail"}),
    "api-version drift": (
        lambda s: live_endpoint(s, api_version="2024-06-20"),
        {},
        {"4.1c": "warn"},
    ),
    "inactive": (
        lambda s: live_price(s, "price_live_pro_monthly", active=False),
        {},
        {"2.1b": "fail"},
    ),
    "yearly-as-monthly": (
        lambda s: live_price(s, "price_live_basic_yearly", recurring={"interval": "month"}),
        {},
        {"2.1c": "fail"},
    ),
    "currency": (
        lambda s: live_price(s, "price_live_pro_yearly", currency="eur"),
        {},
        {"2.1c": "fail"},
    ),
    # 2.1b cannot judge pro.monthly (its id is a test price): error, naming the cause.
    "test id in live mapping": (
        lambda s: s,
        test_mapping(**{"pro.monthly": "price_test_pro_monthly"}),
        {"2.2a": "fail", "2.1b": "error"},
    ),
}


def not_passed(report: Report) -> dict[str, str]:
    return {r.id: r.status.value for r in report.results if r.status is not Status.PASS}


def test_the_healthy_account_passes_every_selected_item(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(demo_state(HOOK))
    assert not_passed(check(sandbox.url, tmp_path)) == {}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_is_found_by_the_one_item_that_owns_it(
    make_sandbox: SandboxFactory, tmp_path: Path, fault: str
) -> None:
    make, values, expected = FAULTS[fault]
    sandbox = make_sandbox(make(demo_state(HOOK)))
    report = check(sandbox.url, tmp_path, **values)
    assert not_passed(report) == expected
    by_id = {r.id: r for r in report.results}
    owners = [i for i, status in expected.items() if status in ("fail", "warn")]
    assert len(owners) == 1, owners
    for item_id, status in expected.items():
        result = by_id[item_id]
        if status == "blocked":
            assert result.blocked_by == (owners[0],), result
            assert result.remediation == ""
        if status == "error":
            assert "cannot judge" in result.message and result.remediation == ""


def failing_live_healthy_test() -> State:
    """Live: an account that cannot take payments, failed deliveries, many disputes and
    fraud warnings, no webhook endpoint, no prices. Test: the healthy demo account."""
    state = demo_state(HOOK)
    live = state["live"]
    live["account"] = {
        "charges_enabled": False,
        "payouts_enabled": False,
        "requirements": {"past_due": ["external_account"]},
    }
    live["webhook_endpoints"] = []
    live["prices"] = []
    live["events"].append(
        {"type": "invoice.payment_failed", "created": "-1h", "delivery_success": False}
    )
    live["disputes"] = [
        {"repeat": 40, "created": ["-20d", "-1d"], "status": "needs_response"},
    ]
    live["early_fraud_warnings"] = [{"repeat": 9, "created": ["-20d", "-1d"], "actionable": True}]
    return state


def test_a_test_key_in_a_live_environment_blocks_every_stripe_item(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(failing_live_healthy_test())
    report = check(sandbox.url, tmp_path, key=TEST_KEY)
    by_id = {r.id: r for r in report.results}
    assert by_id["1.2a"].status is Status.FAIL
    assert "test-mode key" in by_id["1.2a"].message
    stripe_items = [r for r in report.results if r.probe.startswith("stripe.")]
    assert len(stripe_items) >= 12
    for result in stripe_items:
        assert result.status is Status.BLOCKED, (result.id, result.status, result.message)
        assert result.blocked_by[0] == "1.2a", result
        assert result.message.startswith("blocked by 1.2a")
        assert result.remediation == ""
    # No advice to create what exists (prices, endpoints) when only the key is wrong.
    for result in report.results:
        shown = f"{result.message} {result.remediation}".lower()
        assert "create" not in shown and "add it" not in shown, (result.id, shown)
    # Nothing was read with the test key: the test account's health proves nothing here.
    assert [r.path for r in sandbox.requests] == []


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("stripe.account", {}),
        ("stripe.prices", {}),
        ("stripe.webhook_endpoint", {}),
        ("stripe.failed_deliveries", {}),
        ("stripe.dispute_rate", {}),
        ("stripe.early_fraud_warnings", {}),
    ],
)
def test_without_prerequisites_each_probe_still_refuses_the_other_modes_data(
    make_sandbox: SandboxFactory, make_ctx: Any, kind: str, params: dict[str, Any]
) -> None:
    """A checklist without `needs` (a user's own) still never passes on the wrong mode."""
    sandbox = make_sandbox(failing_live_healthy_test())
    outcome = run(kind, make_ctx(sandbox.url, mode="live", key=TEST_KEY), **params)
    assert outcome.status is Status.ERROR, outcome.message
    assert "is a test-mode key" in outcome.message
    assert "live-mode data was not examined" in outcome.message
    assert sandbox.requests == []  # the prefix decided: nothing read in the wrong mode


def test_the_mode_is_confirmed_once_per_run_by_the_api(
    make_sandbox: SandboxFactory, make_ctx: Any
) -> None:
    """Every Stripe probe confirms the prefix with the API's `livemode` (GET /v1/balance);
    the client's memory makes that one request for the whole run."""
    sandbox = make_sandbox(demo_state(HOOK))
    ctx = make_ctx(sandbox.url)
    for kind, params in [
        ("stripe.account", {}),
        ("stripe.dispute_rate", {}),
        ("stripe.early_fraud_warnings", {"max_count": 5}),
    ]:
        outcome = run(kind, ctx, **params)
        assert outcome.status is Status.PASS, outcome.message
        assert outcome.evidence["mode"] == "live"
    assert [r.path for r in sandbox.requests].count("/v1/balance") == 1


def test_a_restricted_key_without_balance_access_is_judged_by_its_prefix(
    make_sandbox: SandboxFactory, make_ctx: Any
) -> None:
    state = demo_state(HOOK)
    state["restricted_denied"] = ["/v1/balance"]
    sandbox = make_sandbox(state)
    outcome = run("stripe.prices", make_ctx(sandbox.url, key=RESTRICTED_LIVE_KEY))
    assert outcome.status is Status.PASS, outcome.message
    assert outcome.evidence["mode"] == "live"
