"""The Stripe part of checklist.yaml against the sandbox: 100 ms per request, 2-128 prices.

`golive check --env prod --only stripe` runs every Stripe item of the project's checklist
(key mode, account, four price items, four webhook-endpoint items, two failed-delivery
windows, dispute rate, early fraud warnings) against a healthy sandbox account whose
mapping has 2 to 128 prices (1 to 64 tiers, monthly and yearly) and whose every answer
takes 100 ms.

Goals (issue 10 section 4):
- requests <= ceil(prices / 100) + 6 + the charge pages the dispute rate needs: prices
  are read with list calls (100 a page), not one GET each;
- wall time within 1.5x of the floor, the floor being the larger of the longest chain
  of dependent requests (the key's mode, then disputes, then two pages of charges:
  4 x 100 ms) and requests / rate cap (20 per second by default);
- 128 prices cost about what 2 do (goal: at most 1.3x the wall time);
- nothing but GETs.

Run: .venv/bin/python bench/stripe_bench.py
"""

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from golive.checklist.profiles import StripeSettings
from golive.commands.check import CheckOptions, run_check
from golive.core.results import Status
from golive.sandbox.stripe.demo import demo_mapping, demo_state
from golive.sandbox.stripe.server import StripeSandbox
from golive.sandbox.stripe.templates import DEFAULT_API_VERSION

REPO = Path(__file__).resolve().parent.parent
LATENCY_S = 0.1
SIZES = (1, 2, 4, 16, 32, 64)  # tiers; x monthly, yearly = 2 to 128 prices
RUNS = 3
BASE_URL = "https://app.example.com"
CHAIN = 4  # balance (the key's mode) -> disputes -> charges page 1 -> charges page 2


def tiers_of(count: int) -> tuple[str, ...]:
    return ("basic", "pro", *(f"tier{i}" for i in range(count)))[:count]


def one_run(
    folder: Path, tiers: tuple[str, ...]
) -> tuple[float, list[tuple[str, str, str]], list[str]]:
    state = demo_state(f"{BASE_URL}/api/subscription/webhook", tiers=tiers)
    with StripeSandbox(state, latency_ms=int(LATENCY_S * 1000)) as sandbox:
        values = {
            "GOLIVE_BASE_URL": BASE_URL,
            "STRIPE_API_BASE": sandbox.url,
            "STRIPE_API_VERSION": DEFAULT_API_VERSION,
            "STRIPE_SECRET_KEY": "sk_live_51GoLiveBenchmarkKey0000",  # golive:allow-secret
            "STRIPE_PLAN_PRICE_MAPPING_LIVE": demo_mapping("live", tiers),
            "STRIPE_PLAN_PRICE_MAPPING_TEST": demo_mapping("test", tiers),
        }
        env_file = folder / "bench.env"
        env_file.write_text("".join(f"{k}='{v}'\n" for k, v in values.items()), encoding="utf-8")
        t0 = time.perf_counter()
        report = run_check(
            CheckOptions(
                checklist=REPO / "checklist.yaml",
                environment="prod",
                env_file=env_file,
                only=("stripe",),
            )
        )
        wall = time.perf_counter() - t0
        requests = [(r.method, r.path, r.query) for r in sandbox.requests]
    problems = [
        f"{r.id} {r.status.value}: {r.message}"
        for r in report.results
        if r.probe.startswith("stripe.") and r.status not in (Status.PASS, Status.SKIP)
    ]
    return wall, requests, problems


def main() -> int:
    rate = StripeSettings().max_rps
    latency_ms = LATENCY_S * 1000
    print(f"Stripe items of checklist.yaml, {latency_ms:.0f} ms a request, cap {rate:g}/s")
    print("| prices | requests (budget) | price requests | wall, median of 3 | floor | ratio |")
    print("|---|---|---|---|---|---|")
    ok = True
    walls_by_size: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            tiers = tiers_of(size)
            prices = 2 * size
            walls = []
            for _ in range(RUNS):
                wall, requests, problems = one_run(Path(folder), tiers)
                walls.append(wall)
            wall = statistics.median(walls)
            walls_by_size[prices] = wall
            count = len(requests)
            charge_pages = sum(1 for _, path, _ in requests if path == "/v1/charges")
            budget = math.ceil(prices / 100) + 6 + charge_pages
            floor = max(CHAIN * LATENCY_S, count / rate)
            by_path = Counter(path for _, path, _ in requests)
            price_requests = sum(n for path, n in by_path.items() if path.startswith("/v1/prices"))
            methods = {method for method, _, _ in requests}
            print(
                f"| {prices} | {count} ({budget}) | {price_requests} | {wall * 1000:.0f} ms | "
                f"{floor * 1000:.0f} ms | {wall / floor:.2f}x |"
            )
            for problem in problems:
                print(f"  NOT PASSED: {problem}")
            ok = ok and not problems and methods == {"GET"} and count <= budget
            ok = ok and wall <= 1.5 * floor
    growth = walls_by_size[max(walls_by_size)] / walls_by_size[min(walls_by_size)]
    print(
        f"wall time, {max(walls_by_size)} prices vs {min(walls_by_size)}: {growth:.2f}x "
        "(goal <= 1.3x)"
    )
    ok = ok and growth <= 1.3
    print("goal met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
