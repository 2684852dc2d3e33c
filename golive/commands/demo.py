"""`golive demo`: the default checklist against a bundled deployment, then nothing left.

The deployment is the reference app (golive/sandbox/app/) with a SQLite database in a
temporary folder, its Stripe account the Stripe-compatible sandbox
(golive/sandbox/stripe/), both on free loopback ports. Staging gets a database
of its own, so that production's "same migration revision as staging" has something to
compare with. Everything stops and the folder is removed when the run ends.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from golive.commands.check import CheckOptions, execute, prepare
from golive.commands.output import progress
from golive.core.results import Report

SCENARIOS = ("healthy", "broken")

#: the reference app's break switches the broken scenario turns on (docs/reference-app.md)
BROKEN_APP = frozenset(
    {
        "auth-disabled",
        "admin-open",
        "no-rate-limit",
        "webhook-wrong-secret",
        "missing-fraud-warnings",
        "inactive-plan",
    }
)
#: the rehearsal's break in the broken scenario: a failed renewal never sets PAST_DUE
BROKEN_REHEARSAL = frozenset({"payment-failed-ignored"})
#: the e-mail of the reference app's `user` role, the rehearsals' test user
REHEARSAL_EMAIL = "alice@customer.example"
#: events the broken scenario's webhook endpoint forgets
BROKEN_MISSING_EVENT = "radar.early_fraud_warning.created"


def _key(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _write_env(path: Path, values: Mapping[str, str]) -> None:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)


def stripe_state(webhook_url: str, scenario: str) -> dict[str, Any]:
    """The sandbox's account: healthy, or with the broken scenario's Stripe mistakes."""
    from golive.sandbox.stripe.demo import demo_state

    state = demo_state(webhook_url)
    if scenario == "broken":
        for mode in ("live", "test"):
            endpoint = state[mode]["webhook_endpoints"][0]
            endpoint["enabled_events"] = [
                e for e in endpoint["enabled_events"] if e != BROKEN_MISSING_EVENT
            ]
            for price in state[mode]["prices"]:
                if price["id"].endswith("pro_yearly"):
                    price["active"] = False
            state[mode]["events"].append(
                {"type": "invoice.payment_failed", "created": "-1h", "delivery_success": False}
            )
    return state


def env_values(
    app_env: Mapping[str, str], sandbox_url: str, mode: str, scenario: str
) -> dict[str, str]:
    """The deployment's configuration as its platform would hold it."""
    from golive.sandbox.stripe.demo import demo_mapping
    from golive.sandbox.stripe.templates import DEFAULT_API_VERSION

    prefix = "live" if mode == "live" else "test"
    values = dict(app_env)
    values.update(
        {
            "STRIPE_MODE": mode,
            "STRIPE_SECRET_KEY": _key(f"sk_{prefix}_"),
            "STRIPE_PUBLISHABLE_KEY": _key(f"pk_{prefix}_"),
            f"STRIPE_PLAN_PRICE_MAPPING_{mode.upper()}": demo_mapping(mode),
            "STRIPE_API_BASE": sandbox_url,
            "STRIPE_API_VERSION": DEFAULT_API_VERSION,
        }
    )
    if scenario == "broken":
        # A test key left in place while STRIPE_MODE says live (or the other way round).
        other = "test" if mode == "live" else "live"
        values["STRIPE_MODE"] = other
        values["STRIPE_PLAN_PRICE_MAPPING"] = demo_mapping(mode)
    return values


def demo_repository(folder: Path, scenario: str) -> Path:
    """The demo app's source repository, as the repo probes (1.3a, 1.3b, H.3) see it."""
    repo = folder / "app-repo"
    (repo / "app").mkdir(parents=True)
    pinned = "stripe==16.1.0" if scenario == "healthy" else "stripe>=16"
    (repo / "requirements.txt").write_text(f"{pinned}\nsqlalchemy==2.0.36\n", encoding="utf-8")
    config = 'import os\n\nSTRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]\n'
    if scenario == "broken":
        # The classic: a key pasted into code "for a quick test", and an env file committed.
        config = f'STRIPE_SECRET_KEY = "{_key("sk_live_")}"\n'
        (repo / ".env.production").write_text(
            f"STRIPE_WEBHOOK_SECRET={_key('whsec_')}\n", encoding="utf-8"
        )
    (repo / "app" / "config.py").write_text(config, encoding="utf-8")
    # Checkout redirects, the engine and the web app as code (the repo.patterns items).
    base, echo, debug = "settings.PUBLIC_URL", "settings.SQL_ECHO", "settings.DEBUG"
    if scenario == "broken":
        base, echo, debug = '"https://yourapp.com"', "True", "True"
    (repo / "app" / "main.py").write_text(
        "from fastapi import FastAPI\nfrom sqlalchemy import create_engine\n\n"
        "from app import settings\n\n"
        f"engine = create_engine(settings.DATABASE_URL, echo={echo})\n"
        f"app = FastAPI(debug={debug})\n"
        f'SUCCESS_URL = {base} + "/billing/success"\n'
        f'checkout = {{"success_url": SUCCESS_URL, "cancel_url": {base} + "/billing"}}\n',
        encoding="utf-8",
    )
    git = [
        "git",
        "-c",
        "user.name=golive demo",
        "-c",
        "user.email=demo@golive.invalid",
        "-c",
        "commit.gpgsign=false",
        "-c",
        "init.defaultBranch=main",
    ]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "demo app"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    return repo


