"""Concurrency of the runner: 40 probes that each wait 200 ms (I/O-bound stand-ins).

Goal: wall time within 1.5x of the floor, the floor being ceil(40 / concurrency) x 200 ms
(with the default concurrency of 16: 3 waves, 600 ms), far below the 8 s a sequential run
would take. Run: .venv/bin/python bench/runner_bench.py
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

from golive.commands.check import CheckOptions, run_check
from golive.core.results import Outcome
from golive.engine import registry
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeParams

N, WAIT, CONCURRENCY = 40, 0.2, 16


class WaitParams(ProbeParams):
    seconds: float


class Wait(Probe[WaitParams]):
    kind = "bench.wait"
    Params = WaitParams

    def run(self, params: WaitParams, ctx: ProbeContext) -> Outcome:
        time.sleep(params.seconds)
        return Outcome.passed("waited")


def main() -> int:
    registry.BUILTIN_PROBES["bench.wait"] = "__main__:Wait"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checklist.yaml"
        probe = f"{{kind: bench.wait, seconds: {WAIT}}}"
        items = "".join(
            f"  - {{id: w{i}, title: wait, section: s, probe: {probe}}}\n" for i in range(N)
        )
        path.write_text(
            "environments: {prod: {mode: live, source: env}}\n"
            f"defaults: {{concurrency: {CONCURRENCY}}}\n"
            "sections: [{id: s, title: S}]\nitems:\n" + items,
            encoding="utf-8",
        )
        t0 = time.perf_counter()
        report = run_check(CheckOptions(checklist=path, environment="prod"))
        wall = time.perf_counter() - t0
    floor = math.ceil(N / CONCURRENCY) * WAIT
    print(
        f"{N} probes x {WAIT * 1000:.0f} ms, concurrency {CONCURRENCY}: wall {wall * 1000:.0f} ms, "
        f"floor {floor * 1000:.0f} ms ({wall / floor:.2f}x), sequential would be {N * WAIT:.1f} s"
    )
    ok = report.exit_code == 0 and wall <= 1.5 * floor
    print("goal met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
