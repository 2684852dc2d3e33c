"""The watch's schedule: one run at a time, every INTERVAL with jitter, until stopped.

Each run is `golive check`'s `execute` on the watch's plan (golive/watch/select.py): the
same sources (read again every run, so a rotated key is seen), redaction, Stripe rate
cap, per-item timeouts and run deadline. A run that raises (a source that cannot be
read, a database that is down for the environment's `sql:` source) counts as a failed
run and the next one starts on schedule; a dependency that is down inside a run is that
item's `error`, as in `check`. A run never overlaps the next: a run longer than the
interval is followed by the next at once.

After each run the report is compared with the previous one (golive/signoff/diff.py's
`compare`); on any change the watch prints one line per change, in `golive diff`'s
words, and runs `--on-change COMMAND` with the diff's JSON on its standard input.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from golive.checklist.loaded import LoadedChecklist
from golive.commands.check import CheckOptions, execute, require_trusted
from golive.engine.runner import PlannedItem
from golive.watch.memory import limit_arenas, release_free_memory
from golive.watch.state import WatchState, change_lines

#: the change hook's own limit: a hook that hangs never stops the watch
HOOK_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class WatchOptions:
    every: float  # seconds between run starts
    jitter: float = 0.1  # +/- this fraction of `every`, so many watchers do not align
    on_change: str | None = None  # a shell command; the diff's JSON on its stdin
    max_runs: int | None = None  # stop after this many runs (tests, the bench); None: forever


def parse_interval(text: str) -> float:
    """`15m`, `30s`, `1h`, `90` (seconds) -> seconds; ValueError naming the problem."""
    units = {"s": 1, "m": 60, "h": 3600}
    value = text.strip().lower()
    scale = units.get(value[-1:], 0) if value else 0
    number = value[:-1] if scale else value
    try:
        seconds = float(number) * (scale or 1)
    except ValueError:
        raise ValueError(f"{text!r} is not an interval: give e.g. 30s, 15m or 1h") from None
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"{text!r}: the interval must be a positive number of seconds")
    return seconds


class Watcher:
    """Runs `planned` again and again; `stop()` (any thread) ends it after the current run.

    `runner` stands for `execute` (the bench and the tests pass the real one); `out` gets
    the change lines and the run summaries.
    """

    def __init__(
        self,
        loaded: LoadedChecklist,
        planned: list[PlannedItem],
        check: CheckOptions,
        options: WatchOptions,
        state: WatchState | None = None,
        out: TextIO | None = None,
        runner: Callable[..., Any] = execute,
    ) -> None:
        self.loaded = loaded
        self.planned = planned
        self.check = check
        self.options = options
        self.state = state or WatchState(check.environment)
        self.out = out or sys.stderr
        self._runner = runner
        self._stop = threading.Event()
        self._random = random.Random()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _say(self, line: str) -> None:
        print(f"golive watch: {line}", file=self.out, flush=True)

    def run_once(self) -> None:
        """One run; never raises (a failed run is counted and said)."""
        from golive.core.secrets import Redactor
        from golive.reporters.json import report_dict

        previous = self.state.snapshot().report
        started = time.time()
        t0 = time.monotonic()
        self.state.started(started)
        report: dict[str, Any] | None = None
        error: str | None = None
        try:
            report = report_dict(self._runner(self.loaded, self.planned, self.check))
        except Exception as exc:  # the next run may succeed: say it, count it, go on
            lines = getattr(exc, "lines", None)
            text = "; ".join(lines()) if callable(lines) else f"{type(exc).__name__}: {exc}"
            error = Redactor.of_run().text(text)
        snap = self.state.finished(time.time(), round(time.monotonic() - t0, 3), report, error)
        if error is not None:
            self._say(f"run {snap.runs} failed: {error}")
            return
        assert report is not None
        counts = ", ".join(f"{n} {s}" for s, n in report["counts"].items() if n)
        self._say(f"run {snap.runs}: {report['verdict']} ({counts}) in {snap.duration:g}s")
        if previous is not None:
            self._changed(previous, report)

    def _changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        from golive.signoff.diff import compare

        d = compare(old, new)
        lines = change_lines(d)
        if not lines:
            return
        for line in lines:
            self._say(line)
        if self.options.on_change:
            self._hook(json.dumps(d.to_dict(), ensure_ascii=False, default=str))

    def _hook(self, payload: str) -> None:
        """The change hook, bounded; its failure is said, never the watch's end."""
        command = self.options.on_change
        assert command is not None
        try:
            done = subprocess.run(
                command,
                shell=True,  # the operator's own command line, as cron or systemd runs it
                input=payload,
                text=True,
                capture_output=True,
                timeout=HOOK_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            self._say(f"--on-change command timed out after {HOOK_TIMEOUT_S:g}s")
            return
        except OSError as exc:
            self._say(f"--on-change command could not start: {exc.strerror or exc}")
            return
        if done.returncode != 0:
            tail = (done.stderr or "").strip().splitlines()[-1:] or [""]
            self._say(f"--on-change command exited {done.returncode}: {tail[0][:200]}")

    def next_delay(self) -> float:
        spread = self.options.every * self.options.jitter
        return max(0.0, self.options.every + self._random.uniform(-spread, spread))

    def run(self) -> int:
        """Until stop() or max_runs: returns the number of runs."""
        limit_arenas()  # before the first run's threads
        runs = 0
        while not self._stop.is_set():
            start = time.monotonic()
            self.run_once()
            release_free_memory()  # what the run freed leaves RSS (golive/watch/memory.py)
            runs += 1
            if self.options.max_runs is not None and runs >= self.options.max_runs:
                break
            wait = self.next_delay() - (time.monotonic() - start)
            if self._stop.wait(max(0.0, wait)):
                break
        return runs


def watch(
    loaded: LoadedChecklist,
    planned: list[PlannedItem],
    check: CheckOptions,
    options: WatchOptions,
    host: str = "127.0.0.1",
    port: int = 9310,
    out: TextIO | None = None,
) -> int:
    """`golive watch`: the watch's plan (what `check` would run, less what does more than
    read), the endpoint, then runs until SIGTERM, Ctrl-C or max_runs; exit 0.

    SIGTERM is turned into the same KeyboardInterrupt as Ctrl-C, in the main thread: the
    run under way is abandoned (execute closes its clients; probe threads are daemons).
    """
    import signal

    from golive.core.errors import UsageError
    from golive.watch.endpoint import Endpoint
    from golive.watch.select import watched_plan

    out = out or sys.stderr
    planned, excluded = watched_plan(loaded.checklist, check.environment, planned)
    require_trusted(loaded, planned, check)  # untrusted code to run: exit 2 before listening
    state = WatchState(check.environment)
    try:
        endpoint = Endpoint(state, host, port).start()
    except OSError as exc:
        raise UsageError(f"--listen {host}:{port}: cannot listen ({exc.strerror or exc})") from None
    watcher = Watcher(loaded, planned, check, options, state=state, out=out)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, interrupt)
    watcher._say(
        f"{check.environment} every {options.every:g}s; {endpoint.url}/metrics, /healthz, "
        "/report.json"
    )
    for e in excluded:
        watcher._say(f"not watched: {e.id}: {e.reason}")
    try:
        watcher.run()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    snap = state.snapshot()
    watcher._say(f"stopped after {snap.runs} run(s), {snap.failures} failed")
    return 0
