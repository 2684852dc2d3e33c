"""Migration probes: the database is at the code's head, or at another environment's.

The migration tool is a parameter (`tool`), because apps keep their state differently:
- alembic: one row per head in `alembic_version`; the head from `expected`,
  `expected_var` or the versions folder's files;
- django: one row per applied migration in `django_migrations` (app, name), compared with
  the migration files under the app folder; or the output of a command such as
  `python manage.py showmigrations --plan` (`[X]` applied, `[ ]` not);
- sql: a read-only query returning the applied revision(s) (Flyway, Rails, golang-migrate);
- command: a command printing the current revision(s) (for instance `alembic current`).
Every message and remedy names the tool in use.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError
from golive.values.db import reading

from .db_schema import DbParams, find_column, reflect, url_evidence
from .migration_files import (
    _revisions_in,
    alembic_heads,
    django_migration_files,
    parse_showmigrations,
    run_command,
)
from .migration_tools import LEDGERS, migration_files, read_ledger

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

Tool = Literal[
    "alembic", "django", "sql", "command",
    "drizzle", "prisma", "knex", "rails", "laravel", "flyway", "liquibase", "goose",
]  # fmt: skip
DEFAULT_TABLES = {"alembic": "alembic_version", "django": "django_migrations"}
DEFAULT_TABLES |= {name: ledger.table for name, ledger in LEDGERS.items()}
UPGRADES = {"alembic": "alembic upgrade head", "django": "python manage.py migrate"}
UPGRADES |= {name: ledger.upgrade for name, ledger in LEDGERS.items()}

# -- migrations --------------------------------------------------------------------------


class RevisionParams(DbParams):
    tool: Tool = Field(
        "alembic",
        description="The migration tool: alembic, django, drizzle, prisma, knex, rails, "
        "laravel, flyway, liquibase, goose (each read from its own table), sql (a query) or "
        "command.",
    )
    table: str | None = Field(
        None,
        description="Where the tool keeps its state; default alembic_version (alembic) or "
        "django_migrations (django).",
    )
    column: str = Field("version_num", description="alembic: the revision column.")
    sql: str | None = Field(
        None, description="tool sql: a SELECT whose first column is the applied revision(s)."
    )
    upgrade_command: str | None = Field(
        None,
        description="How this app applies its migrations, named in messages (default: "
        "alembic upgrade head, python manage.py migrate).",
    )

    @model_validator(mode="after")
    def _tool_shape(self) -> RevisionParams:
        if (self.tool == "sql") != (self.sql is not None):
            raise ValueError("tool sql takes sql (a SELECT), and only tool sql does")
        if self.sql is not None:
            if not re.match(r"^\s*(select|with)\b", self.sql, re.IGNORECASE):
                raise ValueError("sql must be a SELECT (or WITH ... SELECT) query")
            if ";" in self.sql.strip().rstrip(";"):
                raise ValueError("sql must be a single statement")
        return self

    def version_table(self) -> str:
        return self.table or DEFAULT_TABLES.get(self.tool, "")

    def upgrade(self) -> str:
        if self.upgrade_command:
            return self.upgrade_command
        return UPGRADES.get(self.tool, "the migration tool's upgrade command")

    def state(self) -> str:
        """Where the applied revisions come from, for messages."""
        if self.tool == "sql":
            return "the item's revision query"
        return f"{self.tool} ({self.version_table()})"


def read_revisions(conn: Connection, params: RevisionParams) -> set[str] | None:
    """The revisions recorded in the database; None if the tool's table does not exist.

    Django's are `app.name`; a query's are its first column.
    """
    from sqlalchemy import select, text

    if params.tool == "sql":
        assert params.sql is not None
        query = params.sql.strip().rstrip(";")
        return {str(r[0]) for r in conn.execute(text(query)).all() if r[0] is not None}
    if params.tool in LEDGERS:
        return read_ledger(conn, params.tool, params.table, params.db_schema)
    table_name = params.version_table()
    table = reflect(conn, table_name, params.db_schema)
    if table is None:
        return None
    if params.tool == "django":
        app, name = find_column(table, "app"), find_column(table, "name")
        if app is None or name is None:
            raise ProbeError(f"{table_name} has no app and name columns: is it Django's?")
        return {f"{a}.{n}" for a, n in conn.execute(select(app, name)).all()}
    column = find_column(table, params.column)
    if column is None:
        raise ProbeError(f"{table_name} has no column {params.column}")
    return {str(r[0]) for r in conn.execute(select(column)).all() if r[0] is not None}


class MigrationHeadParams(RevisionParams):
    expected: str | None = Field(None, description="The head revision (comma-separated heads).")
    expected_var: str | None = Field(
        None,
        description="Variable holding the head revision (e.g. set by CI from alembic); when "
        "it is unset, the heads of versions_dir (if given).",
    )
    versions_dir: str | None = Field(
        None, description="Alembic versions folder (relative to checklist.yaml) to read heads."
    )
    apps_dir: str | None = Field(
        None,
        description="django: the folder of the apps (relative to checklist.yaml) whose "
        "APP/migrations/NNNN_*.py files must all be applied.",
    )
    command: str | list[str] | None = Field(
        None,
        description="django: a command printing `showmigrations --plan`; command: one "
        "printing the current revision(s). Run without a shell in `cwd`.",
    )
    cwd: str = Field(".", description="Where the command runs, relative to checklist.yaml.")
    migrations_dir: str | None = Field(
        None,
        description="The migration files, whatever the tool: alembic's versions folder "
        "(versions_dir) or Django's apps folder (apps_dir). One checklist item then follows "
        "the `migration_tool` input, as db.same_revision does.",
    )

    @model_validator(mode="before")
    @classmethod
    def _migrations_dir(cls, data: Any) -> Any:
        """migrations_dir becomes the tool's own folder parameter."""
        if not isinstance(data, dict) or data.get("migrations_dir") is None:
            return data
        tool, folder = data.get("tool", "alembic"), data["migrations_dir"]
        own = {"alembic": "versions_dir", "django": "apps_dir"}.get(str(tool))
        if own is None and tool in LEDGERS:
            return data  # the tool's own folder of migration files
        if own is None:
            raise ValueError(
                f"migrations_dir is a folder of alembic or Django migration files; tool {tool} "
                "reads the applied revision from its query or command"
            )
        if data.get(own) not in (None, folder):
            raise ValueError(f"give migrations_dir or {own}, not both")
        return {**data, own: folder}

    @model_validator(mode="after")
    def _sources(self) -> MigrationHeadParams:
        if self.tool == "command" and self.command is None:
            raise ValueError("tool command needs command (printing the current revision)")
        if self.tool == "django" and self.command is None and self.apps_dir is None:
            raise ValueError(
                "tool django needs apps_dir (the folder of the apps whose migrations/ files "
                "must be applied; the `migrations_dir` input) or command"
            )
        if self.tool in ("alembic", "sql") and (self.command or self.apps_dir):
            raise ValueError(f"tool {self.tool} takes neither command nor apps_dir")
        if self.versions_dir and self.tool != "alembic":
            raise ValueError("versions_dir is an alembic folder: use it with tool alembic")
        return self


