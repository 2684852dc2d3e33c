"""`golive rehearse` end to end: the reference deployment linked to the Stripe sandbox,
the flows run through the real CLI code path, real HTTP, a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.commands.check import CheckOptions, execute, prepare
from golive.commands.demo import rehearsal_deployment
from golive.core.results import Report, Status
from golive.sandbox.stripe.server import writes_for

CHECKLIST = Path(__file__).resolve().parents[2] / "checklist.yaml"
FLOW_ITEMS = ("6.1.rehearse", "6.2.rehearse", "6.3.rehearse", "6.4.rehearse", "6.5.rehearse")


def rehearse(env_file: Path, only: tuple[str, ...] = (), wait: float | None = None) -> Report:
    checklist = CHECKLIST
    if wait is not None:  # a shorter deadline for steps expected to fail
        checklist = env_file.parent / "checklist.yaml"
        text = CHECKLIST.read_text(encoding="utf-8")
        checklist.write_text(
            text.replace("{kind: flow.rehearse, ", f"{{kind: flow.rehearse, wait: {wait}, "),
            encoding="utf-8",
        )
    options = CheckOptions(
        checklist=checklist, environment="staging", env_file=env_file, only=only, rehearse=True
    )
    loaded, planned = prepare(options)
    return execute(loaded, planned, options)


def by_id(report: Report) -> dict[str, object]:
    return {r.id: r for r in report.results}


def test_every_flow_passes_against_the_healthy_deployment_and_cleans_up(tmp_path: Path) -> None:
    with rehearsal_deployment(tmp_path) as (env_file, sandbox, _app):
        report = rehearse(env_file)
        writes = writes_for(sandbox)
        writes.wait_idle()
        subs = writes.of_kind("subscriptions")
        customers = writes.of_kind("customers")
        clocks = writes.of_kind("test_clocks")
    results = {r.id: r for r in report.results}
    assert sorted(results) == sorted(FLOW_ITEMS)
    for item_id, result in results.items():
        assert result.status == Status.PASS, (item_id, result.message, result.evidence)
        assert all(step["ok"] for step in result.evidence["steps"])
    # Cleanup: nothing golive created is still billing or present.
    assert subs and all(s["status"] == "canceled" for s in subs)
    assert customers and all(c.get("deleted") for c in customers)
    assert clocks and all(c.get("deleted") for c in clocks)
    assert all(c["metadata"].get("golive") == "rehearsal" for c in customers)


BROKEN_AT = [
    ("6.1.rehearse", "checkout-placeholder-host", "checkout-return-urls"),
    ("6.1.rehearse", "new-subscription-ignored", "recorded-active"),
    ("6.2.rehearse", "cancel-ignored", "recorded-cancelled"),
    ("6.2.rehearse", "portal-no-url", "portal"),
    ("6.3.rehearse", "payment-failed-ignored", "recorded-past-due"),
    ("6.4.rehearse", "disputes-stale", "listed"),
    ("6.5.rehearse", "efw-refund-noop", "refund"),
    ("6.5.rehearse", "efw-ignore-noop", "ignore"),
]


def test_every_billing_break_has_a_failing_step() -> None:
    from golive.sandbox.app.breaks import BILLING_BREAKS

    assert set(BILLING_BREAKS) <= {broken for _, broken, _ in BROKEN_AT}


@pytest.mark.parametrize(("item_id", "broken", "step"), BROKEN_AT)
def test_a_flow_fails_at_the_step_that_broke(
    tmp_path: Path, item_id: str, broken: str, step: str
) -> None:
    with rehearsal_deployment(tmp_path, frozenset({broken})) as (env_file, sandbox, _):
        report = rehearse(env_file, only=(item_id,), wait=3)
        subs = writes_for(sandbox).of_kind("subscriptions")
    (result,) = report.results
    assert result.status == Status.FAIL, result.message
    steps = result.evidence["steps"]
    assert steps[-1]["step"] == step and steps[-1]["ok"] is False
    assert all(s["ok"] for s in steps[:-1])
    assert f"'{step}' failed" in result.message
    assert all(s["status"] == "canceled" for s in subs)  # cleaned up after the failure too


def test_a_live_key_is_refused_before_any_request(tmp_path: Path) -> None:
    live = {"STRIPE_SECRET_KEY": "sk_live_" + "a1b2c3d4" * 4}
    with rehearsal_deployment(tmp_path, env=live) as (env_file, sandbox, app):
        sandbox.clear_log()
        app.clear_log()
        report = rehearse(env_file)
        assert sandbox.requests == []
        assert app.requests == []
    assert {r.status for r in report.results} == {Status.ERROR}
    for result in report.results:
        assert "refused" in result.message and "not a test-mode key" in result.message
        assert "a1b2c3d4" not in result.message


def test_a_normal_check_never_plans_a_rehearsal() -> None:
    for env in ("staging", "prod"):
        _, planned = prepare(CheckOptions(checklist=CHECKLIST, environment=env))
        assert not [p for p in planned if p.item.probe.kind == "flow.rehearse"]
    _, planned = prepare(CheckOptions(checklist=CHECKLIST, environment="prod", rehearse=True))
    assert planned == []  # the rehearsal items are for test-mode environments only


def test_broken_demo_shows_the_rehearsal_failing_at_the_step_that_broke(tmp_path: Path) -> None:
    import json

    from golive.cli import main

    out = tmp_path / "demo.json"
    code = main(["demo", "-c", str(CHECKLIST), "-q", "--scenario", "broken", "-f", f"json:{out}"])
    assert code == 1
    rehearsal = json.loads((tmp_path / "demo.rehearsal.json").read_text(encoding="utf-8"))
    results = {r["id"]: r for r in rehearsal["results"]}
    assert results["6.3.rehearse"]["status"] == "fail"
    assert "step 6 'recorded-past-due' failed" in results["6.3.rehearse"]["message"]
    assert {results[i]["status"] for i in FLOW_ITEMS if i != "6.3.rehearse"} == {"pass"}
