"""stripe.prices against the sandbox: one retrieve per mapped price, never a listing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from golive.results import Status
from golive.sandbox.stripe_server import demo_mapping, demo_state

from .stripe_helpers import WEBHOOK_URL, ContextFactory, SandboxFactory, run


def price_paths(sandbox: Any) -> list[str]:
    return sorted(r.path for r in sandbox.requests if r.path.startswith("/v1/prices"))


def mapping_with(**entries: str) -> dict[str, str]:
    mapping = json.loads(demo_mapping("live"))
    for key, price in entries.items():
        tier, cycle = key.split("__")
        mapping[tier][cycle] = price
    return {"STRIPE_PLAN_PRICE_MAPPING_LIVE": json.dumps(mapping)}


def test_healthy_mapping_passes_with_one_retrieve_per_price(
    sandbox, make_ctx: ContextFactory
) -> None:
    outcome = run("stripe.prices", make_ctx(sandbox.url))
    assert outcome.status is Status.PASS, outcome.message
    assert "4 mapped price(s)" in outcome.message
    assert price_paths(sandbox) == [
        "/v1/prices/price_live_basic_monthly",
        "/v1/prices/price_live_basic_yearly",
        "/v1/prices/price_live_pro_monthly",
        "/v1/prices/price_live_pro_yearly",
    ]


def test_test_mode_deployment_reads_the_test_mapping(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.prices", make_ctx(sandbox.url, mode="test"))
    assert outcome.status is Status.PASS, outcome.message
    assert outcome.evidence["source"] == "STRIPE_PLAN_PRICE_MAPPING_TEST"
    assert "/v1/prices/price_test_basic_monthly" in price_paths(sandbox)


def test_keys_select_by_glob(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.prices", make_ctx(sandbox.url), keys=["*.yearly"])
    assert outcome.status is Status.PASS, outcome.message
    assert sorted(outcome.evidence["prices"]) == ["basic.yearly", "pro.yearly"]
    assert price_paths(sandbox) == [
        "/v1/prices/price_live_basic_yearly",
        "/v1/prices/price_live_pro_yearly",
    ]


def test_test_price_in_the_live_mapping_fails_saying_so(sandbox, make_ctx: ContextFactory) -> None:
    ctx = make_ctx(sandbox.url, values=mapping_with(pro__monthly="price_test_pro_monthly"))
    outcome = run("stripe.prices", ctx)
    assert outcome.status is Status.FAIL
    assert "pro.monthly -> price_test_pro_monthly exists only in test mode" in outcome.message
    assert "holds a test-mode price id" in outcome.message
    assert "basic.monthly" not in outcome.message  # the healthy keys are not blamed


def test_unknown_price_fails_with_stripes_message(sandbox, make_ctx: ContextFactory) -> None:
    ctx = make_ctx(sandbox.url, values=mapping_with(basic__monthly="price_doesNotExist"))
    outcome = run("stripe.prices", ctx)
    assert outcome.status is Status.FAIL
    assert "No such price: 'price_doesNotExist'" in outcome.message
    assert "exists only" not in outcome.message


def broken_state(**price_fields: Any) -> dict[str, Any]:
    state = demo_state(WEBHOOK_URL)
    for price in state["live"]["prices"]:
        if price["id"] == "price_live_pro_yearly":
            price.update(price_fields)
    return state


def test_inactive_price_fails(make_sandbox: SandboxFactory, make_ctx: ContextFactory) -> None:
    sandbox = make_sandbox(broken_state(active=False))
    outcome = run("stripe.prices", make_ctx(sandbox.url))
    assert outcome.status is Status.FAIL
    assert "pro.yearly -> price_live_pro_yearly is archived (inactive)" in outcome.message


def test_yearly_key_mapped_to_a_monthly_price_fails(sandbox, make_ctx: ContextFactory) -> None:
    ctx = make_ctx(sandbox.url, values=mapping_with(basic__yearly="price_live_basic_monthly"))
    outcome = run("stripe.prices", ctx)
    assert outcome.status is Status.FAIL
    assert (
        "basic.yearly -> price_live_basic_monthly bills every month, but basic.yearly needs "
        "a yearly price" in outcome.message
    )


def test_quarterly_price_under_a_monthly_key_fails(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    state = demo_state(WEBHOOK_URL)
    state["live"]["prices"][0]["recurring"] = {"interval": "month", "interval_count": 3}
    sandbox = make_sandbox(state)
    outcome = run("stripe.prices", make_ctx(sandbox.url), keys=["basic.monthly"])
    assert outcome.status is Status.FAIL
    assert "every 3 months" in outcome.message


def test_one_time_price_fails(make_sandbox: SandboxFactory, make_ctx: ContextFactory) -> None:
    sandbox = make_sandbox(broken_state(recurring=None))
    outcome = run("stripe.prices", make_ctx(sandbox.url), keys=["pro.yearly"])
    assert outcome.status is Status.FAIL
    assert "one-time price" in outcome.message


def test_currency_must_agree(make_sandbox: SandboxFactory, make_ctx: ContextFactory) -> None:
    sandbox = make_sandbox(broken_state(currency="eur"))
    ctx = make_ctx(sandbox.url)
    disagree = run("stripe.prices", ctx)
    assert disagree.status is Status.FAIL
    assert "disagree on currency" in disagree.message
    expected = run("stripe.prices", ctx, currency="USD", keys=["pro.*"])
    assert expected.status is Status.FAIL
    assert "pro.yearly: currency eur, expected usd" in expected.message


@pytest.mark.parametrize(("required", "status"), [(True, Status.FAIL), (False, Status.SKIP)])
def test_no_matching_key(sandbox, make_ctx: ContextFactory, required: bool, status: Status) -> None:
    outcome = run("stripe.prices", make_ctx(sandbox.url), keys=["team.*"], required=required)
    assert outcome.status is status
    assert "no key of STRIPE_PLAN_PRICE_MAPPING_LIVE matches team.*" in outcome.message
    assert price_paths(sandbox) == []


def test_mapping_not_set_fails(sandbox, make_ctx: ContextFactory) -> None:
    ctx = make_ctx(sandbox.url, values={"STRIPE_PLAN_PRICE_MAPPING_LIVE": ""})
    outcome = run("stripe.prices", ctx)
    assert outcome.status is Status.FAIL
    assert outcome.message == "STRIPE_PLAN_PRICE_MAPPING_LIVE is not set"


def test_invalid_mapping_is_an_error(sandbox, make_ctx: ContextFactory) -> None:
    ctx = make_ctx(sandbox.url, values={"STRIPE_PLAN_PRICE_MAPPING_LIVE": "{basic"})
    outcome = run("stripe.prices", ctx)
    assert outcome.status is Status.ERROR
    assert "not valid JSON" in outcome.message


def test_a_price_under_two_keys_is_retrieved_once(sandbox, make_ctx: ContextFactory) -> None:
    values = {
        "STRIPE_PLAN_PRICE_MAPPING_LIVE": json.dumps(
            {
                "basic.monthly": "price_live_basic_monthly",
                "legacy.monthly": "price_live_basic_monthly",
            }
        )
    }
    outcome = run("stripe.prices", make_ctx(sandbox.url, values=values))
    assert outcome.status is Status.PASS, outcome.message
    assert price_paths(sandbox) == ["/v1/prices/price_live_basic_monthly"]


def test_prices_from_a_sql_query(sandbox, make_ctx: ContextFactory, tmp_path: Any) -> None:
    import sqlite3

    from sqlalchemy import create_engine

    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table plans (tier text, billing_period text, stripe_price_id text)")
        conn.executemany(
            "insert into plans values (?, ?, ?)",
            [
                ("basic", "monthly", "price_live_basic_monthly"),
                ("pro", "yearly", "price_test_pro_yearly"),
            ],
        )
    url = f"sqlite:///{db}"
    ctx = make_ctx(sandbox.url)
    ctx = type(ctx)(**{**ctx.__dict__, "env": _with_database(ctx.env, url)})
    # The run's shared engine for that URL, as ctx.db() would build it.
    ctx.clients.get(("db", url), lambda: create_engine(url), lambda e: e.dispose())
    outcome = run(
        "stripe.prices", ctx, sql="select tier, billing_period, stripe_price_id from plans"
    )
    assert outcome.status is Status.FAIL
    assert "pro.yearly -> price_test_pro_yearly exists only in test mode" in outcome.message
    assert outcome.evidence["source"] == "the price query"


def test_sql_must_be_a_single_select(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.prices", make_ctx(sandbox.url), sql="delete from plans")
    assert outcome.status is Status.ERROR
    assert "one SELECT" in outcome.message


def _with_database(env: Any, url: str) -> Any:
    from golive.environment import Interpolated

    return type(env)(**{**env.__dict__, "database_url": Interpolated(url)})
