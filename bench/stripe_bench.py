"""The Stripe part of checklist.yaml against the sandbox: 100 ms per request, 8 prices.

`golive check --env prod --only stripe` runs every Stripe item of the project's checklist
(key mode, account, five price items, three webhook-endpoint items, two failed-delivery
windows, dispute rate, early fraud warnings) against a healthy sandbox account whose
mapping has 8 prices (4 tiers, monthly and yearly) and whose every answer takes 100 ms.

Goals (issue 3):
- wall time within 1.5x of the floor, the floor being the larger of the longest chain
  of dependent requests (disputes, then two pages of charges: 3 x 100 ms) and
  requests / rate cap (20 per second by default);
- no more requests than mapped prices + 6 (+ pages actually needed: here the two pages
  of charges the dispute rate reads before its verdict is sure);
- nothing but GETs.

Run: .venv/bin/python bench/stripe_bench.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from golive.check import CheckOptions, run_check
from golive.checklist import StripeSettings
from golive.results import Status
from golive.sandbox.stripe_server import (
    DEFAULT_API_VERSION,
    StripeSandbox,
    demo_mapping,
    demo_state,
)

REPO = Path(__file__).resolve().parent.parent
LATENCY_S = 0.1
TIERS = ("basic", "pro", "team", "enterprise")  # x monthly, yearly = 8 prices
PRICES = 2 * len(TIERS)
RUNS = 3
BASE_URL = "https://app.example.com"
CHAIN = 3  # disputes -> charges page 1 -> charges page 2


def one_run(folder: Path) -> tuple[float, list[tuple[str, str, str]], list[str]]:
    state = demo_state(f"{BASE_URL}/api/subscription/webhook", tiers=TIERS)
    with StripeSandbox(state, latency_ms=int(LATENCY_S * 1000)) as sandbox:
        values = {
            "GOLIVE_BASE_URL": BASE_URL,
            "STRIPE_API_BASE": sandbox.url,
            "STRIPE_API_VERSION": DEFAULT_API_VERSION,
            "STRIPE_SECRET_KEY": "sk_live_51GoLiveBenchmarkKey0000",  # golive:allow-secret
            "STRIPE_PLAN_PRICE_MAPPING_LIVE": demo_mapping("live", TIERS),
            "STRIPE_PLAN_PRICE_MAPPING_TEST": demo_mapping("test", TIERS),
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
        if r.probe.startswith("stripe.") and r.status is not Status.PASS
    ]
    return wall, requests, problems


def main() -> int:
    rate = StripeSettings().max_rps
    walls = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(RUNS):
            wall, requests, problems = one_run(Path(folder))
            walls.append(wall)
    wall = statistics.median(walls)
    count = len(requests)
    charge_pages = sum(1 for _, path, _ in requests if path == "/v1/charges")
    budget = PRICES + 6 + charge_pages
    floor = max(CHAIN * LATENCY_S, count / rate)
    by_path = Counter(
        "/v1/prices/{id}" if path.startswith("/v1/prices/") else path for _, path, _ in requests
    )
    latency_ms = LATENCY_S * 1000
    print(f"Stripe items of checklist.yaml, {PRICES} mapped prices, {latency_ms:.0f} ms a request")
    print(
        f"  wall time (median of {RUNS}): {wall * 1000:.0f} ms; runs: "
        + ", ".join(f"{w * 1000:.0f}" for w in walls)
    )
    print(
        f"  floor: max({CHAIN} x {latency_ms:.0f} ms chain, {count} requests / {rate:g} per s)"
        f" = {floor * 1000:.0f} ms -> {wall / floor:.2f}x (goal <= 1.5x)"
    )
    print(
        f"  requests: {count} (budget {PRICES} prices + 6 + {charge_pages} pages = {budget}); "
        f"sequential would take {count * LATENCY_S:.1f} s"
    )
    for path, n in sorted(by_path.items()):
        print(f"    {n:>2} GET {path}")
    methods = {method for method, _, _ in requests}
    print(f"  methods sent: {', '.join(sorted(methods))}")
    for problem in problems:
        print(f"  NOT PASSED: {problem}")
    ok = not problems and methods == {"GET"} and count <= budget and wall <= 1.5 * floor
    print("goal met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
