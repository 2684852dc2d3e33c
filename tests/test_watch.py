"""`golive watch` against the Stripe sandbox: a healthy cycle, then an endpoint disabled
mid-watch; the gauge, /healthz and the change hook all show it within one cycle."""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import REPO
from prometheus_client.parser import text_string_to_metric_families
from stripe_probes.stripe_helpers import clean_app_repo

from golive.commands.check import CheckOptions, prepare
from golive.engine import stripe_client
from golive.sandbox.stripe.demo import demo_mapping, demo_state
from golive.sandbox.stripe.server import StripeSandbox
from golive.sandbox.stripe.templates import DEFAULT_API_VERSION
from golive.watch.endpoint import Endpoint
from golive.watch.loop import Watcher, WatchOptions, parse_interval
from golive.watch.select import watched_plan
from golive.watch.state import WatchState

BASE_URL = "https://app.example.com"
LIVE_KEY = "sk_live_51GoLiveWatchKeyQRSTUVWXYZ"  # golive:allow-secret
KEY_TAIL = "WXYZ"


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stripe_client, "BACKOFF_INITIAL_S", 0.01)


@pytest.fixture
def sandbox() -> Iterator[StripeSandbox]:
    with StripeSandbox(demo_state(f"{BASE_URL}/api/subscription/webhook")) as s:
        yield s


def env_file(tmp_path: Path, api_base: str) -> Path:
    values = {
        "GOLIVE_BASE_URL": BASE_URL,
        "STRIPE_API_BASE": api_base,
        "STRIPE_API_VERSION": DEFAULT_API_VERSION,
        "STRIPE_SECRET_KEY": LIVE_KEY,
        "STRIPE_PLAN_PRICE_MAPPING_LIVE": demo_mapping("live"),
        "STRIPE_PLAN_PRICE_MAPPING_TEST": demo_mapping("test"),
    }
    path = tmp_path / "deploy.env"
    path.write_text("".join(f"{k}='{v}'\n" for k, v in values.items()), encoding="utf-8")
    return path


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=5)


def item_gauge(metrics_text: str, item: str) -> str | None:
    """The status whose golive_item_status series for `item` is 1."""
    for family in text_string_to_metric_families(metrics_text):
        if family.name == "golive_item_status":
            for sample in family.samples:
                if sample.labels["item"] == item and sample.value == 1:
                    return sample.labels["status"]
    return None


def wait_for(condition: object, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


def test_a_watch_sees_an_endpoint_disabled_mid_watch(
    sandbox: StripeSandbox, tmp_path: Path
) -> None:
    options = CheckOptions(
        checklist=REPO / "checklist.yaml",
        environment="prod",
        env_file=env_file(tmp_path, sandbox.url),
        only=("stripe",),
        root=clean_app_repo(tmp_path),
    )
    loaded, planned = prepare(options)
    planned, _ = watched_plan(loaded.checklist, "prod", planned)
    hook_out = tmp_path / "hook.json"
    hook = f"{sys.executable} -c \"import sys; open(sys.argv[1], 'a').write(sys.stdin.read() + '\\n')\" {hook_out}"
    state = WatchState("prod")
    out = io.StringIO()
    interval = 0.5
    watcher = Watcher(
        loaded,
        planned,
        options,
        WatchOptions(every=interval, jitter=0.1, on_change=hook),
        state=state,
        out=out,
    )
    endpoint = Endpoint(state, port=0).start()
    assert get(f"{endpoint.url}/healthz").status_code == 503  # no run yet
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: state.snapshot().runs >= 1, 60), out.getvalue()
        health = get(f"{endpoint.url}/healthz")
        assert health.status_code == 200, health.text
        metrics = get(f"{endpoint.url}/metrics").text
        assert item_gauge(metrics, "4.1a") == "pass"
        families = {f.name: f for f in text_string_to_metric_families(metrics)}
        assert families["golive_ready"].samples[0].value == 1
        assert families["golive_watch_runs"].type == "counter"
        report = get(f"{endpoint.url}/report.json").json()
        assert {r["id"]: r["status"] for r in report["results"]}["4.1a"] == "pass"

        # The endpoint is disabled in Stripe while the watch runs.
        runs_before = state.snapshot().runs
        endpoint_obj = sandbox.state.modes["live"].by_id["webhook_endpoints"]["we_live_app"]
        endpoint_obj["status"] = "disabled"
        # Within one cycle after the one under way: at most two runs later.
        assert wait_for(lambda: state.snapshot().runs >= runs_before + 2, 60), out.getvalue()
        health = get(f"{endpoint.url}/healthz")
        assert health.status_code == 503
        assert health.text.startswith("not ready")
        assert "4.1a" in health.text
        metrics = get(f"{endpoint.url}/metrics").text
        assert item_gauge(metrics, "4.1a") == "fail"
        assert wait_for(hook_out.exists, 10)
        diff = json.loads(hook_out.read_text(encoding="utf-8").splitlines()[0])
        assert diff["worse"] is True
        change = next(c for c in diff["changes"] if c["id"] == "4.1a")
        assert (change["kind"], change["old"], change["new"]) == ("new failure", "pass", "fail")
        assert "New failures: 4.1a [blocking]" in out.getvalue()
        # Nothing secret in any output of the watch.
        shown = (
            get(f"{endpoint.url}/metrics").text
            + get(f"{endpoint.url}/healthz").text
            + get(f"{endpoint.url}/report.json").text
            + hook_out.read_text(encoding="utf-8")
            + out.getvalue()
        )
        assert LIVE_KEY not in shown and KEY_TAIL not in shown
        assert get(f"{endpoint.url}/other").status_code == 404
    finally:
        watcher.stop()
        thread.join(timeout=30)
        endpoint.stop()
    assert not thread.is_alive()
    # Stripe was only read.
    assert {r.method for r in sandbox.requests} == {"GET"}


