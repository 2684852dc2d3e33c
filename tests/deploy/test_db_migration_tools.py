"""db.migration_head / db.same_revision with the ledgers of Drizzle, Prisma, Knex, Rails,
Laravel, Flyway, Liquibase and goose: the tool's own table as the tool writes it, against
the repository's migration folder; and prod judged against the folder with no staging.
Real SQLite and PostgreSQL databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from golive.core.results import Status
from golive.engine.loader import load_checklist

from .helpers import make_context, run_probe


def execute(url: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from golive.values.db import with_default_driver

    engine = create_engine(with_default_driver(make_url(url)))
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


JOURNAL = {"entries": [{"idx": 0, "when": 1700000000001, "tag": "0000_init"},
                       {"idx": 1, "when": 1700000000002, "tag": "0001_prices"}]}  # fmt: skip


def case(tool: str, pg: bool) -> dict[str, Any]:
    """Per tool: its table with the first migration applied, and two files (the second
    not applied)."""
    drizzle = "drizzle." if pg else ""
    return {
        "drizzle": {
            "sql": (["CREATE SCHEMA IF NOT EXISTS drizzle"] if pg else [])
            + [f"CREATE TABLE {drizzle}__drizzle_migrations (id INTEGER, hash TEXT, created_at BIGINT)",
               f"INSERT INTO {drizzle}__drizzle_migrations VALUES (1, 'h', 1700000000001)"],
            "dir": "drizzle",
            "files": {"drizzle/meta/_journal.json": json.dumps(JOURNAL),
                      "drizzle/0000_init.sql": "", "drizzle/0001_prices.sql": ""},
            "pending": "0001_prices.sql",
        },
        "prisma": {
            "sql": ["CREATE TABLE _prisma_migrations (id TEXT, migration_name TEXT, "
                    "finished_at TIMESTAMP, rolled_back_at TIMESTAMP)",
                    "INSERT INTO _prisma_migrations VALUES ('a', '20240101_init', CURRENT_TIMESTAMP, NULL)",
                    "INSERT INTO _prisma_migrations VALUES ('b', '20240102_prices', NULL, NULL)"],
            "dir": "prisma/migrations",
            "files": {"prisma/migrations/20240101_init/migration.sql": "",
                      "prisma/migrations/20240102_prices/migration.sql": "",
                      "prisma/migrations/migration_lock.toml": ""},
            "pending": "20240102_prices",  # started, never finished: not applied
        },
        "knex": {
            "sql": ["CREATE TABLE knex_migrations (id INTEGER, name TEXT, batch INTEGER)",
                    "INSERT INTO knex_migrations VALUES (1, '20240101_init.js', 1)"],
            "dir": "migrations",
            "files": {"migrations/20240101_init.js": "", "migrations/20240102_prices.js": ""},
            "pending": "20240102_prices.js",
        },
        "rails": {
            "sql": ["CREATE TABLE schema_migrations (version VARCHAR(255))",
                    "INSERT INTO schema_migrations VALUES ('20240101000000')"],
            "dir": "db/migrate",
            "files": {"db/migrate/20240101000000_create_users.rb": "",
                      "db/migrate/20240102000000_add_prices.rb": ""},
            "pending": "20240102000000_add_prices.rb",
        },
        "laravel": {
            "sql": ["CREATE TABLE migrations (id INTEGER, migration VARCHAR(255), batch INTEGER)",
                    "INSERT INTO migrations VALUES (1, '2014_10_12_000000_create_users_table', 1)"],
            "dir": "database/migrations",
            "files": {"database/migrations/2014_10_12_000000_create_users_table.php": "",
                      "database/migrations/2024_01_02_000000_add_prices.php": ""},
            "pending": "2024_01_02_000000_add_prices.php",
        },
        "flyway": {
            "sql": ["CREATE TABLE flyway_schema_history (installed_rank INTEGER, version VARCHAR(50), "
                    "script VARCHAR(1000), success BOOLEAN)",
                    "INSERT INTO flyway_schema_history VALUES (1, '1', 'V1__init.sql', TRUE)",
                    "INSERT INTO flyway_schema_history VALUES (2, '1.1', 'V1_1__prices.sql', FALSE)"],
            "dir": "db/migration",
            "files": {"db/migration/V1__init.sql": "", "db/migration/V1_1__prices.sql": ""},
            "pending": "V1_1__prices.sql",  # failed: not applied
        },
        "goose": {
            "sql": ["CREATE TABLE goose_db_version (id INTEGER, version_id BIGINT, is_applied BOOLEAN)",
                    "INSERT INTO goose_db_version VALUES (1, 0, TRUE)",
                    "INSERT INTO goose_db_version VALUES (2, 1, TRUE)",
                    "INSERT INTO goose_db_version VALUES (3, 2, TRUE)",
                    "INSERT INTO goose_db_version VALUES (4, 2, FALSE)"],  # rolled back
            "dir": "migrations",
            "files": {"migrations/00001_init.sql": "", "migrations/00002_prices.sql": ""},
            "pending": "00002_prices.sql",
        },
    }[tool]  # fmt: skip


TOOLS = ["drizzle", "prisma", "knex", "rails", "laravel", "flyway", "goose"]


@pytest.mark.parametrize("tool", TOOLS)
def test_each_tool_s_ledger_against_the_repository_s_folder(
    tmp_path: Path, db_url: str, tool: str
) -> None:
    spec = case(tool, db_url.startswith("postgresql"))
    execute(db_url, *spec["sql"])
    write(tmp_path, spec["files"])
    ctx = make_context(tmp_path, {"DATABASE_URL": db_url})
    out = run_probe("db.migration_head", ctx, tool=tool, migrations_dir=spec["dir"])
    assert out.status is Status.FAIL, out.message
    assert f"1 {tool} migration(s)" in out.message and spec["pending"] in out.message
    pending = next(f for f in spec["files"] if spec["pending"] in f)
    if tool == "drizzle":  # the journal lists the migrations
        one = {"entries": JOURNAL["entries"][:1]}
        write(tmp_path, {"drizzle/meta/_journal.json": json.dumps(one)})
    else:
        (tmp_path / pending).unlink()
    out = run_probe("db.migration_head", ctx, tool=tool, migrations_dir=spec["dir"])
    assert out.status is Status.PASS, out.message
    assert f"all 1 {tool} migrations" in out.message


def test_a_missing_ledger_table_fails_naming_the_tool_s_command(
    tmp_path: Path, sqlite_url: str
) -> None:
    execute(sqlite_url, "CREATE TABLE users (id INTEGER)")
    write(tmp_path, {"prisma/migrations/20240101_init/migration.sql": ""})
    ctx = make_context(tmp_path, {"DATABASE_URL": sqlite_url})
    out = run_probe("db.migration_head", ctx, tool="prisma", migrations_dir="prisma/migrations")
    assert out.status is Status.FAIL
    assert "no _prisma_migrations table" in out.message and "prisma migrate deploy" in out.message


def test_liquibase_compares_with_staging(tmp_path: Path, db_url: str) -> None:
    staging = f"sqlite:///{tmp_path / 'staging.db'}"
    ddl = "CREATE TABLE databasechangelog (id VARCHAR(255), author VARCHAR(255), filename VARCHAR(255))"
    execute(db_url, ddl, "INSERT INTO databasechangelog VALUES ('1', 'a', 'c.xml')")
    execute(staging, ddl, "INSERT INTO databasechangelog VALUES ('1', 'a', 'c.xml')",
            "INSERT INTO databasechangelog VALUES ('2', 'a', 'c.xml')")  # fmt: skip
    ctx = make_context(tmp_path, {"DATABASE_URL": db_url}, name="prod",
                       others={"staging": {"DATABASE_URL": staging}})  # fmt: skip
    out = run_probe("db.same_revision", ctx, other="staging", tool="liquibase")
    assert out.status is Status.FAIL and "liquibase update" in out.message


def test_prod_without_staging_is_judged_against_the_folder(tmp_path: Path, sqlite_url: str) -> None:
    spec = case("rails", False)
    execute(sqlite_url, *spec["sql"])
    write(tmp_path, spec["files"])
    ctx = make_context(tmp_path, {"DATABASE_URL": sqlite_url}, name="prod")
    out = run_probe("db.same_revision", ctx, tool="rails", migrations_dir="db/migrate")
    assert out.status is Status.FAIL
    assert "there is no other environment to compare with" in out.message
    assert "20240102000000_add_prices.rb" in out.message and "bin/rails db:migrate" in out.message
    out = run_probe("db.same_revision", ctx, tool="rails")
    assert out.status is Status.SKIP and "migrations_dir" in out.message


def test_golive_yaml_without_staging_keeps_3_2b_on_the_folder(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    overlay = tmp_path / "golive.yaml"
    overlay.write_text(
        f"extend: {root / 'checklist.yaml'}\nenvironments: {{staging: null}}\n"
        "inputs: {migration_tool: knex, migrations_dir: migrations}\n",
        encoding="utf-8",
    )
    items = {i.id: i for i in load_checklist(overlay).checklist.items}
    assert not items["3.2b"].disabled
    assert items["3.2b"].probe.params["other"] is None
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        f"extend: {root / 'checklist.yaml'}\nenvironments: {{staging: null}}\n", encoding="utf-8"
    )
    items = {i.id: i for i in load_checklist(plain).checklist.items}
    assert "no staging to compare with" in str(items["3.2b"].disabled)
