"""Probes of the deployment's database: tables, columns, rows, plans, migrations.

Any SQLAlchemy URL (PostgreSQL, MySQL, SQLite), through `golive.db`: read-only sessions,
connect and statement timeouts, and errors (unreachable, bad credentials, missing
driver) that become `error` with the password masked. Probes only inspect the schema and
SELECT; they never write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from golive.context import ProbeContext
from golive.db import reading, shown
from golive.pricemap import MappingError, parse_mapping
from golive.probe import Probe, ProbeError, ProbeParams
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


def _where(ctx: ProbeContext) -> str:
    return shown(ctx.database_url())


def _table_names(conn: Connection, schema: str | None) -> set[str]:
    from sqlalchemy import inspect

    inspector = inspect(conn)
    return set(inspector.get_table_names(schema=schema)) | set(
        inspector.get_view_names(schema=schema)
    )


def _find(name: str, names: Iterable[str]) -> str | None:
    """`name` as the database spells it: exact, else case-insensitively."""
    names = list(names)
    if name in names:
        return name
    lowered = {n.lower(): n for n in names}
    return lowered.get(name.lower())


def _reflect(conn: Connection, name: str, schema: str | None) -> Table | None:
    """The table as it is in the database, or None if it does not exist."""
    from sqlalchemy import MetaData, Table

    actual = _find(name, _table_names(conn, schema))
    if actual is None:
        return None
    return Table(actual, MetaData(), schema=schema, autoload_with=conn)


def _column(table: Table, name: str) -> Any:
    actual = _find(name, table.columns.keys())
    return None if actual is None else table.columns[actual]


def _truthy(value: Any) -> bool:
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
            names = _table_names(conn, params.db_schema)
        missing = [t for t in params.tables if _find(t, names) is None]
        present = [t for t in params.tables if t not in missing]
        evidence = {"database": _where(ctx), "present": present, "missing": missing}
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
            table = _reflect(conn, params.table, params.db_schema)
        if table is None:
            return Outcome.failed(
                f"table {params.table} does not exist; run the migrations that create it",
                database=_where(ctx),
            )
        missing: list[str] = []
        wrong: list[str] = []
        found: dict[str, str] = {}
        for name, family in params.columns.items():
            column = _column(table, name)
            if column is None:
                missing.append(name)
                continue
            found[name] = str(column.type)
            if not type_matches(family, column.type, engine.dialect.name):
                wrong.append(f"{name} is {column.type}, expected {family}")
        evidence = {"database": _where(ctx), "table": params.table, "types": found}
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


# -- db.rows -----------------------------------------------------------------------------


class RowsParams(DbParams):
    table: str | None = Field(None, description="The table to count rows in.")
    where: dict[str, Scalar] = Field(
        default_factory=dict,
        description="Column -> value the rows must have (strings compare case-insensitively "
        "unless case_sensitive; null means IS NULL).",
    )
    sql: str | None = Field(
        None, description="Instead of table/where: a SELECT whose rows are counted."
    )
    min_rows: int = Field(1, ge=1, description="Rows needed (per value, with per_column).")
    per_column: str | None = Field(
        None, description="Count separately for each of `values` in this column."
    )
    values: list[str | int | bool] | None = Field(
        None, description="With per_column: each value needs min_rows matching rows."
    )
    case_sensitive: bool = False

    @model_validator(mode="after")
    def _shape(self) -> RowsParams:
        if (self.table is None) == (self.sql is None):
            raise ValueError("give either table (with where/per_column) or sql")
        if self.sql is not None:
            if self.where or self.per_column:
                raise ValueError("sql cannot be combined with where or per_column")
            if not re.match(r"^\s*(select|with)\b", self.sql, re.IGNORECASE):
                raise ValueError("sql must be a SELECT (or WITH ... SELECT) query")
            if ";" in self.sql.strip().rstrip(";"):
                raise ValueError("sql must be a single statement")
        if (self.per_column is None) != (self.values is None):
            raise ValueError("per_column and values go together")
        return self


def _describe(where: dict[str, Scalar]) -> str:
    def value(v: Scalar) -> str:
        if v is None:
            return "null"
        if isinstance(v, bool):
            return str(v).lower()
        return str(v)

    return " and ".join(f"{k} = {value(v)}" for k, v in where.items())


class Rows(Probe[RowsParams]):
    kind = "db.rows"
    Params = RowsParams
    summary = "Enough rows match a condition (optionally for each of a list of values)."

    def run(self, params: RowsParams, ctx: ProbeContext) -> Outcome:
        if params.sql is not None:
            return self._sql(params, ctx)
        assert params.table is not None
        from sqlalchemy import String, cast, func, select

        with reading(ctx.db()) as conn:
            table = _reflect(conn, params.table, params.db_schema)
            if table is None:
                return Outcome.failed(
                    f"table {params.table} does not exist; run the migrations that create it",
                    database=_where(ctx),
                )
            wanted = [*params.where, *([params.per_column] if params.per_column else [])]
            unknown = [name for name in wanted if _column(table, name) is None]
            if unknown:
                return Outcome.failed(
                    f"{params.table} has no column {', '.join(unknown)}; apply the migration "
                    "that adds it (or fix the item's where/per_column)",
                    database=_where(ctx),
                )
            conditions = []
            for name, value in params.where.items():
                column = _column(table, name)
                if value is None:
                    conditions.append(column.is_(None))
                elif isinstance(value, str) and not params.case_sensitive:
                    conditions.append(func.lower(cast(column, String)) == value.lower())
                elif isinstance(value, str):
                    # As text: an enum column would refuse a value outside the enum.
                    conditions.append(cast(column, String) == value)
                else:
                    conditions.append(column == value)
            if params.per_column is None:
                count = conn.execute(
                    select(func.count()).select_from(table).where(*conditions)
                ).scalar_one()
                return self._verdict(params, ctx, int(count))
            column = _column(table, params.per_column)
            rows = conn.execute(
                select(column, func.count()).select_from(table).where(*conditions).group_by(column)
            ).all()
        return self._per_value(params, ctx, [(value, int(n)) for value, n in rows])

    def _norm(self, params: RowsParams, value: Any) -> str:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return text if params.case_sensitive else text.lower()

    def _per_value(
        self, params: RowsParams, ctx: ProbeContext, rows: list[tuple[Any, int]]
    ) -> Outcome:
        counts: dict[str, int] = {}
        for value, n in rows:
            key = self._norm(params, value)
            counts[key] = counts.get(key, 0) + n
        assert params.values is not None
        per = {str(v): counts.get(self._norm(params, v), 0) for v in params.values}
        short = [v for v, n in per.items() if n < params.min_rows]
        cond = f" with {_describe(params.where)}" if params.where else ""
        evidence = {"database": _where(ctx), "table": params.table, "rows_per_value": per}
        if short:
            need = "a row" if params.min_rows == 1 else f"{params.min_rows} rows"
            found = ", ".join(f"{v}: {n}" for v, n in per.items())
            return Outcome.failed(
                f"{params.table} lacks {need}{cond} for {params.per_column} "
                f"{', '.join(short)} (found {found}); insert or update those rows",
                missing=short,
                **evidence,
            )
        return Outcome.passed(
            f"{params.table} has rows{cond} for every {params.per_column}: "
            f"{', '.join(f'{v} ({n})' for v, n in per.items())}",
            **evidence,
        )

    def _sql(self, params: RowsParams, ctx: ProbeContext) -> Outcome:
        from sqlalchemy import text

        query = params.sql.strip().rstrip(";") if params.sql else ""
        with reading(ctx.db()) as conn:
            count = conn.execute(
                text(f"SELECT count(*) FROM ({query}) AS golive_rows")
            ).scalar_one()
        return self._verdict(params, ctx, int(count))

    def _verdict(self, params: RowsParams, ctx: ProbeContext, count: int) -> Outcome:
        what = params.table or "the query"
        cond = f" with {_describe(params.where)}" if params.where else ""
        evidence = {"database": _where(ctx), "rows": count}
        if count < params.min_rows:
            return Outcome.failed(
                f"{what} has {count} row(s){cond}, needs at least {params.min_rows}; "
                "insert or update the missing rows",
                **evidence,
            )
        return Outcome.passed(f"{what} has {count} row(s){cond}", **evidence)


# -- db.plans_cover_mapping -------------------------------------------------------------


class PlansCoverMappingParams(DbParams):
    mapping_var: str = Field(
        "STRIPE_PLAN_PRICE_MAPPING_{MODE}", description="Variable with the JSON price mapping."
    )
    table: str = "subscription_plans"
    tier_column: str = "tier"
    active_column: str | None = Field(
        "is_active", description="Boolean column; null: every row is active."
    )


class PlansCoverMapping(Probe[PlansCoverMappingParams]):
    kind = "db.plans_cover_mapping"
    Params = PlansCoverMappingParams
    summary = (
        "Every active plan tier in the database has a price in the mapping, and every tier "
        "the mapping sells has an active plan row (case-insensitive)."
    )

    def run(self, params: PlansCoverMappingParams, ctx: ProbeContext) -> Outcome:
        name = ctx.expand(params.mapping_var)
        raw = ctx.var(name)
        if raw is None:
            raise ProbeError(
                f"{name} is not set in {ctx.env.config.origin}: cannot compare the plans with it"
            )
        try:
            mapping = parse_mapping(raw.reveal())
        except MappingError as exc:
            raise ProbeError(f"{name}: {exc}") from None
        sold = {t.lower(): t for t in mapping.tiers()}

        from sqlalchemy import select

        with reading(ctx.db()) as conn:
            table = _reflect(conn, params.table, params.db_schema)
            if table is None:
                return Outcome.failed(
                    f"table {params.table} does not exist; run the migrations",
                    database=_where(ctx),
                )
            tier = _column(table, params.tier_column)
            active = _column(table, params.active_column) if params.active_column else None
            if tier is None or (params.active_column and active is None):
                lacking = params.tier_column if tier is None else params.active_column
                return Outcome.failed(
                    f"{params.table} has no column {lacking}; fix the schema or the item",
                    database=_where(ctx),
                )
            columns = [tier] if active is None else [tier, active]
            rows = conn.execute(select(*columns)).all()
        all_tiers: dict[str, str] = {}
        active_tiers: dict[str, str] = {}
        for row in rows:
            if row[0] is None:
                continue
            value = str(row[0])
            all_tiers[value.lower()] = value
            if active is None or _truthy(row[1]):
                active_tiers[value.lower()] = value
        unsold = sorted(set(active_tiers) - set(sold))
        unbacked = sorted(set(sold) - set(active_tiers))
        evidence = {
            "database": _where(ctx),
            "mapping_var": name,
            "active_tiers": sorted(active_tiers.values()),
            "mapping_tiers": sorted(sold.values()),
        }
        problems: list[str] = []
        if unsold:
            shown_unsold = ", ".join(active_tiers[t] for t in unsold)
            problems.append(
                f"active tier(s) {shown_unsold} have no price in {name}: add "
                f"{', '.join(f'{t}.monthly' for t in unsold)} (or the cycles you sell) to the "
                f"mapping, or set {params.active_column or 'the plan'} false"
            )
        if unbacked:
            parts = []
            for t in unbacked:
                state = f"row {all_tiers[t]} is inactive" if t in all_tiers else "no row"
                parts.append(f"{sold[t]} ({state})")
            problems.append(
                f"{name} sells {', '.join(parts)} but {params.table} has no active row for it: "
                "insert or activate the plan"
            )
        if problems:
            return Outcome.failed("; ".join(problems), unsold=unsold, unbacked=unbacked, **evidence)
        return Outcome.passed(
            f"every active tier ({', '.join(sorted(active_tiers.values()))}) has a price in "
            f"{name}, and every tier it sells has an active row in {params.table}",
            **evidence,
        )


# -- migrations --------------------------------------------------------------------------


class RevisionParams(DbParams):
    table: str = Field("alembic_version", description="Where the migration tool keeps it.")
    column: str = "version_num"


def read_revisions(
    conn: Connection, table_name: str, column_name: str, schema: str | None
) -> set[str] | None:
    """The revisions recorded in the version table; None if there is no such table."""
    from sqlalchemy import select

    table = _reflect(conn, table_name, schema)
    if table is None:
        return None
    column = _column(table, column_name)
    if column is None:
        raise ProbeError(f"{table_name} has no column {column_name}")
    return {str(r[0]) for r in conn.execute(select(column)).all() if r[0] is not None}


_REVISION = re.compile(r"^revision\s*(?::[^=\n]+)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]+)?=\s*(.+)$", re.MULTILINE)


def alembic_heads(folder: Path) -> set[str]:
    """The head revisions of an alembic versions folder (revisions nobody revises)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        match = _REVISION.search(text)
        if not match:
            continue
        revisions.add(match.group(1))
        down = _DOWN_REVISION.search(text)
        if down:
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return revisions - parents


