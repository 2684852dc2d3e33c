"""Long-lived daemon threads for short tasks: a thread is started only when none is idle.

A run used to start a thread per item: in a process that runs for weeks (`golive watch`)
a thread per item per cycle, thousands of threads a day. Here a finished task's thread
waits for the next one, so a watch reuses the same few threads every cycle (its memory:
golive/watch/memory.py, docs/benchmarks.md).

Unlike `concurrent.futures.ThreadPoolExecutor`, the pool has no maximum: a task that
never returns (a probe stuck past its timeout, which the runner abandons) keeps its
thread, and the next task gets a new one instead of queueing behind it. The caller
bounds how many tasks run at once (the runner's `concurrency`); `keep` bounds how many
idle threads stay. Threads are daemons: an abandoned one cannot keep the process alive.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

Task = tuple[str, Callable[..., object], tuple[Any, ...]]


class Workers:
    def __init__(self, name: str, keep: int = 64) -> None:
        self._name = name
        self._keep = keep
        self._tasks: queue.SimpleQueue[Task] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # threads waiting for a task and not yet promised one
        self._started = 0  # threads this pool ever started (tests and benches read it)

    @property
    def started(self) -> int:
        return self._started

    def submit(self, label: str, fn: Callable[..., object], *args: Any) -> None:
        """Run `fn(*args)` in a thread named `<pool name> <label>`; returns at once.

        `fn` reports its own outcome (the runner's probes put it on a queue); an
        exception it lets out ends its thread and is not reported here."""
        with self._lock:
            start = self._idle == 0
            if start:
                self._started += 1
            else:
                self._idle -= 1  # an idle thread is now promised this task
        self._tasks.put((label, fn, args))
        if start:
            threading.Thread(target=self._work, name=self._name, daemon=True).start()

    def _work(self) -> None:
        me = threading.current_thread()
        while True:
            label, fn, args = self._tasks.get()
            me.name = f"{self._name} {label}"
            try:
                fn(*args)
            except BaseException:  # fn reports its own outcome: this thread just ends
                return
            me.name = self._name
            with self._lock:
                if self._idle >= self._keep:
                    return
                self._idle += 1
