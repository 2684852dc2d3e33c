"""Env probes: each one's pass and fail, with messages a person can act on."""

from __future__ import annotations

import json

import pytest
from conftest import make_ctx

from golive.core.results import Outcome, Status
from golive.engine.registry import load_probe

LIVE_KEY = "sk_live_" + "A1b2C3d4" * 4
TEST_KEY = "sk_test_" + "Z9y8X7w6" * 4
WHSEC = "whsec_" + "Q1w2E3r4" * 4


def run(kind: str, values: dict[str, str], mode: str = "live", /, **params: object) -> Outcome:
    probe = load_probe(kind)
    return probe.run(probe.Params.model_validate(params), make_ctx(values, mode))


def test_present_and_absent() -> None:
    assert run("env.present", {"A": "1"}, var="A").status is Status.PASS
    out = run("env.present", {"A": ""}, var="A")
    assert out.status is Status.FAIL and "A is not set" in out.message
    assert run("env.absent", {}, var="A").status is Status.PASS
    assert run("env.absent", {"A": "x"}, var="A").status is Status.FAIL


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", "On", " true "])
def test_not_truthy_fails_on_truthy_values_in_any_case(value: str) -> None:
    out = run("env.not_truthy", {"DISABLE_AUTH": value}, vars=["DISABLE_AUTH"])
    assert out.status is Status.FAIL and "DISABLE_AUTH" in out.message


@pytest.mark.parametrize("value", ["false", "0", "no", "off", ""])
def test_not_truthy_passes_otherwise(value: str) -> None:
    assert run("env.not_truthy", {"DISABLE_AUTH": value}, var="DISABLE_AUTH").status is Status.PASS


def test_equals_and_one_of() -> None:
    assert (
        run("env.equals", {"STRIPE_MODE": "Live"}, var="STRIPE_MODE", value="live").status
        is Status.PASS
    )
    out = run("env.equals", {"STRIPE_MODE": "test"}, var="STRIPE_MODE", value="live")
    assert out.status is Status.FAIL and "expected 'live'" in out.message
    assert run("env.one_of", {"M": "b"}, var="M", values=["a", "b"]).status is Status.PASS
    assert run("env.one_of", {"M": "c"}, var="M", values=["a", "b"]).status is Status.FAIL


def test_key_prefix_accepts_live_secret_and_restricted_keys_in_live_mode() -> None:
    assert run("env.key_prefix", {"K": LIVE_KEY}, var="K", key="secret").status is Status.PASS
    rk = "rk_live_" + "x" * 24
    assert run("env.key_prefix", {"K": rk}, var="K", key="secret").status is Status.PASS


def test_key_prefix_names_the_wrong_mode_without_showing_the_key() -> None:
    out = run("env.key_prefix", {"K": TEST_KEY}, var="K", key="secret")
    assert out.status is Status.FAIL
    assert "test-mode key" in out.message and "live mode" in out.message
    assert TEST_KEY not in out.message and "sk_test_…(sha256:" in out.message


def test_key_prefix_in_test_mode_and_webhook_secret() -> None:
    assert run("env.key_prefix", {"K": TEST_KEY}, "test", var="K").status is Status.PASS
    assert run("env.key_prefix", {"K": WHSEC}, var="K", key="webhook_secret").status is Status.PASS
    out = run("env.key_prefix", {"K": LIVE_KEY}, var="K", key="webhook_secret")
    assert out.status is Status.FAIL and "whsec_" in out.message
    assert run("env.key_prefix", {}, var="K", optional=True).status is Status.SKIP


def test_mode_consistent() -> None:
    good = {"STRIPE_MODE": "live", "STRIPE_SECRET_KEY": LIVE_KEY}
    assert run("env.mode_consistent", good).status is Status.PASS
    out = run("env.mode_consistent", {"STRIPE_MODE": "live", "STRIPE_SECRET_KEY": TEST_KEY})
    assert out.status is Status.FAIL and "STRIPE_SECRET_KEY is a test-mode key" in out.message
    out = run("env.mode_consistent", {"STRIPE_MODE": "test", "STRIPE_SECRET_KEY": LIVE_KEY})
    assert out.status is Status.FAIL and "STRIPE_MODE=test" in out.message
    rk = {"STRIPE_MODE": "live", "STRIPE_SECRET_KEY": "rk_live_" + "r" * 24}
    assert run("env.mode_consistent", rk).status is Status.PASS
    assert run("env.mode_consistent", {"STRIPE_SECRET_KEY": LIVE_KEY}).status is Status.FAIL


