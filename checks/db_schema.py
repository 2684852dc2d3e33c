"""Probes of the database's schema: tables and columns; and what every db probe shares.

Any SQLAlchemy URL (PostgreSQL, MySQL, SQLite), through `golive.values.db`: read-only sessions,
connect and statement timeouts, and errors (unreachable, bad credentials, missing
driver) that become `error` with the password masked. Probes only inspect the schema and
SELECT; they never write. The row, plan and migration probes (db_rows, db_plans,
db_migrations) reuse the reflection helpers here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from golive.core.interpolation import interpolate
from golive.core.results import Outcome, Status
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams
from golive.values.db import driver_note, reading, shown

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection, Engine

Scalar = str | int | float | bool | None
TypeFamily = Literal[
    "string", "boolean", "integer", "numeric", "datetime", "date", "json", "uuid", "enum", "any"
]


class DbParams(ProbeParams):
    db_schema: str | None = Field(
        None, description="Database schema (PostgreSQL) the tables are in; default search path."
    )


def url_evidence(url: str) -> dict[str, str]:
    """Where a probe looked: the URL (password masked), and a note if golive changed its
    driver (an async app's URL is read with the sync driver of the same database)."""
    evidence = {"database": shown(url)}
    note = driver_note(url)
    if note:
        evidence["driver"] = note
    return evidence


# -- several databases (tenants) ---------------------------------------------------------

#: how messages name the environment's `database_url` beside its named `databases`
DEFAULT_DATABASE = "default"


class TenantParams(DbParams):
    databases: list[str] | None = Field(
        None,
        description="Which of the environment's databases to examine, by name "
        f"({DEFAULT_DATABASE!r} is database_url); default: database_url and every one "
        "named under `databases:`.",
    )


@dataclass(frozen=True)
class Database:
    """One database an item examines: the environment's database_url, or a named one."""

    name: str
    url: str


def _lookup(ctx: ProbeContext) -> dict[str, str]:
    """The values `${VAR}` in a profile reads, as golive.values.environment.resolve builds them."""
    lookup = {k: v.reveal() for k, v in ctx.env.config.items()}
    for key, done in ctx.env.vars.items():
        if done.value is not None:
            lookup.setdefault(key, done.value)
    return lookup


def databases(ctx: ProbeContext, only: list[str] | None = None) -> list[Database]:
    """The databases of the environment: its database_url ('default') and the named ones.

    Without named databases this is database_url alone, and a missing one is an error.
    """
    named = dict(ctx.env.profile.databases)
    if not named:
        if only and set(only) - {DEFAULT_DATABASE}:
            others = ", ".join(sorted(set(only) - {DEFAULT_DATABASE}))
            raise ProbeError(
                f"environment {ctx.env.name!r} names no databases {others} "
                "(it has only database_url)"
            )
        return [Database(DEFAULT_DATABASE, ctx.database_url())]
    found: list[Database] = []
    if ctx.env.database_url.value is not None or (only and DEFAULT_DATABASE in only):
        found.append(Database(DEFAULT_DATABASE, ctx.database_url()))
    lookup = _lookup(ctx)
    for name, raw in named.items():
        done = interpolate(raw, lookup)
        if done.value is None:
            if only is None or name in only:
                raise ProbeError(
                    f"environment {ctx.env.name!r}: database {name!r} needs "
                    f"{', '.join(sorted(set(done.missing)))}, not set in {ctx.env.config.origin}"
                )
            continue
        found.append(Database(name, done.value))
    if only is not None:
        known = {d.name for d in found} | set(named) | {DEFAULT_DATABASE}
        unknown = [n for n in only if n not in known]
        if unknown:
            raise ProbeError(
                f"environment {ctx.env.name!r} has no database {', '.join(unknown)} "
                f"(it has: {', '.join(sorted(known))})"
            )
        found = [d for d in found if d.name in only]
    return found


#: the worse outcome wins when several databases are judged: a failure anywhere fails,
#: a database that could not be read makes the item undecided, never pass
_RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2, Status.SKIP: 3, Status.PASS: 4}


def on_each_database(
    ctx: ProbeContext,
    only: list[str] | None,
    judge: Callable[[Engine], Outcome],
) -> Outcome:
    """Judge every database of the item and combine: each finding names its database.

    With one database the outcome is the judge's, with where it looked in its evidence.
    """
    targets = databases(ctx, only)
    results: list[tuple[Database, Outcome]] = []
    for target in targets:
        try:
            outcome = judge(ctx.db(target.url))
        except ProbeError as exc:
            outcome = Outcome.error(str(exc))
        evidence = {**url_evidence(target.url), **outcome.evidence}
        results.append((target, Outcome(outcome.status, outcome.message, evidence)))
    if len(results) == 1 and not ctx.env.profile.databases:
        only_one = results[0][1]
        if only_one.status is Status.ERROR:
            raise ProbeError(only_one.message)
        return only_one
    status = min((o.status for _, o in results), key=lambda s: _RANK.get(s, 1))
    names = ", ".join(d.name for d, _ in results)
    per_db = {d.name: {"status": str(o.status), **o.evidence} for d, o in results}
    worst = [(d, o) for d, o in results if o.status is status]
    if status is Status.PASS:
        messages = {o.message for _, o in results}
        if len(messages) == 1:
            text = f"in each of {len(results)} database(s) ({names}): {messages.pop()}"
        else:
            text = "; ".join(f"[{d.name}] {o.message}" for d, o in results)
        return Outcome(status, text, {"examined": names, "databases": per_db})
    text = "; ".join(f"[{d.name}] {o.message}" for d, o in worst)
    fine = [d.name for d, o in results if o.status is Status.PASS]
    if fine:
        text += f" (fine in {', '.join(fine)})"
    text += f"; examined {names}"
    return Outcome(status, text, {"examined": names, "databases": per_db})


