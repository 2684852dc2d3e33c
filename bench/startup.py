"""Start-up cost of the CLI: `golive --help` wall time and what `import golive.cli` loads.

Goal: `golive --help` under 300 ms on the 2-core CI machine, and none of the heavy
libraries (stripe, sqlalchemy, httpx, pydantic) imported by the CLI module itself.
Run: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("stripe", "sqlalchemy", "httpx", "pydantic", "psycopg", "yaml")
RUNS = 10


def main() -> int:
    golive = Path(sys.executable).with_name("golive")
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run([str(golive), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, golive.cli; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(probe.stdout.split())
    heavy = [m for m in HEAVY if m in loaded]
    median = statistics.median(times)
    fastest = min(times) * 1000
    print(f"golive --help: median {median * 1000:.0f} ms, min {fastest:.0f} ms ({RUNS} runs)")
    print(f"heavy modules imported by golive.cli: {', '.join(heavy) or 'none'}")
    ok = median < 0.3 and not heavy
    print("goal met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
