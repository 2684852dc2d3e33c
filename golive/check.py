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
    # The application's repository (repo and secret probes); default: the profile's `repo:`
    # (relative to the checklist's folder), else the current folder.
    root: Path | None = None


def _from_cwd(path: Path | None) -> Path | None:
    return None if path is None else (Path.cwd() / path.expanduser()).resolve()


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
    # Paths written in the checklist start at its folder; paths given on the command line
    # (--env-file, --other-env-file) at the current folder, as a user typing them expects.
    root = loaded.folder.resolve()
    profile = checklist.environments[options.environment]
    env = resolve(options.environment, profile, root, _from_cwd(options.env_file))
    if options.root is not None:
        repo = options.root.resolve()
    elif profile.repo:
        repo = (root / Path(profile.repo).expanduser()).resolve()
    else:
        repo = Path.cwd()
    redactor = redactor_for(env)
    other_files = {name: _from_cwd(path) for name, path in options.other_env_files}

    def others(name: str) -> ResolvedEnvironment:
        from golive.probe import ProbeError

        if name not in checklist.environments:
            raise ProbeError(f"no environment {name!r} in {loaded.path}")
        other = resolve(name, checklist.environments[name], root, other_files.get(name))
        for value in other.secret_values():
            redactor.add(value)
        return other

    clients = Clients()
    ctx = ProbeContext(
        env=env, root=root, redactor=redactor, clients=clients, others=others, repo=repo
    )
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
        checklist=str(loaded.path),
        checklist_name=checklist.metadata.name
        + (" (the packaged default)" if loaded.is_packaged else ""),
        environment=options.environment,
        mode=env.mode,
        started_at=started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        duration_s=round(time.monotonic() - t0, 3),
        results=tuple(results),
        golive_version=__version__,
    )
