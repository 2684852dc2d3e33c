"""stripe.prices against the sandbox: the catalogue is listed (100 a page), and only ids
the listing did not show are retrieved, to learn Stripe's reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from golive.core.results import Status
from golive.sandbox.stripe.demo import demo_mapping, demo_state

from .stripe_helpers import WEBHOOK_URL, ContextFactory, SandboxFactory, run


def price_paths(sandbox: Any) -> list[str]:
    return sorted(r.path for r in sandbox.requests if r.path.startswith("/v1/prices"))


def mapping_with(**entries: str) -> dict[str, str]:
    mapping = json.loads(demo_mapping("live"))
    for key, price in entries.items():
        tier, cycle = key.split("__")
        mapping[tier][cycle] = price
    return {"STRIPE_PLAN_PRICE_MAPPING_LIVE": json.dumps(mapping)}


def test_healthy_mapping_passes_with_one_list_request(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.prices", make_ctx(sandbox.url))
    assert outcome.status is Status.PASS, outcome.message
    assert "4 mapped price(s) exist in live mode" in outcome.message
    assert outcome.evidence["mode"] == "live"
    assert price_paths(sandbox) == ["/v1/prices"]
    (listing,) = [r for r in sandbox.requests if r.path == "/v1/prices"]
    assert "limit=100" in listing.query


def test_test_mode_deployment_reads_the_test_mapping(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.prices", make_ctx(sandbox.url, mode="test"))
    assert outcome.status is Status.PASS, outcome.message
    assert outcome.evidence["source"] == "STRIPE_PLAN_PRICE_MAPPING_TEST"
    assert outcome.evidence["mode"] == "test"
    assert price_paths(sandbox) == ["/v1/prices"]


def test_keys_select_by_glob(sandbox, make_ctx: ContextFactory) -> None:
    outcome = run("stripe.prices", make_ctx(sandbox.url), keys=["*.yearly"])
    assert outcome.status is Status.PASS, outcome.message
    assert sorted(outcome.evidence["prices"]) == ["basic.yearly", "pro.yearly"]
    assert price_paths(sandbox) == ["/v1/prices"]


def test_test_price_in_the_live_mapping_fails_saying_so(sandbox, make_ctx: ContextFactory) -> None:
    ctx = make_ctx(sandbox.url, values=mapping_with(pro__monthly="price_test_pro_monthly"))
    outcome = run("stripe.prices", ctx)
    assert outcome.status is Status.FAIL
    assert "pro.monthly -> price_test_pro_monthly exists only in test mode" in outcome.message
    assert "holds a test-mode price id" in outcome.message
    assert "basic.monthly" not in outcome.message  # the healthy keys are not blamed
    # Only the ids the listing did not show are retrieved, for Stripe's reason.
    assert price_paths(sandbox) == ["/v1/prices", "/v1/prices/price_test_pro_monthly"]


def test_an_other_mode_id_is_the_mode_ids_check_alone(sandbox, make_ctx: ContextFactory) -> None:
    ctx = make_ctx(sandbox.url, values=mapping_with(pro__monthly="price_test_pro_monthly"))
    ids = run("stripe.prices", ctx, check="mode_ids")
    assert ids.status is Status.FAIL
    assert "holds a test-mode price id" in ids.message
    # The price items cannot judge that key, and say why; they blame nothing else.
    pro = run("stripe.prices", ctx, check="prices", keys=["pro.monthly"])
    assert pro.status is Status.ERROR
    assert "cannot judge pro.monthly -> price_test_pro_monthly" in pro.message
    basic = run("stripe.prices", ctx, check="prices", keys=["basic.monthly"])
    assert basic.status is Status.PASS, basic.message


def test_mode_ids_passes_on_other_price_faults(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(broken_state(active=False, currency="eur"))
    outcome = run("stripe.prices", make_ctx(sandbox.url), check="mode_ids")
    assert outcome.status is Status.PASS, outcome.message
    assert "no id of STRIPE_PLAN_PRICE_MAPPING_LIVE is a test-mode price" in outcome.message


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


def test_currency_is_judged_on_the_price_item(
    make_sandbox: SandboxFactory, make_ctx: ContextFactory
) -> None:
    sandbox = make_sandbox(broken_state(currency="eur"))
    ctx = make_ctx(sandbox.url)
    odd = run("stripe.prices", ctx, keys=["*.yearly"])
    assert odd.status is Status.FAIL
    assert (
        "pro.yearly -> price_live_pro_yearly is in eur, not usd (the currency of the "
        "mapping's other prices)" in odd.message
    )
    assert "basic.yearly" not in odd.message
    # The items of the other prices are not blamed for it.
    assert run("stripe.prices", ctx, keys=["*.monthly"]).status is Status.PASS
    expected = run("stripe.prices", ctx, currency="USD", keys=["pro.*"])
    assert expected.status is Status.FAIL
    assert "is in eur, not usd (the item's currency)" in expected.message


def test_a_currency_tie_says_so(make_sandbox: SandboxFactory, make_ctx: ContextFactory) -> None:
    state = demo_state(WEBHOOK_URL)
    for price in state["live"]["prices"]:
        if price["id"].endswith("yearly"):
            price["currency"] = "eur"
    outcome = run("stripe.prices", make_ctx(make_sandbox(state).url), keys=["basic.monthly"])
    assert outcome.status is Status.FAIL
    assert "disagree on currency (eur x2, usd x2): set currency: on the item" in outcome.message


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
    assert price_paths(sandbox) == ["/v1/prices"]


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


def test_sql_must_be_a_single_select() -> None:
    from pydantic import ValidationError

    from golive.engine.registry import load_probe

    for params in ({"sql": "delete from plans"}, {"source": {"sql": "select 1; drop t"}}):
        with pytest.raises(ValidationError, match="one SELECT"):
            load_probe("stripe.prices").Params.model_validate(params)


def _with_database(env: Any, url: str) -> Any:
    from golive.values.environment import Interpolated

    return type(env)(**{**env.__dict__, "database_url": Interpolated(url)})
