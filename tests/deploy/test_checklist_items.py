"""The default checklist's database and HTTP items against the reference app, through the
real runner: every item passes on the healthy app, and each break switch is caught by the
item that guards against it, with a message that says what to fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from golive.core.results import Status
from golive.engine.loader import load_checklist
from golive.sandbox.app.breaks import BREAKS
from golive.sandbox.app.server import ReferenceApp

from .helpers import CHECKLIST, checklist_context, run_items

FAIL, WARN, ERROR, PASS, SKIP = Status.FAIL, Status.WARN, Status.ERROR, Status.PASS, Status.SKIP
OPEN_ADMIN = "GET /api/stripe/disputes (200)"
#: Items about what the reference app does not have: its checkout takes a plan, not a
#: price id, and it has no GET route for a plain user.
NOT_IN_THE_REFERENCE_APP = {"H.11": "names no price_field", "H.12": "names no user routes"}


def deployment_items(env: str) -> list[str]:
    """Ids of the db.* and http.* items (and 1.2h, DISABLE_AUTH) that apply to `env`."""
    checklist = load_checklist(CHECKLIST).checklist
    return [
        item.id
        for item in checklist.items
        if (item.probe.kind.startswith(("db.", "http.")) or item.id == "1.2h")
        and checklist.applies(item, env)
    ]


def run_staging(tmp_path: Path, app: ReferenceApp) -> dict[str, Any]:
    ctx = checklist_context(tmp_path / "ctx", "staging", app.golive_env())
    return run_items(ctx, *deployment_items("staging"))


def test_the_items_cover_the_deployment_sections() -> None:
    items = deployment_items("staging")
    for expected in [
        "2.2d",
        "2.3a",
        "2.3b",
        "3.1a",
        "3.1c",
        "3.2a",
        "4.3a",
        "5.1b",
        "5.3b",
        "6.2",
        "7.1a",
    ]:
        assert expected in items


def test_healthy_app_passes_every_deployment_item(
    tmp_path: Path, make_app: Any, db_url: str
) -> None:
    app = make_app(database_url=db_url)
    results = run_staging(tmp_path, app)
    absent = {i: r for i, r in results.items() if i in NOT_IN_THE_REFERENCE_APP}
    for item_id, result in absent.items():  # skipped, saying why, never passed unexamined
        assert result.status is SKIP and NOT_IN_THE_REFERENCE_APP[item_id] in result.message
    bad = {
        i: (r.status.value, r.message)
        for i, r in results.items()
        if r.status is not PASS and i not in absent
    }
    assert not bad
    env = app.golive_env()
    secrets = [app.config.webhook_secret, *(v for k, v in env.items() if k.endswith("_TOKEN"))]
    password = make_url(db_url).password
    if password:  # PostgreSQL
        secrets.append(str(password))
    text = json.dumps([(r.message, r.evidence) for r in results.values()], default=str)
    assert not [s for s in secrets if s in text]


# break switch -> {item id: (status, a fragment of the message that says what to fix)}
CAUGHT_BY: dict[str, dict[str, tuple[Status, str]]] = {
    "auth-disabled": {
        "1.2h": (FAIL, "DISABLE_AUTH"),
        "5.1b": (FAIL, "require authentication"),
        "H.9": (ERROR, "without any token got 200"),
        "H.10": (FAIL, OPEN_ADMIN),
    },
    "admin-open": {
        "5.1b": (FAIL, "require authentication"),
        "H.9": (ERROR, "without any token got 200"),
        "H.10": (FAIL, OPEN_ADMIN),
    },
    "admin-any-user": {"5.1b": (FAIL, "allow only the users this route is for")},
    "admin-500": {
        "5.1a": (ERROR, "500 Internal Server Error"),
        "5.2b": (ERROR, "500 Internal Server Error"),
        "5.3a": (ERROR, "500 Internal Server Error"),
        "5.3b": (ERROR, "500 Internal Server Error"),
        "H.9": (ERROR, "(its real token) got 500"),
    },
    "leak-fields": {
        "5.2b": (FAIL, "password_hash: remove these fields"),
        "5.3a": (FAIL, "password_hash: remove these fields"),
        "5.3b": (FAIL, "password_hash: remove these fields"),
    },
    "leak-secret": {
        "5.3a": (FAIL, "the value of STRIPE_WEBHOOK_SECRET"),
        "5.3b": (FAIL, "rotate that secret"),
    },
    "efw-missing-fields": {"5.3b": (FAIL, "lacks fraud_type")},
    "portal-no-url": {"6.2": (FAIL, "lacks url")},
    "jwt-unverified": {"H.9": (FAIL, "let in a JWT with alg none")},
    "open-write-route": {"H.10": (FAIL, "POST /api/admin/reset-rate-limits (200)")},
    "no-rate-limit": {"7.1a": (FAIL, "no 429 after 30 requests")},
    "rate-limit-global": {"7.1a": (FAIL, "not per user")},
    "rate-limit-by-header": {"7.1a": (FAIL, "trusts an unverified header")},
    "rate-limit-no-retry-after": {"7.1a": (PASS, "advisory: the 429 has no Retry-After")},
    "webhook-unverified": {"4.3a": (FAIL, "does not verify Stripe-Signature")},
    "webhook-no-tolerance": {"4.3a": (FAIL, "accepts old signatures")},
    "webhook-wrong-secret": {"4.3a": (FAIL, "another secret than STRIPE_WEBHOOK_SECRET")},
    "webhook-500": {"4.3a": (FAIL, "the handler fails on a valid event")},
    "webhook-behind-login": {"4.3a": (FAIL, "exempt the webhook route from login")},
    "webhook-login-unverified": {
        "4.3a": (FAIL, "behind the login, an event signed with a made-up secret was answered")
    },
    "missing-subscription-tables": {
        "3.1a": (FAIL, "missing table(s): user_subscriptions"),
        "3.1a.columns": (FAIL, "table user_subscriptions does not exist"),
    },
    "missing-usage-tables": {"3.1b": (WARN, "api_usage_logs, usage_summaries")},
    "missing-fraud-warnings": {
        "3.1c": (FAIL, "missing table(s): fraud_warnings"),
        "5.3a": (ERROR, "500 Internal Server Error"),
        "5.3b": (ERROR, "500 Internal Server Error"),
    },
    "missing-columns": {"3.1a.columns": (FAIL, "missing column(s) stripe_subscription_id")},
    "inactive-plan": {
        "2.3b": (FAIL, "for tier PRO"),
        "2.2d": (FAIL, "row PRO is inactive"),
    },
    "missing-plan": {
        "2.3a": (FAIL, "for tier PRO"),
        "2.3b": (FAIL, "for tier PRO"),
        "2.2d": (FAIL, "pro (no row)"),
    },
    "unsold-tier": {"2.2d": (FAIL, "ENTERPRISE have no price")},
    "old-migration": {"3.2a": (FAIL, "alembic upgrade head")},
}


def test_every_break_switch_has_a_catching_item() -> None:
    from golive.sandbox.app.breaks import BILLING_BREAKS

    # The billing breaks are caught by rehearsals: tests/rehearse/test_flows.py.
    assert set(CAUGHT_BY) == set(BREAKS) - set(BILLING_BREAKS)


@pytest.mark.parametrize("brk", sorted(CAUGHT_BY))
def test_each_break_is_caught_by_its_item_and_nothing_else_moves(
    tmp_path: Path, make_app: Any, brk: str
) -> None:
    app = make_app(brk)
    results = run_staging(tmp_path, app)
    expected = CAUGHT_BY[brk]
    for item_id, (status, fragment) in expected.items():
        result = results[item_id]
        assert result.status is status, f"{item_id}: {result.status.value}: {result.message}"
        assert fragment in result.message, f"{item_id}: {result.message}"
    others = {
        i: r.status.value
        for i, r in results.items()
        if i not in expected and r.status is not PASS and i not in NOT_IN_THE_REFERENCE_APP
    }
    assert not others, {i: results[i].message for i in others}
    assert app.config.webhook_secret not in json.dumps([r.message for r in results.values()])


def test_prod_compares_with_staging_and_skips_the_burst(tmp_path: Path, make_app: Any) -> None:
    staging = make_app("old-migration", database_url=f"sqlite:///{tmp_path / 'staging.db'}")
    prod = make_app()
    ctx = checklist_context(
        tmp_path / "ctx", "prod", prod.golive_env(), others={"staging": staging.golive_env()}
    )
    results = run_items(ctx, "3.2b", "7.1a", "H.5", "4.3a")
    assert results["3.2b"].status is FAIL
    assert "apply the same migrations" in results["3.2b"].message
    assert results["7.1a"].status is SKIP and "allow_traffic: true" in results["7.1a"].message
    assert not [r for r in prod.requests if r.path.endswith("create-checkout-session")]
    assert results["H.5"].status is FAIL and "is not https" in results["H.5"].message
    assert results["4.3a"].status is PASS, results["4.3a"].message
