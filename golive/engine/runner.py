"""Runs a plan's probes concurrently: bounded, each with its own timeout, isolated.

Probes are I/O-bound, so each runs in a daemon thread (core/workers.py: reused from
run to run); at most `concurrency` run at once. An exception or a timeout in one probe
is `error` for that item alone; a probe thread still stuck after its timeout is
abandoned (it is a daemon: it cannot keep the process alive; the next probe gets
another thread). Every outcome is redacted before it becomes a result.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from golive.checklist.models import Checklist, Item
from golive.core.interpolation import for_mode
from golive.core.results import ACTIONABLE, ItemResult, Outcome, SkipKind, Status
from golive.core.secrets import Redactor
from golive.core.workers import Workers
from golive.engine.context import ProbeContext
from golive.engine.isolation import kill_all, run_isolated
from golive.engine.probe import ProbeError, ProbeParams
from golive.engine.registry import BUILTIN_PROBES, load_probe, runs_isolated

#: every run's probe threads: a long-lived process (watch) reuses them run after run
PROBE_THREADS = Workers("probe")

Progress = Callable[[str, ItemResult | None], None]  # (item id, None at start / result at end)


@dataclass(frozen=True)
class PlannedItem:
    item: Item
    skip_reason: str | None = None
    #: why a planned skip is one: --skip (the run is partial) or disabled by the team
    skip_kind: SkipKind = SkipKind.DESELECTED
    #: set when the item was not selected but a selected item needs it
    needed_by: tuple[str, ...] = ()
    #: the probe's parameters as the loader validated them; None (a plug-in's): the
    #: worker validates them where the probe's code runs
    params: ProbeParams | None = None


def plan(
    checklist: Checklist,
    environment: str,
    only: list[str] | None = None,
    skip: list[str] | None = None,
    bound: Mapping[str, object] | None = None,
) -> list[PlannedItem]:
    """The items that apply to `environment`, filtered by --only / --skip selectors;
    `bound` (LoadedChecklist.params) hands each item its validated parameters.

    A selector matches an item's id, an id prefix ending in '.', its section id, a ref or
    a tag. Items outside the environment are left out of the plan altogether;
    `--skip`ped ones stay in it as `skip` so a report shows what was not looked at.
    """
    applicable = [item for item in checklist.items if checklist.applies(item, environment)]
    chosen = {item.id for item in applicable if not only or any(selects(s, item) for s in only)}
    # A selected item's prerequisites run too, so that `--only prices` still learns that
    # the key is of the wrong mode instead of judging prices with it.
    needed_by: dict[str, list[str]] = {}
    by_id = {item.id: item for item in applicable}
    frontier = sorted(chosen)
    while frontier:
        item_id = frontier.pop()
        for need in checklist.needs_of(by_id[item_id]):
            if need in by_id:
                needed_by.setdefault(need, []).append(item_id)
                if need not in chosen:
                    chosen.add(need)
                    frontier.append(need)
    planned: list[PlannedItem] = []
    for item in applicable:
        if item.id not in chosen:
            continue
        if skip and any(selects(s, item) for s in skip):
            planned.append(PlannedItem(item, "skipped by --skip"))
            continue
        if item.disabled:
            planned.append(PlannedItem(item, f"disabled: {item.disabled}", SkipKind.NOT_APPLICABLE))
            continue
        extra = () if not only or any(selects(s, item) for s in only) else needed_by[item.id]
        given = (bound or {}).get(item.id)
        params = given if isinstance(given, ProbeParams) else None
        planned.append(PlannedItem(item, needed_by=tuple(extra), params=params))
    return planned


def selects(selector: str, item: Item) -> bool:
    return (
        selector == item.id
        or item.id.startswith(selector + ".")
        or selector == item.section
        or selector in item.refs
        or selector in item.tags
    )


def selector_matches_any(selector: str, checklist: Checklist) -> bool:
    return any(selects(selector, item) for item in checklist.items)


def run_plan(
    checklist: Checklist,
    planned: list[PlannedItem],
    ctx: ProbeContext,
    *,
    concurrency: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    progress: Progress | None = None,
) -> list[ItemResult]:
    """Run every planned item; results come back in checklist order.

    `deadline` bounds the whole run (default: the checklist's `defaults.deadline`): items
    still running or not started when it passes are `error`, and the report is written.
    """
    limit = concurrency or checklist.defaults.concurrency
    run_end = time.monotonic() + (deadline or checklist.defaults.deadline)
    results: dict[str, ItemResult] = {}
    done: queue.Queue[tuple[str, Outcome, float]] = queue.Queue()
    pending = list(planned)
    running: dict[str, tuple[PlannedItem, float, float]] = {}  # id -> (planned, start, deadline)

    def finish(p: PlannedItem, outcome: Outcome, duration: float) -> None:
        result = to_result(checklist, p.item, outcome, duration, ctx.redactor, ctx.mode)
        results[p.item.id] = result
        if progress:
            progress(p.item.id, result)

    in_plan = {p.item.id for p in planned}
    needs = {p.item.id: [n for n in checklist.needs_of(p.item) if n in in_plan] for p in planned}

    # Skipped items need no thread.
    for p in [p for p in pending if p.skip_reason]:
        finish(p, Outcome(Status.SKIP, p.skip_reason or "skipped", {}, p.skip_kind), 0.0)
    # Network-bound families first: they take longest, the rest fills the gaps.
    pending = sorted(
        (p for p in pending if not p.skip_reason), key=lambda p: _start_rank(p.item.probe.kind)
    )

    # A burst that fills the app's limiter starts once every item not waiting on a burst
    # has finished: otherwise their requests as the same user meet its 429s.
    bursts = {p.item.id for p in pending if _fills_limits(checklist, p.item.probe.kind)}
    after_burst = _waiting_on(bursts, needs)

    def holds_back(p: PlannedItem) -> bool:
        if p.item.id not in bursts:
            return False
        others = [*pending, *(q for q, _, _ in running.values())]
        return any(q.item.id not in bursts and q.item.id not in after_burst for q in others)

    def next_ready() -> PlannedItem | None:
        """The first pending item (checklist order) whose prerequisites have finished."""
        for index, p in enumerate(pending):
            if all(n in results for n in needs[p.item.id]) and not holds_back(p):
                return pending.pop(index)
        return None

    try:
        while pending or running:
            while len(running) < limit and (ready := next_ready()) is not None:
                p = ready
                failed = [n for n in needs[p.item.id] if results[n].status in PREREQUISITE_NOT_MET]
                if failed:
                    finish(p, blocked_outcome(failed, results), 0.0)
                    continue
                item_timeout = p.item.timeout or timeout or checklist.defaults.timeout
                start = time.monotonic()
                item_timeout = max(0.0, min(item_timeout, run_end - start))
                running[p.item.id] = (p, start, start + item_timeout)
                if progress:
                    progress(p.item.id, None)
                PROBE_THREADS.submit(
                    p.item.id,
                    _run_one,
                    p.item,
                    ctx.with_timeout(item_timeout),
                    done,
                    checklist.probe_target(p.item.probe.kind),  # a local plug-in's
                    p.params,
                )
            if not running:
                if pending and all(
                    any(n not in results for n in needs[q.item.id]) for q in pending
                ):
                    for q in pending:  # unreachable once the loader rejects cycles; fail closed
                        finish(q, Outcome.error("prerequisites never finished (a cycle?)"), 0.0)
                    pending.clear()
                continue  # everything left was blocked or is waiting on what just finished
            now = time.monotonic()
            if now >= run_end:
                _end_run(running, pending, finish, deadline or checklist.defaults.deadline, now)
                break
            next_deadline = min(deadline for _, _, deadline in running.values())
            try:
                item_id, outcome, duration = done.get(timeout=max(0.0, next_deadline - now))
            except queue.Empty:
                now = time.monotonic()
                if now >= run_end:
                    _end_run(running, pending, finish, deadline or checklist.defaults.deadline, now)
                    break
                for item_id, (p, start, deadline) in list(running.items()):
                    if now >= deadline:
                        del running[item_id]
                        finish(
                            p,
                            Outcome.error(
                                f"timed out after {deadline - start:g}s (probe {p.item.probe.kind})"
                            ),
                            now - start,
                        )
                continue
            if item_id in running:  # else it already timed out
                p, _, _ = running.pop(item_id)
                finish(p, outcome, duration)
    finally:
        kill_all()  # a plug-in child whose item timed out or outlived the deadline
    return [results[p.item.id] for p in planned if p.item.id in results]


_START_FIRST = ("http.", "stripe.", "db.", "secrets.", "repo.")


def _fills_limits(checklist: Checklist, kind: str) -> bool:
    """Whether a built-in probe uses up an app's limit (Probe.fills_limits); a plug-in's
    code is never imported here (it runs in a child), so plug-ins say no."""
    if checklist.probe_target(kind) is not None or kind not in BUILTIN_PROBES:
        return False
    try:
        return bool(load_probe(kind).fills_limits)
    except Exception:  # a kind that cannot load ends as its item's error when run
        return False


def _waiting_on(bursts: set[str], needs: Mapping[str, list[str]]) -> set[str]:
    """The items that need a burst, directly or through other items."""
    waiting: set[str] = set()
    changed = True
    while changed:
        changed = False
        for item_id, required in needs.items():
            if item_id not in waiting and any(n in bursts or n in waiting for n in required):
                waiting.add(item_id)
                changed = True
    return waiting


def _start_rank(kind: str) -> int:
    return 0 if kind.startswith(_START_FIRST) else 1


def _end_run(
    running: dict[str, tuple[PlannedItem, float, float]],
    pending: list[PlannedItem],
    finish: Callable[[PlannedItem, Outcome, float], None],
    deadline: float,
    now: float,
) -> None:
    """The run's deadline passed: what is unfinished is undecided, never pass."""
    for p, start, _ in list(running.values()):
        finish(
            p,
            Outcome.error(f"unfinished when the run's deadline ({deadline:g}s) passed"),
            now - start,
        )
    running.clear()
    for p in pending:
        finish(p, Outcome.error(f"not started: the run's deadline ({deadline:g}s) passed"), 0.0)
    pending.clear()


#: A prerequisite in one of these states leaves its dependants unjudgeable.
PREREQUISITE_NOT_MET = frozenset({Status.FAIL, Status.ERROR, Status.BLOCKED})


def blocked_outcome(failed: list[str], results: dict[str, ItemResult]) -> Outcome:
    """`blocked by 1.2a: <what 1.2a found>`; no remediation of its own."""
    first = results[failed[0]]
    reason = first.message.splitlines()[0] if first.message else first.status.value
    if first.status is Status.BLOCKED:
        return Outcome.blocked(
            f"blocked by {', '.join(failed)} (itself {reason})", blocked_by=failed
        )
    return Outcome.blocked(f"blocked by {', '.join(failed)}: {reason}", blocked_by=failed)


def _run_one(
    item: Item,
    ctx: ProbeContext,
    done: queue.Queue[tuple[str, Outcome, float]],
    target: str | None = None,
    validated: ProbeParams | None = None,
) -> None:
    start = time.monotonic()
    if runs_isolated(item.probe.kind, target):
        try:
            outcome = run_isolated(item.probe.kind, target, dict(item.probe.params), ctx)
        except Exception as exc:  # fork or pipe failure: undecided, never pass
            outcome = Outcome.error(f"probe {item.probe.kind}: cannot start: {exc}")
        done.put((item.id, outcome, time.monotonic() - start))
        return
    try:
        probe = load_probe(item.probe.kind, target)
        params: Any = (
            validated
            if validated is not None and target is None
            else probe.Params.model_validate(item.probe.params)
        )
        outcome = probe.run(params, ctx)
        if not isinstance(outcome, Outcome):
            outcome = Outcome.error(f"probe {item.probe.kind} returned no outcome")
    except ProbeError as exc:
        outcome = Outcome.error(str(exc))
    except Exception as exc:  # one broken probe never stops the others
        outcome = Outcome.error(f"probe {item.probe.kind} failed: {type(exc).__name__}: {exc}")
    done.put((item.id, outcome, time.monotonic() - start))


def to_result(
    checklist: Checklist,
    item: Item,
    outcome: Outcome,
    duration: float,
    redactor: Redactor,
    mode: str | None = None,
) -> ItemResult:
    """Freeze an outcome into a result, with every secret scrubbed out; `{MODE}` in the
    title and remediation (a variable name such as STRIPE_PLAN_PRICE_MAPPING_{MODE}) is
    the environment's Stripe mode, as in the probe's parameters."""
    status = outcome.status if isinstance(outcome.status, Status) else Status.ERROR

    def named(text: str) -> str:
        return for_mode(text, mode) if mode else text

    return ItemResult(
        id=item.id,
        title=named(item.title),
        section=item.section,
        section_title=checklist.section_title(item.section),
        probe=item.probe.kind,
        severity=item.severity,
        status=status,
        message=redactor.text(outcome.message),
        evidence=redactor.value(dict(outcome.evidence)),
        duration_s=round(duration, 3),
        remediation=named(item.remediation) if status in ACTIONABLE else "",
        refs=tuple(item.refs),
        tags=tuple(item.tags),
        blocked_by=tuple(outcome.evidence.get("blocked_by", ()))
        if status is Status.BLOCKED
        else (),
        skip_kind=(outcome.skip_kind or SkipKind.UNDECIDED) if status is Status.SKIP else None,
    )
