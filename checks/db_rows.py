"""db.rows: the number of rows matching a condition is within bounds (optionally for each
of a list of values): at least one plan row per tier, or none at all (`exactly: 0`) for
rows that must not exist, such as test price ids in a live database."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe
from golive.values.db import reading

from .db_schema import Scalar, TenantParams, find_column, on_each_database, reflect

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# -- db.rows -----------------------------------------------------------------------------


class RowsParams(TenantParams):
    table: str | None = Field(None, description="The table to count rows in.")
    where: dict[str, Scalar] = Field(
        default_factory=dict,
        description="Column -> value the rows must have (strings compare case-insensitively "
        "unless case_sensitive; null means IS NULL).",
    )
    sql: str | None = Field(
        None, description="Instead of table/where: a SELECT whose rows are counted."
    )
    min: int | None = Field(
        None, ge=0, description="At least this many rows (per value, with per_column); default 1."
    )
    max: int | None = Field(None, ge=0, description="At most this many rows (0: none may match).")
    exactly: int | None = Field(
        None, ge=0, description="Exactly this many rows; 0: a query that must return no rows."
    )
    min_rows: int | None = Field(None, ge=1, description="The older name of `min`.")
    per_column: str | None = Field(
        None, description="Count separately for each of `values` in this column."
    )
    values: list[str | int | bool] | None = Field(
        None, description="With per_column: each value's count must be within the bounds."
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
        if self.min is not None and self.min_rows is not None:
            raise ValueError("give min or min_rows (its older name), not both")
        if self.exactly is not None and (
            self.min is not None or self.max is not None or self.min_rows is not None
        ):
            raise ValueError("exactly cannot be combined with min, max or min_rows")
        low, high = self.bounds()
        if high is not None and low > high:
            raise ValueError(f"min ({low}) is greater than max ({high})")
        return self

    def bounds(self) -> tuple[int, int | None]:
        """(at least, at most or None): `exactly` sets both; `max` alone means min 0."""
        if self.exactly is not None:
            return self.exactly, self.exactly
        low = self.min if self.min is not None else self.min_rows
        if low is None:
            low = 0 if self.max is not None else 1
        return low, self.max


def _describe(where: dict[str, Scalar]) -> str:
    def value(v: Scalar) -> str:
        if v is None:
            return "null"
        if isinstance(v, bool):
            return str(v).lower()
        return str(v)

    return " and ".join(f"{k} = {value(v)}" for k, v in where.items())


def _wanted(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low}"
    if low == high:
        return "none" if high == 0 else f"exactly {high}"
    return f"at most {high}" if low == 0 else f"between {low} and {high}"


class Rows(Probe[RowsParams]):
    kind = "db.rows"
    Params = RowsParams
    summary = (
        "The rows matching a condition number at least `min` (default 1), at most `max`, or "
        "`exactly` (0: none may match), optionally for each of a list of values."
    )

    def run(self, params: RowsParams, ctx: ProbeContext) -> Outcome:
        return on_each_database(ctx, params.databases, lambda engine: self._judge(params, engine))

    def _judge(self, params: RowsParams, engine: Engine) -> Outcome:
        if params.sql is not None:
            return self._sql(params, engine)
        assert params.table is not None
        from sqlalchemy import String, cast, func, select

        with reading(engine) as conn:
            table = reflect(conn, params.table, params.db_schema)
            if table is None:
                return Outcome.failed(
                    f"table {params.table} does not exist; run the migrations that create it"
                )
            wanted = [*params.where, *([params.per_column] if params.per_column else [])]
            unknown = [name for name in wanted if find_column(table, name) is None]
            if unknown:
                return Outcome.failed(
                    f"{params.table} has no column {', '.join(unknown)}; apply the migration "
                    "that adds it (or fix the item's where/per_column)"
                )
            conditions = []
            for name, value in params.where.items():
                column = find_column(table, name)
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
                return self._verdict(params, int(count))
            column = find_column(table, params.per_column)
            rows = conn.execute(
                select(column, func.count()).select_from(table).where(*conditions).group_by(column)
            ).all()
        return self._per_value(params, [(value, int(n)) for value, n in rows])

    def _norm(self, params: RowsParams, value: Any) -> str:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return text if params.case_sensitive else text.lower()

    def _per_value(self, params: RowsParams, rows: list[tuple[Any, int]]) -> Outcome:
        counts: dict[str, int] = {}
        for value, n in rows:
            key = self._norm(params, value)
            counts[key] = counts.get(key, 0) + n
        assert params.values is not None
        low, high = params.bounds()
        per = {str(v): counts.get(self._norm(params, v), 0) for v in params.values}
        short = [v for v, n in per.items() if n < low]
        over = [v for v, n in per.items() if high is not None and n > high]
        cond = f" with {_describe(params.where)}" if params.where else ""
        evidence = {"table": params.table, "rows_per_value": per}
        found = ", ".join(f"{v}: {n}" for v, n in per.items())
        problems: list[str] = []
        if short:
            need = "a row" if low == 1 else f"{low} rows"
            problems.append(
                f"{params.table} lacks {need}{cond} for {params.per_column} "
                f"{', '.join(short)} (found {found}); insert or update those rows"
            )
        if over:
            problems.append(
                f"{params.table} has more rows{cond} than allowed ({_wanted(low, high)}) for "
                f"{params.per_column} {', '.join(over)} (found {found}); remove the extra rows "
                "or fix the item's bounds"
            )
        if problems:
            return Outcome.failed("; ".join(problems), missing=short, excess=over, **evidence)
        return Outcome.passed(
            f"{params.table} has rows{cond} for every {params.per_column}: "
            f"{', '.join(f'{v} ({n})' for v, n in per.items())}",
            **evidence,
        )

    def _sql(self, params: RowsParams, engine: Engine) -> Outcome:
        from sqlalchemy import text

        query = params.sql.strip().rstrip(";") if params.sql else ""
        with reading(engine) as conn:
            count = conn.execute(
                text(f"SELECT count(*) FROM ({query}) AS golive_rows")
            ).scalar_one()
        return self._verdict(params, int(count))

    def _verdict(self, params: RowsParams, count: int) -> Outcome:
        what = params.table or "the query"
        cond = f" with {_describe(params.where)}" if params.where else ""
        low, high = params.bounds()
        evidence = {"rows": count, "expected": _wanted(low, high)}
        if count < low:
            need = f"exactly {low}" if high == low else f"at least {low}"
            return Outcome.failed(
                f"{what} has {count} row(s){cond}, needs {need}; insert or update the missing rows",
                **evidence,
            )
        if high is not None and count > high:
            if high == 0:
                return Outcome.failed(
                    f"{what} has {count} row(s){cond}, expected none: rows that must not "
                    "exist here are present; remove or correct them",
                    **evidence,
                )
            return Outcome.failed(
                f"{what} has {count} row(s){cond}, expected {_wanted(low, high)}; remove or "
                "correct the extra rows",
                **evidence,
            )
        if high == 0:
            return Outcome.passed(f"{what} has no row(s){cond}, as required", **evidence)
        return Outcome.passed(f"{what} has {count} row(s){cond}", **evidence)
