"""What `golive init` finds out about the app's migrations: the tool, from the ledger
table the deployment's database holds, and the tool's migration folder in the repository.

A tool is taken from the database only when its table's name is the tool's own and
unambiguous (knex_migrations, __drizzle_migrations, ...); a generic name (Rails'
schema_migrations, Laravel's migrations) needs the tool's folder with the tool's files
beside it. Two tools' tables at once decide nothing: init says so and leaves the input
to --migrations.
"""

from __future__ import annotations

import re
from pathlib import Path

#: the migration tools 3.2a/3.2b read from their own table (checks/migration_tools.py)
LEDGER_TOOLS = (
    "drizzle",
    "prisma",
    "knex",
    "rails",
    "laravel",
    "flyway",
    "liquibase",
    "goose",
)

#: each tool's table, and whether its name alone tells the tool
TABLES: dict[str, tuple[str, bool]] = {
    "alembic": ("alembic_version", True),
    "django": ("django_migrations", True),
    "drizzle": ("__drizzle_migrations", True),
    "prisma": ("_prisma_migrations", True),
    "knex": ("knex_migrations", True),
    "rails": ("schema_migrations", False),
    "laravel": ("migrations", False),
    "flyway": ("flyway_schema_history", True),
    "liquibase": ("databasechangelog", True),
    "goose": ("goose_db_version", True),
}

#: where each tool keeps its files by default or by common practice, in order
FOLDERS: dict[str, tuple[str, ...]] = {
    "drizzle": ("drizzle", "migrations", "db/migrations", "src/db/migrations"),
    "prisma": ("prisma/migrations",),
    "knex": ("migrations", "db/migrations", "src/migrations", "src/db/migrations"),
    "rails": ("db/migrate",),
    "laravel": ("database/migrations",),
    "flyway": ("src/main/resources/db/migration", "db/migration", "sql", "migrations"),
    "goose": ("migrations", "db/migrations", "sql/migrations"),
}


#: the names of each tool's migration files (as checks/migration_tools.py reads them)
FILES: dict[str, str] = {
    "knex": r"^[^.].*\.(js|ts|mjs|cjs)$",
    "rails": r"^\d+_\w+\.rb$",
    "laravel": r"^\w+\.php$",
    "flyway": r"^V[\d_.]+__.+\.sql$",
    "goose": r"^\d+_\w+\.(sql|go)$",
}


def _count(tool: str, folder: Path) -> int:
    """How many of the tool's migrations `folder` holds."""
    if tool == "drizzle":
        return 1 if (folder / "meta" / "_journal.json").is_file() else 0
    if tool == "prisma":
        return sum(1 for p in folder.iterdir() if (p / "migration.sql").is_file())
    rx = re.compile(FILES[tool])
    return sum(1 for p in folder.iterdir() if rx.match(p.name) and p.is_file())


def ledger_folder(tool: str, here: Path) -> tuple[str | None, str]:
    """The first of the tool's usual folders under `here` holding the tool's migration
    files, relative to `here`, and why; (None, why not)."""
    candidates = FOLDERS.get(tool, ())
    if not candidates:
        return None, f"golive reads no {tool} migration files (compare with staging)"
    for candidate in candidates:
        folder = here / candidate
        if folder.is_dir() and _count(tool, folder):
            return candidate, f"{tool} migration files in {candidate}/"
    return None, f"no {tool} migration files in {', '.join(f'{c}/' for c in candidates)}"


def tool_from_tables(tables: set[str], here: Path) -> tuple[str | None, str]:
    """The migration tool whose ledger table the database has, and why; (None, why not)
    when it has none, or several."""
    lower = {t.lower() for t in tables}
    found: list[str] = []
    for tool, (table, telling) in TABLES.items():
        if table not in lower:
            continue
        if telling or ledger_folder(tool, here)[0] is not None:
            found.append(tool)
    if not found:
        return None, "the database has no migration tool's table"
    if len(found) > 1:
        named = ", ".join(f"{TABLES[t][0]} ({t})" for t in found)
        return None, f"the database has the tables of several migration tools: {named}"
    return found[0], f"the database has {TABLES[found[0]][0]}"


def guess_migrations_dir(tool: str, here: Path) -> tuple[str | None, str]:
    """Where the migration files are, relative to `here`, and why; (None, why not).

    Anywhere in the repository: a Django project keeps its apps in its package folder
    (shop/billing/migrations/), an alembic project its versions folder where it likes."""
    from golive.core.sourcetree import alembic_versions_folders, django_migration_files

    if tool == "django":
        apps = sorted({name.split(".", 1)[0] for name in django_migration_files(here)})
        if apps:
            return ".", f"Django migration files of {', '.join(apps)} (APP/migrations/)"
        return None, f"no APP/migrations/NNNN_*.py anywhere under {here}"
    folders = [p.relative_to(here).as_posix() for p in alembic_versions_folders(here)]
    if len(folders) == 1:
        return folders[0], f"alembic revision files in {folders[0]}/"
    if folders:
        return None, f"alembic revision files in several folders ({', '.join(folders)})"
    return None, f"no alembic versions folder (revision files) anywhere under {here}"
