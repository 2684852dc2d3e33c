"""db.rows: enough rows match a condition (optionally for each of a list of values)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, model_validator

from golive.context import ProbeContext
from golive.db import reading
from golive.probe import Probe
from golive.results import Outcome

from .db_schema import DbParams, Scalar, find_column, location, reflect

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
            table = reflect(conn, params.table, params.db_schema)
            if table is None:
                return Outcome.failed(
                    f"table {params.table} does not exist; run the migrations that create it",
                    database=location(ctx),
                )
            wanted = [*params.where, *([params.per_column] if params.per_column else [])]
            unknown = [name for name in wanted if find_column(table, name) is None]
            if unknown:
                return Outcome.failed(
                    f"{params.table} has no column {', '.join(unknown)}; apply the migration "
                    "that adds it (or fix the item's where/per_column)",
                    database=location(ctx),
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
                return self._verdict(params, ctx, int(count))
            column = find_column(table, params.per_column)
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
        evidence = {"database": location(ctx), "table": params.table, "rows_per_value": per}
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
        evidence = {"database": location(ctx), "rows": count}
        if count < params.min_rows:
            return Outcome.failed(
                f"{what} has {count} row(s){cond}, needs at least {params.min_rows}; "
                "insert or update the missing rows",
                **evidence,
            )
        return Outcome.passed(f"{what} has {count} row(s){cond}", **evidence)