NESTED = json.dumps(
    {"basic": {"monthly": "price_b"}, "pro": {"monthly": "price_p", "yearly": "price_py"}}
)
FLAT = json.dumps({"basic.monthly": "price_b", "pro.monthly": "price_p"})


@pytest.mark.parametrize(("text", "shape"), [(NESTED, "nested"), (FLAT, "flat")])
def test_price_mapping_accepts_both_shapes_and_says_which(text: str, shape: str) -> None:
    out = run(
        "env.price_mapping",
        {"STRIPE_PLAN_PRICE_MAPPING_LIVE": text},
        required_keys=["basic.monthly", "pro.monthly"],
    )
    assert out.status is Status.PASS, out.message
    assert f"({shape} shape)" in out.message and out.evidence["shape"] == shape


def test_required_price_keys_match_in_any_case_as_the_tier_checks_do() -> None:
    text = json.dumps({"BASIC": {"Monthly": "price_b"}, "PRO": {"MONTHLY": "price_p"}})
    values = {"STRIPE_PLAN_PRICE_MAPPING_LIVE": text}
    out = run("env.price_mapping", values, required_keys=["basic.monthly", "pro.monthly"])
    assert out.status is Status.PASS, out.message
    out = run("env.price_mapping", values, required_keys=["basic.monthly", "pro.yearly"])
    assert out.status is Status.FAIL and "missing required key: pro.yearly" in out.message
    same = {**values, "STRIPE_PLAN_PRICE_MAPPING": FLAT.replace("basic", "Basic")}
    out = run("env.mapping_fallback", {**same, "STRIPE_PLAN_PRICE_MAPPING_LIVE": FLAT})
    assert out.status is Status.WARN and "with the same mapping" in out.message


def test_price_mapping_reads_the_test_variable_in_test_mode() -> None:
    out = run("env.price_mapping", {"STRIPE_PLAN_PRICE_MAPPING_TEST": FLAT}, "test")
    assert out.status is Status.PASS and "STRIPE_PLAN_PRICE_MAPPING_TEST" in out.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"basic": {"monthly": "price_b"}}', "missing required key: pro.monthly"),
        ("{basic: 1}", "not valid JSON"),
        ("[]", "expected a non-empty JSON object"),
        (
            '{"basic": {"monthly": "prod_b"}, "pro": {"monthly": "price_p"}}',
            "basic.monthly maps 'prod_b', not a price_ id",
        ),
        (
            '{"basic": {"monthly": "price_b"}, "pro.monthly": "price_p"}',
            "mixes nested tiers and flat keys",
        ),
        ('{"basic": "price_b"}', "expected tier.cycle"),
    ],
)
def test_price_mapping_failures(text: str, expected: str) -> None:
    out = run(
        "env.price_mapping",
        {"STRIPE_PLAN_PRICE_MAPPING_LIVE": text},
        required_keys=["basic.monthly", "pro.monthly"],
    )
    assert out.status is Status.FAIL
    assert expected in out.message


def test_mapping_fallback_warns_only_when_set() -> None:
    assert (
        run("env.mapping_fallback", {"STRIPE_PLAN_PRICE_MAPPING_LIVE": NESTED}).status
        is Status.PASS
    )
    both = {"STRIPE_PLAN_PRICE_MAPPING_LIVE": NESTED, "STRIPE_PLAN_PRICE_MAPPING": FLAT}
    out = run("env.mapping_fallback", both)
    assert out.status is Status.WARN and "differs" in out.message
    same = {"STRIPE_PLAN_PRICE_MAPPING_LIVE": NESTED, "STRIPE_PLAN_PRICE_MAPPING": NESTED}
    assert "same mapping" in run("env.mapping_fallback", same).message
    alone = run("env.mapping_fallback", {"STRIPE_PLAN_PRICE_MAPPING": NESTED})
    assert alone.status is Status.WARN and "only the shared fallback" in alone.message


def test_email_list() -> None:
    ok = run("env.email_list", {"ADMIN_EMAILS": "a@example.com, b@ops.example.org"})
    assert ok.status is Status.PASS and "2 valid" in ok.message
    bad = run("env.email_list", {"ADMIN_EMAILS": "a@example.com,,bob"})
    assert bad.status is Status.FAIL and "empty entry" in bad.message and "bob" in bad.message
    exp = run(
        "env.email_list",
        {"ADMIN_EMAILS": "a@example.com"},
        expected=["a@example.com", "c@example.com"],
    )
    assert exp.status is Status.FAIL and "missing: c@example.com" in exp.message
    assert run("env.email_list", {}).status is Status.FAIL


