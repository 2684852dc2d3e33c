"""`golive watch` over many cycles: memory, descriptors and threads stay flat.

The demo deployment (the reference app and the Stripe sandbox, golive/demo.py) runs in a
child process, so that its own request logs do not count; this process runs the watch
(golive/watch/loop.py's Watcher with the real `execute`, and its HTTP endpoint, scraped
once per cycle) for CYCLES cycles at a short interval, and samples after each cycle its
RSS (/proc/self/status VmRSS), open descriptors (/proc/self/fd) and live threads.

Figures: the first sample (after WARMUP cycles: imports, the first TLS-free client set-up
and caches are done) against the last. Flat means RSS within RSS_SLACK_MB and the same
descriptors and threads (+/- 2: a scrape's thread may be finishing). Exit 1 when not flat.
Beside RSS it prints glibc's heap in use and held, Python's object count and resident
anonymous memory by mapping kind, which tell a leak from fragmentation. The verdict is
"not ready" every cycle, rightly: the demo serves plain http while prod is live mode
(4.1b and H.5 fail); the bench prints what holds it.

Run: .venv/bin/python bench/watch_bench.py [CYCLES] [--only SELECTORS]
(default 2000 cycles of the items tagged stripe and the env/http reads of the prod profile:
SELECTORS `stripe,env,http`).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
CHECKLIST = REPO / "checklist.yaml"
WARMUP = 20
RSS_SLACK_MB = 8.0
INTERVAL_S = 0.001


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def malloc_mb() -> tuple[float, float]:
    """glibc's heap: (bytes in use by malloc, bytes its arenas and mmaps hold), in MB;
    in use growing is a leak below Python, held growing with in use flat is fragmentation."""
    try:
        info = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return float("nan"), float("nan")
    info.restype = _Mallinfo2
    m = info()
    return (m.uordblks + m.hblkhd) / 2**20, (m.arena + m.hblkhd) / 2**20


def anonymous_mb() -> dict[str, float]:
    """Resident anonymous memory (MB) by kind of mapping, from /proc/self/smaps: the brk
    heap, mappings of 1 MiB (Python's own allocator's arenas), thread stacks (8 MiB and
    up, with a guard page) and the rest (glibc's mmaps and other allocators' segments)."""
    kinds: dict[str, float] = {}
    kind = ""
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
            start, end = (int(x, 16) for x in head[0].split("-"))
            size = end - start
            name = head[5] if len(head) > 5 else ""
            if name == "[heap]":
                kind = "heap"
            elif name:
                kind = ""  # a file or [stack]/[vdso]: not what grows
            elif size == 2**20:
                kind = "1 MiB"
            elif size >= 8 * 2**20 - 4096 and size <= 8 * 2**20 + 4096:
                kind = "8 MiB"
            else:
                kind = "other"
        elif kind and head[0] == "Rss:":
            kinds[kind] = kinds.get(kind, 0.0) + int(head[1]) / 1024
    return kinds


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def serve(folder: Path) -> None:
    """The child: the healthy demo deployment until its stdin closes."""
    from golive.commands.demo import demo_deployment

    with demo_deployment("healthy", folder, "live") as (env_file, staging_file):
        print(f"{env_file}\n{staging_file}", flush=True)
        sys.stdin.read()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("cycles", nargs="?", type=int, default=2000)
    parser.add_argument("--only", default="stripe,env,http")
    parser.add_argument("--skip", default="disputes,fraud")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0

    from golive.commands import check
    from golive.commands.check import CheckOptions, prepare
    from golive.commands.demo import demo_repository
    from golive.watch.endpoint import Endpoint
    from golive.watch.loop import Watcher, WatchOptions
    from golive.watch.select import watched_plan
    from golive.watch.state import WatchState

    with tempfile.TemporaryDirectory(prefix="golive-watch-bench-") as tmp:
        folder = Path(tmp)
        repo = demo_repository(folder, "healthy")
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            env_file = Path(child.stdout.readline().strip())
            staging_file = Path(child.stdout.readline().strip())
            options = CheckOptions(
                checklist=CHECKLIST,
                environment="prod",
                env_file=env_file,
                other_env_files=(("staging", staging_file),),
                only=tuple(s for s in args.only.split(",") if s),
                skip=tuple(s for s in args.skip.split(",") if s),
                root=repo,
            )
            loaded, planned = prepare(options)
            planned, excluded = watched_plan(loaded.checklist, "prod", planned)
            state = WatchState("prod")
            endpoint = Endpoint(state, port=0).start()
            samples: list[tuple[float, int, int]] = []
            heap: list[tuple[float, float, int]] = []  # malloc in use, held; Python objects
            mappings: dict[int, dict[str, float]] = {}
            statuses: dict[str, int] = {}

            def runner(*a: object) -> object:
                report = check.execute(*a)  # type: ignore[arg-type]
                verdict = report.verdict
                statuses[verdict] = statuses.get(verdict, 0) + 1
                return report

            class Sampled(Watcher):
                def run_once(self) -> None:
                    super().run_once()
                    httpx.get(f"{endpoint.url}/metrics", timeout=10).raise_for_status()
                    samples.append((rss_mb(), fds(), threading.active_count()))
                    heap.append((*malloc_mb(), len(gc.get_objects())))
                    if len(heap) in (WARMUP, args.cycles // 2, args.cycles):
                        mappings[len(heap)] = anonymous_mb()

            watcher = Sampled(
                loaded,
                planned,
                options,
                WatchOptions(every=INTERVAL_S, jitter=0.0, max_runs=args.cycles),
                state=state,
                out=open(os.devnull, "w"),  # noqa: SIM115 (for the process's life)
                runner=runner,
            )
            t0 = time.monotonic()
            runs = watcher.run()
            wall = time.monotonic() - t0
            endpoint.stop()
        finally:
            if child.stdin:
                child.stdin.close()
            child.wait(timeout=30)
    snap = state.snapshot()
    ran = sum(1 for p in planned if not p.skip_reason)
    first = samples[min(WARMUP, len(samples) - 1)]
    last = samples[-1]
    peak = max(s[0] for s in samples)
    print(
        f"golive watch bench: {runs} cycles of {ran} items ({len(excluded)} not watched) "
        f"in {wall:.0f}s ({wall / runs * 1000:.0f} ms a cycle); failed runs {snap.failures}"
    )
    print(f"verdicts: {statuses}")
    for decision in (snap.report or {}).get("decision", []):
        message = (decision["message"].splitlines() or [""])[0]
        print(f"  last run, {decision['status']}: {', '.join(decision['ids'])}: {message}")
    print(
        f"RSS      after cycle {WARMUP}: {first[0]:.1f} MB   last: {last[0]:.1f} MB   "
        f"peak: {peak:.1f} MB"
    )
    step = 100 if len(samples) > 300 else 50
    curve = [WARMUP, *range(step, len(samples), step), len(samples)]
    print("RSS by cycle: " + ", ".join(f"{n}: {samples[n - 1][0]:.1f}" for n in curve))
    print(
        "malloc in use / held (MB), Python objects by cycle: "
        + ", ".join(
            f"{n}: {heap[n - 1][0]:.1f}/{heap[n - 1][1]:.1f}/{heap[n - 1][2]}" for n in curve
        )
    )
    for n, kinds in mappings.items():
        shown = ", ".join(f"{k} {v:.1f}" for k, v in sorted(kinds.items()))
        print(f"resident anonymous memory (MB) after cycle {n}: {shown}")
    print(f"open fds after cycle {WARMUP}: {first[1]}   last: {last[1]}")
    print(f"threads  after cycle {WARMUP}: {first[2]}   last: {last[2]}")
    flat = (
        last[0] - first[0] <= RSS_SLACK_MB
        and abs(last[1] - first[1]) <= 2
        and abs(last[2] - first[2]) <= 2
    )
    print("flat" if flat else "NOT flat")
    return 0 if flat else 1


if __name__ == "__main__":
    raise SystemExit(main())
