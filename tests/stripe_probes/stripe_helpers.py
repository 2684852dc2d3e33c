"""Constants and helpers of the Stripe tests (fixtures are in conftest.py).

Keys are made-up sandbox keys; their last characters are upper-case letters, which never
appear in a mask's hex digest, so a test can tell whether any part of a key leaked.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import ProbeError
from golive.engine.registry import load_probe
from golive.sandbox.stripe.server import StripeSandbox

WEBHOOK_URL = "https://app.example.com/api/subscription/webhook"
LIVE_KEY = "sk_live_51GoLiveSandboxKeyQRSTUVWXYZ"  # golive:allow-secret
TEST_KEY = "sk_test_51GoLiveSandboxKeyQRSTUVWXYZ"  # golive:allow-secret
RESTRICTED_LIVE_KEY = "rk_live_51GoLiveSandboxKeyQRSTUVWXYZ"  # golive:allow-secret
KEY_TAIL = "WXYZ"


SandboxFactory = Callable[..., StripeSandbox]
ContextFactory = Callable[..., ProbeContext]


def run(kind: str, ctx: ProbeContext, **params: Any) -> Outcome:
    """Run one probe as the runner does: ProbeError is `error`; anything else is a bug.

    Checks on every run that no part of the key reached the message or the evidence.
    """
    probe = load_probe(kind)
    try:
        outcome = probe.run(probe.Params.model_validate(params), ctx)
    except ProbeError as exc:
        outcome = Outcome.error(str(exc))
    shown = f"{outcome.message} {outcome.evidence}"
    key = ctx.env.config["STRIPE_SECRET_KEY"].reveal()
    assert key not in shown and KEY_TAIL not in shown, shown
    return outcome


def clean_app_repo(tmp_path: Path) -> Path:
    """An app repository whose webhook handler reads the subscription where current API
    versions have it (stripe.api_upgrade, item 4.1d, scans the app's source)."""
    repo = tmp_path / "app"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "webhook.js").write_text(
        "const sub = invoice.parent.subscription_details.subscription;\n", encoding="utf-8"
    )
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    return repo
