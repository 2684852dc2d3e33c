"""What `golive init` finds out about the app's features, and asks about the rest.

Each feature of the packaged checklist (`features:`) the app lacks becomes one word of the
profile's `without:` line, with the reason init decided so: the OpenAPI document has no
route for it, or the person said so when asked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from golive.commands.init import InitAnswers

#: What the OpenAPI guesses say about features: a feature whose routes are all missing.
ROUTE_FEATURES = {
    "billing_portal": ("portal_path",),
    "dispute_tools": ("disputes_api", "admin_page"),
    "fraud_tools": ("fraud_warnings_api",),
}


def lacking_from_openapi(missing: list[str]) -> list[tuple[str, str]]:
    """(feature, why) for each feature none of whose routes the document has."""
    return [
        (feature, f"the OpenAPI document has no route for {' or '.join(inputs)}")
        for feature, inputs in ROUTE_FEATURES.items()
        if all(name in missing for name in inputs)
    ]


def ask_features(
    answers: InitAnswers,
    titles: dict[str, str],
    confirm: Callable[[str], bool],
    *,
    decided: set[str],
) -> None:
    """Ask, for each feature neither a flag nor the document decided, whether the app
    has it; a no adds it to `without:`."""
    for name, title in titles.items():
        if name in answers.without or name in decided or name == answers.environment:
            continue
        if not confirm(f"Does the app have {title}?"):
            answers.lack(name, "answered no when asked")


def lacking_from_values(
    values: dict[str, str], inputs: dict[str, object], origin: str, *, switch_given: bool
) -> list[tuple[str, str]]:
    """(feature, why) for what the deployment's variables (and its database, when they
    name one) show the app does not have: no mode switch or admin list variable set, no
    plans table, none of the usage tables. `inputs` are the packaged defaults with init's
    answers over them."""
    out: list[tuple[str, str]] = []
    mode_var = str(inputs.get("mode_var"))
    if not switch_given and not values.get(mode_var):
        out.append(("mode_switch", f"{mode_var} is not set in {origin}"))
    admin = [str(inputs.get("admin_emails_var")), str(inputs.get("admin_domain_var"))]
    if not any(values.get(v) for v in admin):
        out.append(("admin_emails", f"neither {' nor '.join(admin)} is set in {origin}"))
    url = values.get(str(inputs.get("database_url_var")))
    tables = _tables(url) if url else None
    if tables is not None:
        lower = {t.lower() for t in tables}
        plans = str(inputs.get("plans_table"))
        if plans.lower() not in lower:
            out.append(("plans_table", f"the database has no table {plans}"))
        usage = inputs.get("usage_tables")
        names = [str(t) for t in usage] if isinstance(usage, list) else []
        if names and not any(t.lower() in lower for t in names):
            out.append(("usage_tables", f"the database has none of {', '.join(names)}"))
    return out


def _tables(url: str) -> set[str] | None:
    """The tables of the database at `url` (read-only, 10 s), None when it cannot be read."""
    from sqlalchemy import inspect

    from golive.values.db import build_engine

    try:
        engine = build_engine(url, 10)
        try:
            with engine.connect() as conn:
                return set(inspect(conn).get_table_names())
        finally:
            engine.dispose()
    except Exception:
        return None


def migrations_from_values(
    values: dict[str, str], inputs: dict[str, object], here: Path
) -> tuple[str | None, str] | None:
    """The migration tool whose table the deployment's database has, when its migration
    files are where the tool keeps them in `here` (so 3.2a/3.2b can judge the database
    against them), and why; (None, why not); None when no database could be read."""
    from golive.commands.init_migrations import (
        guess_migrations_dir,
        ledger_folder,
        tool_from_tables,
    )

    url = values.get(str(inputs.get("database_url_var")))
    tables = _tables(url) if url else None
    if tables is None:
        return None
    tool, why = tool_from_tables(tables, here)
    if tool is None:
        return None, why
    folder, where = (
        guess_migrations_dir(tool, here)
        if tool in ("alembic", "django")
        else ledger_folder(tool, here)
    )
    if folder is None:
        return None, f"{why}, but {where}"
    return tool, f"{why}; {where}"