class MigrationHead(Probe[MigrationHeadParams]):
    kind = "db.migration_head"
    Params = MigrationHeadParams
    summary = (
        "The database's migrations are at the head of the code's (alembic, Django, a SQL "
        "query or a command)."
    )

    def _path(self, ctx: ProbeContext, raw: str) -> Path:
        folder = Path(raw)
        return folder if folder.is_absolute() else ctx.root / folder

    def _expected(self, params: MigrationHeadParams, ctx: ProbeContext) -> tuple[set[str], str]:
        if params.expected:
            return {r.strip() for r in params.expected.split(",") if r.strip()}, "expected"
        if params.expected_var:
            name = ctx.expand(params.expected_var)
            value = ctx.var(name)
            if value is None and params.versions_dir:
                return self._expected(params.model_copy(update={"expected_var": None}), ctx)
            if value is None:
                raise ProbeError(
                    f"{name} is not set in {ctx.env.config.origin}: set it to the head "
                    f"revision of the deployed code (for {params.tool})"
                )
            return {r.strip() for r in value.reveal().split(",") if r.strip()}, name
        if params.versions_dir:
            folder = self._path(ctx, params.versions_dir)
            if not folder.is_dir():
                raise ProbeError(f"versions_dir {folder} is not a folder")
            heads = alembic_heads(folder)
            if not heads:
                raise ProbeError(f"no alembic revisions found in {folder}")
            return heads, str(params.versions_dir)
        return set(), ""

    def run(self, params: MigrationHeadParams, ctx: ProbeContext) -> Outcome:
        if params.tool == "django":
            if params.command is not None:
                return self._django_plan(params, ctx)
            return self._django_files(params, ctx)
        if params.tool in LEDGERS and params.migrations_dir and not params.expected:
            return self._ledger_files(params, ctx)
        expected, source = self._expected(params, ctx)
        evidence: dict[str, Any] = {"tool": params.tool}
        if params.tool == "command":
            assert params.command is not None
            output = run_command(params.command, self._path(ctx, params.cwd), ctx.timeout)
            current: set[str] | None = _revisions_in(output)
            evidence["command"] = (
                params.command if isinstance(params.command, str) else " ".join(params.command)
            )
        else:
            with reading(ctx.db()) as conn:
                current = read_revisions(conn, params)
            evidence.update(url_evidence(ctx.database_url()))
        upgrade = params.upgrade()
        if current is None:
            return Outcome.failed(
                f"no {params.version_table()} table: the {params.tool} migrations never ran "
                f"here; run them ({upgrade})",
                **evidence,
            )
        if not current:
            where = (
                "the command printed no revision"
                if params.tool == "command"
                else f"{params.state()} records no revision"
            )
            return Outcome.failed(
                f"{where}: the migrations never completed here; run them ({upgrade})",
                **evidence,
            )
        evidence["revision"] = sorted(current)
        at = ", ".join(sorted(current))
        if not expected:
            return Outcome.warn(
                f"the database is at revision {at} ({params.tool}), but the item names no head "
                "to compare with: set expected, expected_var or versions_dir",
                **evidence,
            )
        evidence["head"] = sorted(expected)
        if current == expected or (params.tool in LEDGERS and expected <= current):
            return Outcome.passed(f"at the migration head {at} ({params.tool})", **evidence)
        return Outcome.failed(
            f"the database is at revision {at}, the head is {', '.join(sorted(expected))} "
            f"(from {source}); run the migrations ({upgrade}) and fix what fails",
            **evidence,
        )

    def _ledger_files(self, params: MigrationHeadParams, ctx: ProbeContext) -> Outcome:
        """Every migration file of the repository's folder is applied (any ledger tool)."""
        assert params.migrations_dir is not None
        folder = self._path(ctx, params.migrations_dir)
        files = migration_files(params.tool, folder)
        with reading(ctx.db()) as conn:
            applied = read_revisions(conn, params)
        evidence: dict[str, Any] = {"tool": params.tool, **url_evidence(ctx.database_url())}
        if applied is None:
            return Outcome.failed(
                f"no {params.version_table()} table: the {params.tool} migrations never ran "
                f"here; run them ({params.upgrade()})",
                **evidence,
            )
        pending = [files[k] for k in sorted(set(files) - applied)]
        ahead = sorted(applied - set(files))
        evidence.update({"files": len(files), "applied": len(applied), "unapplied": pending})
        if pending:
            return Outcome.failed(
                f"{len(pending)} {params.tool} migration(s) of {folder} not applied in "
                f"{params.version_table()}: {', '.join(pending[:10])}"
                f"{' ...' if len(pending) > 10 else ''}; run {params.upgrade()}",
                **evidence,
            )
        if ahead:
            return Outcome.warn(
                f"the database has applied {params.tool} migration(s) no file in {folder} "
                f"defines: {', '.join(ahead[:10])}; the deployed code may be older than the "
                "database (or migrations were squashed or renamed)",
                ahead=ahead,
                **evidence,
            )
        return Outcome.passed(
            f"all {len(files)} {params.tool} migrations of {folder} are applied in "
            f"{params.version_table()}",
            **evidence,
        )

    def _django_plan(self, params: MigrationHeadParams, ctx: ProbeContext) -> Outcome:
        assert params.command is not None
        shown_command = (
            params.command if isinstance(params.command, str) else " ".join(params.command)
        )
        output = run_command(params.command, self._path(ctx, params.cwd), ctx.timeout)
        applied, pending = parse_showmigrations(output)
        evidence = {"tool": "django", "command": shown_command, "applied": len(applied)}
        if not applied and not pending:
            raise ProbeError(
                f"`{shown_command}` printed no migration ([X] or [ ] lines): is it "
                "`manage.py showmigrations --plan` for this deployment?"
            )
        if pending:
            return Outcome.failed(
                f"{len(pending)} Django migration(s) not applied (per `{shown_command}`): "
                f"{', '.join(pending[:10])}{' ...' if len(pending) > 10 else ''}; run "
                f"{params.upgrade()}",
                unapplied=pending,
                **evidence,
            )
        return Outcome.passed(
            f"all {len(applied)} Django migrations applied (per `{shown_command}`)", **evidence
        )

    def _django_files(self, params: MigrationHeadParams, ctx: ProbeContext) -> Outcome:
        assert params.apps_dir is not None
        folder = self._path(ctx, params.apps_dir)
        if not folder.is_dir():
            raise ProbeError(f"apps_dir {folder} is not a folder")
        files = django_migration_files(folder)
        if not files:
            raise ProbeError(
                f"no Django migration files (APP/migrations/NNNN_name.py) under {folder}"
            )
        with reading(ctx.db()) as conn:
            applied = read_revisions(conn, params)
        evidence: dict[str, Any] = {"tool": "django", **url_evidence(ctx.database_url())}
        upgrade = params.upgrade()
        if applied is None:
            return Outcome.failed(
                f"no {params.version_table()} table: the Django migrations never ran here; "
                f"run {upgrade}",
                **evidence,
            )
        apps = sorted({name.split(".", 1)[0] for name in files})
        pending = sorted(files - applied)
        ahead = sorted(a for a in applied - files if a.split(".", 1)[0] in apps)
        evidence.update({"apps": apps, "files": len(files), "unapplied": pending})
        if pending:
            return Outcome.failed(
                f"{len(pending)} Django migration(s) of {folder} not applied in "
                f"{params.version_table()}: {', '.join(pending[:10])}"
                f"{' ...' if len(pending) > 10 else ''}; run {upgrade}",
                **evidence,
            )
        if ahead:
            return Outcome.warn(
                f"the database has applied migration(s) no file in {folder} defines: "
                f"{', '.join(ahead[:10])}; the deployed code may be older than the database "
                "(or the migrations were squashed or renamed)",
                ahead=ahead,
                **evidence,
            )
        return Outcome.passed(
            f"all {len(files)} Django migrations of {', '.join(apps)} (in {folder}) are "
            f"applied in {params.version_table()}",
            **evidence,
        )
