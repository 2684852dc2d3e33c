"""One `golive check`: load, resolve the environment, plan, run, report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from golive import __version__
from golive.checklist import LoadedChecklist, load_checklist
from golive.context import Clients, ProbeContext
from golive.environment import ResolvedEnvironment, redactor_for, resolve
from golive.errors import UsageError
from golive.results import Report
from golive.runner import PlannedItem, Progress, plan, run_plan, selector_matches_any


@dataclass(frozen=True)
class CheckOptions:
    checklist: Path
    environment: str
    env_file: Path | None = None
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    concurrency: int | None = None
    timeout: float | None = None
    # Env files for the *other* environments that items compare against (env.differs,
    # db.same_revision): ("staging", Path("staging.env")), ...
    other_env_files: tuple[tuple[str, Path], ...] = ()
    # The application's folder (repo scans, dependency files); default: checklist's folder.
    root: Path | None = None


def split_selectors(values: list[str] | tuple[str, ...] | None) -> list[str]:
    """`--only a,b --only c` -> [a, b, c]."""
    return [s.strip() for v in values or () for s in v.split(",") if s.strip()]


def prepare(options: CheckOptions) -> tuple[LoadedChecklist, list[PlannedItem]]:
    """Load the checklist and make the plan; every input problem raises here, exit 2."""
    loaded = load_checklist(options.checklist)
    checklist = loaded.checklist
    if options.environment not in checklist.environments:
        known = ", ".join(sorted(checklist.environments))
        line, col = loaded.positions.find(("environments",))
        raise UsageError(
            f"{options.checklist}:{line}:{col}: unknown environment {options.environment!r}; "
            f"known: {known}"
        )
    for name, _ in options.other_env_files:
        if name not in checklist.environments:
            known = ", ".join(sorted(checklist.environments))
            raise UsageError(
                f"--other-env-file {name}=...: no environment {name!r}; known: {known}"
            )
        if name == options.environment:
            raise UsageError(
                f"--other-env-file {name}=...: use --env-file for the checked environment"
            )
    for selector in (*options.only, *options.skip):
        if not selector_matches_any(selector, checklist):
            raise UsageError(
                f"--only/--skip {selector!r} matches no item id, section, ref or tag "
                f"in {options.checklist}"
            )
    planned = plan(checklist, options.environment, list(options.only), list(options.skip))
    return loaded, planned


def run_check(options: CheckOptions, progress: Progress | None = None) -> Report:
    loaded, planned = prepare(options)
    return execute(loaded, planned, options, progress)


def execute(
    loaded: LoadedChecklist,
    planned: list[PlannedItem],
    options: CheckOptions,
    progress: Progress | None = None,
) -> Report:
    checklist = loaded.checklist
    root = (options.root or loaded.path.parent).resolve()
    env = resolve(
        options.environment,
        checklist.environments[options.environment],
        root,
        options.env_file,
        locate=lambda *loc: loaded.where("environments", options.environment, *loc),
    )
    redactor = redactor_for(env)
    other_files = dict(options.other_env_files)

    def others(name: str) -> ResolvedEnvironment:
        from golive.probe import ProbeError

        if name not in checklist.environments:
            raise ProbeError(f"no environment {name!r} in {loaded.path}")
        other = resolve(
            name,
            checklist.environments[name],
            root,
            other_files.get(name),
            locate=lambda *loc: loaded.where("environments", name, *loc),
        )
        for value in other.secret_values():
            redactor.add(value)
        return other

    clients = Clients()
    ctx = ProbeContext(env=env, root=root, redactor=redactor, clients=clients, others=others)
    started = datetime.now(UTC)
    t0 = time.monotonic()
    try:
        results = run_plan(
            checklist,
            planned,
            ctx,
            concurrency=options.concurrency,
            timeout=options.timeout,
            progress=progress,
        )
    finally:
        clients.close()
    return Report(
        checklist=str(options.checklist),
        checklist_name=checklist.metadata.name,
        environment=options.environment,
        mode=env.mode,
        started_at=started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        duration_s=round(time.monotonic() - t0, 3),
        results=tuple(results),
        golive_version=__version__,
    )
