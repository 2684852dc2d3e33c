"""The one way golive runs a command: a source `command:`, a role's login command, a
migration command.

No shell (a string is split as a shell would split it, and shell syntax a shell alone
could run is refused), no stdin, its own session, stdout and stderr each read up to
MAX_OUTPUT_BYTES, and on timeout or overflow the command's whole process group is
killed, so nothing it started outlives it. Failures to start, time-outs and overflows
are CommandErrors with the same words whoever ran the command.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from golive.core.errors import SourceError
from golive.core.inputfiles import MAX_INPUT_BYTES

#: the most a command may print on stdout or on stderr
MAX_OUTPUT_BYTES = MAX_INPUT_BYTES
#: shell syntax a command string cannot mean without a shell (it is run without one)
SHELL_TOKENS = frozenset({"|", "||", "&&", "&", ";", ">", ">>", "<", "<<", "2>", "2>&1"})


class CommandError(SourceError):
    """A command could not be run to its end: not found, not executable, timed out, or it
    printed too much. The message names the command as the caller described it."""


def split_command(command: str | list[str]) -> list[str]:
    """The argv of a command: a list as it is; a string split like a shell would (shlex).
    ValueError for an empty command, an unbalanced quote, or shell syntax (`|`, `>`,
    `&&`, `;`, `$(...)`, backticks) that only a shell could run."""
    if isinstance(command, list):
        argv = [str(a) for a in command]
    else:
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise ValueError(f"command: {exc} (unbalanced quote?)") from None
        shell = [a for a in argv if a in SHELL_TOKENS or "$(" in a or "`" in a]
        if shell:
            raise ValueError(
                f"command: {shell[0]!r} is shell syntax, but commands run without a shell; "
                'write [sh, -c, "..."] to use one'
            )
    if not argv:
        raise ValueError("command: empty")
    return argv


def run_command(
    argv: list[str],
    cwd: Path,
    timeout: float,
    what: str,
    max_output: int = MAX_OUTPUT_BYTES,
    env: Mapping[str, str] | None = None,
) -> tuple[bytes, bytes, int]:
    """(stdout, stderr, exit code) of argv run with no shell and no stdin, in its own
    session; CommandError (naming `what`) if it cannot start, outlives `timeout` seconds
    or prints more than `max_output` bytes on either stream, after its whole process
    group has been killed. `env`: variables set on top of this process's."""
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**os.environ, **env} if env else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise CommandError(f"{what} not found") from None
    except PermissionError:
        raise CommandError(f"{what} is not executable (chmod +x it?)") from None
    except OSError as exc:
        raise CommandError(f"{what} cannot be run: {exc.strerror}") from None
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    sizes = dict.fromkeys(chunks, 0)
    deadline = time.monotonic() + timeout
    failure = ""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        selector.register(proc.stderr, selectors.EVENT_READ)
        while selector.get_map() and not failure:
            left = deadline - time.monotonic()
            if left <= 0:
                failure = f"{what} timed out after {timeout:g}s"
                break
            for key, _ in selector.select(min(left, 0.5)):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                sizes[key.fd] += len(data)
                if sizes[key.fd] > max_output:
                    failure = f"{what} printed more than {max_output} bytes"
                    break
                chunks[key.fd].append(data)
    if not failure:
        try:
            code = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            failure = f"{what} timed out after {timeout:g}s"
    if failure:
        _kill_group(proc)
        raise CommandError(failure)
    proc.stdout.close()
    proc.stderr.close()
    return b"".join(chunks[out_fd]), b"".join(chunks[err_fd]), code


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """End the command and everything it started (its session's process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
