"""golive's errors: one base, one exit code each, one handler in the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from golive.core.results import ExitCode


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located exactly."""

    file: str
    line: int
    col: int
    item: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        if self.item is not None:
            return f"{where}: item {self.item}: {self.message}"
        return f"{where}: {self.message}"


class ProbeError(Exception):
    """A probe could not decide (unreachable service, missing setting): `error`.

    Here, below the values and the engine, because sources, logins and database
    engines raise it too; the probe API (golive/engine/probe.py, golive.probe) exports it."""


class GoliveError(Exception):
    """Base of the errors golive reports to a user; never shown as a traceback."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def lines(self) -> list[str]:
        return [str(self)]


class UsageError(GoliveError):
    """A flag or argument that cannot be used as given."""


class ChecklistError(GoliveError):
    """checklist.yaml (or a waivers/attestations file) is not valid."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class SourceError(GoliveError):
    """A deployment's configuration could not be read (missing file, failing command)."""
