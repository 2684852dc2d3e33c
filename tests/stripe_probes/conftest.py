"""Fixtures for the Stripe probes: a sandbox on 127.0.0.1 and contexts pointing at it.

Every probe runs through the real `stripe` SDK over a real socket.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.checklist.profiles import EnvironmentProfile
from golive.engine import stripe_client
from golive.engine.context import Clients, ProbeContext
from golive.sandbox.stripe.demo import demo_mapping, demo_state
from golive.sandbox.stripe.server import StripeSandbox
from golive.sandbox.stripe.templates import DEFAULT_API_VERSION
from golive.values.environment import redactor_for, resolve

from .stripe_helpers import LIVE_KEY, TEST_KEY, WEBHOOK_URL, ContextFactory, SandboxFactory


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # Retries still happen, in the same order; they just wait milliseconds, not seconds.
    monkeypatch.setattr(stripe_client, "BACKOFF_INITIAL_S", 0.01)


@pytest.fixture
def make_sandbox() -> Iterator[SandboxFactory]:
    """Starts sandboxes (default: the healthy demo state) and stops them afterwards."""
    started: list[StripeSandbox] = []

    def make(state: dict[str, Any] | Path | None = None, **kwargs: Any) -> StripeSandbox:
        sandbox = StripeSandbox(demo_state(WEBHOOK_URL) if state is None else state, **kwargs)
        started.append(sandbox.start())
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> StripeSandbox:
    return make_sandbox()


@pytest.fixture
def make_ctx(tmp_path: Path) -> ContextFactory:
    """A ProbeContext for one deployment, its values read from a dotenv file as in real use."""

    def make(
        api_base: str,
        *,
        mode: str = "live",
        key: str | None = None,
        values: dict[str, str] | None = None,
        **stripe: Any,
    ) -> ProbeContext:
        key = key if key is not None else (LIVE_KEY if mode == "live" else TEST_KEY)
        env_values = {
            "STRIPE_SECRET_KEY": key,
            "STRIPE_PLAN_PRICE_MAPPING_LIVE": demo_mapping("live"),
            "STRIPE_PLAN_PRICE_MAPPING_TEST": demo_mapping("test"),
            **(values or {}),
        }
        (tmp_path / "deploy.env").write_text(
            "".join(f"{name}='{value}'\n" for name, value in env_values.items()),
            encoding="utf-8",
        )
        profile = EnvironmentProfile.model_validate(
            {
                "mode": mode,
                "source": {"dotenv": "deploy.env"},
                "stripe": {
                    "api_base": api_base,
                    "webhook_url": WEBHOOK_URL,
                    "api_version": DEFAULT_API_VERSION,
                    "max_retries": 0,
                    "timeout": 2,
                    "max_rps": 100,  # the cap itself is tested in test_client.py
                    **stripe,
                },
            }
        )
        env = resolve("prod" if mode == "live" else "staging", profile, tmp_path)
        return ProbeContext(env=env, root=tmp_path, redactor=redactor_for(env), clients=Clients())

    return make