class MigrationHeadParams(RevisionParams):
    expected: str | None = Field(None, description="The head revision (comma-separated heads).")
    expected_var: str | None = Field(
        None, description="Variable holding the head revision (e.g. set by CI from alembic)."
    )
    versions_dir: str | None = Field(
        None, description="Alembic versions folder (relative to checklist.yaml) to read heads."
    )


class MigrationHead(Probe[MigrationHeadParams]):
    kind = "db.migration_head"
    Params = MigrationHeadParams
    summary = "The database's migration revision is the head of the code's migrations."

    def _expected(self, params: MigrationHeadParams, ctx: ProbeContext) -> tuple[set[str], str]:
        if params.expected:
            return {r.strip() for r in params.expected.split(",") if r.strip()}, "expected"
        if params.expected_var:
            name = ctx.expand(params.expected_var)
            value = ctx.var(name)
            if value is None:
                raise ProbeError(
                    f"{name} is not set in {ctx.env.config.origin}: set it to the head "
                    "revision of the deployed code (e.g. the output of `alembic heads`)"
                )
            return {r.strip() for r in value.reveal().split(",") if r.strip()}, name
        if params.versions_dir:
            folder = Path(params.versions_dir)
            folder = folder if folder.is_absolute() else ctx.root / folder
            if not folder.is_dir():
                raise ProbeError(f"versions_dir {folder} is not a folder")
            heads = alembic_heads(folder)
            if not heads:
                raise ProbeError(f"no alembic revisions found in {folder}")
            return heads, str(params.versions_dir)
        return set(), ""

    def run(self, params: MigrationHeadParams, ctx: ProbeContext) -> Outcome:
        expected, source = self._expected(params, ctx)
        with reading(ctx.db()) as conn:
            current = read_revisions(conn, params.table, params.column, params.db_schema)
        evidence: dict[str, Any] = {"database": _where(ctx)}
        if current is None:
            return Outcome.failed(
                f"no {params.table} table: the migrations never ran here; "
                "run them (alembic upgrade head)",
                **evidence,
            )
        if not current:
            return Outcome.failed(
                f"{params.table} is empty: the migrations never completed here; run them",
                **evidence,
            )
        evidence["revision"] = sorted(current)
        at = ", ".join(sorted(current))
        if not expected:
            return Outcome.warn(
                f"the database is at revision {at}, but the item names no head to compare "
                "with: set expected, expected_var or versions_dir",
                **evidence,
            )
        evidence["head"] = sorted(expected)
        if current == expected:
            return Outcome.passed(f"at the migration head {at}", **evidence)
        return Outcome.failed(
            f"the database is at revision {at}, the head is {', '.join(sorted(expected))} "
            f"(from {source}); run the migrations (alembic upgrade head) and fix what fails",
            **evidence,
        )


