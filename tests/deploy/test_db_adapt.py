"""Database probes on apps unlike the reference one: async driver URLs, row bounds,
several databases per environment (tenants). Real SQLite files and a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.core.results import Status
from golive.sandbox.app.config import HEAD_REVISION
from golive.sandbox.app.database import seed_database

from .helpers import make_context, run_probe

TABLES = {"tables": ["subscription_plans", "user_subscriptions"]}


# -- async driver URLs ----------------------------------------------------------------------


def test_an_aiosqlite_url_is_read_with_the_sync_driver(tmp_path: Path, sqlite_url: str) -> None:
    seed_database(sqlite_url)
    url = sqlite_url.replace("sqlite://", "sqlite+aiosqlite://")
    ctx = make_context(tmp_path / "ctx", {"DATABASE_URL": url})
    out = run_probe("db.tables", ctx, **TABLES)
    assert out.status is Status.PASS, out.message
    assert "sqlite+aiosqlite:// is an async driver" in out.evidence["driver"]
    assert "with sqlite://" in out.evidence["driver"]
    out = run_probe("db.rows", ctx, table="subscription_plans", where={"tier": "PRO"})
    assert out.status is Status.PASS and "aiosqlite" in out.evidence["driver"]


def test_a_plain_url_has_no_driver_note(tmp_path: Path, sqlite_url: str) -> None:
    seed_database(sqlite_url)
    out = run_probe("db.tables", make_context(tmp_path, {"DATABASE_URL": sqlite_url}), **TABLES)
    assert out.status is Status.PASS and "driver" not in out.evidence


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("scheme", "note"),
    [
        ("postgresql+asyncpg://", "postgresql+asyncpg:// is an async driver"),
        ("postgres://", "postgres:// read as postgresql+psycopg://"),
    ],
)
def test_asyncpg_and_postgres_urls_reach_postgresql(
    tmp_path: Path, pg_url: str, scheme: str, note: str
) -> None:
    seed_database(pg_url)
    url = pg_url.replace("postgresql://", scheme)
    ctx = make_context(tmp_path, {"DATABASE_URL": url})
    for kind, params in [
        ("db.tables", TABLES),
        ("db.rows", {"table": "subscription_plans", "min": 4}),
        ("db.migration_head", {"expected": HEAD_REVISION}),
        ("db.plans_cover_mapping", {"exempt_tiers": ["FREE"]}),
    ]:
        out = run_probe(kind, ctx, **params)
        assert out.status is Status.PASS, out.message
        assert note in out.evidence["driver"]
        assert "postgresql+psycopg" in out.evidence["driver"]


# -- db.rows: min, max, exactly -----------------------------------------------------------------

# The seeded plans: BASIC, PRO and FREE active, ENTERPRISE inactive (4 rows, 3 active).
ROW_CASES = [
    ({"table": "subscription_plans", "min": 4}, Status.PASS, "has 4 row(s)"),
    ({"table": "subscription_plans", "min": 5}, Status.FAIL, "has 4 row(s), needs at least 5"),
    ({"table": "subscription_plans", "max": 4}, Status.PASS, "has 4 row(s)"),
    ({"table": "subscription_plans", "max": 3}, Status.FAIL, "expected at most 3"),
    ({"table": "subscription_plans", "min": 1, "max": 2}, Status.FAIL, "expected between 1 and 2"),
    (
        {"table": "subscription_plans", "where": {"is_active": True}, "exactly": 3},
        Status.PASS,
        "has 3 row(s) with is_active = true",
    ),
    ({"table": "subscription_plans", "exactly": 2}, Status.FAIL, "expected exactly 2"),
    ({"table": "subscription_plans", "exactly": 5}, Status.FAIL, "needs exactly 5"),
    (
        {"sql": "SELECT * FROM subscription_plans WHERE monthly_price_cents < 0", "exactly": 0},
        Status.PASS,
        "the query has no row(s), as required",
    ),
    (
        {"sql": "SELECT * FROM subscription_plans WHERE is_active = false", "exactly": 0},
        Status.FAIL,
        "the query has 1 row(s), expected none: rows that must not exist here are present",
    ),
    (
        {"table": "subscription_plans", "where": {"tier": "enterprise"}, "max": 0},
        Status.FAIL,
        "expected none",
    ),
    (
        {"table": "subscription_plans", "per_column": "tier", "values": ["BASIC", "PRO"], "max": 1},
        Status.PASS,
        "for every tier",
    ),
    (
        {
            "table": "subscription_plans",
            "per_column": "tier",
            "values": ["BASIC", "STARTER"],
            "exactly": 0,
        },
        Status.FAIL,
        "more rows than allowed (none) for tier BASIC (found BASIC: 1, STARTER: 0)",
    ),
    ({"table": "subscription_plans", "min_rows": 4}, Status.PASS, "has 4 row(s)"),
]


@pytest.mark.parametrize(("params", "status", "fragment"), ROW_CASES)
def test_rows_bounds(
    tmp_path: Path, db_url: str, params: dict[str, Any], status: Status, fragment: str
) -> None:
    seed_database(db_url)
    out = run_probe("db.rows", make_context(tmp_path, {"DATABASE_URL": db_url}), **params)
    assert out.status is status, out.message
    assert fragment in out.message


@pytest.mark.parametrize(
    "params",
    [
        {"table": "t", "exactly": 0, "max": 1},
        {"table": "t", "exactly": 1, "min": 1},
        {"table": "t", "min": 3, "max": 2},
        {"table": "t", "min": 1, "min_rows": 1},
        {"table": "t", "max": -1},
    ],
)
def test_rows_bounds_that_contradict_are_refused_at_load(params: dict[str, Any]) -> None:
    from golive.checks.db_rows import RowsParams

    with pytest.raises(ValueError):
        RowsParams.model_validate(params)


# -- several databases (tenants) ---------------------------------------------------------------


def _tenants(tmp_path: Path, broken: str | None = None) -> Any:
    urls = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in ("main", "acme", "globex")}
    for name, url in urls.items():
        seed_database(url, ["missing-fraud-warnings"] if name == broken else [])
    return make_context(
        tmp_path / "ctx",
        {"DATABASE_URL": urls["main"], "GLOBEX_DB": urls["globex"]},
        databases={"acme": urls["acme"], "globex": "${GLOBEX_DB}"},
    )


def test_tenants_each_database_is_examined_and_named(tmp_path: Path) -> None:
    ctx = _tenants(tmp_path)
    out = run_probe("db.tables", ctx, tables=["fraud_warnings"])
    assert out.status is Status.PASS, out.message
    assert "in each of 3 database(s) (default, acme, globex)" in out.message
    assert set(out.evidence["databases"]) == {"default", "acme", "globex"}
    assert out.evidence["databases"]["globex"]["database"].endswith("globex.db")


def test_tenants_one_broken_tenant_fails_the_item_and_is_named(tmp_path: Path) -> None:
    ctx = _tenants(tmp_path, broken="globex")
    out = run_probe("db.tables", ctx, tables=["fraud_warnings"])
    assert out.status is Status.FAIL
    assert out.message.startswith("[globex] missing table(s): fraud_warnings")
    assert "fine in default, acme" in out.message
    assert "examined default, acme, globex" in out.message
    out = run_probe("db.tables", ctx, tables=["fraud_warnings"], databases=["default", "acme"])
    assert out.status is Status.PASS and "(default, acme)" in out.message
    out = run_probe("db.rows", ctx, table="fraud_warnings", databases=["globex"])
    assert out.status is Status.FAIL and "[globex] table fraud_warnings does not exist" in (
        out.message
    )


def test_tenants_rows_counted_per_database(tmp_path: Path) -> None:
    ctx = _tenants(tmp_path)
    out = run_probe("db.rows", ctx, table="subscription_plans", exactly=4)
    assert out.status is Status.PASS and "in each of 3 database(s)" in out.message
    out = run_probe("db.rows", ctx, table="subscription_plans", exactly=3)
    assert out.status is Status.FAIL and "[default]" in out.message and "[acme]" in out.message


def test_tenants_an_unreadable_or_unset_tenant_is_an_error_never_pass(tmp_path: Path) -> None:
    main = f"sqlite:///{tmp_path / 'main.db'}"
    seed_database(main)
    ctx = make_context(
        tmp_path / "ctx",
        {"DATABASE_URL": main},
        databases={"gone": f"sqlite:///{tmp_path / 'gone.db'}"},
    )
    out = run_probe("db.tables", ctx, tables=["subscription_plans"])
    assert out.status is Status.ERROR
    assert "[gone]" in out.message and "SQLite file does not exist" in out.message
    assert not (tmp_path / "gone.db").exists()
    unset = make_context(
        tmp_path / "ctx2", {"DATABASE_URL": main}, databases={"t1": "${TENANT_ONE_URL}"}
    )
    out = run_probe("db.tables", unset, tables=["subscription_plans"])
    assert out.status is Status.ERROR and "database 't1' needs TENANT_ONE_URL" in out.message
    out = run_probe("db.tables", ctx, tables=["subscription_plans"], databases=["nope"])
    assert out.status is Status.ERROR and "has no database nope" in out.message


def test_tenant_named_default_is_refused() -> None:
    from golive.checklist.profiles import EnvironmentProfile

    with pytest.raises(ValueError, match="'default' names database_url"):
        EnvironmentProfile.model_validate({"mode": "live", "databases": {"default": "x"}})


# -- db.plans_cover_mapping: tiers without a price by design -----------------------------------


def test_a_free_tier_fails_unless_exempt(tmp_path: Path, db_url: str) -> None:
    seed_database(db_url)  # FREE is active with no price, like most apps' free tier
    ctx = make_context(tmp_path, {"DATABASE_URL": db_url})
    out = run_probe("db.plans_cover_mapping", ctx)
    assert out.status is Status.FAIL
    assert "active tier(s) FREE have no price" in out.message
    assert "exempt_tiers or exempt_where" in out.message
    for params in ({"exempt_tiers": ["free"]}, {"exempt_where": "monthly_price_cents = 0"}):
        out = run_probe("db.plans_cover_mapping", ctx, **params)
        assert out.status is Status.PASS, out.message
        assert "every active tier (BASIC, PRO) has a price" in out.message
        assert "FREE exempt (no price by design)" in out.message


def test_an_exemption_does_not_hide_another_unsold_tier(tmp_path: Path, sqlite_url: str) -> None:
    seed_database(sqlite_url, ["unsold-tier"])
    ctx = make_context(tmp_path, {"DATABASE_URL": sqlite_url})
    out = run_probe("db.plans_cover_mapping", ctx, exempt_where="monthly_price_cents = 0")
    assert out.status is Status.FAIL
    assert "active tier(s) ENTERPRISE have no price" in out.message and "FREE" not in out.message


def test_a_broken_exempt_condition_is_an_error_or_refused(tmp_path: Path, sqlite_url: str) -> None:
    from golive.checks.db_plans import PlansCoverMappingParams

    seed_database(sqlite_url)
    ctx = make_context(tmp_path, {"DATABASE_URL": sqlite_url})
    out = run_probe("db.plans_cover_mapping", ctx, exempt_where="no_such_column = 0")
    assert out.status is Status.ERROR and "no_such_column" in out.message
    with pytest.raises(ValueError, match="one SQL condition"):
        PlansCoverMappingParams.model_validate({"exempt_where": "1=1; DROP TABLE x"})
