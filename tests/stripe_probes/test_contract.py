"""Contract: every kind of object the sandbox serves has the fields of Stripe's own example.

Stripe's examples are `../shared/stripe/fixtures3.json` (from stripe/openapi; see its
README). The sandbox builds its objects itself; this test keeps them honest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive.sandbox.stripe.demo import demo_state
from golive.sandbox.stripe.server import StripeSandbox

from .stripe_helpers import LIVE_KEY, WEBHOOK_URL

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "stripe" / "fixtures3.json"

#: free-form fields, whose keys are data rather than schema
FREE_FORM = {"metadata", "data.object"}

#: resource name in fixtures3.json -> where the sandbox serves one
SERVED = {
    "account": "/v1/account",
    "balance": "/v1/balance",
    "product": "/v1/products",
    "price": "/v1/prices",
    "webhook_endpoint": "/v1/webhook_endpoints",
    "event": "/v1/events",
    "charge": "/v1/charges",
    "dispute": "/v1/disputes",
    "radar.early_fraud_warning": "/v1/radar/early_fraud_warnings",
}


@pytest.fixture(scope="module")
def examples() -> dict[str, Any]:
    if not FIXTURES.is_file():
        pytest.skip(f"Stripe's examples are not at {FIXTURES} (../shared is beside the checkout)")
    resources: dict[str, Any] = json.loads(FIXTURES.read_text(encoding="utf-8"))["resources"]
    return resources


@pytest.fixture(scope="module")
def served() -> Any:
    state = demo_state(WEBHOOK_URL)
    state["live"]["events"].append(
        {"type": "invoice.payment_failed", "created": "-1h", "delivery_success": False}
    )
    with (
        StripeSandbox(state) as sandbox,
        httpx.Client(base_url=sandbox.url, headers={"Authorization": f"Bearer {LIVE_KEY}"}) as http,
    ):
        yield lambda path: http.get(path).json()


def differences(ours: Any, theirs: Any, where: str = "") -> list[str]:
    """Field names (recursively) and JSON types that differ; values may differ freely."""
    if ours is None or theirs is None:
        return []  # nullable fields: either side may be null
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if where in FREE_FORM or where.rsplit(".", 1)[-1] in FREE_FORM:
            return []
        at = f"{where}." if where else ""
        found = [f"{at}{k}: missing" for k in sorted(theirs.keys() - ours.keys())]
        found += [f"{at}{k}: not in Stripe's example" for k in sorted(ours.keys() - theirs)]
        for key in sorted(ours.keys() & theirs.keys()):
            found += differences(ours[key], theirs[key], f"{at}{key}")
        return found
    if isinstance(ours, list) and isinstance(theirs, list):
        if ours and theirs:
            return differences(ours[0], theirs[0], f"{where}[0]")
        return []
    if _json_type(ours) != _json_type(theirs):
        return [f"{where}: {_json_type(ours)}, Stripe's example has {_json_type(theirs)}"]
    return []


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


@pytest.mark.parametrize("resource", sorted(SERVED))
def test_objects_have_stripes_fields(examples: dict[str, Any], served: Any, resource: str) -> None:
    body = served(SERVED[resource])
    ours = body["data"][0] if body.get("object") == "list" else body
    assert ours["object"] == examples[resource]["object"]
    assert differences(ours, examples[resource]) == []


def test_list_envelope_has_stripes_fields(examples: dict[str, Any], served: Any) -> None:
    envelope = served("/v1/prices")
    assert set(envelope) == set(examples["account"]["external_accounts"])


def test_the_comparison_notices_a_missing_field(examples: dict[str, Any], served: Any) -> None:
    price = served("/v1/prices")["data"][0]
    del price["recurring"]["interval"]
    price["nickname_typo"] = "x"
    assert differences(price, examples["price"]) == [
        "nickname_typo: not in Stripe's example",
        "recurring.interval: missing",
    ]
