"""db.plans_cover_mapping: the plans table and the price mapping sell the same tiers."""

from __future__ import annotations

from pydantic import Field, field_validator

from golive.core.results import Outcome
from golive.core.truthy import truthy
from golive.engine.context import ProbeContext
from golive.engine.pricemap import PriceSource, describe_source, load_prices
from golive.engine.probe import Probe, ProbeError
from golive.values.db import reading

from .db_schema import DbParams, find_column, reflect, url_evidence

# -- db.plans_cover_mapping -------------------------------------------------------------


class PlansCoverMappingParams(DbParams):
    mapping_var: str = Field(
        "STRIPE_PLAN_PRICE_MAPPING_{MODE}",
        description="Variable with the JSON price mapping. Shorthand for source: {var: ...}.",
    )
    source: PriceSource | None = Field(
        None,
        description="Where the mapping comes from: {var: ...}, {sql: ...} or {prices: {...}} "
        "(golive/engine/pricemap.py), as every price item reads it.",
    )
    table: str = "subscription_plans"
    tier_column: str = "tier"
    active_column: str | None = Field(
        "is_active", description="Boolean column; null: every row is active."
    )
    exempt_tiers: list[str] = Field(
        default_factory=list,
        description="Tiers sold without a Stripe price by design (free, contact sales): they "
        "need no price in the mapping. Case-insensitive.",
    )
    exempt_where: str | None = Field(
        None,
        description="Instead of (or besides) naming them: a SQL condition on the plans table "
        "whose rows need no price, e.g. `monthly_price_cents = 0`.",
    )

    @field_validator("exempt_where")
    @classmethod
    def _one_condition(cls, value: str | None) -> str | None:
        if value is not None and (";" in value or "--" in value or not value.strip()):
            raise ValueError("exempt_where must be one SQL condition (no ';' or comments)")
        return value


class PlansCoverMapping(Probe[PlansCoverMappingParams]):
    kind = "db.plans_cover_mapping"
    Params = PlansCoverMappingParams
    summary = (
        "Every active plan tier in the database has a price in the mapping, and every tier "
        "the mapping sells has an active plan row (case-insensitive)."
    )

    def run(self, params: PlansCoverMappingParams, ctx: ProbeContext) -> Outcome:
        source = params.source or PriceSource(var=params.mapping_var)
        name = describe_source(source, ctx)
        loaded = load_prices(source, ctx)
        if loaded is None:
            raise ProbeError(
                f"{name} is not set in {ctx.env.config.origin}: cannot compare the plans with it"
            )
        mapping = loaded.mapping
        sold = {t.lower(): t for t in mapping.tiers()}

        from sqlalchemy import case, literal, select, text

        with reading(ctx.db()) as conn:
            table = reflect(conn, params.table, params.db_schema)
            if table is None:
                return Outcome.failed(
                    f"table {params.table} does not exist; run the migrations",
                    **url_evidence(ctx.database_url()),
                )
            tier = find_column(table, params.tier_column)
            active = find_column(table, params.active_column) if params.active_column else None
            if tier is None or (params.active_column and active is None):
                lacking = params.tier_column if tier is None else params.active_column
                return Outcome.failed(
                    f"{params.table} has no column {lacking}; fix the schema or the item",
                    **url_evidence(ctx.database_url()),
                )
            exempt_flag = (
                case((text(f"({params.exempt_where})"), 1), else_=0)
                if params.exempt_where
                else literal(0)
            )
            columns = [tier, exempt_flag] if active is None else [tier, exempt_flag, active]
            rows = conn.execute(select(*columns).select_from(table)).all()
        all_tiers: dict[str, str] = {}
        active_tiers: dict[str, str] = {}
        exempt: dict[str, str] = {}
        named_exempt = {t.lower() for t in params.exempt_tiers}
        for row in rows:
            if row[0] is None:
                continue
            value = str(row[0])
            all_tiers[value.lower()] = value
            if active is None or truthy(row[2]):
                active_tiers[value.lower()] = value
                if value.lower() in named_exempt or truthy(row[1]):
                    exempt[value.lower()] = value
        unsold = sorted(set(active_tiers) - set(sold) - set(exempt))
        unbacked = sorted(set(sold) - set(active_tiers))
        evidence = {
            **url_evidence(ctx.database_url()),
            "price_source": name,
            "active_tiers": sorted(active_tiers.values()),
            "mapping_tiers": sorted(sold.values()),
            "exempt_tiers": sorted(exempt.values()),
        }
        problems: list[str] = []
        if unsold:
            shown_unsold = ", ".join(active_tiers[t] for t in unsold)
            problems.append(
                f"active tier(s) {shown_unsold} have no price in {name}: add "
                f"{', '.join(f'{t}.monthly' for t in unsold)} (or the cycles you sell) to the "
                f"mapping, or set {params.active_column or 'the plan'} false; if the tier is "
                "meant to have no Stripe price (free, contact sales), name it in the item's "
                "exempt_tiers or exempt_where"
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
        priced = sorted(v for k, v in active_tiers.items() if k not in exempt)
        note = (
            f"; {', '.join(sorted(exempt.values()))} exempt (no price by design)" if exempt else ""
        )
        return Outcome.passed(
            f"every active tier ({', '.join(priced)}) has a price in "
            f"{name}, and every tier it sells has an active row in {params.table}{note}",
            **evidence,
        )
