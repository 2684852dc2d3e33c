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
    SKIP = "skip"  # does not apply here, with the reason
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


Evidence = Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What one probe returns: a status, a message a person can act on, evidence."""

    status: Status
    message: str
    evidence: Evidence = field(default_factory=dict)

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
        return cls(Status.SKIP, message, evidence)

    @classmethod
    def blocked(cls, message: str, **evidence: Any) -> Outcome:
        return cls(Status.BLOCKED, message, evidence)


#: Statuses under which an item's remediation is shown: only a finding has a remedy.
#: Under error, skip or blocked the advice would be about another question.
ACTIONABLE = frozenset({Status.FAIL, Status.WARN})

#: Statuses that decide nothing: a blocking item in one of them makes the run inconclusive.
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

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"


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

    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    @property
    def exit_code(self) -> ExitCode:
        return gate(self.results)

    @property
    def verdict(self) -> str:
        return VERDICTS[self.exit_code]


VERDICTS = {
    ExitCode.READY: "ready",
    ExitCode.NOT_READY: "not ready",
    ExitCode.INCONCLUSIVE: "inconclusive",
}


def gate(results: tuple[ItemResult, ...] | list[ItemResult]) -> ExitCode:
    """The deploy gate: 1 if a blocking item failed, 4 if one could not be decided.

    A blocking manual item that nobody has attested yet is undecided, so it is
    inconclusive rather than ready; so is a blocking item blocked by a prerequisite
    (when that prerequisite failed and is blocking, the run is not ready anyway).
    """
    blocking = [r for r in results if r.blocking]
    if any(r.status is Status.FAIL for r in blocking):
        return ExitCode.NOT_READY
    if any(r.status in UNDECIDED for r in blocking):
        return ExitCode.INCONCLUSIVE
    return ExitCode.READY
