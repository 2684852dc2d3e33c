"""db.same_revision: this database is at the same migration revision as another
environment's (staging), for every tool that records its state in a table."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import Field

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError
from golive.values.db import reading, shown

from .db_migrations import RevisionParams, read_revisions


class SameRevisionParams(RevisionParams):
    other: str | None = Field(
        None, description="The environment (e.g. staging) whose database to compare."
    )
    migrations_dir: str | None = Field(
        None,
        description="The repository's migration files (relative to checklist.yaml): with no "
        "`other` environment to compare with, this database is judged against them (every "
        "migration in the repository is applied).",
    )


def against_files(params: SameRevisionParams, ctx: ProbeContext, why: str) -> Outcome:
    """No other environment: judge this database against the repository's migrations."""
    from .db_migrations import MigrationHead, MigrationHeadParams

    data: dict[str, Any] = {
        k: v for k, v in params.model_dump(exclude={"other"}).items() if v is not None
    }
    outcome = MigrationHead().run(MigrationHeadParams.model_validate(data), ctx)
    return replace(
        outcome,
        message=f"{why}, so judged against the repository's migrations: {outcome.message}",
    )


class SameRevision(Probe[SameRevisionParams]):
    kind = "db.same_revision"
    Params = SameRevisionParams
    summary = "This database is at the same migration revision as another environment's."

    def run(self, params: SameRevisionParams, ctx: ProbeContext) -> Outcome:
        if params.tool == "command":
            # The `migration_tool` input moves every migration item: a command tells the
            # state where golive runs, never another environment's; say so, never pass.
            return Outcome.skip(
                f"not judged: the migration tool is a command, which prints the state where "
                f"golive runs and reads neither {ctx.env.name}'s nor {params.other}'s "
                "database; compare them with tool alembic, django or sql"
            )
        if params.other is None:
            if params.migrations_dir is None:
                return Outcome.skip(
                    "no other environment to compare with and no migrations_dir: set the "
                    "migrations_dir input to judge the applied migrations against the "
                    "repository's files"
                )
            return against_files(params, ctx, "there is no other environment to compare with")
        other = ctx.other_environment(params.other)
        other_url = other.database_url.value
        if other_url is None:
            needs = ", ".join(other.database_url.missing) or "database_url in checklist.yaml"
            raise ProbeError(f"environment {params.other!r} has no database URL (needs {needs})")
        here_url = ctx.database_url()
        if other_url == here_url and other.config.origin == ctx.env.config.origin:
            if params.migrations_dir is not None:
                why = f"{params.other}'s values are read from the same place as {ctx.env.name}'s"
                return against_files(params, ctx, why)
            return Outcome.skip(
                f"{params.other}'s database URL is read from the same place as "
                f"{ctx.env.name}'s ({ctx.env.config.origin}): there is no {params.other} "
                f"database to compare with; give {params.other} its own source "
                f"(--other-env-file {params.other}=FILE)"
            )
        if other_url == here_url:
            return Outcome.warn(
                f"{ctx.env.name} and {params.other} use the same database ({shown(here_url)}): "
                "nothing to compare; give each environment its own DATABASE_URL"
            )
        revisions: list[set[str] | None] = []
        for url in (here_url, other_url):
            with reading(ctx.db(url)) as conn:
                revisions.append(read_revisions(conn, params))
        here, there = revisions
        evidence = {
            "tool": params.tool,
            ctx.env.name: sorted(here) if here is not None else None,
            params.other: sorted(there) if there is not None else None,
        }
        state = params.state()
        if not there:
            raise ProbeError(
                f"{params.other}'s database ({shown(other_url)}) has no migration revision "
                f"in {state}: nothing to compare with"
            )
        if not here:
            return Outcome.failed(
                f"{ctx.env.name}'s database has no migration revision in {state}, "
                f"{params.other} is at {_short(there)}; run the same migrations here "
                f"({params.upgrade()})",
                **evidence,
            )
        if here == there:
            return Outcome.passed(
                f"{ctx.env.name} and {params.other} are both at {_short(here)} ({params.tool})",
                **evidence,
            )
        if params.tool == "django":
            missing, extra = sorted(there - here), sorted(here - there)
            parts = []
            if missing:
                parts.append(f"{ctx.env.name} lacks {', '.join(missing[:10])}")
            if extra:
                parts.append(
                    f"{ctx.env.name} has {', '.join(extra[:10])} that {params.other} lacks"
                )
            return Outcome.failed(
                f"{'; '.join(parts)}; apply the same migrations to both ({params.upgrade()}), "
                f"in the order they ran on {params.other}",
                **evidence,
            )
        return Outcome.failed(
            f"{ctx.env.name} is at {_short(here)} but {params.other} is at "
            f"{_short(there)}; apply the same migrations to both ({params.upgrade()}), in the "
            f"order they ran on {params.other}",
            **evidence,
        )


def _short(revisions: set[str]) -> str:
    """Revisions for a message; Django's can be hundreds, so long sets are counted."""
    ordered = sorted(revisions)
    if len(ordered) <= 5:
        return ", ".join(ordered)
    return f"{len(ordered)} migrations (last {ordered[-1]})"
