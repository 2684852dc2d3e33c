"""Statuses, probe outcomes, item results, reports and the deploy-gate exit codes."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    """What a probe concluded about one checklist item."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"  # a finding that does not block go-live
    ERROR = "error"  # could not decide: never counts as pass
    BLOCKED = "blocked"  # a prerequisite item failed, so this one cannot be judged
    SKIP = "skip"  # not judged, with the reason and its kind (SkipKind)
    MANUAL = "manual"  # awaiting a named person's attestation
    WAIVED = "waived"  # a failure covered by an unexpired waiver


class ExitCode(enum.IntEnum):
    """The deploy gate's exit codes (docs/exit-codes.md)."""

    READY = 0
    NOT_READY = 1
    BAD_INPUT = 2
    INTERNAL = 3
    INCONCLUSIVE = 4
    INTERRUPTED = 130


class SkipKind(enum.StrEnum):
    """Why a skipped item was not judged: only `not_applicable` lets a blocking one pass.

    A probe says `not_applicable` explicitly (Outcome.not_applicable); a plain skip is
    `undecided`, so that a probe (a plug-in's too) that could not look never reads as
    ready. `deselected` is --skip: the run is then partial (Report.partial), which says so.
    """

    NOT_APPLICABLE = "not_applicable"  # the question does not arise for this app
    UNDECIDED = "undecided"  # it does, but was not run or could not be looked at
    DESELECTED = "deselected"  # left out by --skip


Evidence = Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What one probe returns: a status, a message a person can act on, evidence."""

    status: Status
    message: str
    evidence: Evidence = field(default_factory=dict)
    #: for a skip, why it was not judged; None is undecided (fail closed)
    skip_kind: SkipKind | None = None

    @classmethod
    def passed(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.PASS, message, evidence)

    @classmethod
    def failed(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.FAIL, message, evidence)

    @classmethod
    def warn(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.WARN, message, evidence)

    @classmethod
    def error(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.ERROR, message, evidence)

    @classmethod
    def skip(cls, message: str, **evidence: Any) -> Outcome:
        """Not judged although the question arises here (traffic refused on a live
        environment, nothing to search, a prerequisite unreadable): a blocking item
        skipped so holds the gate (inconclusive)."""
        return cls(Status.SKIP, message, evidence, SkipKind.UNDECIDED)

    @classmethod
    def not_applicable(cls, message: str, **evidence: Any) -> Outcome:
        """The item's question does not arise for this app (an optional variable unset,
        a feature it does not have): a skip that holds nothing."""
        return cls(Status.SKIP, message, evidence, SkipKind.NOT_APPLICABLE)

    @classmethod
    def blocked(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.BLOCKED, message, evidence)


#: Statuses under which an item's remediation is shown: only a finding has a remedy
#: (a waived failure is still a finding). Under error, skip or blocked the advice would
#: be about another question.
ACTIONABLE = frozenset({Status.FAIL, Status.WARN, Status.WAIVED})

#: Statuses that decide nothing: a blocking item in one of them makes the run inconclusive
#: (and so does a skip whose kind is undecided: ItemResult.undecided).
UNDECIDED = frozenset({Status.ERROR, Status.BLOCKED, Status.MANUAL})


@dataclass(frozen=True)
class ItemResult:
    """One checklist item's result, secrets already redacted."""

    id: str
    title: str
    section: str
    section_title: str
    probe: str
    severity: str
    status: Status
    message: str
    evidence: Evidence
    duration_s: float
    remediation: str = ""
    refs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: ids of the prerequisite items that failed, when status is blocked
    blocked_by: tuple[str, ...] = ()
    #: the waiver that matched this item (applied or not, with why), see golive/signoff/waivers.py
    waiver: Mapping[str, Any] | None = None
    #: the attestation that matched this manual item (applied or not): signoff/attestations.py
    attestation: Mapping[str, Any] | None = None
    #: why a skip was not judged (set for every skip; see SkipKind)
    skip_kind: SkipKind | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"

    @property
    def undecided(self) -> bool:
        """Not decided: error, blocked, manual, or a skip other than not applicable/--skip."""
        if self.status is Status.SKIP:
            return self.skip_kind not in (SkipKind.NOT_APPLICABLE, SkipKind.DESELECTED)
        return self.status in UNDECIDED