@contextlib.contextmanager
def demo_deployment(scenario: str, folder: Path, mode: str) -> Iterator[tuple[Path, Path]]:
    """Start the sandbox and the app; yield (env file of the checked deployment, of staging)."""
    from golive.sandbox.app.breaks import DATABASE_BREAKS
    from golive.sandbox.app.config import AppConfig
    from golive.sandbox.app.database import seed_database
    from golive.sandbox.app.server import ReferenceApp
    from golive.sandbox.stripe.server import StripeSandbox

    breaks = BROKEN_APP if scenario == "broken" else frozenset()
    database = f"sqlite:///{folder / 'app.db'}"
    staging_database = f"sqlite:///{folder / 'staging.db'}"
    seed_database(database, breaks & DATABASE_BREAKS)
    seed_database(staging_database)
    config = AppConfig(database_url=database, breaks=breaks, mode=mode)
    with ReferenceApp(config) as app:
        state = stripe_state(f"{app.url}/api/subscription/webhook", scenario)
        with StripeSandbox(state) as sandbox:
            main_env = folder / "deployment.env"
            _write_env(main_env, env_values(app.golive_env(), sandbox.url, mode, scenario))
            staging_app_env = {
                **app.golive_env(),
                "DATABASE_URL": staging_database,
                "STRIPE_WEBHOOK_SECRET": _key("whsec_"),
            }
            staging_env = folder / "staging.env"
            _write_env(staging_env, env_values(staging_app_env, sandbox.url, "test", "healthy"))
            yield main_env, staging_env


def run_demo(scenario: str, environment: str, checklist: Path, *, quiet: bool = False) -> Report:
    """Run `checklist` against a fresh demo deployment; remove it all afterwards."""
    with tempfile.TemporaryDirectory(prefix="golive-demo-") as tmp:
        folder = Path(tmp)
        options = CheckOptions(checklist=checklist, environment=environment)
        loaded, planned = prepare(options)  # bad input fails before anything starts
        mode = loaded.checklist.environments[environment].mode
        with demo_deployment(scenario, folder, mode) as (env_file, staging_file):
            others = tuple(
                (name, staging_file)
                for name in ("staging", "test")
                if name in loaded.checklist.environments and name != environment
            )
            options = CheckOptions(
                checklist=checklist,
                environment=environment,
                env_file=env_file,
                other_env_files=others,
                root=demo_repository(folder, scenario),
            )
            with progress(len(planned), quiet=quiet) as callback:
                return execute(loaded, planned, options, callback)


@contextlib.contextmanager
def rehearsal_deployment(
    folder: Path, breaks: frozenset[str] = frozenset(), env: Mapping[str, str] | None = None
) -> Iterator[tuple[Path, Any, Any]]:
    """A test-mode reference app linked to the sandbox for `golive rehearse`.

    Yields (env file, sandbox, app). The app creates Checkout Sessions and refunds in the
    sandbox and receives its signed webhooks; `env` overrides values of the env file.
    """
    import json

    from golive.sandbox.app.billing import StripeLink, link
    from golive.sandbox.app.config import AppConfig
    from golive.sandbox.app.database import seed_database
    from golive.sandbox.app.server import ReferenceApp
    from golive.sandbox.stripe.demo import demo_mapping, demo_state
    from golive.sandbox.stripe.server import StripeSandbox, writes_for

    database = f"sqlite:///{folder / 'rehearsal.db'}"
    seed_database(database)
    with ReferenceApp(AppConfig(database_url=database, breaks=breaks, mode="test")) as app:
        state = demo_state(f"{app.url}/api/subscription/webhook")
        with StripeSandbox(state) as sandbox:
            writes_for(sandbox).set_endpoint_secret("we_test_app", app.config.webhook_secret)
            values = env_values(app.golive_env(), sandbox.url, "test", "healthy")
            values["GOLIVE_REHEARSAL_EMAIL"] = REHEARSAL_EMAIL
            link(
                app,
                StripeLink(
                    sandbox.url, values["STRIPE_SECRET_KEY"], json.loads(demo_mapping("test"))
                ),
            )
            values.update(env or {})
            env_file = folder / "rehearsal.env"
            _write_env(env_file, values)
            yield env_file, sandbox, app


def run_rehearsal(
    scenario: str, checklist: Path, *, environment: str = "staging", quiet: bool = False
) -> Report:
    """`golive rehearse` against a fresh test-mode demo deployment (broken: BROKEN_REHEARSAL)."""
    breaks = BROKEN_REHEARSAL if scenario == "broken" else frozenset()
    with (
        tempfile.TemporaryDirectory(prefix="golive-rehearsal-") as tmp,
        rehearsal_deployment(Path(tmp), breaks) as (env_file, _, _),
    ):
        # The rehearsed app's repository, as the check's: the header names its commit.
        options = CheckOptions(
            checklist=checklist,
            environment=environment,
            env_file=env_file,
            rehearse=True,
            root=demo_repository(Path(tmp), scenario),
        )
        loaded, planned = prepare(options)
        with progress(len(planned), quiet=quiet) as callback:
            return execute(loaded, planned, options, callback)
