"""Database probes against the reference app's database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from golive.core.results import Outcome, Status
from golive.engine.probe import ProbeError
from golive.sandbox.app.config import HEAD_REVISION, PREVIOUS_REVISION
from golive.sandbox.app.database import seed_database
from golive.values.db import DatabaseError, build_engine, reading

from .helpers import make_context, run_probe

USER_SUB_COLUMNS = {
    "stripe_customer_id": "string",
    "stripe_subscription_id": "string",
    "status": "string",
    "is_active": "boolean",
}
PLANS_PER_TIER = {"table": "subscription_plans", "per_column": "tier", "values": ["BASIC", "PRO"]}


def ctx_for(tmp_path: Path, url: str, **values: str) -> Any:
    return make_context(tmp_path / "ctx", {"DATABASE_URL": url, **values})


def probe(tmp_path: Path, url: str, kind: str, **params: Any) -> Outcome:
    return run_probe(kind, ctx_for(tmp_path, url), **params)


HEALTHY = [
    ("db.tables", {"tables": ["subscription_plans", "user_subscriptions", "fraud_warnings"]}),
    ("db.tables", {"tables": ["api_usage_logs", "usage_summaries"], "optional": True}),
    ("db.columns", {"table": "user_subscriptions", "columns": USER_SUB_COLUMNS}),
    ("db.rows", PLANS_PER_TIER),
    ("db.rows", {**PLANS_PER_TIER, "where": {"is_active": True}}),
    ("db.rows", {"table": "subscription_plans", "where": {"tier": "basic", "is_active": True}}),
    ("db.rows", {"sql": "SELECT * FROM user_subscriptions WHERE status = 'ACTIVE'"}),
    ("db.plans_cover_mapping", {"exempt_tiers": ["free"]}),
    ("db.plans_cover_mapping", {"exempt_where": "monthly_price_cents = 0"}),
    ("db.migration_head", {"expected": HEAD_REVISION}),
    ("db.migration_head", {"expected_var": "GOLIVE_MIGRATION_HEAD"}),
]


@pytest.mark.parametrize(
    ("kind", "params"), HEALTHY, ids=[f"{k}-{i}" for i, (k, _) in enumerate(HEALTHY)]
)
def test_healthy_database_passes(
    tmp_path: Path, db_url: str, kind: str, params: dict[str, Any]
) -> None:
    seed_database(db_url)
    ctx = ctx_for(tmp_path, db_url, GOLIVE_MIGRATION_HEAD=HEAD_REVISION)
    out = run_probe(kind, ctx, **params)
    assert out.status is Status.PASS, out.message


# (break switch, probe kind, params, expected status, fragments of the message)
BROKEN = [
    (
        "missing-subscription-tables",
        "db.tables",
        {"tables": ["subscription_plans", "user_subscriptions"]},
        Status.FAIL,
        ["missing table(s): user_subscriptions", "run the migrations"],
    ),
    (
        "missing-fraud-warnings",
        "db.tables",
        {"tables": ["fraud_warnings"]},
        Status.FAIL,
        ["missing table(s): fraud_warnings"],
    ),
    (
        "missing-usage-tables",
        "db.tables",
        {"tables": ["api_usage_logs", "usage_summaries"], "optional": True},
        Status.WARN,
        ["api_usage_logs, usage_summaries", "if the app does not use them"],
    ),
    (
        "missing-columns",
        "db.columns",
        {"table": "user_subscriptions", "columns": USER_SUB_COLUMNS},
        Status.FAIL,
        ["missing column(s) stripe_subscription_id", "is_active is VARCHAR(10), expected boolean"],
    ),
    (
        "missing-subscription-tables",
        "db.columns",
        {"table": "user_subscriptions", "columns": USER_SUB_COLUMNS},
        Status.FAIL,
        ["table user_subscriptions does not exist"],
    ),
    (
        "missing-plan",
        "db.rows",
        PLANS_PER_TIER,
        Status.FAIL,
        ["lacks a row for tier PRO", "BASIC: 1, PRO: 0", "insert"],
    ),
    (
        "inactive-plan",
        "db.rows",
        {**PLANS_PER_TIER, "where": {"is_active": True}},
        Status.FAIL,
        ["with is_active = true for tier PRO"],
    ),
    (
        "inactive-plan",
        "db.plans_cover_mapping",
        {"exempt_tiers": ["FREE"]},
        Status.FAIL,
        ["sells pro (row PRO is inactive)", "insert or activate"],
    ),
    (
        "missing-plan",
        "db.plans_cover_mapping",
        {"exempt_tiers": ["FREE"]},
        Status.FAIL,
        ["sells pro (no row)"],
    ),
    (
        "unsold-tier",
        "db.plans_cover_mapping",
        {"exempt_tiers": ["FREE"]},
        Status.FAIL,
        [
            "active tier(s) ENTERPRISE have no price in STRIPE_PLAN_PRICE_MAPPING_TEST",
            "enterprise.monthly",
        ],
    ),
    (
        "old-migration",
        "db.migration_head",
        {"expected": HEAD_REVISION},
        Status.FAIL,
        [f"at revision {PREVIOUS_REVISION}, the head is {HEAD_REVISION}", "alembic upgrade head"],
    ),
]


@pytest.mark.parametrize(
    ("brk", "kind", "params", "status", "fragments"),
    BROKEN,
    ids=[f"{b}-{k}" for b, k, *_ in BROKEN],
)
def test_each_database_break_is_caught(
    tmp_path: Path,
    db_url: str,
    brk: str,
    kind: str,
    params: dict[str, Any],
    status: Status,
    fragments: list[str],
) -> None:
    seed_database(db_url, [brk])
    out = probe(tmp_path, db_url, kind, **params)
    assert out.status is status, out.message
    for fragment in fragments:
        assert fragment in out.message


def test_a_missing_table_fails_even_for_the_row_probes(tmp_path: Path, sqlite_url: str) -> None:
    seed_database(sqlite_url, ["missing-subscription-tables"])
    out = probe(
        tmp_path, sqlite_url, "db.rows", table="user_subscriptions", where={"status": "ACTIVE"}
    )
    assert out.status is Status.FAIL and "table user_subscriptions does not exist" in out.message
    out = probe(
        tmp_path, sqlite_url, "db.rows", table="subscription_plans", where={"colour": "red"}
    )
    assert out.status is Status.FAIL and "has no column colour" in out.message


def test_rows_min_rows_and_case_sensitivity(tmp_path: Path, db_url: str) -> None:
    seed_database(db_url)
    out = probe(tmp_path, db_url, "db.rows", table="user_subscriptions", min_rows=3)
    assert out.status is Status.FAIL and "has 2 row(s), needs at least 3" in out.message
    out = probe(
        tmp_path,
        db_url,
        "db.rows",
        table="subscription_plans",
        where={"tier": "basic"},
        case_sensitive=True,
    )
    assert out.status is Status.FAIL
    out = probe(tmp_path, db_url, "db.rows", sql="SELECT 1 AS x WHERE 1 = 0")
    assert out.status is Status.FAIL and "the query has 0 row(s)" in out.message


@pytest.mark.parametrize(
    "params",
    [
        {"sql": "DELETE FROM subscription_plans"},
        {"sql": "SELECT 1; DROP TABLE subscription_plans"},
        {"table": "t", "sql": "SELECT 1"},
        {"table": "t", "per_column": "tier"},
        {},
    ],
)
def test_rows_params_refuse_writes_and_half_specified_items(params: dict[str, Any]) -> None:
    from golive.checks.db_rows import RowsParams

    with pytest.raises(ValueError):
        RowsParams.model_validate(params)


def test_plans_cover_mapping_needs_a_valid_mapping(tmp_path: Path, sqlite_url: str) -> None:
    seed_database(sqlite_url)
    ctx = ctx_for(tmp_path, sqlite_url, STRIPE_PLAN_PRICE_MAPPING_TEST="{not json")
    out = run_probe("db.plans_cover_mapping", ctx)
    assert (
        out.status is Status.ERROR
        and "STRIPE_PLAN_PRICE_MAPPING_TEST: not valid JSON" in out.message
    )
    out = run_probe("db.plans_cover_mapping", ctx, mapping_var="NOT_SET_ANYWHERE")
    assert out.status is Status.ERROR and "NOT_SET_ANYWHERE is not set" in out.message


def test_plans_cover_mapping_compares_tiers_case_insensitively(
    tmp_path: Path, sqlite_url: str
) -> None:
    seed_database(sqlite_url)  # tiers stored 'BASIC', 'PRO'; the mapping says basic, pro
    mapping = json.dumps({"basic.monthly": "price_1", "Pro.monthly": "price_2"})
    ctx = ctx_for(tmp_path, sqlite_url, STRIPE_PLAN_PRICE_MAPPING_TEST=mapping)
    out = run_probe("db.plans_cover_mapping", ctx, exempt_tiers=["Free"])
    assert out.status is Status.PASS, out.message
    assert out.evidence["active_tiers"] == ["BASIC", "FREE", "PRO"]


def test_migration_head_from_an_alembic_versions_folder(tmp_path: Path, sqlite_url: str) -> None:
    seed_database(sqlite_url)
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "001_plans.py").write_text(
        f'revision = "{PREVIOUS_REVISION}"\ndown_revision = None\n', encoding="utf-8"
    )
    (versions / "002_efw.py").write_text(
        f'revision: str = "{HEAD_REVISION}"\ndown_revision: str | None = "{PREVIOUS_REVISION}"\n',
        encoding="utf-8",
    )
    ctx = make_context(tmp_path, {"DATABASE_URL": sqlite_url})
    out = run_probe("db.migration_head", ctx, versions_dir="migrations/versions")
    assert out.status is Status.PASS, out.message
    (versions / "003_next.py").write_text(
        f'revision = "9c0ffee00001"\ndown_revision = "{HEAD_REVISION}"\n', encoding="utf-8"
    )
    out = run_probe("db.migration_head", ctx, versions_dir="migrations/versions")
    assert out.status is Status.FAIL and "the head is 9c0ffee00001" in out.message


def test_migration_head_without_a_head_to_compare_warns_or_errors(
    tmp_path: Path, sqlite_url: str
) -> None:
    seed_database(sqlite_url)
    ctx = ctx_for(tmp_path, sqlite_url)
    out = run_probe("db.migration_head", ctx)
    assert out.status is Status.WARN and f"at revision {HEAD_REVISION}" in out.message
    out = run_probe("db.migration_head", ctx, expected_var="GOLIVE_MIGRATION_HEAD")
    assert out.status is Status.ERROR and "GOLIVE_MIGRATION_HEAD is not set" in out.message


def test_migration_head_fails_when_migrations_never_ran(tmp_path: Path, sqlite_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE subscription_plans (id INTEGER)"))
    engine.dispose()
    out = probe(tmp_path, sqlite_url, "db.migration_head", expected=HEAD_REVISION)
    assert out.status is Status.FAIL and "no alembic_version table" in out.message


@pytest.mark.postgres
def test_same_revision_across_two_postgres_databases(
    tmp_path: Path, pg_url: str, sqlite_url: str
) -> None:
    seed_database(pg_url)  # prod, on PostgreSQL
    seed_database(sqlite_url, ["old-migration"])  # staging, behind
    ctx = make_context(
        tmp_path,
        {"DATABASE_URL": pg_url},
        name="prod",
        others={"staging": {"DATABASE_URL": sqlite_url}},
    )
    out = run_probe("db.same_revision", ctx, other="staging")
    assert out.status is Status.FAIL
    assert f"prod is at {HEAD_REVISION} but staging is at {PREVIOUS_REVISION}" in out.message
    seed_database(sqlite_url)
    out = run_probe("db.same_revision", ctx, other="staging")
    assert out.status is Status.PASS and f"both at {HEAD_REVISION}" in out.message


def test_same_revision_cases(tmp_path: Path, sqlite_url: str) -> None:
    seed_database(sqlite_url)
    other_url = f"sqlite:///{tmp_path / 'staging.db'}"
    seed_database(other_url, ["old-migration"])
    ctx = make_context(
        tmp_path,
        {"DATABASE_URL": sqlite_url},
        name="prod",
        others={"staging": {"DATABASE_URL": other_url}},
    )
    assert run_probe("db.same_revision", ctx, other="staging").status is Status.FAIL
    same = make_context(
        tmp_path,
        {"DATABASE_URL": sqlite_url},
        name="prod",
        others={"staging": {"DATABASE_URL": sqlite_url}},
    )
    out = run_probe("db.same_revision", same, other="staging")
    assert out.status is Status.WARN and "use the same database" in out.message
    nourl = make_context(
        tmp_path, {"DATABASE_URL": sqlite_url}, name="prod", others={"staging": {}}
    )
    out = run_probe("db.same_revision", nourl, other="staging")
    assert out.status is Status.ERROR and "needs DATABASE_URL" in out.message


# -- the database cannot be reached: error, never pass, no password -------------------------


ALL_DB_PROBES = [
    ("db.tables", {"tables": ["subscription_plans"]}),
    ("db.columns", {"table": "user_subscriptions", "columns": USER_SUB_COLUMNS}),
    ("db.rows", PLANS_PER_TIER),
    ("db.plans_cover_mapping", {}),
    ("db.migration_head", {"expected": HEAD_REVISION}),
]


def _assert_error_without(out: Outcome, password: str, *fragments: str) -> None:
    assert out.status is Status.ERROR, out.message
    text = out.message + json.dumps(out.evidence, default=str)
    assert password not in text
    for fragment in fragments:
        assert fragment in out.message


@pytest.mark.parametrize(("kind", "params"), ALL_DB_PROBES)
def test_missing_sqlite_file_is_an_error_and_is_not_created(
    tmp_path: Path, kind: str, params: dict[str, Any]
) -> None:
    path = tmp_path / "nowhere.db"
    out = probe(tmp_path, f"sqlite:///{path}", kind, **params)
    _assert_error_without(out, "\0", "SQLite file does not exist")
    assert not path.exists()


@pytest.mark.postgres
@pytest.mark.parametrize(("kind", "params"), ALL_DB_PROBES)
def test_postgres_bad_password_is_an_error_that_never_shows_it(
    tmp_path: Path, pg_url: str, kind: str, params: dict[str, Any]
) -> None:
    from sqlalchemy.engine import make_url

    wrong = "Wr0ngPassw0rdGolive"
    url = make_url(pg_url).set(password=wrong).render_as_string(hide_password=False)
    out = probe(tmp_path, url, kind, **params)
    _assert_error_without(out, wrong, "refused the credentials", "check the user name and password")
    real = make_url(pg_url).password
    assert real and str(real) not in out.message
    assert "…(sha256:" in out.message  # the URL is shown, its password masked


@pytest.mark.postgres
def test_postgres_down_is_an_error_within_the_timeout(tmp_path: Path, pg_url: str) -> None:
    import socket
    import time

    from sqlalchemy.engine import make_url

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    parsed = make_url(pg_url)
    url = parsed.set(port=port).render_as_string(hide_password=False)
    start = time.monotonic()
    out = probe(tmp_path, url, "db.tables", tables=["subscription_plans"])
    assert time.monotonic() - start < 5
    _assert_error_without(out, str(parsed.password), "cannot connect", "is the server running")


@pytest.mark.postgres
def test_postgres_unknown_database_is_an_error(tmp_path: Path, pg_url: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(pg_url).set(database="no_such_db").render_as_string(hide_password=False)
    out = probe(tmp_path, url, "db.tables", tables=["x"])
    _assert_error_without(out, str(make_url(pg_url).password), '"no_such_db" does not exist')


def test_missing_driver_and_bad_url_are_errors_without_the_password(tmp_path: Path) -> None:
    out = probe(
        tmp_path, "mysql+nosuchdriver://app:S3cretPassw0rd@db/app", "db.tables", tables=["x"]
    )
    _assert_error_without(out, "S3cretPassw0rd", "no database driver")
    out = probe(tmp_path, "mysql://app:S3cretPassw0rd@db/app", "db.tables", tables=["x"])
    _assert_error_without(out, "S3cretPassw0rd", "pip install pymysql")


# -- read-only by construction --------------------------------------------------------------


def _try_write(url: str) -> None:
    from sqlalchemy import text

    engine = build_engine(url, timeout=3)
    try:
        with reading(engine) as conn:
            conn.execute(text("UPDATE subscription_plans SET is_active = false"))
            conn.commit()
    finally:
        engine.dispose()


def test_engines_cannot_write(db_url: str) -> None:
    seed_database(db_url)
    with pytest.raises(DatabaseError, match=r"read-only|readonly"):
        _try_write(db_url)
    from sqlalchemy import create_engine, text

    from golive.sandbox.app.database import app_engine

    engine = app_engine(db_url)
    with engine.connect() as conn:
        active = conn.execute(
            text("SELECT count(*) FROM subscription_plans WHERE is_active")
        ).scalar()
    engine.dispose()
    assert active == 3
    assert create_engine  # the app's own engine writes; golive's never does


def test_database_error_is_a_probe_error() -> None:
    assert issubclass(DatabaseError, ProbeError)
