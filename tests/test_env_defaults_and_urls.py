"""The app's defaults for unset variables (`defaults:`, input env_defaults) in every env
rule, and env.public_urls (H.5b): public-URL variables are public https URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, make_ctx
from golive.checks.env_urls import url_problem

from golive.core.results import Outcome, Status
from golive.engine.loader import load_checklist
from golive.engine.registry import load_probe


def run(kind: str, values: dict[str, str], mode: str = "live", /, **params: object) -> Outcome:
    probe = load_probe(kind)
    return probe.run(probe.Params.model_validate(params), make_ctx(values, mode))


# -- defaults of unset variables ----------------------------------------------------------


def test_an_unset_flag_the_app_defaults_to_true_fails_not_truthy() -> None:
    params = {"vars": ["APP_DEBUG", "SQL_ECHO"], "defaults": {"APP_DEBUG": "True"}}
    out = run("env.not_truthy", {}, **params)
    assert out.status is Status.FAIL
    assert "APP_DEBUG is not set, which the app reads as 'True' (its default)" in out.message
    assert run("env.not_truthy", {"APP_DEBUG": "false"}, **params).status is Status.PASS
    out = run("env.not_truthy", {}, vars=["APP_DEBUG"], defaults={"APP_DEBUG": "false"})
    assert out.status is Status.PASS and "APP_DEBUG unset, off by the app's default" in out.message
    assert run("env.not_truthy", {}, vars=["APP_DEBUG"]).status is Status.PASS  # no default


def test_equals_and_mode_take_the_default_too() -> None:
    out = run("env.equals", {}, var="ENVIRONMENT", value="production",
              defaults={"ENVIRONMENT": "development"})  # fmt: skip
    assert out.status is Status.FAIL and "counts as 'development'" in out.message
    out = run("env.mode_consistent", {}, mode_var="STRIPE_MODE", key_vars=[],
              defaults={"STRIPE_MODE": "test"})  # fmt: skip
    assert out.status is Status.FAIL and "the app runs in test mode" in out.message
    out = run("env.mode_consistent", {}, mode_var="STRIPE_MODE", key_vars=[],
              defaults={"STRIPE_MODE": "live"})  # fmt: skip
    assert out.status is Status.PASS, out.message


def test_the_default_checklist_feeds_env_defaults_to_every_env_rule(tmp_path: Path) -> None:
    overlay = tmp_path / "golive.yaml"
    overlay.write_text(
        "extend: default\ninputs:\n  env_defaults: {APP_DEBUG: 'true'}\n", encoding="utf-8"
    )
    items = {i.id: i for i in load_checklist(overlay).checklist.items}
    assert items["H.2"].probe.params["defaults"] == {"APP_DEBUG": "true"}
    for item_id in ("1.2c", "H.1", "H.5b"):
        assert items[item_id].probe.params["defaults"] == {"APP_DEBUG": "true"}, item_id
    default = {i.id: i for i in load_checklist(REPO / "checklist.yaml").checklist.items}
    assert "APP_DEBUG" in default["H.2"].probe.params["vars"]


# -- env.public_urls ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("http://localhost:3000", "not https, localhost"),
        ("https://localhost", "localhost"),
        ("https://127.0.0.1:8443", "a loopback address"),
        ("https://[::1]/", "a loopback address"),
        ("https://10.0.3.7", "a private address"),
        ("https://192.168.1.20/app", "a private address"),
        ("https://app.local", "a local host name"),
        ("https://web:8000", "a host name without a domain"),
        ("https://example.com", "a placeholder domain"),
        ("https://shop.example.org/x", "a placeholder domain"),
        ("https://yourapp.com", "a placeholder"),
        ("http://shop.acme.io", "not https"),
        ("shop.acme.io", "not an http(s) URL with a host"),
    ],
)
def test_url_problems(value: str, why: str) -> None:
    assert url_problem(value) == why or why in (url_problem(value) or ""), url_problem(value)


@pytest.mark.parametrize(
    "value", ["https://shop.acme.io", "https://acme.io:8443/app/", "https://8.8.8.8"]
)
def test_public_https_urls_pass(value: str) -> None:
    assert url_problem(value) is None


def test_every_set_public_url_variable_is_judged_with_variable_and_value() -> None:
    values = {
        "APP_URL": "https://shop.acme.io",
        "NEXT_PUBLIC_SITE_URL": "http://localhost:3000",
        "NEXT_PUBLIC_API_KEY": "pk_x",  # not a URL variable: not judged
        "SITE_URL": "https://user:hunter2@shop.acme.io",
    }
    out = run("env.public_urls", values)
    assert out.status is Status.FAIL
    assert "NEXT_PUBLIC_SITE_URL is 'http://localhost:3000': not https, localhost" in out.message
    assert "APP_URL" not in out.message and "hunter2" not in out.message
    assert out.evidence["variables"] == ["APP_URL", "NEXT_PUBLIC_SITE_URL", "SITE_URL"]
    ok = run("env.public_urls", {"APP_URL": "https://shop.acme.io"})
    assert ok.status is Status.PASS and "APP_URL: public https URL" in ok.message


def test_an_unset_url_is_judged_as_the_app_s_default_and_none_set_skips() -> None:
    out = run(
        "env.public_urls", {}, vars=["BASE_URL"], defaults={"BASE_URL": "http://localhost:8000"}
    )
    assert out.status is Status.FAIL
    assert "BASE_URL is not set, so the app uses its default 'http://localhost:8000'" in out.message
    out = run("env.public_urls", {"OTHER": "x"}, vars=["BASE_URL", "PUBLIC_*_URL"])
    assert out.status is Status.SKIP and "public_url_vars" in out.message