class SameRevisionParams(RevisionParams):
    other: str = Field(description="The environment (e.g. staging) whose database to compare.")


class SameRevision(Probe[SameRevisionParams]):
    kind = "db.same_revision"
    Params = SameRevisionParams
    summary = "This database is at the same migration revision as another environment's."

    def run(self, params: SameRevisionParams, ctx: ProbeContext) -> Outcome:
        other = ctx.other_environment(params.other)
        other_url = other.database_url.value
        if other_url is None:
            needs = ", ".join(other.database_url.missing) or "database_url in checklist.yaml"
            raise ProbeError(f"environment {params.other!r} has no database URL (needs {needs})")
        here_url = ctx.database_url()
        if other_url == here_url:
            return Outcome.warn(
                f"{ctx.env.name} and {params.other} use the same database ({shown(here_url)}): "
                "nothing to compare; give each environment its own DATABASE_URL"
            )
        revisions: list[set[str] | None] = []
        for url in (here_url, other_url):
            with reading(ctx.db(url)) as conn:
                revisions.append(
                    read_revisions(conn, params.table, params.column, params.db_schema)
                )
        here, there = revisions
        evidence = {
            ctx.env.name: sorted(here) if here is not None else None,
            params.other: sorted(there) if there is not None else None,
        }
        if not there:
            raise ProbeError(
                f"{params.other}'s database ({shown(other_url)}) has no migration revision "
                f"in {params.table}: nothing to compare with"
            )
        if not here:
            return Outcome.failed(
                f"{ctx.env.name}'s database has no migration revision in {params.table}, "
                f"{params.other} is at {', '.join(sorted(there))}; run the same migrations here",
                **evidence,
            )
        if here == there:
            return Outcome.passed(
                f"{ctx.env.name} and {params.other} are both at {', '.join(sorted(here))}",
                **evidence,
            )
        return Outcome.failed(
            f"{ctx.env.name} is at {', '.join(sorted(here))} but {params.other} is at "
            f"{', '.join(sorted(there))}; apply the same migrations to both, in the order "
            f"they ran on {params.other}",
            **evidence,
        )
