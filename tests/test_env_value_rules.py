"""env.equals / env.one_of: trimmed, case-insensitive comparisons and what "unset" counts as."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import make_ctx

from golive.core.results import Outcome, Status
from golive.engine.registry import load_probe


def run(kind: str, config: dict[str, str], /, **params: Any) -> Outcome:
    probe = load_probe(kind)
    return probe.run(probe.Params.model_validate(params), make_ctx(config, "live"))


ENVIRONMENT = {"var": "ENVIRONMENT", "value": "production"}
FLAG_FALSE_UNSET_TRUE = {"var": "ALLOW_UNVERIFIED", "value": "false", "unset_as": "true"}


@pytest.mark.parametrize("value", ["production", "Production", " PRODUCTION "])
def test_environment_must_be_production_any_case(value: str) -> None:
    out = run("env.equals", {"ENVIRONMENT": value}, **ENVIRONMENT)
    assert out.status is Status.PASS and out.evidence["unset"] is False


def test_environment_must_be_production_fails_otherwise_and_when_unset() -> None:
    out = run("env.equals", {"ENVIRONMENT": "development"}, **ENVIRONMENT)
    assert out.status is Status.FAIL
    assert out.message == "ENVIRONMENT is 'development'; expected 'production'"
    out = run("env.equals", {}, **ENVIRONMENT)
    assert out.status is Status.FAIL and "ENVIRONMENT is not set" in out.message
    assert out.evidence["unset"] is True


def test_case_sensitive_comparison() -> None:
    params = {**ENVIRONMENT, "case_sensitive": True}
    assert run("env.equals", {"ENVIRONMENT": "Production"}, **params).status is Status.FAIL
    assert run("env.equals", {"ENVIRONMENT": "production"}, **params).status is Status.PASS


def test_false_and_unset_means_true() -> None:
    assert run("env.equals", {"ALLOW_UNVERIFIED": "False"}, **FLAG_FALSE_UNSET_TRUE).status is (
        Status.PASS
    )
    out = run("env.equals", {"ALLOW_UNVERIFIED": "true"}, **FLAG_FALSE_UNSET_TRUE)
    assert out.status is Status.FAIL and "is 'true'; expected 'false'" in out.message
    out = run("env.equals", {}, **FLAG_FALSE_UNSET_TRUE)
    assert out.status is Status.FAIL
    assert "ALLOW_UNVERIFIED is not set, which counts as 'true'" in out.message
    assert "set it explicitly" in out.message
    out = run("env.equals", {"ALLOW_UNVERIFIED": ""}, **FLAG_FALSE_UNSET_TRUE)
    assert out.status is Status.FAIL and "not set, which counts as 'true'" in out.message


def test_unset_as_can_make_unset_pass() -> None:
    out = run("env.equals", {}, var="SQL_ECHO", value="false", unset_as="false")
    assert out.status is Status.PASS
    assert out.message == "SQL_ECHO is not set, which counts as 'false': 'false'"


def test_unset_pass_and_fail() -> None:
    out = run("env.equals", {}, **ENVIRONMENT, unset="pass")
    assert out.status is Status.PASS and "not set, which this item allows" in out.message
    assert run("env.equals", {}, **ENVIRONMENT, unset="fail").status is Status.FAIL
    out = run("env.equals", {"ENVIRONMENT": "dev"}, **ENVIRONMENT, unset="pass")
    assert out.status is Status.FAIL  # unset passes; a wrong value still fails


def test_one_of_with_unset_semantics() -> None:
    params = {"var": "LOG_LEVEL", "values": ["warning", "error"], "unset_as": "info"}
    assert run("env.one_of", {"LOG_LEVEL": "ERROR"}, **params).status is Status.PASS
    out = run("env.one_of", {"LOG_LEVEL": "debug"}, **params)
    assert out.status is Status.FAIL and "expected one of 'warning', 'error'" in out.message
    out = run("env.one_of", {}, **params)
    assert out.status is Status.FAIL and "not set, which counts as 'info'" in out.message
    out = run("env.one_of", {}, var="LOG_LEVEL", values=["warning", "info"], unset_as="INFO")
    assert out.status is Status.PASS
    assert run("env.one_of", {}, var="LOG_LEVEL", values=["a"], unset="pass").status is (
        Status.PASS
    )
    assert run("env.one_of", {}, var="LOG_LEVEL", values=["a"]).status is Status.FAIL


def test_a_secret_value_is_never_shown() -> None:
    key = "sk_live_" + "Q7w8E9r0" * 4
    out = run("env.equals", {"STRIPE_SECRET_KEY": key}, var="STRIPE_SECRET_KEY", value="x")
    assert out.status is Status.FAIL and key not in out.message and "sk_live_" in out.message


def test_unset_as_and_unset_together_are_refused() -> None:
    from golive.checks.env import EqualsParams

    with pytest.raises(ValueError, match="unset_as or unset"):
        EqualsParams.model_validate({"var": "A", "value": "b", "unset_as": "c", "unset": "pass"})
