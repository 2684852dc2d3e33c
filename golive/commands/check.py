"""One `golive check`: load, resolve the environment, plan, run, report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from golive import __version__
from golive.checklist.loaded import LoadedChecklist
from golive.checklist.models import Checklist
from golive.commands.run_facts import app_commit, default_operator, file_sha256, stripe_account
from golive.core.errors import UsageError
from golive.core.inputfiles import real_path
from golive.core.results import FAIL_ON, ItemResult, Report
from golive.engine.context import Clients, ProbeContext
from golive.engine.loader import load_checklist
from golive.engine.runner import PlannedItem, Progress, plan, run_plan, selector_matches_any
from golive.signoff.records import show_time
from golive.values.environment import ResolvedEnvironment, redactor_for, resolve

if TYPE_CHECKING:
    from golive.signoff.attestations import Attestation
    from golive.signoff.waivers import Waiver


@dataclass(frozen=True)
class CheckOptions:
    checklist: Path
    environment: str
    env_file: Path | None = None
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    concurrency: int | None = None
    timeout: float | None = None
    deadline: float | None = None  # the whole run; default: the checklist's
    # Env files for the *other* environments that items compare against (env.differs,
    # db.same_revision): ("staging", Path("staging.env")), ...
    other_env_files: tuple[tuple[str, Path], ...] = ()
    # The application's repository (repo and secret probes); default: the profile's `repo:`
    # (relative to the checklist's folder), else the current folder.
    root: Path | None = None
    # Who ran the check, for the report; default user@host.
    operator: str | None = None
    # `golive rehearse`: only the rehearsal items (they write in test mode); a normal
    # check leaves them out. See REHEARSAL_KIND.
    rehearse: bool = False
    # --fail-on: statuses (warn, skip, manual) that fail the run from any item
    fail_on: tuple[str, ...] = ()
    # --allowed-signers: only signed attestations by these signers count
    allowed_signers: Path | None = None
    # --trust: run the checklist's own code (plug-ins, commands) without a recorded digest
    trusted: bool = False


#: the probe kind that writes (in test mode only): run by `golive rehearse`, never by check
REHEARSAL_KIND = "flow.rehearse"


def _from_cwd(path: Path | None) -> Path | None:
    return None if path is None else real_path(Path.cwd() / path.expanduser())


def split_selectors(values: list[str] | tuple[str, ...] | None) -> list[str]:
    """`--only a,b --only c` -> [a, b, c]; an empty selector (`--only ,`, `a,,b`, `''`)
    is exit 2, never "no filter"."""
    selectors = [s.strip() for v in values or () for s in v.split(",")]
    if any(not s for s in selectors):
        shown = ", ".join(repr(v) for v in values or ())
        raise UsageError(
            f"--only/--skip {shown}: an empty selector; name an item, section, ref or tag"
        )
    return selectors


def prepare(options: CheckOptions) -> tuple[LoadedChecklist, list[PlannedItem]]:
    """Load the checklist and make the plan; every input problem raises here, exit 2."""
    loaded = load_checklist(options.checklist)
    checklist = loaded.checklist
    if options.environment not in checklist.environments:
        from golive.checklist.envnames import unknown_environment

        raise UsageError(
            unknown_environment(
                options.environment,
                checklist.environments,
                loaded.where("environments"),
                loaded.path,
            )
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
    for status in options.fail_on:
        if status not in FAIL_ON:
            raise UsageError(f"--fail-on {status!r}: choose from {', '.join(FAIL_ON)}")
    for selector in (*options.only, *options.skip):
        if not selector_matches_any(selector, checklist):
            raise UsageError(
                f"--only/--skip {selector!r} matches no item id, section, ref or tag "
                f"in {options.checklist}"
            )
    only = list(options.only)
    rehearsals = [i.id for i in checklist.items if i.probe.kind == REHEARSAL_KIND]
    if options.rehearse and not only:
        only = rehearsals or ["-"]  # "-" selects nothing: a checklist without rehearsals
    planned = plan(checklist, options.environment, only, list(options.skip), loaded.params)
    if options.rehearse:
        planned = [p for p in planned if p.item.id in rehearsals or p.needed_by]
    else:
        planned = [p for p in planned if p.item.probe.kind != REHEARSAL_KIND]
    if (options.only or options.skip) and not any(p.skip_reason is None for p in planned):
        raise UsageError(
            f"--only/--skip leave nothing to run in {options.checklist} for "
            f"{options.environment} (every selected item is skipped or disabled)"
        )
    _load_signoff(loaded)  # a malformed attestations or waivers file is exit 2, before running
    if options.allowed_signers is not None:
        from golive.signoff.verification import parse_allowed_signers

        parse_allowed_signers(options.allowed_signers)  # malformed: exit 2, before running
    return loaded, planned


def _load_signoff(loaded: LoadedChecklist) -> tuple[list[Attestation], list[tuple[Waiver, int]]]:
    from golive.signoff.attestations import load_attestations
    from golive.signoff.waivers import load_waivers

    return load_attestations(loaded), load_waivers(loaded)


def run_check(options: CheckOptions, progress: Progress | None = None) -> Report:
    loaded, planned = prepare(options)
    return execute(loaded, planned, options, progress)


def execute(
    loaded: LoadedChecklist,
    planned: list[PlannedItem],
    options: CheckOptions,
    progress: Progress | None = None,
) -> Report:
    """Run the plan; the checklist's own code runs only if trusted (golive/engine/trust.py)."""
    from golive.engine import trust

    allowed = require_trusted(loaded, planned, options)
    with trust.allow_code(allowed):
        return _execute(loaded, planned, options, progress)


