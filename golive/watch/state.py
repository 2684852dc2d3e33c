"""What a watch's runs leave for the endpoint: the last report, times, counts, and the
change lines between two reports (in `golive diff`'s words).

One `WatchState` is shared by the scheduler (which writes it after each run) and the HTTP
endpoint's threads (which read it): every read and write holds its lock, and a reader
gets an immutable snapshot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from golive.signoff.diff import HEADINGS, Diff


@dataclass(frozen=True)
class Snapshot:
    environment: str
    runs: int = 0
    failures: int = 0  # runs that produced no report (an input or source that failed)
    started: float | None = None  # epoch seconds of the last run's start
    finished: float | None = None
    duration: float | None = None
    #: the last report as `golive check -f json` writes it; None until a run finished
    report: dict[str, Any] | None = None
    #: the last run's own failure, redacted (None when it produced a report)
    error: str | None = None

    @property
    def ready(self) -> bool:
        """The gate held on the last run (exit code 0), and that run produced a report."""
        return self.error is None and self.report is not None and self.report["exit_code"] == 0

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return "error"
        if self.report is None:
            return "no run yet"
        return str(self.report["verdict"])


@dataclass
class WatchState:
    environment: str
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _snap: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snap or Snapshot(self.environment)

    def started(self, when: float) -> None:
        with self._lock:
            snap = self._snap or Snapshot(self.environment)
            self._snap = replace(snap, started=when)

    def finished(
        self, when: float, duration: float, report: dict[str, Any] | None, error: str | None
    ) -> Snapshot:
        """Record a run's end; a failed run keeps the previous report for /report.json."""
        with self._lock:
            snap = self._snap or Snapshot(self.environment)
            self._snap = replace(
                snap,
                runs=snap.runs + 1,
                failures=snap.failures + (1 if error is not None else 0),
                finished=when,
                duration=duration,
                report=report if report is not None else snap.report,
                error=error,
            )
            return self._snap


def _short(value: Any) -> str:
    return "none" if value is None else str(value)


def change_lines(d: Diff) -> list[str]:
    """One line per changed item, worded as `golive diff` words it:
    `New failures: 4.1a [blocking] Endpoint enabled: pass → fail — MESSAGE`."""
    lines: list[str] = []
    if d.old_verdict != d.new_verdict:
        lines.append(f"verdict: {d.old_verdict} → {d.new_verdict}")
    for kind, heading in HEADINGS.items():
        for c in (c for c in d.changes if c.kind == kind):
            sev = "blocking" if c.blocking else "advisory"
            line = f"{heading}: {c.id} [{sev}] {c.title}: {_short(c.old)} → {_short(c.new)}"
            if c.message and kind in ("new failure", "status", "added", "fixed"):
                line += f" — {c.message.splitlines()[0]}"
            lines.append(line)
    return lines
