"""The whole default checklist, prod and staging, against a deployment with latency.

`golive check` (a subprocess, as a user runs it) runs every item of checklist.yaml for prod
(live mode) and for staging (test mode) against the reference app (golive/sandbox/app/,
every answer delayed 50 ms) and the Stripe sandbox (golive/sandbox/stripe/, every
answer delayed 100 ms), both on 127.0.0.1 and fresh for every run, as `golive demo` starts
them. Then the run's slowest item is run alone (`--only ID`, with its prerequisites, which
are part of its chain) against another fresh deployment.

Figures (issue 10 section 5), median of RUNS:
- wall time of the full check vs the slowest item alone; goal <= 1.3x. Both the process
  (start-up included, what a user waits for) and the run itself (the report's duration);
- Stripe requests of the full check (the sandbox's request log);
- peak RSS of the `golive check` process (getrusage of the children).

Only loopback is contacted: the app and the sandbox listen on 127.0.0.1, STRIPE_API_BASE
points at the sandbox and proxy variables are removed from the child's environment. Every
child has a timeout; the deployments stop when their run ends.

Run: .venv/bin/python bench/e2e_bench.py [RUNS]
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from golive.commands.demo import _write_env, demo_repository, env_values, stripe_state
from golive.sandbox.app.config import AppConfig
from golive.sandbox.app.database import seed_database
from golive.sandbox.app.server import ReferenceApp
from golive.sandbox.stripe.server import StripeSandbox

REPO = Path(__file__).resolve().parent.parent
CHECKLIST = REPO / "checklist.yaml"
STRIPE_LATENCY_MS = 100
HTTP_LATENCY_MS = 50
RUNS = 5
GOAL = 1.3
CHILD_TIMEOUT_S = 180
ENVIRONMENTS = {"prod": "live", "staging": "test"}


@dataclass(frozen=True)
class Run:
    wall: float  # the process, start to exit
    duration: float  # the run itself (the report's duration_s)
    exit_code: int
    stripe_requests: int
    items: dict[str, tuple[str, float]]  # id -> (status, duration_s)
    errors: dict[str, str]  # id -> first line of the message, for items that ended error


@contextlib.contextmanager
def deployment(folder: Path, environment: str) -> Iterator[tuple[list[str], StripeSandbox]]:
    """A fresh app and sandbox with latency; yields the `golive check` arguments."""
    mode = ENVIRONMENTS[environment]
    other = "staging" if environment == "prod" else "prod"
    database = f"sqlite:///{folder / 'app.db'}"
    other_database = f"sqlite:///{folder / 'other.db'}"
    seed_database(database)
    seed_database(other_database)
    config = AppConfig(database_url=database, mode=mode, latency_ms=HTTP_LATENCY_MS)
    with ReferenceApp(config) as app:
        state = stripe_state(f"{app.url}/api/subscription/webhook", "healthy")
        with StripeSandbox(state, latency_ms=STRIPE_LATENCY_MS) as sandbox:
            assert app.url.startswith("http://127.0.0.1:"), app.url
            assert sandbox.url.startswith("http://127.0.0.1:"), sandbox.url
            env_file = folder / "deployment.env"
            _write_env(env_file, env_values(app.golive_env(), sandbox.url, mode, "healthy"))
            other_env = {**app.golive_env(), "DATABASE_URL": other_database}
            other_file = folder / "other.env"
            other_mode = ENVIRONMENTS[other]
            _write_env(other_file, env_values(other_env, sandbox.url, other_mode, "healthy"))
            args = [
                "--env",
                environment,
                "--checklist",
                str(CHECKLIST),
                "--env-file",
                str(env_file),
                "--other-env-file",
                f"{other}={other_file}",
            ]
            yield args, sandbox


def child_env() -> dict[str, str]:
    """The caller's environment without proxies (loopback only) or golive settings."""
    drop = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    return {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in drop and not k.startswith(("GOLIVE_", "STRIPE_"))
    } | {"NO_COLOR": "1"}


def one_run(environment: str, only: str | None = None) -> Run:
    with tempfile.TemporaryDirectory(prefix="golive-e2e-") as tmp:
        folder = Path(tmp)
        repo = demo_repository(folder, "healthy")
        with deployment(folder, environment) as (args, sandbox):
            report = folder / "report.json"
            command = [sys.executable, "-m", "golive", "check", *args, "-q"]
            command += ["--format", f"json:{report}"]
            if only:
                command += ["--only", only]
            t0 = time.perf_counter()
            done = subprocess.run(
                command,
                cwd=repo,
                env=child_env(),
                capture_output=True,
                text=True,
                timeout=CHILD_TIMEOUT_S,
                check=False,
            )
            wall = time.perf_counter() - t0
            requests = len(sandbox.requests)
        if not report.exists():
            raise SystemExit(
                f"golive check wrote no report (exit {done.returncode}):\n{done.stderr}"
            )
        data = json.loads(report.read_text(encoding="utf-8"))
    items = {r["id"]: (r["status"], float(r["duration_s"])) for r in data["results"]}
    errors = {
        r["id"]: r["message"].splitlines()[0] for r in data["results"] if r["status"] == "error"
    }
    return Run(wall, float(data["duration_s"]), done.returncode, requests, items, errors)


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    print(
        f"checklist.yaml against the reference app ({HTTP_LATENCY_MS} ms an answer) and the "
        f"Stripe sandbox ({STRIPE_LATENCY_MS} ms a request), median of {runs}"
    )
    print(
        "| env | items (not passed) | exit | Stripe requests | full: process / run | "
        "slowest item | alone: process / run | ratio process / run |"
    )
    print("|---|---|---|---|---|---|---|---|")
    ok = True
    for environment in ENVIRONMENTS:
        full = [one_run(environment) for _ in range(runs)]
        # The slowest item: the longest median duration over the full runs.
        ids = full[0].items
        slowest = max(ids, key=lambda i: statistics.median(r.items[i][1] for r in full))
        alone = [one_run(environment, only=slowest) for _ in range(runs)]
        wall, duration = (
            statistics.median(getattr(r, f) for r in full) for f in ("wall", "duration")
        )
        a_wall, a_dur = (
            statistics.median(getattr(r, f) for r in alone) for f in ("wall", "duration")
        )
        requests = sorted({r.stripe_requests for r in full})
        not_passed = sorted(
            {f"{i}={s}" for r in full for i, (s, _) in r.items.items() if s not in ("pass", "skip")}
        )
        print(
            f"| {environment} | {len(ids)} ({len(not_passed)}) | "
            f"{'/'.join(sorted({str(r.exit_code) for r in full}))} | "
            f"{'/'.join(map(str, requests))} | {wall * 1000:.0f} / {duration * 1000:.0f} ms | "
            f"{slowest} | {a_wall * 1000:.0f} / {a_dur * 1000:.0f} ms | "
            f"{wall / a_wall:.2f}x / {duration / a_dur:.2f}x |"
        )
        if not_passed:
            print(f"  not passed: {', '.join(not_passed)}")
        for item_id, message in sorted({e for r in full for e in r.errors.items()}):
            print(f"  error {item_id}: {message}")
        ok = ok and wall / a_wall <= GOAL
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of a golive check process: {peak:.0f} MB")
    print(f"goal (full <= {GOAL}x the slowest item alone, process wall time): ", end="")
    print("met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
