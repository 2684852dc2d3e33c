"""The reference app's database: the engine, the seed's schema (changed by the database
break switches) and `seed_database`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from golive.sandbox.app.breaks import check_breaks
from golive.sandbox.app.config import HEAD_REVISION, PREVIOUS_REVISION, STATUSES, TIERS

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Engine


JsonObject = dict[str, Any]


def app_engine(url: str) -> Engine:
    """The app's own read-write engine (golive's probes use golive.values.db, read-only)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from golive.values.db import with_default_driver

    return create_engine(with_default_driver(make_url(url)))


def schema(breaks: frozenset[str] = frozenset()) -> MetaData:
    """The seed backend's tables, as `breaks` leaves them."""
    from sqlalchemy import (
        Boolean,
        Column,
        DateTime,
        Enum,
        ForeignKey,
        Integer,
        MetaData,
        String,
        Table,
        Text,
    )

    metadata = MetaData()
    tier = Enum(*TIERS, name="subscription_tier")
    Table(
        "subscription_plans",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("tier", tier, nullable=False, unique=True),
        Column("name", String(100), nullable=False),
        Column("monthly_price_cents", Integer, nullable=False),
        Column("is_active", Boolean, nullable=False, default=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )
    if "missing-subscription-tables" not in breaks:
        columns: list[Column[Any]] = [
            Column("id", Integer, primary_key=True),
            Column("user_email", String(255), nullable=False, index=True),
            Column("plan_id", Integer, ForeignKey("subscription_plans.id")),
            Column("stripe_customer_id", String(255)),
            Column("status", Enum(*STATUSES, name="subscription_status"), nullable=False),
            Column("current_period_end", DateTime(timezone=True)),
            Column("created_at", DateTime(timezone=True), nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        ]
        if "missing-columns" in breaks:
            columns.append(Column("is_active", String(10), nullable=False))
        else:
            columns.append(Column("stripe_subscription_id", String(255), unique=True))
            columns.append(Column("is_active", Boolean, nullable=False))
        Table("user_subscriptions", metadata, *columns)
    if "missing-usage-tables" not in breaks:
        Table(
            "api_usage_logs",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("user_email", String(255), nullable=False),
            Column("endpoint", String(255), nullable=False),
            Column("created_at", DateTime(timezone=True), nullable=False),
        )
        Table(
            "usage_summaries",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("user_email", String(255), nullable=False),
            Column("period", String(7), nullable=False),
            Column("request_count", Integer, nullable=False),
        )
    if "missing-fraud-warnings" not in breaks:
        Table(
            "fraud_warnings",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("stripe_efw_id", String(255), nullable=False, unique=True),
            Column("charge_id", String(255), nullable=False),
            Column("fraud_type", String(64), nullable=False),
            Column("actionable", Boolean, nullable=False),
            Column("status", String(32), nullable=False),
            Column("notes", Text),
            Column("created_at", DateTime(timezone=True), nullable=False),
        )
    Table(
        "alembic_version",
        metadata,
        Column("version_num", String(32), primary_key=True),
    )
    return metadata


def seed_database(url: str, breaks: Iterable[str] = ()) -> None:
    """Create the app's tables in `url` (dropping the app's own first) and fill them.

    Plans: BASIC and PRO active, ENTERPRISE inactive (not sold), FREE active without a
    Stripe price (free tiers have none); two subscriptions; two
    early fraud warnings; alembic_version at HEAD_REVISION. `breaks` (the database
    switches of BREAKS) leave a table, column, plan or migration out.
    """
    broken = check_breaks(breaks)
    engine = app_engine(url)
    try:
        metadata = schema(broken)
        schema(frozenset()).drop_all(engine)  # every table the app may have made
        metadata.create_all(engine)
        now = datetime.now(UTC)
        plans = [
            {"tier": "BASIC", "name": "Basic", "monthly_price_cents": 1200, "is_active": True},
            {"tier": "PRO", "name": "Pro", "monthly_price_cents": 4900, "is_active": True},
            {
                "tier": "ENTERPRISE",
                "name": "Enterprise",
                "monthly_price_cents": 19900,
                "is_active": "unsold-tier" in broken,
            },
            {"tier": "FREE", "name": "Free", "monthly_price_cents": 0, "is_active": True},
        ]
        if "missing-plan" in broken:
            plans = [p for p in plans if p["tier"] != "PRO"]
        if "inactive-plan" in broken:
            for plan in plans:
                if plan["tier"] == "PRO":
                    plan["is_active"] = False
        tables = metadata.tables
        with engine.begin() as conn:
            conn.execute(
                tables["subscription_plans"].insert(),
                [{**p, "id": i, "created_at": now} for i, p in enumerate(plans, start=1)],
            )
            if "user_subscriptions" in tables:
                rows = [
                    {
                        "user_email": "alice@customer.example",
                        "plan_id": 1,
                        "stripe_customer_id": "cus_GoLiveAlice01",
                        "stripe_subscription_id": "sub_GoLiveAlice01",
                        "status": "ACTIVE",
                        "is_active": True,
                    },
                    {
                        "user_email": "bob@customer.example",
                        "plan_id": 1,
                        "stripe_customer_id": "cus_GoLiveBob001",
                        "stripe_subscription_id": "sub_GoLiveBob001",
                        "status": "PAST_DUE",
                        "is_active": False,
                    },
                ]
                if "missing-columns" in broken:
                    for row in rows:
                        del row["stripe_subscription_id"]
                        row["is_active"] = str(row["is_active"]).lower()
                conn.execute(
                    tables["user_subscriptions"].insert(),
                    [
                        {
                            **r,
                            "current_period_end": now + timedelta(days=30),
                            "created_at": now,
                            "updated_at": now,
                        }
                        for r in rows
                    ],
                )
            if "fraud_warnings" in tables:
                conn.execute(
                    tables["fraud_warnings"].insert(),
                    [
                        {
                            "stripe_efw_id": "issfr_1GoLiveDemo0001",
                            "charge_id": "ch_1GoLiveDemo0001",
                            "fraud_type": "made_with_stolen_card",
                            "actionable": True,
                            "status": "OPEN",
                            "created_at": now - timedelta(days=2),
                        },
                        {
                            "stripe_efw_id": "issfr_1GoLiveDemo0002",
                            "charge_id": "ch_1GoLiveDemo0002",
                            "fraud_type": "card_never_received",
                            "actionable": False,
                            "status": "IGNORED",
                            "created_at": now - timedelta(days=9),
                        },
                    ],
                )
            revision = PREVIOUS_REVISION if "old-migration" in broken else HEAD_REVISION
            conn.execute(tables["alembic_version"].insert(), [{"version_num": revision}])
    finally:
        engine.dispose()


def fraud_warning_rows(engine: Engine, efw_id: str | None = None) -> list[Mapping[str, Any]]:
    """The fraud_warnings rows (one, with `efw_id`), oldest first, for the admin API."""
    from sqlalchemy import select

    table = schema().tables["fraud_warnings"]
    query = select(
        table.c.stripe_efw_id,
        table.c.charge_id,
        table.c.fraud_type,
        table.c.actionable,
        table.c.status,
        table.c.created_at,
    ).order_by(table.c.id)
    if efw_id is not None:
        query = query.where(table.c.stripe_efw_id == efw_id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