def test_domain() -> None:
    assert run("env.domain", {"ADMIN_EMAIL_DOMAIN": "example.com"}).status is Status.PASS
    assert run("env.domain", {}).status is Status.PASS
    for bad in ("https://example.com", "ops@example.com", "localhost", "-bad.com"):
        out = run("env.domain", {"ADMIN_EMAIL_DOMAIN": bad})
        assert out.status is Status.FAIL, bad


def test_no_test_values_finds_test_keys_and_test_price_ids() -> None:
    values = {
        "STRIPE_SECRET_KEY": LIVE_KEY,
        "OTHER": TEST_KEY,
        "STRIPE_PLAN_PRICE_MAPPING_LIVE": json.dumps({"basic": {"monthly": "price_T1"}}),
        "STRIPE_PLAN_PRICE_MAPPING_TEST": json.dumps({"basic": {"monthly": "price_T1"}}),
    }
    out = run("env.no_test_values", values, test_mapping_var="STRIPE_PLAN_PRICE_MAPPING_TEST")
    assert out.status is Status.FAIL
    assert "OTHER holds a sk_test_ value" in out.message
    assert "STRIPE_PLAN_PRICE_MAPPING_LIVE holds the test price of basic.monthly" in out.message
    assert TEST_KEY not in out.message
    clean = {"STRIPE_SECRET_KEY": LIVE_KEY}
    assert run("env.no_test_values", clean).status is Status.PASS


@pytest.mark.parametrize(
    ("switch", "values", "mode", "status", "words"),
    [
        (
            {"var": "STRIPE_LIVE_MODE", "kind": "boolean"},
            {"STRIPE_LIVE_MODE": "True"},
            "live",
            "pass",
            "STRIPE_LIVE_MODE=True",
        ),
        (
            {"var": "STRIPE_LIVE_MODE", "kind": "boolean"},
            {"STRIPE_LIVE_MODE": "False"},
            "live",
            "fail",
            "the app runs in test mode",
        ),
        (
            {"var": "STRIPE_LIVE_MODE", "kind": "boolean"},
            {"STRIPE_LIVE_MODE": "False"},
            "test",
            "pass",
            "all test",
        ),
        (
            {"var": "STRIPE_LIVE_MODE", "kind": "boolean"},
            {"STRIPE_LIVE_MODE": "maybe"},
            "live",
            "error",
            "neither true nor false",
        ),
        (
            {"var": "STRIPE_LIVE_MODE", "kind": "boolean"},
            {},
            "live",
            "fail",
            "STRIPE_LIVE_MODE is not set",
        ),
        (
            {"var": "STRIPE_MODE", "kind": "string"},
            {"STRIPE_MODE": "True"},
            "live",
            "error",
            "kind: boolean",
        ),
        (
            {"kind": "key", "live": "LK", "test": "TK"},
            {"LK": LIVE_KEY},
            "live",
            "pass",
            "LK is set",
        ),
        (
            {"kind": "key", "live": "LK", "test": "TK"},
            {"TK": TEST_KEY},
            "live",
            "fail",
            "the app runs in test mode",
        ),
        (
            {"kind": "key", "live": "LK", "test": "TK"},
            {"LK": LIVE_KEY, "TK": TEST_KEY},
            "live",
            "error",
            "both LK and TK are set",
        ),
    ],
)
def test_mode_switch_kinds(
    switch: dict[str, str], values: dict[str, str], mode: str, status: str, words: str
) -> None:
    from golive.engine.probe import ProbeError

    try:
        out = run("env.mode_consistent", values, mode, switch=switch, key_vars=[])
    except ProbeError as exc:
        assert status == "error" and words in str(exc)
        return
    assert out.status.value == status and words in out.message, out.message


def test_the_switch_item_does_not_repeat_the_keys_finding() -> None:
    """1.2c (key_vars: []): a test key beside STRIPE_MODE=live is 1.2a's finding alone."""
    values = {"STRIPE_MODE": "live", "STRIPE_SECRET_KEY": TEST_KEY}
    out = run("env.mode_consistent", values, key_vars=[])
    assert out.status is Status.PASS and "test-mode key" not in out.message
