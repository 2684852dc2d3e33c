"""Every price probe reads the same typed price source: a JSON mapping in a variable
(nested or flat), a read-only SQL query over the app's database, or a literal list."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from golive.core.results import Status
from golive.engine.context import ProbeContext
from golive.sandbox.stripe.demo import demo_mapping

from .stripe_helpers import ContextFactory, run

ENTRIES = json.loads(demo_mapping("live"))
FLAT = {f"{t}.{c}": p for t, cycles in ENTRIES.items() for c, p in cycles.items()}


def source_ctx(
    kind: str, ctx: ProbeContext, tmp_path: Path, flat: dict[str, str] = FLAT
) -> tuple[ProbeContext, dict[str, Any]]:
    """A context and the `source:` parameter for one kind of price source."""
    if kind == "nested var":
        return ctx, {"var": "STRIPE_PLAN_PRICE_MAPPING_LIVE"}
    if kind == "flat var":
        return ctx, {"var": "FLAT_PRICES"}
    if kind == "literal":
        return ctx, {"prices": flat}
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table plans (tier text, cycle text, price text)")
        conn.executemany(
            "insert into plans values (?, ?, ?)",
            [(*key.split("."), price) for key, price in flat.items()],
        )
    url = f"sqlite:///{db}"
    ctx.clients.get(("db", url), lambda: create_engine(url), lambda e: e.dispose())
    env = replace(ctx.env, database_url=replace(ctx.env.database_url, value=url))
    return replace(ctx, env=env), {"sql": "select tier, cycle, price from plans"}


KINDS = ["nested var", "flat var", "sql", "literal"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "params",
    [
        {"keys": ["basic.monthly"], "check": "prices"},
        {"keys": ["pro.monthly"], "check": "prices"},
        {"keys": ["*.yearly"], "check": "prices"},
        {"check": "mode_ids"},
        {},
    ],
)
def test_stripe_price_items_read_every_source(
    sandbox: Any, make_ctx: ContextFactory, tmp_path: Path, kind: str, params: dict[str, Any]
) -> None:
    ctx = make_ctx(sandbox.url, values={"FLAT_PRICES": json.dumps(FLAT)})
    ctx, source = source_ctx(kind, ctx, tmp_path)
    outcome = run("stripe.prices", ctx, source=source, **params)
    assert outcome.status is Status.PASS, outcome.message


@pytest.mark.parametrize("kind", KINDS)
def test_a_source_with_a_test_id_fails_2_2a_whatever_its_kind(
    sandbox: Any, make_ctx: ContextFactory, tmp_path: Path, kind: str
) -> None:
    flat = {**FLAT, "pro.monthly": "price_test_pro_monthly"}
    nested = {t: dict(c) for t, c in ENTRIES.items()}
    nested["pro"]["monthly"] = "price_test_pro_monthly"
    values = {"FLAT_PRICES": json.dumps(flat), "STRIPE_PLAN_PRICE_MAPPING_LIVE": json.dumps(nested)}
    ctx, source = source_ctx(kind, make_ctx(sandbox.url, values=values), tmp_path, flat)
    outcome = run("stripe.prices", ctx, source=source, check="mode_ids")
    assert outcome.status is Status.FAIL
    assert "pro.monthly -> price_test_pro_monthly exists only in test mode" in outcome.message


@pytest.mark.parametrize("kind", KINDS)
def test_env_price_mapping_reads_every_source(
    sandbox: Any, make_ctx: ContextFactory, tmp_path: Path, kind: str
) -> None:
    ctx = make_ctx(sandbox.url, values={"FLAT_PRICES": json.dumps(FLAT)})
    ctx, source = source_ctx(kind, ctx, tmp_path)
    outcome = run(
        "env.price_mapping", ctx, source=source, required_keys=["basic.monthly", "pro.monthly"]
    )
    assert outcome.status is Status.PASS, outcome.message
    missing = run("env.price_mapping", ctx, source=source, required_keys=["team.monthly"])
    assert missing.status is Status.FAIL
    assert "missing required key: team.monthly" in missing.message


def test_a_source_is_exactly_one_kind() -> None:
    from pydantic import ValidationError

    from golive.engine.pricemap import PriceSource

    with pytest.raises(ValidationError, match="exactly one of var, sql, prices"):
        PriceSource(var="A", prices={"basic.monthly": "price_1"})
    with pytest.raises(ValidationError, match=r"expected tier\.cycle"):
        PriceSource(prices={"basic": "price_1"})


# -- every price item of the packaged checklist, through the one `price_source` input --

LIVE_ITEMS = ["1.2d", "2.1a", "2.1b", "2.1c", "2.2a", "2.2c", "2.2d"]
TEST_ITEMS = ["2.2b", "2.2b.prices"]


def _deployment(folder: Path, sandbox_url: str, mode: str, flat: dict[str, str]) -> Path:
    """An env file and a database holding the same prices three ways: a nested JSON
    variable, a flat JSON variable and a table; plans BASIC, PRO and a free tier."""
    db = folder / f"{mode}.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table subscription_plans (tier text, is_active boolean)")
        conn.executemany(
            "insert into subscription_plans values (?, 1)", [("BASIC",), ("PRO",), ("FREE",)]
        )
        conn.execute("create table billing_prices (plan_key text, price_id text)")
        conn.executemany("insert into billing_prices values (?, ?)", sorted(flat.items()))
    nested: dict[str, dict[str, str]] = {}
    for key, price in flat.items():
        tier, cycle = key.split(".")
        nested.setdefault(tier, {})[cycle] = price
    from golive.sandbox.stripe.templates import DEFAULT_API_VERSION

    prefix = "live" if mode == "live" else "test"
    values = {
        "STRIPE_SECRET_KEY": f"sk_{prefix}_51GoLiveSandboxKeyQRSTUVWXYZ",  # golive:allow-secret
        "STRIPE_API_BASE": sandbox_url,
        "STRIPE_API_VERSION": DEFAULT_API_VERSION,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        f"STRIPE_PLAN_PRICE_MAPPING_{mode.upper()}": json.dumps(nested),
        f"FLAT_PRICES_{mode.upper()}": json.dumps(flat),
    }
    env_file = folder / f"{mode}.env"
    env_file.write_text("".join(f"{k}='{v}'\n" for k, v in values.items()), encoding="utf-8")
    return env_file


def _profile(folder: Path, kind: str, flat: dict[str, str]) -> Path:
    from conftest import REPO

    inputs: dict[str, Any] = {
        "nested var": {},  # the packaged default
        # Setting the variable's name alone moves the source (price_source's default
        # references price_mapping_var).
        "flat var": {"price_mapping_var": "FLAT_PRICES_{MODE}"},
        "sql": {"price_source": {"sql": "SELECT plan_key, price_id FROM billing_prices"}},
        "literal": {"price_source": {"prices": flat}},
    }[kind]
    profile = folder / "golive.yaml"
    profile.write_text(
        json.dumps({"extend": str(REPO / "checklist.yaml"), "inputs": inputs}), encoding="utf-8"
    )
    return profile


def _check(profile: Path, env: str, env_file: Path, items: list[str], out: Path) -> dict[str, Any]:
    from golive.cli import main

    main(
        [
            "check",
            "-c",
            str(profile),
            "--env",
            env,
            "--env-file",
            str(env_file),
            "--only",
            ",".join(items),
            "-q",
            "-f",
            f"json:{out}",
        ]
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    return {r["id"]: r for r in report["results"]}


@pytest.mark.parametrize("kind", KINDS)
def test_every_price_item_of_the_checklist_reads_the_price_source_input(
    sandbox: Any, tmp_path: Path, kind: str
) -> None:
    live = _deployment(tmp_path, sandbox.url, "live", FLAT)
    test_flat = {k: p.replace("price_live_", "price_test_") for k, p in FLAT.items()}
    profile = _profile(tmp_path, kind, FLAT)
    results = _check(profile, "prod", live, LIVE_ITEMS, tmp_path / "prod.json")
    for item in LIVE_ITEMS:
        assert results[item]["status"] == "pass", (item, results[item]["message"])
    if kind != "literal":  # a literal list is one mode's; staging would list its own
        staging = _deployment(tmp_path, sandbox.url, "test", test_flat)
        results = _check(profile, "staging", staging, TEST_ITEMS, tmp_path / "staging.json")
        for item in TEST_ITEMS:
            assert results[item]["status"] == "pass", (item, results[item]["message"])
    # The source is what the items read: a test id in it fails 2.2a, whatever its kind.
    bad = {**FLAT, "pro.monthly": "price_test_pro_monthly"}
    (tmp_path / "bad").mkdir()
    bad_env = _deployment(tmp_path / "bad", sandbox.url, "live", bad)
    results = _check(
        _profile(tmp_path / "bad", kind, bad), "prod", bad_env, ["2.2a"], tmp_path / "bad.json"
    )
    assert results["2.2a"]["status"] == "fail"
    assert (
        "pro.monthly -> price_test_pro_monthly exists only in test mode"
        in results["2.2a"]["message"]
    )


@pytest.mark.parametrize("kind", KINDS)
def test_plans_cover_mapping_reads_every_source(
    sandbox: Any, make_ctx: ContextFactory, tmp_path: Path, kind: str
) -> None:
    # Only basic is sold: the PRO plan row is active without a price (a finding).
    flat = {"basic.monthly": FLAT["basic.monthly"]}
    values = {
        "FLAT_PRICES": json.dumps(flat),
        "STRIPE_PLAN_PRICE_MAPPING_LIVE": json.dumps({"basic": {"monthly": flat["basic.monthly"]}}),
    }
    ctx, source = source_ctx(kind, make_ctx(sandbox.url, values=values), tmp_path, flat)
    url = ctx.env.database_url.value
    if url is None:  # the variable and list kinds: the plans live in a database of their own
        url = f"sqlite:///{tmp_path / 'app.db'}"
        ctx.clients.get(("db", url), lambda: create_engine(url), lambda e: e.dispose())
        env = replace(ctx.env, database_url=replace(ctx.env.database_url, value=url))
        ctx = replace(ctx, env=env)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("create table subscription_plans (tier text, is_active boolean)")
        conn.executemany("insert into subscription_plans values (?, ?)", [("BASIC", 1), ("PRO", 0)])
    outcome = run("db.plans_cover_mapping", ctx, source=source)
    assert outcome.status is Status.PASS, outcome.message
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("update subscription_plans set is_active = 1")
    outcome = run("db.plans_cover_mapping", ctx, source=source)
    assert outcome.status is Status.FAIL
    assert "active tier(s) PRO have no price in" in outcome.message


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("clean", [False, True])
def test_no_test_values_reads_test_prices_from_every_source(
    sandbox: Any, make_ctx: ContextFactory, tmp_path: Path, kind: str, clean: bool
) -> None:
    """9.1b: the test mode's price ids, from any kind of source, appear nowhere in
    production's values."""
    test_flat = {"basic.monthly": "price_T_basic", "pro.monthly": "price_T_pro"}
    live = demo_mapping("live") if clean else json.dumps({"basic": {"monthly": "price_T_basic"}})
    values = {
        "STRIPE_PLAN_PRICE_MAPPING_LIVE": live,
        # make_ctx's default holds the demo's test ids; this test's are price_T_*
        "STRIPE_PLAN_PRICE_MAPPING_TEST": demo_mapping("test"),
    }
    if kind == "nested var":
        values["STRIPE_PLAN_PRICE_MAPPING_TEST"] = json.dumps(
            {"basic": {"monthly": "price_T_basic"}, "pro": {"monthly": "price_T_pro"}}
        )
    if kind == "flat var":  # the test ids in a flat mapping of their own
        values["FLAT_PRICES"] = json.dumps(test_flat)
    ctx, test_source = source_ctx(kind, make_ctx(sandbox.url, values=values), tmp_path, test_flat)
    if kind == "nested var":
        test_source = {"var": "STRIPE_PLAN_PRICE_MAPPING_TEST"}
    outcome = run("env.no_test_values", ctx, test_prices=test_source)
    if clean:
        assert outcome.status is Status.PASS, outcome.message
        assert outcome.message.endswith("holds a test key or a test price id")
    else:
        assert outcome.status is Status.FAIL
        assert (
            "STRIPE_PLAN_PRICE_MAPPING_LIVE holds the test price of basic.monthly"
            in outcome.message
        )
        # The test source's own variable is not a finding.
        assert "FLAT_PRICES" not in outcome.message
        assert "STRIPE_PLAN_PRICE_MAPPING_TEST" not in outcome.message


@pytest.mark.parametrize("kind", ["sql", "literal"])
@pytest.mark.parametrize("clean", [False, True])
def test_no_test_values_scans_production_prices_kept_outside_variables(
    sandbox: Any, make_ctx: ContextFactory, tmp_path: Path, kind: str, clean: bool
) -> None:
    live = FLAT if clean else {**FLAT, "pro.monthly": "price_T_pro"}
    ctx, prices = source_ctx(kind, make_ctx(sandbox.url), tmp_path, live)
    test_prices = {"prices": {"pro.monthly": "price_T_pro"}}
    outcome = run("env.no_test_values", ctx, prices=prices, test_prices=test_prices)
    origin = "the price query" if kind == "sql" else "the checklist's price list"
    if clean:
        assert outcome.status is Status.PASS, outcome.message
        assert f"and {len(FLAT)} price(s) of {origin}" in outcome.message
    else:
        assert outcome.status is Status.FAIL
        assert f"{origin}: pro.monthly is the test price of pro.monthly" in outcome.message
