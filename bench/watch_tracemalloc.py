"""Where a watch's memory goes: tracemalloc snapshots of bench/watch_bench.py's setup.

Runs the same watch (the demo deployment in a child process, the real `execute`, the
endpoint scraped every cycle) and takes a tracemalloc snapshot at cycle FIRST and at
cycle LAST, then prints the largest growths between them (by file and line, with a few
frames of traceback), the traced total and RSS at both points, and the sizes of golive's
process-wide sets (the run's remembered secrets).

Run: .venv/bin/python bench/watch_tracemalloc.py [FIRST] [LAST] [--only SELECTORS]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from watch_bench import CHECKLIST, rss_mb


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("first", nargs="?", type=int, default=200)
    parser.add_argument("last", nargs="?", type=int, default=1200)
    parser.add_argument("--only", default="stripe,env,http")
    parser.add_argument("--skip", default="disputes,fraud")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    from golive.commands.check import CheckOptions, prepare
    from golive.commands.demo import demo_repository
    from golive.core import secrets
    from golive.watch.endpoint import Endpoint
    from golive.watch.loop import Watcher, WatchOptions
    from golive.watch.select import watched_plan
    from golive.watch.state import WatchState

    snaps: dict[int, tuple[tracemalloc.Snapshot, float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="golive-watch-trace-") as tmp:
        folder = Path(tmp)
        repo = demo_repository(folder, "healthy")
        bench = Path(__file__).resolve().parent / "watch_bench.py"
        child = subprocess.Popen(
            [sys.executable, str(bench), "--serve", str(folder)],
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
            planned, _ = watched_plan(loaded.checklist, "prod", planned)
            state = WatchState("prod")
            endpoint = Endpoint(state, port=0).start()
            count = [0]

            class Traced(Watcher):
                def run_once(self) -> None:
                    super().run_once()
                    httpx.get(f"{endpoint.url}/metrics", timeout=10).raise_for_status()
                    count[0] += 1
                    if count[0] == 1:
                        tracemalloc.start(6)
                    if count[0] in (args.first, args.last):
                        snaps[count[0]] = (
                            tracemalloc.take_snapshot(),
                            rss_mb(),
                            len(secrets._RUN_SECRETS),
                        )
                        print(f"cycle {count[0]}: RSS {rss_mb():.1f} MB", flush=True)

            watcher = Traced(
                loaded,
                planned,
                options,
                WatchOptions(every=0.001, jitter=0.0, max_runs=args.last),
                state=state,
                out=open(os.devnull, "w"),  # noqa: SIM115 (for the process's life)
            )
            watcher.run()
            endpoint.stop()
        finally:
            if child.stdin:
                child.stdin.close()
            child.wait(timeout=30)
    (a, rss_a, sec_a), (b, rss_b, sec_b) = snaps[args.first], snaps[args.last]
    filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
    a, b = a.filter_traces(filters), b.filter_traces(filters)
    total_a = sum(s.size for s in a.statistics("filename"))
    total_b = sum(s.size for s in b.statistics("filename"))
    print(
        f"cycle {args.first} -> {args.last}: RSS {rss_a:.1f} -> {rss_b:.1f} MB; "
        f"traced {total_a / 1e6:.2f} -> {total_b / 1e6:.2f} MB; "
        f"remembered secrets {sec_a} -> {sec_b}"
    )
    for stat in b.compare_to(a, "traceback")[: args.top]:
        if stat.size_diff <= 0:
            continue
        print(f"{stat.size_diff / 1024:+.1f} KiB, {stat.count_diff:+d} blocks")
        for line in stat.traceback.format()[-8:]:
            print(f"    {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