def test_a_failed_run_is_counted_and_the_next_one_runs(tmp_path: Path) -> None:
    options = CheckOptions(
        checklist=REPO / "checklist.yaml",
        environment="prod",
        env_file=tmp_path / "missing.env",
        only=("stripe",),
    )
    loaded, planned = prepare(options)
    state = WatchState("prod")
    out = io.StringIO()
    watcher = Watcher(
        loaded, planned, options, WatchOptions(every=0.01, max_runs=3), state=state, out=out
    )
    assert watcher.run() == 3
    snap = state.snapshot()
    assert (snap.runs, snap.failures, snap.ready, snap.verdict) == (3, 3, False, "error")
    assert "missing.env" in out.getvalue()


def test_watch_leaves_out_traffic_and_state_changing_items() -> None:
    options = CheckOptions(checklist=REPO / "checklist.yaml", environment="prod")
    loaded, planned = prepare(options)
    kept, excluded = watched_plan(loaded.checklist, "prod", planned)
    reasons = {e.id: e.reason for e in excluded}
    assert "7.1a" in reasons and "traffic" in reasons["7.1a"]  # the rate-limit burst
    skipped = {p.item.id: p.skip_reason for p in kept if p.skip_reason}
    assert skipped["7.1a"].startswith("not watched: ")
    assert "4.1a" not in reasons


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("30s", 30), ("1h", 3600), ("90", 90), ("0.5s", 0.5)]
)
def test_intervals(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "0", "-5m", "soon", "nan", "inf"])
def test_bad_intervals(text: str) -> None:
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


def test_the_command_serves_and_stops_on_sigterm(sandbox: StripeSandbox, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "STRIPE_"))}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "golive",
            "watch",
            "--env",
            "prod",
            "-c",
            str(REPO / "checklist.yaml"),
            "--env-file",
            str(env_file(tmp_path, sandbox.url)),
            "--only",
            "stripe",
            "--every",
            "0.5s",
            "--listen",
            "127.0.0.1:0",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=clean_app_repo(tmp_path),  # the app's repository, as where a user runs it
    )
    try:
        assert child.stderr is not None
        first = child.stderr.readline()
        assert "/metrics" in first, first
        url = first.split("; ", 1)[1].split("/metrics", 1)[0]
        assert url.startswith("http://127.0.0.1:")
        assert wait_for(lambda: get(f"{url}/healthz").status_code == 200, 60)
        child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=30)
        rest = child.stderr.read()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert code == 0, rest
    assert "stopped after" in rest and "Traceback" not in rest
    assert LIVE_KEY not in first + rest and KEY_TAIL not in first + rest
    with pytest.raises(httpx.ConnectError):
        get(f"{url}/healthz")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--every", "soon"], "--every 'soon' is not an interval"),
        (["--listen", "nowhere"], "--listen 'nowhere': expected HOST:PORT"),
    ],
)
def test_bad_options_exit_2(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from golive.cli import main

    assert main(["watch", "--env", "prod", "-c", str(REPO / "checklist.yaml"), *args]) == 2
    assert words in capsys.readouterr().err


def test_a_watch_caps_the_allocators_arenas_and_trims_after_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over thousands of runs malloc's memory in use stays flat while what it holds grows
    (fragmentation): two arenas, and free pages handed back after each run
    (golive/watch/memory.py, docs/benchmarks.md)."""
    import platform

    from golive.watch import loop, memory

    if platform.libc_ver()[0] == "glibc":
        assert memory.limit_arenas() is True  # mallopt(M_ARENA_MAX, 2) took
        junk = [bytes(200) for _ in range(200_000)]  # 40+ MB of small blocks, then freed
        del junk
        assert memory.release_free_memory() is True  # malloc_trim gave pages back
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert memory.limit_arenas() is False  # the operator's own setting is left alone
    calls: list[str] = []
    monkeypatch.setattr(loop, "limit_arenas", lambda arenas=2: calls.append("cap") or True)
    monkeypatch.setattr(loop, "release_free_memory", lambda: calls.append("trim") or True)
    options = CheckOptions(
        checklist=REPO / "checklist.yaml",
        environment="prod",
        env_file=tmp_path / "missing.env",
        only=("stripe",),
    )
    loaded, planned = prepare(options)
    watcher = Watcher(
        loaded, planned, options, WatchOptions(every=0.01, max_runs=2), out=io.StringIO()
    )
    assert watcher.run() == 2
    assert calls == ["cap", "trim", "trim"]
