"""The one way golive asks git about a repository: `git -C ROOT ARGS` through
core/process.py's runner (no shell, no stdin, output capped, the process group killed
on timeout), with optional locks off and C messages.

Two callers' needs, one runner: probes that must decide (`git`: GitError says why, the
probe turns it into its error) and report facts that are best-effort (`git_or_none`:
None when git cannot say, never an error of the run).
"""

from __future__ import annotations

from pathlib import Path

from golive.core.process import CommandError, run_command

#: a repository's file list or grep matches can be large; anything past this is refused
MAX_GIT_OUTPUT = 64 * 1024 * 1024
#: no index.lock taken for a read (a deploy running beside golive must not fail on it)
GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


class GitError(Exception):
    """git could not answer: not installed, too slow (`timed_out`), too much output, or it
    exited with a code the caller did not expect (the message ends with git's last line
    of stderr)."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


def git(root: Path, *args: str, timeout: float, ok: tuple[int, ...] = (0,)) -> bytes:
    """The standard output of `git -C root ARGS`; GitError unless it exits with a code in
    `ok` within `timeout` seconds."""
    name = f"git {args[0]}" if args else "git"
    try:
        out, err, code = run_command(
            ["git", "-C", str(root), *args], root if root.is_dir() else Path.cwd(),
            timeout, name, max_output=MAX_GIT_OUTPUT, env=GIT_ENV,
        )  # fmt: skip
    except CommandError as exc:
        message = str(exc)
        if message == f"{name} not found":
            raise GitError("git is not installed") from None
        raise GitError(message, timed_out=" timed out after " in message) from None
    if code not in ok:
        lines = err.decode(errors="replace").strip().splitlines()
        raise GitError(f"{name} failed in {root}: {lines[-1] if lines else f'exit {code}'}")
    return out


def git_or_none(root: Path, *args: str, timeout: float = 5.0) -> bytes | None:
    """`git`'s output, or None when git cannot say (not a repository, no git, too slow)."""
    try:
        return git(root, *args, timeout=timeout)
    except GitError:
        return None
