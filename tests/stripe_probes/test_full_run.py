"""Every Stripe item of the project's checklist.yaml, run by `golive check` against the
sandbox: a healthy account passes, and golive sends nothing but GETs."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.commands.check import CheckOptions, run_check
from golive.core.results import Status
from golive.sandbox.stripe.demo import demo_mapping, demo_state
from golive.sandbox.stripe.templates import DEFAULT_API_VERSION

from .stripe_helpers import LIVE_KEY, TEST_KEY, SandboxFactory, clean_app_repo

REPO = Path(__file__).resolve().parents[2]
BASE_URL = "https://app.example.com"


def env_file(tmp_path: Path, api_base: str, key: str) -> Path:
    values = {
        "GOLIVE_BASE_URL": BASE_URL,
        "STRIPE_API_BASE": api_base,
        "STRIPE_API_VERSION": DEFAULT_API_VERSION,
        "STRIPE_SECRET_KEY": key,
        "STRIPE_PLAN_PRICE_MAPPING_LIVE": demo_mapping("live"),
        "STRIPE_PLAN_PRICE_MAPPING_TEST": demo_mapping("test"),
    }
    path = tmp_path / "deploy.env"
    path.write_text("".join(f"{k}='{v}'\n" for k, v in values.items()), encoding="utf-8")
    return path


@pytest.mark.parametrize(("environment", "key"), [("prod", LIVE_KEY), ("staging", TEST_KEY)])
def test_a_full_run_of_the_stripe_items_only_reads_and_passes(
    make_sandbox: SandboxFactory, tmp_path: Path, environment: str, key: str
) -> None:
    sandbox = make_sandbox(demo_state(f"{BASE_URL}/api/subscription/webhook"))
    report = run_check(
        CheckOptions(
            checklist=REPO / "checklist.yaml",
            environment=environment,
            env_file=env_file(tmp_path, sandbox.url, key),
            only=("stripe",),
            root=clean_app_repo(tmp_path),  # 4.1d reads the app's handlers
        )
    )
    stripe_results = [r for r in report.results if r.probe.startswith("stripe.")]
    assert stripe_results, "checklist.yaml has no Stripe item tagged 'stripe'"
    not_passed = [
        (r.id, r.status, r.message) for r in stripe_results if r.status is not Status.PASS
    ]
    assert not_passed == []
    assert sandbox.requests
    assert {r.method for r in sandbox.requests} == {"GET"}
    # Items that read the same thing share one request: one price listing (4 prices), the
    # balance, account, endpoints, events, disputes and fraud warnings lists, and the two
    # charge pages the dispute rate needs.
    paths = [r.path for r in sandbox.requests]
    assert len(paths) == len(set(zip(paths, (r.query for r in sandbox.requests), strict=True)))
    assert paths.count("/v1/prices") == 1
    assert len(paths) <= 1 + 6 + paths.count("/v1/charges")
