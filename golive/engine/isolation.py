"""Plug-in probes run in a child process: their exit, signal or hang is their item's error.

A checklist's own plug-ins and installed ones not from golive are code golive has not
reviewed. Each such item runs in a forked child, in a process group of its own, with the
item's timeout (already cut to the run's deadline by the runner). The child sends its
outcome back as JSON on a pipe (never pickle: the parent runs no code of the child's);
whatever else happens, `sys.exit`, `os._exit`, a signal, an import that never returns, a
busy loop, is an `error` for that item, and a child still running when its time is up
is killed with its whole group. `kill_all` ends any child left when a run finishes.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import threading
import time
import warnings
from dataclasses import replace
from typing import Any

from golive.core.results import Outcome, Status
from golive.engine.context import Clients, ProbeContext

MAX_RESULT_BYTES = 4_000_000

_live: set[int] = set()
_lock = threading.Lock()


def run_isolated(
    kind: str, target: str | None, params: dict[str, Any], ctx: ProbeContext
) -> Outcome:
    """The outcome of `kind`'s probe run in a child, or an error saying why there is none."""
    if not hasattr(os, "fork"):  # pragma: no cover - golive's gate runs on POSIX
        return Outcome.error(f"probe {kind}: plug-ins need a POSIX system (os.fork) to run")
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; its outcome is what the tests check
        os.close(read_fd)
        _child(kind, target, params, ctx, write_fd)
    os.close(write_fd)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)
    with _lock:
        _live.add(pid)
    try:
        return _collect(kind, pid, read_fd, ctx.timeout)
    finally:
        os.close(read_fd)
        _end(pid)


def _child(
    kind: str, target: str | None, params: dict[str, Any], ctx: ProbeContext, write_fd: int
) -> None:  # pragma: no cover - runs in the forked child
    try:
        os.setpgid(0, 0)
        os.dup2(2, 1)  # a plug-in's prints go to stderr, never into a report on stdout
        result = _run_in_child(kind, target, params, ctx)
    except BaseException as exc:
        result = {"status": "error", "message": _exit_message(kind, exc)}
    try:
        data = json.dumps(result, default=str).encode()
        view = memoryview(data)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]
    finally:
        os._exit(0)


def _run_in_child(
    kind: str, target: str | None, params: dict[str, Any], ctx: ProbeContext
) -> dict[str, Any]:  # pragma: no cover - runs in the forked child
    from golive.engine.probe import ProbeError
    from golive.engine.registry import load_probe

    ctx = replace(ctx, clients=Clients())  # the parent's clients may hold a lock
    try:
        probe = load_probe(kind, target)
        outcome = probe.run(probe.Params.model_validate(params), ctx)
        if not isinstance(outcome, Outcome):
            return {"status": "error", "message": f"probe {kind} returned no outcome"}
    except ProbeError as exc:
        return {"status": "error", "message": str(exc)}
    except Exception as exc:
        return {"status": "error", "message": f"probe {kind} failed: {type(exc).__name__}: {exc}"}
    return {"status": str(outcome.status), "message": outcome.message, "evidence": outcome.evidence}


def _exit_message(kind: str, exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"probe {kind}: the plug-in called sys.exit({exc.code!r}); it decides nothing"
    return f"probe {kind} failed: {type(exc).__name__}: {exc}"


def _collect(kind: str, pid: int, fd: int, timeout: float) -> Outcome:
    end = time.monotonic() + max(0.0, timeout)
    chunks: list[bytes] = []
    size = 0
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return Outcome.error(f"timed out after {timeout:g}s (probe {kind}, killed)")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_RESULT_BYTES:
            return Outcome.error(
                f"probe {kind}: its outcome is larger than {MAX_RESULT_BYTES} bytes"
            )
        chunks.append(chunk)
    status = _wait(pid, end)
    if not chunks:
        return Outcome.error(f"probe {kind}: the plug-in's process {status} without an outcome")
    try:
        data = json.loads(b"".join(chunks))
        outcome = Outcome(
            Status(data["status"]), str(data["message"]), dict(data.get("evidence") or {})
        )
    except (ValueError, KeyError, TypeError):
        return Outcome.error(f"probe {kind}: the plug-in's process sent no readable outcome")
    return outcome


def _wait(pid: int, end: float) -> str:
    """How the child ended: `exited with code N` / `was killed by signal NAME`."""
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return "ended"
        if done:
            with _lock:
                _live.discard(pid)
            if os.WIFSIGNALED(status):
                return f"was killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
            return f"exited with code {os.WEXITSTATUS(status)}"
        if time.monotonic() >= end:
            return "did not end"
        time.sleep(0.01)


def _end(pid: int) -> None:
    """Kill the child's group if it still runs, and reap it."""
    with _lock:
        alive = pid in _live
        _live.discard(pid)
    with contextlib.suppress(OSError):  # what the plug-in started, too
        os.killpg(pid, signal.SIGKILL)
    if not alive:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)


def kill_all() -> None:
    """End every plug-in child still running (the run is over: their items are decided)."""
    with _lock:
        pids = list(_live)
    for pid in pids:
        _end(pid)