def require_trusted(
    loaded: LoadedChecklist, planned: list[PlannedItem], options: CheckOptions
) -> bool:
    """Whether the checklist's own code may run; UntrustedCode (exit 2), naming that code,
    when the plan would run some and the checklist is not trusted."""
    from golive.engine import trust

    kinds = {p.item.probe.kind for p in planned if not p.skip_reason}
    code = trust.would_run(loaded, options.environment, kinds)
    allowed = trust.is_trusted(loaded, options.trusted)
    if code and not allowed:
        raise trust.UntrustedCode(trust.refuse_message(loaded, code))
    return allowed


def _execute(
    loaded: LoadedChecklist,
    planned: list[PlannedItem],
    options: CheckOptions,
    progress: Progress | None = None,
) -> Report:
    checklist = loaded.checklist
    # Paths written in the checklist start at its folder; paths given on the command line
    # (--env-file, --other-env-file) at the current folder, as a user typing them expects.
    root = real_path(loaded.folder)
    profile = checklist.environments[options.environment]
    env = resolve(
        options.environment,
        profile,
        root,
        _from_cwd(options.env_file),
        locate=lambda *loc: loaded.where("environments", options.environment, *loc),
    )
    if options.root is not None:
        repo = real_path(options.root)
    elif profile.repo:
        repo = real_path(root / Path(profile.repo).expanduser())
    else:
        repo = Path.cwd()
    redactor = redactor_for(env)
    other_files = {name: _from_cwd(path) for name, path in options.other_env_files}

    def others(name: str) -> ResolvedEnvironment:
        from golive.engine.probe import ProbeError

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

    attestations, waivers = _load_signoff(loaded)
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
            deadline=options.deadline,
            progress=progress,
        )
    finally:
        clients.close()
    results = in_environment(checklist, options.environment, results)
    from golive.signoff.attestations import apply_attestations
    from golive.signoff.waivers import apply_waivers

    now = datetime.now(UTC)
    allowed = None
    if options.allowed_signers is not None:
        from golive.signoff.verification import parse_allowed_signers

        allowed = parse_allowed_signers(options.allowed_signers)
    results = apply_attestations(
        loaded, options.environment, results, attestations, redactor, now, allowed
    )
    results, notices = apply_waivers(loaded, options.environment, results, waivers, redactor, now)
    from golive.core.fit import notice as fit_notice

    unfit = fit_notice(results)
    notices = [unfit, *notices] if unfit else notices
    if options.rehearse and not planned:
        notices = [*notices, nothing_to_rehearse(checklist, options.environment)]
    notices = [*relaxed(loaded, options.environment, results), *notices]
    duration = round(time.monotonic() - t0, 3)
    commit, dirty = app_commit(repo)
    from golive.signoff.provenance import decided_by, unclean

    files = decided_by(loaded, repo)
    if commit and unclean(files):
        dirty = True  # "clean" only when every file that decided the run is committed
    return Report(
        checklist=str(loaded.path),
        checklist_name=checklist.metadata.name
        + (" (the packaged default)" if loaded.is_packaged else ""),
        environment=options.environment,
        mode=env.mode,
        started_at=show_time(started),
        duration_s=duration,
        results=tuple(results),
        golive_version=__version__,
        checklist_sha256=file_sha256(loaded.path),
        finished_at=show_time(now),
        operator=options.operator or default_operator(),
        base_url=redactor.text(env.base_url.value) if env.base_url.value else None,
        stripe_account=stripe_account(results),
        app_commit=commit,
        app_dirty=dirty,
        only=options.only,
        skip=options.skip,
        unchecked_blocking=unchecked_blocking(
            loaded, options.environment, planned, rehearse=options.rehearse
        ),
        notices=tuple(redactor.text(n) for n in notices),
        fail_on=options.fail_on,
        files=tuple(files),
    )


