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

from golive.context import ProbeContext
from golive.results import Status
from golive.sandbox.stripe_server import demo_mapping

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

    from golive.pricemap import PriceSource

    with pytest.raises(ValidationError, match="exactly one of var, sql, prices"):
        PriceSource(var="A", prices={"basic.monthly": "price_1"})
    with pytest.raises(ValidationError, match=r"expected tier\.cycle"):
        PriceSource(prices={"basic": "price_1"})
