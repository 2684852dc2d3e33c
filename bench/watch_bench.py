"""`golive watch` over many cycles: memory, descriptors and threads stay flat.

The demo deployment (the reference app and the Stripe sandbox, golive/demo.py) runs in a
child process, so that its own request logs do not count; this process runs the watch
(golive/watch/loop.py's Watcher with the real `execute`, and its HTTP endpoint, scraped
once per cycle) for CYCLES cycles at a short interval, and samples after each cycle its
RSS (/proc/self/status VmRSS), open descriptors (/proc/self/fd) and live threads.

Figures: the first sample (after WARMUP cycles: imports, the first TLS-free client set-up
and caches are done) against the last. Flat means RSS within RSS_SLACK_MB and the same
descriptors and threads (+/- 2: a scrape's thread may be finishing). Exit 1 when not flat.

Run: .venv/bin/python bench/watch_bench.py [CYCLES] [--only SELECTORS]
(default 2000 cycles of the items tagged stripe and the env/http reads of the prod profile:
SELECTORS `stripe,env,http`).
"""

from __future__ import annotations

import argparse
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
    print(
        f"RSS      after cycle {WARMUP}: {first[0]:.1f} MB   last: {last[0]:.1f} MB   "
        f"peak: {peak:.1f} MB"
    )
    step = 100 if len(samples) > 300 else 50
    curve = [WARMUP, *range(step, len(samples), step), len(samples)]
    print("RSS by cycle: " + ", ".join(f"{n}: {samples[n - 1][0]:.1f}" for n in curve))
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
