"""The sandbox's wire format, as a raw HTTP client sees it (no SDK in between)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ctrl_c_reaches_the_child

from golive.sandbox.stripe.demo import demo_mapping, demo_price_id, demo_state
from golive.sandbox.stripe.server import StripeSandbox
from golive.sandbox.stripe.state import SandboxStateError, load_state

from .stripe_helpers import LIVE_KEY, TEST_KEY, WEBHOOK_URL, SandboxFactory


def get(sandbox: StripeSandbox, path: str, key: str | None = LIVE_KEY, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(sandbox.url + path, headers=headers, params=params)


def test_missing_key_is_a_401_in_stripes_format(sandbox: StripeSandbox) -> None:
    answer = get(sandbox, "/v1/balance", key=None)
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("You did not provide an API key.")
    assert answer.headers["Request-Id"].startswith("req_")


def test_refused_and_publishable_keys_are_401(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox({"keys": [LIVE_KEY]})
    refused = get(sandbox, "/v1/balance", key="sk_live_someOtherKey1234ABCD")  # golive:allow-secret
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == (
        "Invalid API Key provided: sk_live_****************ABCD"
    )
    publishable = get(sandbox, "/v1/balance", key="pk_live_abc123")
    assert "publishable API key" in publishable.json()["error"]["message"]
    assert get(sandbox, "/v1/balance").status_code == 200


@pytest.mark.parametrize(
    ("key", "livemode"),
    [(LIVE_KEY, True), (TEST_KEY, False), ("rk_live_abc", True), ("rk_test_abc", False)],
)
def test_the_keys_prefix_picks_the_mode(sandbox: StripeSandbox, key: str, livemode: bool) -> None:
    assert get(sandbox, "/v1/balance", key=key).json()["livemode"] is livemode


def test_objects_are_partitioned_by_mode(sandbox: StripeSandbox) -> None:
    live = get(sandbox, "/v1/prices", limit=100).json()["data"]
    test = get(sandbox, "/v1/prices", key=TEST_KEY, limit=100).json()["data"]
    assert {p["id"] for p in live} == {
        demo_price_id("live", t, c) for t in ("basic", "pro") for c in ("monthly", "yearly")
    }
    assert all(p["livemode"] for p in live)
    assert not any(p["livemode"] for p in test)


def test_an_object_of_the_other_mode_is_resource_missing_saying_so(
    sandbox: StripeSandbox,
) -> None:
    answer = get(sandbox, "/v1/prices/price_test_basic_monthly")
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "resource_missing"
    assert error["message"] == (
        "No such price: 'price_test_basic_monthly'; a similar object exists in test mode, "
        "but a live mode key was used to make this request."
    )
    assert error["doc_url"].endswith("/error-codes/resource-missing")
    unknown = get(sandbox, "/v1/prices/price_nowhere").json()["error"]
    assert unknown["message"] == "No such price: 'price_nowhere'"


def test_lists_page_newest_first_with_starting_after_and_ending_before(
    sandbox: StripeSandbox,
) -> None:
    seen: list[str] = []
    created: list[int] = []
    params: dict[str, Any] = {"limit": 30}
    while True:
        page = get(sandbox, "/v1/charges", **params).json()
        assert set(page) == {"object", "data", "has_more", "url"}
        assert page["url"] == "/v1/charges"
        seen += [c["id"] for c in page["data"]]
        created += [c["created"] for c in page["data"]]
        if not page["has_more"]:
            break
        params["starting_after"] = page["data"][-1]["id"]
    assert len(seen) == len(set(seen)) == 400
    assert created == sorted(created, reverse=True)
    back = get(sandbox, "/v1/charges", limit=5, ending_before=seen[10]).json()
    assert [c["id"] for c in back["data"]] == seen[5:10]
    assert back["has_more"] is True
    assert len(get(sandbox, "/v1/charges").json()["data"]) == 10  # Stripe's default limit


def test_created_filters(sandbox: StripeSandbox) -> None:
    now = int(time.time())
    recent = get(sandbox, "/v1/charges", limit=100, **{"created[gte]": now - 86400}).json()
    assert recent["data"] and all(c["created"] >= now - 86400 for c in recent["data"])
    older = get(sandbox, "/v1/charges", limit=100, **{"created[lt]": now - 86400}).json()
    assert {c["id"] for c in recent["data"]}.isdisjoint(c["id"] for c in older["data"])


def test_events_filter_on_delivery_success_which_is_never_served(
    make_sandbox: SandboxFactory,
) -> None:
    state = demo_state(WEBHOOK_URL)
    state["live"]["events"].append(
        {"id": "evt_failed1", "type": "invoice.paid", "delivery_success": False}
    )
    sandbox = make_sandbox(state)
    failed = get(sandbox, "/v1/events", delivery_success="false").json()["data"]
    assert [e["id"] for e in failed] == ["evt_failed1"]
    assert failed[0]["pending_webhooks"] == 1
    assert "delivery_success" not in failed[0]
    assert len(get(sandbox, "/v1/events").json()["data"]) == 3


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"colour": "red"}, "colour", "Received unknown parameter: colour"),
        ({"limit": "101"}, "limit", "Invalid limit: must be between 1 and 100 (inclusive)."),
        ({"limit": "ten"}, "limit", "Invalid integer: ten"),
        ({"delivery_success": "nope"}, "delivery_success", "Invalid boolean: nope"),
        ({"starting_after": "evt_nope"}, "starting_after", "No such event: 'evt_nope'"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(
    sandbox: StripeSandbox, params: dict[str, str], param: str, message: str
) -> None:
    answer = get(sandbox, "/v1/events", **params)
    assert answer.status_code in (400, 404)
    error = answer.json()["error"]
    assert (error["param"], error["message"]) == (param, message)


def test_restricted_keys_may_not_read_the_account(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox()
    denied = get(sandbox, "/v1/account", key="rk_live_abc")
    assert denied.status_code == 403
    assert "does not have the required permissions" in denied.json()["error"]["message"]
    assert get(sandbox, "/v1/account").status_code == 200
    allowed = make_sandbox({"restricted_denied": []})
    assert get(allowed, "/v1/account", key="rk_live_abc").status_code == 200


def test_unknown_urls_are_404(sandbox: StripeSandbox) -> None:
    answer = get(sandbox, "/v1/payouts")
    assert answer.status_code == 404
    assert answer.json()["error"]["message"].startswith(
        "Unrecognized request URL (GET: /v1/payouts)"
    )


def test_writes_are_refused_and_logged(sandbox: StripeSandbox) -> None:
    answer = httpx.post(
        sandbox.url + "/v1/prices",
        headers={"Authorization": f"Bearer {LIVE_KEY}"},
        data={"currency": "usd"},
    )
    assert answer.status_code == 405
    assert [(r.method, r.path, r.status) for r in sandbox.requests] == [("POST", "/v1/prices", 405)]


def test_injected_faults(sandbox: StripeSandbox) -> None:
    sandbox.inject(429, "/v1/balance", times=1)
    sandbox.inject(429, "/v1/account", times=1, should_retry=False)
    sandbox.inject(500, "/v1/prices/*", times=1)
    limited = get(sandbox, "/v1/balance")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limit"
    assert "Stripe-Should-Retry" not in limited.headers
    assert get(sandbox, "/v1/account").headers["Stripe-Should-Retry"] == "false"
    broken = get(sandbox, "/v1/prices/price_live_pro_monthly")
    assert (broken.status_code, broken.json()["error"]["type"]) == (500, "api_error")
    for path in ("/v1/balance", "/v1/account", "/v1/prices/price_live_pro_monthly"):
        assert get(sandbox, path).status_code == 200  # each fault was used up


def test_latency_is_added_to_every_answer(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(latency_ms=150)
    start = time.monotonic()
    get(sandbox, "/v1/balance")
    assert time.monotonic() - start >= 0.15


def test_the_log_records_the_query_but_never_the_key(sandbox: StripeSandbox) -> None:
    get(sandbox, "/v1/events", limit=5, **{"created[gte]": 0})
    (logged,) = sandbox.requests
    assert (logged.method, logged.path, logged.mode, logged.key_type) == (
        "GET",
        "/v1/events",
        "live",
        "secret",
    )
    assert logged.params == {"limit": "5", "created[gte]": "0"}
    assert LIVE_KEY not in repr(sandbox.requests)


def test_state_files_in_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "state.yaml"
    yaml_file.write_text(
        "live:\n  prices:\n    - {id: price_a, recurring: {interval: year}, created: -2d}\n",
        encoding="utf-8",
    )
    json_file = tmp_path / "state.json"
    json_file.write_text(json.dumps(demo_state(WEBHOOK_URL)), encoding="utf-8")
    price = load_state(yaml_file).modes["live"].by_id["prices"]["price_a"]
    assert price["recurring"]["interval"] == "year"
    assert price["type"] == "recurring"
    assert load_state(json_file).modes["test"].by_id["prices"]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"live": {"prices": [{"interval": "month"}]}}, "live.prices[0]: unknown field 'interval'"),
        (
            {"live": {"prices": [{"recurring": {"every": "month"}}]}},
            "live.prices[0].recurring: unknown field 'every'",
        ),
        ({"live": {"coupons": []}}, "live: unknown key 'coupons'"),
        ({"mode": "live"}, "unknown top-level key 'mode'"),
        ({"test": {"events": [{"created": "yesterday"}]}}, "'yesterday' is not a time"),
        ({"live": {"prices": [{"id": "p"}, {"id": "p"}]}}, "duplicate id 'p'"),
        ({"faults": [{"status": 500, "paths": "*"}]}, "faults[0]: unknown field 'paths'"),
    ],
)
def test_state_mistakes_are_reported_where_they_are(state: dict[str, Any], message: str) -> None:
    with pytest.raises(SandboxStateError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_state(state)


def test_demo_mapping_matches_demo_state() -> None:
    state = load_state(demo_state(WEBHOOK_URL))
    for mode in ("live", "test"):
        mapping = json.loads(demo_mapping(mode))
        ids = {price for cycles in mapping.values() for price in cycles.values()}
        assert ids == set(state.modes[mode].by_id["prices"])


def test_cli_serves_until_interrupted(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps(demo_state(WEBHOOK_URL)), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", "sandbox", "stripe", "--state", str(state)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_reaches_the_child,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Stripe sandbox listening on http://127.0.0.1:")
        url = line.split()[-1]
        balance = httpx.get(url + "/v1/balance", headers={"Authorization": f"Bearer {TEST_KEY}"})
        assert balance.json()["livemode"] is False
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert "stopped after 1 requests" in out
