"""The price mapping: which Stripe price sells which tier and billing cycle.

Apps keep it in different places, and every price probe reads it through one typed
`PriceSource`:

- a variable holding JSON, nested `{"basic": {"monthly": "price_..."}}` or flat
  `{"basic.monthly": "price_..."}` (the seed backend's STRIPE_PLAN_PRICE_MAPPING_{MODE});
- a read-only SQL query over the app's own database returning rows (key, price_id) or
  (tier, cycle, price_id);
- a literal list in the checklist (`{basic.monthly: price_...}`).

All three become `tier.cycle -> price id` entries; errors never quote a value.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from golive.engine.probe import ProbeError

if TYPE_CHECKING:
    from golive.engine.context import ProbeContext

CYCLE_INTERVALS = {
    "monthly": "month",
    "month": "month",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
    "year": "year",
    "weekly": "week",
    "week": "week",
    "daily": "day",
    "day": "day",
}


class MappingError(ValueError):
    """The mapping is not valid JSON of a known shape. The message never quotes values."""


@dataclass(frozen=True)
class PriceMapping:
    shape: Literal["nested", "flat", "rows", "literal"]
    entries: dict[str, str]  # "basic.monthly" -> "price_..."

    def select(self, patterns: list[str] | None) -> dict[str, str]:
        """Entries whose key matches any glob pattern (`*.yearly`); all when None."""
        if patterns is None:
            return dict(self.entries)
        return {
            key: price
            for key, price in self.entries.items()
            if any(fnmatch.fnmatchcase(key, p) for p in patterns)
        }

    def tiers(self) -> set[str]:
        return {key.split(".", 1)[0] for key in self.entries}


def interval_for(key: str) -> str | None:
    """The Stripe recurring interval a mapping key's cycle implies (`pro.yearly` -> year)."""
    cycle = key.rsplit(".", 1)[-1].lower()
    return CYCLE_INTERVALS.get(cycle)


def parse_mapping(text: str) -> PriceMapping:
    """Parse the JSON mapping in either shape. Raises MappingError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(data, dict) or not data:
        raise MappingError("expected a non-empty JSON object")
    entries: dict[str, str] = {}
    nested = [k for k, v in data.items() if isinstance(v, dict)]
    flat = [k for k, v in data.items() if not isinstance(v, dict)]
    if nested and flat:
        raise MappingError(
            "mixes nested tiers and flat keys "
            f"(nested: {', '.join(sorted(nested))}; flat: {', '.join(sorted(flat))})"
        )
    if nested:
        for tier, cycles in data.items():
            if not cycles:
                raise MappingError(f"tier {tier!r} maps no billing cycle")
            for cycle, price in cycles.items():
                if not isinstance(price, str):
                    raise MappingError(f"{tier}.{cycle}: expected a price id string")
                entries[f"{tier}.{cycle}"] = price
        return PriceMapping("nested", entries)
    for key, price in data.items():
        if "." not in key:
            raise MappingError(f"key {key!r}: expected tier.cycle (e.g. basic.monthly)")
        if not isinstance(price, str):
            raise MappingError(f"{key}: expected a price id string")
        entries[key] = price
    return PriceMapping("flat", entries)


# -- where the mapping comes from -------------------------------------------------------

_READ_ONLY_SQL = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(?:select|with)\b", re.IGNORECASE)


class PriceSource(BaseModel):
    """Where an app keeps its price mapping: exactly one of `var`, `sql`, `prices`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    var: str | None = Field(
        None,
        description="A variable holding the JSON mapping (nested or flat); {MODE} becomes "
        "LIVE or TEST.",
    )
    sql: str | None = Field(
        None,
        description="A read-only query over the deployment's database returning rows "
        "(key, price_id) or (tier, cycle, price_id); {mode} becomes live or test, {MODE} "
        "LIVE or TEST.",
    )
    prices: dict[str, str] | None = Field(
        None, description="A literal mapping in the checklist: {basic.monthly: price_...}."
    )

    @model_validator(mode="after")
    def _one(self) -> PriceSource:
        given = [n for n in ("var", "sql", "prices") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                "a price source is exactly one of var, sql, prices"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.sql is not None and not _single_select(self.sql):
            raise ValueError("the price query must be one SELECT (or WITH ... SELECT) statement")
        if self.prices is not None:
            for key in self.prices:
                if "." not in key:
                    raise ValueError(f"key {key!r}: expected tier.cycle (e.g. basic.monthly)")
        return self


@dataclass(frozen=True)
class LoadedPrices:
    """A mapping and where it came from (`STRIPE_PLAN_PRICE_MAPPING_LIVE`, `the price
    query`, `the checklist's price list`), for messages."""

    mapping: PriceMapping
    origin: str


def describe_source(source: PriceSource, ctx: ProbeContext) -> str:
    """How messages name a source."""
    if source.var is not None:
        return ctx.expand(source.var)
    if source.sql is not None:
        return "the price query"
    return "the checklist's price list"


def load_prices(source: PriceSource, ctx: ProbeContext) -> LoadedPrices | None:
    """The mapping from its source; None when its variable is not set.

    Raises ProbeError when the source cannot be read (invalid JSON, a failing query).
    """
    origin = describe_source(source, ctx)
    if source.var is not None:
        value = ctx.var(origin)
        if value is None:
            return None
        try:
            return LoadedPrices(parse_mapping(value.reveal()), origin)
        except MappingError as exc:
            raise ProbeError(f"{origin}: {exc}") from None
    if source.sql is not None:
        # {MODE} / {mode} as in variable names: one query serves every environment
        # (`... WHERE mode = '{mode}'`).
        return LoadedPrices(PriceMapping("rows", _from_sql(ctx.expand(source.sql), ctx)), origin)
    return LoadedPrices(PriceMapping("literal", dict(source.prices or {})), origin)


def _single_select(sql: str) -> bool:
    return bool(_READ_ONLY_SQL.match(sql)) and ";" not in sql.strip().rstrip(";")


def _from_sql(sql: str, ctx: ProbeContext) -> dict[str, str]:
    """Rows (key, price_id) or (tier, cycle, price_id), in a transaction rolled back."""
    if not _single_select(sql):
        raise ProbeError("the price query must be one SELECT (or WITH ... SELECT) statement")
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    engine = ctx.db()
    try:
        with engine.connect() as conn:
            try:
                rows = [tuple(row) for row in conn.execute(text(sql))]
            finally:
                conn.rollback()
    except SQLAlchemyError as exc:
        raise ProbeError(f"the price query failed: {type(exc).__name__}: {exc.args[0]}") from None
    entries: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        if len(row) == 2:
            map_key, price = row
        elif len(row) == 3:
            map_key, price = f"{row[0]}.{row[1]}", row[2]
        else:
            raise ProbeError(
                f"the price query returns {len(row)} columns; expected (key, price_id) "
                "or (tier, cycle, price_id)"
            )
        if price is not None and not isinstance(price, str):
            raise ProbeError(f"the price query's row {number} ({map_key}): price id is not text")
        entries[str(map_key)] = price or ""
    return entries