def table_names(conn: Connection, schema: str | None) -> set[str]:
    from sqlalchemy import inspect

    inspector = inspect(conn)
    return set(inspector.get_table_names(schema=schema)) | set(
        inspector.get_view_names(schema=schema)
    )


def find(name: str, names: Iterable[str]) -> str | None:
    """`name` as the database spells it: exact, else case-insensitively."""
    names = list(names)
    if name in names:
        return name
    lowered = {n.lower(): n for n in names}
    return lowered.get(name.lower())


def reflect(conn: Connection, name: str, schema: str | None) -> Table | None:
    """The table as it is in the database, or None if it does not exist."""
    from sqlalchemy import MetaData, Table

    actual = find(name, table_names(conn, schema))
    if actual is None:
        return None
    return Table(actual, MetaData(), schema=schema, autoload_with=conn)


def find_column(table: Table, name: str) -> Any:
    actual = find(name, table.columns.keys())
    return None if actual is None else table.columns[actual]


# -- db.tables ---------------------------------------------------------------------------


class TablesParams(TenantParams):
    tables: list[str] = Field(min_length=1, description="Tables (or views) that must exist.")
    optional: bool = Field(
        False, description="Missing tables warn instead of fail (tables needed only if used)."
    )


class Tables(Probe[TablesParams]):
    kind = "db.tables"
    Params = TablesParams
    summary = "The tables exist in the deployment's database (in each of its databases)."

    def run(self, params: TablesParams, ctx: ProbeContext) -> Outcome:
        return on_each_database(ctx, params.databases, lambda engine: self._judge(params, engine))

    def _judge(self, params: TablesParams, engine: Engine) -> Outcome:
        with reading(engine) as conn:
            names = table_names(conn, params.db_schema)
        missing = [t for t in params.tables if find(t, names) is None]
        present = [t for t in params.tables if t not in missing]
        evidence = {"present": present, "missing": missing}
        if not missing:
            return Outcome.passed(f"tables exist: {', '.join(present)}", **evidence)
        listed = ", ".join(missing)
        if params.optional:
            return Outcome.warn(
                f"missing table(s): {listed}; fine if the app does not use them, otherwise "
                "run the migrations that create them",
                **evidence,
            )
        return Outcome.failed(
            f"missing table(s): {listed}; run the migrations that create them",
            **evidence,
        )


# -- db.columns --------------------------------------------------------------------------


class ColumnsParams(TenantParams):
    table: str
    columns: dict[str, TypeFamily] = Field(
        min_length=1,
        description="Column name -> type family (string, boolean, integer, numeric, "
        "datetime, date, json, uuid, enum, any).",
    )


def type_matches(family: str, column_type: Any, dialect: str) -> bool:
    """Whether a reflected SQLAlchemy type belongs to a family (enums count as strings)."""
    from sqlalchemy import types

    if family == "any":
        return True
    if family == "string":
        return isinstance(column_type, types.String | types.Enum)
    if family == "enum":
        return isinstance(column_type, types.Enum)
    if family == "boolean":
        if isinstance(column_type, types.Boolean):
            return True
        # MySQL's BOOLEAN is TINYINT(1).
        return dialect in ("mysql", "mariadb") and isinstance(column_type, types.Integer)
    if family == "integer":
        return isinstance(column_type, types.Integer)
    if family == "numeric":
        return isinstance(column_type, types.Numeric | types.Integer)
    if family == "datetime":
        return isinstance(column_type, types.DateTime)
    if family == "date":
        return isinstance(column_type, types.Date)
    if family == "json":
        return isinstance(column_type, types.JSON)
    if family == "uuid":
        return isinstance(column_type, types.Uuid)
    raise ValueError(f"unknown type family {family!r}")


class Columns(Probe[ColumnsParams]):
    kind = "db.columns"
    Params = ColumnsParams
    summary = "The table has the columns, each of a compatible type."

    def run(self, params: ColumnsParams, ctx: ProbeContext) -> Outcome:
        return on_each_database(ctx, params.databases, lambda engine: self._judge(params, engine))

    def _judge(self, params: ColumnsParams, engine: Engine) -> Outcome:
        with reading(engine) as conn:
            table = reflect(conn, params.table, params.db_schema)
        if table is None:
            return Outcome.failed(
                f"table {params.table} does not exist; run the migrations that create it"
            )
        missing: list[str] = []
        wrong: list[str] = []
        found: dict[str, str] = {}
        for name, family in params.columns.items():
            column = find_column(table, name)
            if column is None:
                missing.append(name)
                continue
            found[name] = str(column.type)
            if not type_matches(family, column.type, engine.dialect.name):
                wrong.append(f"{name} is {column.type}, expected {family}")
        evidence = {"table": params.table, "types": found}
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if wrong:
            problems.append("; ".join(wrong))
        if problems:
            return Outcome.failed(
                f"{params.table}: {'; '.join(problems)}; apply the migration that adds "
                "(or converts) them",
                missing=missing,
                wrong_type=wrong,
                **evidence,
            )
        return Outcome.passed(
            f"{params.table} has {', '.join(params.columns)} with compatible types", **evidence
        )