def in_environment(
    checklist: Checklist, environment: str, results: list[ItemResult]
) -> list[ItemResult]:
    """Each result with its item's severity in this environment (Checklist.severity_in)."""
    from dataclasses import replace

    by_id = {item.id: item for item in checklist.items}
    out = []
    for r in results:
        item = by_id.get(r.id)
        severity = checklist.severity_in(item, environment) if item else r.severity
        out.append(r if severity == r.severity else replace(r, severity=severity))
    return out


def relaxed(loaded: LoadedChecklist, environment: str, results: list[ItemResult]) -> list[str]:
    """`FILE:LINE: ID is advisory in ENV: reason`, for each item the profile relaxed that
    would gate here: a relaxed gate is never silent."""
    checklist = loaded.checklist
    profile = checklist.environments[environment]
    ran = {r.id for r in results}
    out = []
    for item in checklist.items:
        reason = profile.advisory.get(item.id)
        if reason is None or item.id not in ran:
            continue
        would = item.blocking_when is not None or item.severity == "blocking"
        if not would:
            continue
        where = loaded.where("environments", environment, "advisory", item.id)
        out.append(
            f"{where}: {item.id} {item.title} does not gate {environment} "
            f"(relaxed to advisory: {reason})"
        )
    return out


def nothing_to_rehearse(checklist: Checklist, environment: str) -> str:
    """Why `golive rehearse` ran nothing here: the run is inconclusive, never ready."""
    rehearsals = [i for i in checklist.items if i.probe.kind == REHEARSAL_KIND]
    if not rehearsals:
        return "golive rehearse: this checklist has no rehearsal item: nothing was rehearsed"
    where = sorted({e for i in rehearsals for e in (i.environments or [])})
    return (
        f"golive rehearse: no rehearsal applies to environment {environment!r}, so nothing "
        "was rehearsed (rehearsals write, in test mode only); rehearse "
        + (f"one of {', '.join(where)}" if where else "a test-mode environment")
    )


def unchecked_blocking(
    loaded: LoadedChecklist, environment: str, planned: list[PlannedItem], *, rehearse: bool = False
) -> tuple[str, ...]:
    """Blocking items of this environment that --only left out or --skip skipped.

    An item an overlay disabled (with its reason) is the team's recorded decision, not a
    selection of this run: it does not make the run partial.
    """
    ran = {p.item.id for p in planned if not p.skip_reason}
    checklist = loaded.checklist
    return tuple(
        item.id
        for item in checklist.items
        if checklist.severity_in(item, environment) == "blocking"
        and checklist.applies(item, environment)
        and not item.disabled
        # rehearsals are `golive rehearse`'s items, never `golive check`'s, and back
        and (item.probe.kind == REHEARSAL_KIND) == rehearse
        and item.id not in ran
    )
