"""The migration files of alembic and Django in the repository, and the output of the
commands that print migration state (showmigrations, alembic current)."""

from __future__ import annotations

import re
from pathlib import Path

from golive.core.process import CommandError, split_command
from golive.core.process import run_command as run_process
from golive.core.sourcetree import REVISION as _REVISION
from golive.core.sourcetree import django_migration_files
from golive.engine.probe import ProbeError

__all__ = ["alembic_heads", "django_migration_files", "parse_showmigrations", "run_command"]

_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]+)?=\s*(.+)$", re.MULTILINE)


def alembic_heads(folder: Path) -> set[str]:
    """The head revisions of an alembic versions folder (revisions nobody revises)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        match = _REVISION.search(text)
        if not match:
            continue
        revisions.add(match.group(1))
        down = _DOWN_REVISION.search(text)
        if down:
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return revisions - parents


_PLAN_LINE = re.compile(r"^\s*\[(?P<mark>[ Xx])\]\s+(?P<name>[\w.]+)")


def parse_showmigrations(output: str) -> tuple[list[str], list[str]]:
    """(applied, unapplied) from `manage.py showmigrations --plan` (or its list form)."""
    applied: list[str] = []
    pending: list[str] = []
    app = ""
    for line in output.splitlines():
        match = _PLAN_LINE.match(line)
        if not match:
            if line.strip() and not line.startswith(" "):
                app = line.strip()  # the list form: a header line per app
            continue
        name = match.group("name")
        if "." not in name and app:
            name = f"{app}.{name}"
        (applied if match.group("mark") in "Xx" else pending).append(name)
    return applied, pending


def run_command(command: str | list[str], cwd: Path, timeout: float) -> str:
    """A command's standard output, run by golive/process.py in `cwd` (no shell, bounded
    output, its process group killed on timeout); failure is an error."""
    try:
        argv = split_command(command)
        out, err, code = run_process(argv, cwd, timeout, f"{argv[0]}: command")
    except (ValueError, CommandError) as exc:
        raise ProbeError(str(exc)) from None
    if code != 0:
        lines = err.decode("utf-8", errors="replace").strip().splitlines()
        last = lines[-1] if lines else f"exit status {code}"
        raise ProbeError(f"{' '.join(argv)} failed in {cwd}: {last}")
    return out.decode("utf-8", errors="replace")


def _revisions_in(output: str) -> set[str]:
    """The first word of each non-empty line (`3f2a9c1d7e64 (head)` -> 3f2a9c1d7e64)."""
    return {line.split()[0].rstrip(",") for line in output.splitlines() if line.split()}
