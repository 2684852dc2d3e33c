"""The gate before checklist code: a checklist's commands (sources, roles) and plug-ins
run only while a trusted check allows it (golive/engine/trust.py decides; this holds the
decision, process-wide, because commands run in probe threads too).

Here, below the values and the engine, so that a source command and a role command pass
the same gate without importing the engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from golive.core.errors import UsageError
from golive.core.process import run_command as run_process

_allowed = False


class UntrustedCode(UsageError):
    """Checklist code would run but the checklist is not trusted (exit 2)."""


@contextmanager
def allow_code(allowed: bool) -> Iterator[None]:
    """While a check runs: whether checklist commands and plug-ins may run."""
    global _allowed
    before = _allowed
    _allowed = allowed
    try:
        yield
    finally:
        _allowed = before


def code_allowed() -> bool:
    return _allowed


def require(what: str) -> None:
    """Right before checklist code runs: refuse unless a trusted check allowed it."""
    if not _allowed:
        raise UntrustedCode(
            f"{what}: not run: checklist commands and plug-ins run only in `golive check`, "
            "`rehearse` and `watch`, of a trusted checklist (golive trust FILE, or --trust)"
        )


def run_command(argv: list[str], cwd: Path, timeout: float, what: str) -> tuple[bytes, bytes, int]:
    """A checklist command (a source's or a role's), run by golive/core/process.py: no shell,
    no stdin, bounded output, its process group ended on timeout or overflow. Checklist code:
    refused unless a trusted check allows it."""
    require(what)
    return run_process(argv, cwd, timeout, what)