@dataclass(frozen=True)
class Report:
    """The outcome of one `golive check` run."""

    checklist: str
    checklist_name: str
    environment: str
    mode: str
    started_at: str
    duration_s: float
    results: tuple[ItemResult, ...]
    golive_version: str
    # What was checked, for a reader (and a signer) to know which deployment this is about.
    checklist_sha256: str = ""
    finished_at: str = ""
    operator: str = ""
    base_url: str | None = None
    stripe_account: str | None = None
    app_commit: str | None = None
    app_dirty: bool | None = None
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    #: blocking items of this environment that the selection left out or skipped
    unchecked_blocking: tuple[str, ...] = ()
    #: report-level remarks: waivers or attestations that did not apply, and why
    notices: tuple[str, ...] = ()
    #: --fail-on: statuses (warn, skip, manual) that fail the run from any item
    fail_on: tuple[str, ...] = ()
    #: the files that decided the run (golive/provenance.py): role, path, sha256, git state
    files: tuple[Mapping[str, Any], ...] = ()

    @property
    def partial(self) -> bool:
        """True when --only/--skip left blocking items unchecked: never shown as ready."""
        return bool(self.unchecked_blocking)

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    @property
    def exit_code(self) -> ExitCode:
        return gate(self.results, self.fail_on)

    @property
    def verdict(self) -> str:
        """ready, not ready, inconclusive; `partial` where a partial run would say ready.

        The exit code stays 0 for a partial run whose selected items hold (a CI job that
        checks one section keeps working); the verdict says that the rest was not looked
        at, so that nobody reads a partial run as ready, or signs it as ready.
        """
        code = self.exit_code
        if code is ExitCode.READY and self.partial:
            return PARTIAL
        return VERDICTS[code]

    def decision(self) -> list[Decision]:
        """What holds the gate, first: blocking failures, then undecided blocking items.

        Items that report the same finding (same status and message) are one entry with
        every id, so that one cause is read once.
        """
        entries: dict[tuple[Status, str], list[ItemResult]] = {}
        for r in self.results:
            if (r.blocking and (r.status is Status.FAIL or r.undecided)) or strict_failure(
                r, self.fail_on
            ):
                entries.setdefault((r.status, r.message), []).append(r)
        order = {
            Status.FAIL: 0,
            Status.WARN: 1,
            Status.ERROR: 2,
            Status.BLOCKED: 3,
            Status.SKIP: 4,
            Status.MANUAL: 5,
        }
        if not self.results:
            return [Decision(Status.SKIP, (), (), NOTHING_RAN)]
        out = [
            Decision(
                status=status,
                ids=tuple(r.id for r in rs),
                titles=tuple(r.title for r in rs),
                message=message,
                remediation=next((r.remediation for r in rs if r.remediation), ""),
                strict=strict_failure(rs[0], self.fail_on),
            )
            for (status, message), rs in entries.items()
        ]
        return sorted(out, key=lambda d: order.get(d.status, 6))

    def waived(self) -> list[ItemResult]:
        """Failures accepted by a waiver: not blocking, but a reader must see them."""
        return [r for r in self.results if r.status is Status.WAIVED]


@dataclass(frozen=True)
class Decision:
    """One line of the decision list: a status, the items it holds, and why."""

    status: Status
    ids: tuple[str, ...]
    titles: tuple[str, ...]
    message: str
    remediation: str = ""
    #: held only because --fail-on lists its status
    strict: bool = False

    @property
    def label(self) -> str:
        """`1.2h DISABLE_AUTH is not turned on`, or `9.2, 9.3 (2 items)` for a shared one."""
        if not self.ids:
            return "no item"
        if len(self.ids) == 1:
            return f"{self.ids[0]} {self.titles[0]}"
        return "; ".join(f"{i} {t}" for i, t in zip(self.ids, self.titles, strict=True))

    @property
    def kind(self) -> str:
        """`blocking failure` or `undecided (manual)`: what a reader must do about it."""
        if self.status is Status.FAIL:
            return "blocking failure"
        if self.strict:
            return f"failure (--fail-on {self.status.value})"
        if self.status is Status.SKIP:
            return "undecided (not run)"
        return f"undecided ({self.status.value})"


#: the decision of a run that judged nothing (a rehearsal of an environment without any)
NOTHING_RAN = (
    "no item was run: nothing of this environment was selected, so nothing was checked; "
    "select items that apply to it (golive list --env ENV)"
)

PARTIAL = "partial"
VERDICTS = {
    ExitCode.READY: "ready",
    ExitCode.NOT_READY: "not ready",
    ExitCode.INCONCLUSIVE: "inconclusive",
}


#: the statuses `--fail-on` takes: a stricter gate for teams that want one
FAIL_ON = ("warn", "skip", "manual")


def strict_failure(result: ItemResult, fail_on: tuple[str, ...] | list[str]) -> bool:
    """Whether --fail-on makes this result a failure: its status is listed, whatever the
    item's severity (a skip left out by --skip excepted: the run is then partial)."""
    if result.status.value not in fail_on:
        return False
    return not (result.status is Status.SKIP and result.skip_kind is SkipKind.DESELECTED)


def gate(
    results: tuple[ItemResult, ...] | list[ItemResult], fail_on: tuple[str, ...] = ()
) -> ExitCode:
    """The deploy gate: 1 if a blocking item failed, 4 if one could not be decided.

    A blocking manual item that nobody has attested yet is undecided, so it is
    inconclusive rather than ready; so is a blocking item blocked by a prerequisite
    (when that prerequisite failed and is blocking, the run is not ready anyway), and a
    blocking item skipped for any reason but "does not apply" (SkipKind). A run that
    judged nothing at all is inconclusive too: an empty report proves nothing.
    `fail_on` (--fail-on warn|skip|manual) makes any item in those statuses a failure.
    """
    blocking = [r for r in results if r.blocking]
    if any(r.status is Status.FAIL for r in blocking):
        return ExitCode.NOT_READY
    if any(strict_failure(r, fail_on) for r in results):
        return ExitCode.NOT_READY
    if not results or any(r.undecided for r in blocking):
        return ExitCode.INCONCLUSIVE
    return ExitCode.READY
