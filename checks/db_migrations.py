"""Migration probes: the database is at the code's head, or at another environment's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from golive.context import ProbeContext
from golive.db import reading, shown
from golive.probe import Probe, ProbeError
from golive.results import Outcome

from .db_schema import DbParams, find_column, reflect, url_evidence

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# -- migrations --------------------------------------------------------------------------


class RevisionParams(DbParams):
    table: str = Field("alembic_version", description="Where the migration tool keeps it.")
    column: str = "version_num"


def read_revisions(
    conn: Connection, table_name: str, column_name: str, schema: str | None
) -> set[str] | None:
    """The revisions recorded in the version table; None if there is no such table."""
    from sqlalchemy import select

    table = reflect(conn, table_name, schema)
    if table is None:
        return None
    column = find_column(table, column_name)
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
        evidence: dict[str, Any] = {**url_evidence(ctx.database_url())}
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
