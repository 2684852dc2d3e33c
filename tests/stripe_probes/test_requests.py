"""What a run costs Stripe: requests grow with prices/100, the rate cap holds in every
one-second window (counted from the sandbox's own log), and a deadline ends the process."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import stripe

from golive.checklist.profiles import StripeSettings
from golive.commands.check import CheckOptions, run_check
from golive.core.results import Status
from golive.engine.stripe_client import build_client
from golive.sandbox.stripe.demo import demo_mapping, demo_state
from golive.sandbox.stripe.server import StripeSandbox
from golive.sandbox.stripe.templates import DEFAULT_API_VERSION

from .stripe_helpers import LIVE_KEY, SandboxFactory, clean_app_repo

REPO = Path(__file__).resolve().parents[2]
BASE_URL = "https://app.example.com"
HOOK = f"{BASE_URL}/api/subscription/webhook"


def env_file(tmp_path: Path, api_base: str, mapping: str) -> Path:
    values = {
        "GOLIVE_BASE_URL": BASE_URL,
        "STRIPE_API_BASE": api_base,
        "STRIPE_API_VERSION": DEFAULT_API_VERSION,
        "STRIPE_SECRET_KEY": LIVE_KEY,
        "STRIPE_PLAN_PRICE_MAPPING_LIVE": mapping,
    }
    path = tmp_path / "deploy.env"
    path.write_text("".join(f"{k}='{v}'\n" for k, v in values.items()), encoding="utf-8")
    return path


def log_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def most_in_one_second(times: list[float]) -> int:
    """The largest number of requests in any one-second window (closed at both ends)."""
    times = sorted(times)
    return max(
        (sum(1 for t in times[i:] if t - first <= 1.0) for i, first in enumerate(times)), default=0
    )


@pytest.mark.parametrize("tiers", [1, 64])  # 2 and 128 mapped prices
def test_a_full_run_costs_a_request_per_100_prices_plus_six(tmp_path: Path, tiers: int) -> None:
    names = ("basic", "pro", *(f"tier{i}" for i in range(tiers)))[:tiers]
    log = tmp_path / "stripe.log"
    with StripeSandbox(demo_state(HOOK, tiers=names), log_path=log) as sandbox:
        report = run_check(
            CheckOptions(
                checklist=REPO / "checklist.yaml",
                environment="prod",
                env_file=env_file(tmp_path, sandbox.url, demo_mapping("live", names)),
                only=("stripe",),
                root=clean_app_repo(tmp_path),  # 4.1d reads the app's handlers
            )
        )
    stripe_results = [r for r in report.results if r.probe.startswith("stripe.")]
    # 2.1b (pro.monthly) is optional: with one tier it has nothing to judge.
    assert all(r.status in (Status.PASS, Status.SKIP) for r in stripe_results), [
        (r.id, r.status, r.message) for r in stripe_results if r.status is not Status.PASS
    ]
    requests = log_lines(log)
    assert {r["method"] for r in requests} == {"GET"}
    prices = 2 * tiers
    charge_pages = sum(1 for r in requests if r["path"] == "/v1/charges")
    assert len(requests) <= math.ceil(prices / 100) + 6 + charge_pages
    assert sum(1 for r in requests if str(r["path"]).startswith("/v1/prices")) == math.ceil(
        prices / 100
    )


def test_the_default_cap_holds_in_every_one_second_window(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    log = tmp_path / "stripe.log"
    sandbox = make_sandbox(log_path=log)
    settings = StripeSettings(api_base=sandbox.url, max_retries=0)
    assert settings.max_rps == 20
    client = build_client(LIVE_KEY, settings)
    ids = [f"price_nope{i}" for i in range(45)]  # distinct: none answered from memory

    def fetch(price_id: str) -> None:
        with pytest.raises(stripe.InvalidRequestError):
            client.v1.prices.retrieve(price_id)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(fetch, ids))
    times = [float(str(r["time"])) for r in log_lines(log)]
    assert len(times) == 45
    # The promise is 20 per second as Stripe sees them. golive sends at most 18 in any
    # 1.05 s window; the margin absorbs scheduling jitter between sending and arrival.
    assert most_in_one_second(times) <= 20


def sandbox_process(
    tmp_path: Path, state: dict[str, object], *args: str
) -> tuple[subprocess.Popen[str], str]:
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", "sandbox", "stripe", "--state", str(state_file), *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "listening on" in line, line
    return proc, line.rsplit(" ", 1)[-1].strip()


def test_sandbox_command_logs_requests_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    proc, url = sandbox_process(tmp_path, demo_state(HOOK), "--log", str(log), "--latency", "5")
    try:
        answer = httpx.get(
            f"{url}/v1/prices?limit=100", headers={"Authorization": f"Bearer {LIVE_KEY}"}
        )
        assert answer.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert proc.returncode == 0
    (entry,) = log_lines(log)
    assert entry["method"] == "GET" and entry["path"] == "/v1/prices"
    assert entry["query"] == "limit=100" and entry["mode"] == "live"
    assert LIVE_KEY not in log.read_text(encoding="utf-8")


def test_a_run_ends_at_its_timeout_whatever_stripe_does(tmp_path: Path) -> None:
    """Stripe answering price requests in 30 s: with --timeout 2 the report is written and
    the process exits, long before any of them could finish (no worker is waited for)."""
    state = demo_state(HOOK)
    state["faults"] = [{"path": "/v1/prices*", "delay_ms": 30000}]
    proc, url = sandbox_process(tmp_path, state)
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "golive",
                "check",
                "-c",
                str(REPO / "checklist.yaml"),
                "--env",
                "prod",
                "--env-file",
                str(env_file(tmp_path, url, demo_mapping("live"))),
                "--only",
                "2.1a",
                "--timeout",
                "2",
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=20,  # a waited-for worker would take 30 s and more (retries)
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert done.returncode == 4, done.stderr  # undecided: timed out
    results = {r["id"]: r for r in json.loads(done.stdout)["results"]}
    assert results["1.2a.api"]["status"] == "pass"  # the key was fine; prices were slow
    assert results["2.1a"]["status"] == "error"
    assert "timed out after 2s" in results["2.1a"]["message"]
