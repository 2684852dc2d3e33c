"""The ledgers of migration tools other than alembic and Django: where each records what
it applied, and which files of the repository's migration folder those entries are.

Each tool's table and columns, what one entry is, and the files of the folder are in
LEDGERS below and in docs/database-repo-env-probes.md; liquibase's changelog files are
not read (compare it with another environment or an expected id).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive.core.truthy import truthy
from golive.engine.probe import ProbeError

from .db_schema import find_column, reflect

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.schema import Table


@dataclass(frozen=True)
class Ledger:
    table: str
    upgrade: str
    read: Callable[[Connection, Table], set[str]]
    files: Callable[[Path], dict[str, str]] | None  # entry -> file, for messages
    schemas: tuple[str | None, ...] = (None,)


def _column(table: Table, name: str) -> Any:
    column = find_column(table, name)
    if column is None:
        raise ProbeError(f"{table.name} has no column {name}: is it the migration tool's?")
    return column


def _values(conn: Connection, table: Table, name: str, where: Any = None) -> set[str]:
    from sqlalchemy import select

    query = select(_column(table, name))
    if where is not None:
        query = query.where(where)
    return {str(r[0]) for r in conn.execute(query).all() if r[0] is not None}


def _prisma(conn: Connection, table: Table) -> set[str]:
    finished, rolled = _column(table, "finished_at"), _column(table, "rolled_back_at")
    return _values(conn, table, "migration_name", finished.is_not(None) & rolled.is_(None))


def _flyway(conn: Connection, table: Table) -> set[str]:
    from sqlalchemy import select

    rows = conn.execute(select(_column(table, "version"), _column(table, "success"))).all()
    return {str(v) for v, ok in rows if v is not None and truthy(ok)}


def _goose(conn: Connection, table: Table) -> set[str]:
    from sqlalchemy import select

    query = select(_column(table, "version_id"), _column(table, "is_applied"))
    state: dict[str, bool] = {}
    for version, applied in conn.execute(query.order_by(_column(table, "id"))).all():
        state[str(version)] = truthy(applied)  # the last row of a version says
    return {v for v, on in state.items() if on and v != "0"}


def _named(folder: Path, pattern: str, key: Callable[[re.Match[str]], str]) -> dict[str, str]:
    rx = re.compile(pattern)
    found: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        match = rx.match(path.name)
        if match and path.is_file():
            found[key(match)] = path.name
    return found


def _drizzle_files(folder: Path) -> dict[str, str]:
    journal = folder / "meta" / "_journal.json"
    try:
        entries = json.loads(journal.read_text(encoding="utf-8")).get("entries", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise ProbeError(f"cannot read Drizzle's journal {journal}: {exc}") from None
    return {str(e["when"]): f"{e.get('tag', e['when'])}.sql" for e in entries if "when" in e}


def _prisma_files(folder: Path) -> dict[str, str]:
    return {p.name: p.name for p in sorted(folder.iterdir()) if (p / "migration.sql").is_file()}


LEDGERS: dict[str, Ledger] = {
    "drizzle": Ledger(
        "__drizzle_migrations",
        "drizzle-kit migrate",
        lambda c, t: _values(c, t, "created_at"),
        _drizzle_files,
        ("drizzle", None),
    ),
    "prisma": Ledger("_prisma_migrations", "prisma migrate deploy", _prisma, _prisma_files),
    "knex": Ledger(
        "knex_migrations",
        "knex migrate:latest",
        lambda c, t: _values(c, t, "name"),
        lambda f: _named(f, r"^[^.].*\.(js|ts|mjs|cjs)$", lambda m: m.group(0)),
    ),
    "rails": Ledger(
        "schema_migrations",
        "bin/rails db:migrate",
        lambda c, t: _values(c, t, "version"),
        lambda f: _named(f, r"^(\d+)_\w+\.rb$", lambda m: m.group(1)),
    ),
    "laravel": Ledger(
        "migrations",
        "php artisan migrate --force",
        lambda c, t: _values(c, t, "migration"),
        lambda f: _named(f, r"^(\w+)\.php$", lambda m: m.group(1)),
    ),
    "flyway": Ledger(
        "flyway_schema_history",
        "flyway migrate",
        _flyway,
        lambda f: _named(f, r"^V([\d_.]+)__.+\.sql$", lambda m: m.group(1).replace("_", ".")),
    ),
    "liquibase": Ledger(
        "databasechangelog", "liquibase update", lambda c, t: _values(c, t, "id"), None
    ),
    "goose": Ledger(
        "goose_db_version",
        "goose up",
        _goose,
        lambda f: _named(f, r"^(\d+)_\w+\.(sql|go)$", lambda m: str(int(m.group(1)))),
    ),
}


def read_ledger(
    conn: Connection, tool: str, table: str | None, schema: str | None
) -> set[str] | None:
    """The entries `tool` recorded as applied; None when its table does not exist."""
    ledger = LEDGERS[tool]
    for candidate in (schema,) if schema else ledger.schemas:
        try:
            found = reflect(conn, table or ledger.table, candidate)
        except Exception:
            continue
        if found is not None:
            return ledger.read(conn, found)
    return None


def migration_files(tool: str, folder: Path) -> dict[str, str]:
    """The migrations of the repository's folder, entry -> file; ProbeError when none."""
    ledger = LEDGERS[tool]
    if ledger.files is None:
        raise ProbeError(
            f"golive cannot list {tool}'s migrations from files: compare with expected, "
            "expected_var or another environment"
        )
    if not folder.is_dir():
        raise ProbeError(f"migrations_dir {folder} is not a folder")
    found = ledger.files(folder)
    if not found:
        raise ProbeError(f"no {tool} migration files in {folder}")
    return found
