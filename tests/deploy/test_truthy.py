"""One yes/no vocabulary (golive/core/truthy.py): 'on', 'yes' and '1' mean the same to every
check that reads a flag, a deployment's variable as much as a row of its database (real
SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from golive.core.results import Status
from golive.core.truthy import TRUE_WORDS, truthy

from .helpers import make_context, run_probe

ON = ["on", "ON", "yes", "Yes", "1", "true", "y", "t", "enabled"]
OFF = ["off", "no", "0", "false", "", "nope"]


@pytest.mark.parametrize("word", ON)
def test_every_way_of_saying_on_is_on(word: str) -> None:
    assert truthy(word) and truthy(f"  {word} ")


@pytest.mark.parametrize("value", [*OFF, None, 0, False])
def test_everything_else_is_off(value: object) -> None:
    assert not truthy(value)


def _plans(tmp_path: Path, flag: str) -> str:
    """A plans table whose BASIC and PRO rows carry `flag` in a text is_active column."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE subscription_plans (tier TEXT, is_active TEXT)"))
        for tier in ("BASIC", "PRO"):
            conn.execute(
                text("INSERT INTO subscription_plans VALUES (:tier, :flag)"),
                {"tier": tier, "flag": flag},
            )
    engine.dispose()
    return url


@pytest.mark.parametrize(("word", "on"), [(w, True) for w in ON] + [(w, False) for w in OFF])
def test_a_plan_flag_and_a_variable_agree_on_every_word(
    tmp_path: Path, word: str, on: bool
) -> None:
    mapping = json.dumps({"basic": {"monthly": "price_b"}, "pro": {"monthly": "price_p"}})
    ctx = make_context(
        tmp_path,
        {
            "DATABASE_URL": _plans(tmp_path, word),
            "STRIPE_PLAN_PRICE_MAPPING_TEST": mapping,
            "DISABLE_AUTH": word,
        },
    )
    plans = run_probe("db.plans_cover_mapping", ctx)
    variable = run_probe("env.not_truthy", ctx, vars=["DISABLE_AUTH"])
    # on: both plan rows are active (every sold tier backed) and the variable is on
    assert (plans.status is Status.PASS) is on, plans.message
    assert (variable.status is Status.FAIL) is on, variable.message


def test_the_checks_that_read_flags_share_the_vocabulary() -> None:
    from golive.checks import db_plans, env, rehearse_session

    assert env.TRUTHY is TRUE_WORDS
    assert db_plans.truthy is truthy
    assert rehearse_session.truthy is truthy
