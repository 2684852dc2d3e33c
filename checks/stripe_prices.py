"""The prices the app sells exist in this Stripe mode and bill as their mapping key says.

The price ids come from the environment's JSON mapping (STRIPE_PLAN_PRICE_MAPPING_LIVE
or _TEST) or from a read-only SQL query over the app's own table. Each id is retrieved
once (GET /v1/prices/{id}), concurrently; the catalogue is never listed.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field

from golive.context import ProbeContext
from golive.pricemap import MappingError, PriceMapping, interval_for, parse_mapping
from golive.probe import Probe, ProbeError, ProbeParams
from golive.results import Outcome
from golive.stripe_client import clean_message, describe

if TYPE_CHECKING:
    import stripe

MAX_PARALLEL = 8
_READ_ONLY_SQL = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(?:select|with)\b", re.IGNORECASE)
_ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
_OTHER_MODE = re.compile(r"similar object exists in (?P<mode>live|test) mode")


class PricesParams(ProbeParams):
    mapping_var: str = Field(
        "STRIPE_PLAN_PRICE_MAPPING_{MODE}",
        description="Variable holding the JSON mapping; {MODE} becomes LIVE or TEST.",
    )
    sql: str | None = Field(
        None,
        description="Instead of the mapping: a read-only query returning rows "
        "(key, price_id) or (tier, cycle, price_id) from the deployment's database.",
    )
    keys: list[str] | None = Field(
        None, description="Glob patterns of mapping keys to check (basic.monthly, *.yearly)."
    )
    required: bool = Field(True, description="Fail when no key matches; else skip.")
    currency: str | None = Field(None, description="Every price must be in this currency.")


@dataclass(frozen=True)
class Looked:
    """One price as Stripe answered: the object, or why it is missing."""

    price: stripe.Price | None
    missing: str | None = None  # Stripe's message
    other_mode: str | None = None  # the mode it exists in instead


class Prices(Probe[PricesParams]):
    kind = "stripe.prices"
    Params = PricesParams
    summary = (
        "Each mapped price exists in this Stripe mode, is active and recurring, bills at "
        "the interval its key names (monthly: month, yearly: year), in one currency."
    )

    def run(self, params: PricesParams, ctx: ProbeContext) -> Outcome:
        mapping, source = self._mapping(params, ctx)
        if mapping is None:
            reason = f"{source} is not set"
            return Outcome.failed(reason) if params.required else Outcome.skip(reason)
        selected = mapping.select(params.keys)
        if not selected:
            wanted = ", ".join(params.keys or [])
            known = ", ".join(sorted(mapping.entries)) or "none"
            reason = f"no key of {source} matches {wanted} (keys: {known})"
            return Outcome.failed(reason) if params.required else Outcome.skip(reason)

        problems = [f"{k} has no price id" for k, price in sorted(selected.items()) if not price]
        selected = {k: price for k, price in selected.items() if price}
        key = ctx.require_var(ctx.env.stripe.api_key_var).reveal()
        looked = self._retrieve(sorted(set(selected.values())), ctx, key)
        evidence: dict[str, dict[str, object]] = {}
        currencies: dict[str, list[str]] = {}
        for map_key, price_id in sorted(selected.items()):
            found = looked[price_id]
            price = found.price
            if price is None:
                evidence[map_key] = {"id": price_id, "found": False}
                if found.other_mode:
                    problems.append(
                        f"{map_key} -> {price_id} exists only in {found.other_mode} mode: "
                        f"{source} ({ctx.mode} mode) holds a {found.other_mode}-mode price id"
                    )
                else:
                    problems.append(f"{map_key} -> {price_id}: {found.missing}")
                continue
            recurring = price.recurring
            interval = recurring.interval if recurring else None
            count = recurring.interval_count if recurring else None
            evidence[map_key] = {
                "id": price_id,
                "active": price.active,
                "type": price.type,
                "interval": interval,
                "interval_count": count,
                "currency": price.currency,
            }
            currencies.setdefault(price.currency, []).append(map_key)
            problems.extend(f"{map_key} -> {price_id} {p}" for p in _check(map_key, price))
        if params.currency is not None:
            wanted_currency = params.currency.lower()
            for currency, keys in sorted(currencies.items()):
                if currency != wanted_currency:
                    problems.append(
                        f"{', '.join(keys)}: currency {currency}, expected {wanted_currency}"
                    )
        elif len(currencies) > 1:
            listed = "; ".join(f"{c}: {', '.join(k)}" for c, k in sorted(currencies.items()))
            problems.append(f"prices disagree on currency ({listed})")

        if problems:
            return Outcome.failed("; ".join(problems), source=source, prices=evidence)
        return Outcome.passed(
            f"{len(selected)} mapped price(s) exist in {ctx.mode} mode, active, recurring at "
            f"the mapped interval ({', '.join(sorted(selected))})",
            source=source,
            prices=evidence,
        )

    # -- where the price ids come from -------------------------------------------------
    def _mapping(self, params: PricesParams, ctx: ProbeContext) -> tuple[PriceMapping | None, str]:
        if params.sql is not None:
            return PriceMapping("flat", _from_sql(params.sql, ctx)), "the price query"
        name = ctx.expand(params.mapping_var)
        value = ctx.var(name)
        if value is None:
            return None, name
        try:
            return parse_mapping(value.reveal()), name
        except MappingError as exc:
            raise ProbeError(f"{name}: {exc}") from None

    # -- Stripe ------------------------------------------------------------------------
    def _retrieve(self, ids: list[str], ctx: ProbeContext, key: str) -> dict[str, Looked]:
        client = ctx.stripe()

        def one(price_id: str) -> Looked:
            import stripe

            try:
                return Looked(client.v1.prices.retrieve(price_id))
            except stripe.InvalidRequestError as exc:
                if exc.code != "resource_missing":
                    raise ProbeError(f"GET /v1/prices/{price_id}: {describe(exc, key)}") from None
                message = clean_message(exc, key)
                other = _OTHER_MODE.search(message)
                return Looked(None, message, other.group("mode") if other else None)
            except stripe.StripeError as exc:
                raise ProbeError(f"GET /v1/prices/{price_id}: {describe(exc, key)}") from None

        if not ids:
            return {}
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(ids))) as pool:
            return dict(zip(ids, pool.map(one, ids), strict=True))


def _check(map_key: str, price: stripe.Price) -> list[str]:
    """What is wrong with one existing price for its mapping key."""
    problems = []
    if not price.active:
        problems.append("is archived (inactive): new checkouts with it fail")
    recurring = price.recurring
    if recurring is None:
        problems.append("is a one-time price, not recurring: it cannot back a subscription")
        return problems
    expected = interval_for(map_key)
    if expected is not None and recurring.interval != expected:
        problems.append(
            f"bills every {recurring.interval}, but {map_key} needs a {_ADJECTIVE[expected]} "
            f"price (recurring interval {expected})"
        )
    elif expected is not None and recurring.interval_count != 1:
        problems.append(
            f"bills every {recurring.interval_count} {recurring.interval}s, "
            f"but {map_key} needs every 1 {expected}"
        )
    return problems


def _from_sql(sql: str, ctx: ProbeContext) -> dict[str, str]:
    """Rows (key, price_id) or (tier, cycle, price_id), in a transaction rolled back."""
    if not _READ_ONLY_SQL.match(sql) or ";" in sql.strip().rstrip(";"):
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
