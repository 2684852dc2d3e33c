"""Probes of the database's schema: tables and columns; and what every db probe shares.

Any SQLAlchemy URL (PostgreSQL, MySQL, SQLite), through `golive.db`: read-only sessions,
connect and statement timeouts, and errors (unreachable, bad credentials, missing
driver) that become `error` with the password masked. Probes only inspect the schema and
SELECT; they never write. The row, plan and migration probes (db_rows, db_plans,
db_migrations) reuse the reflection helpers here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from golive.context import ProbeContext
from golive.db import reading, shown
from golive.probe import Probe, ProbeParams
from golive.results import Outcome

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

Scalar = str | int | float | bool | None
TypeFamily = Literal[
    "string", "boolean", "integer", "numeric", "datetime", "date", "json", "uuid", "enum", "any"
]
TRUE_VALUES = frozenset({"true", "t", "1", "yes", "y", "on"})


class DbParams(ProbeParams):
    db_schema: str | None = Field(
        None, description="Database schema (PostgreSQL) the tables are in; default search path."
    )


def location(ctx: ProbeContext) -> str:
    return shown(ctx.database_url())


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


def truthy(value: Any) -> bool:
    if isinstance(value, bool | int):
        return bool(value)
    return str(value).strip().lower() in TRUE_VALUES


# -- db.tables ---------------------------------------------------------------------------


class TablesParams(DbParams):
    tables: list[str] = Field(min_length=1, description="Tables (or views) that must exist.")
    optional: bool = Field(
        False, description="Missing tables warn instead of fail (tables needed only if used)."
    )


class Tables(Probe[TablesParams]):
    kind = "db.tables"
    Params = TablesParams
    summary = "The tables exist in the deployment's database."

    def run(self, params: TablesParams, ctx: ProbeContext) -> Outcome:
        with reading(ctx.db()) as conn:
            names = table_names(conn, params.db_schema)
        missing = [t for t in params.tables if find(t, names) is None]
        present = [t for t in params.tables if t not in missing]
        evidence = {"database": location(ctx), "present": present, "missing": missing}
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


class ColumnsParams(DbParams):
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
        engine = ctx.db()
        with reading(engine) as conn:
            table = reflect(conn, params.table, params.db_schema)
        if table is None:
            return Outcome.failed(
                f"table {params.table} does not exist; run the migrations that create it",
                database=location(ctx),
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
        evidence = {"database": location(ctx), "table": params.table, "types": found}
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
