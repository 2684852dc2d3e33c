"""H.11 (the client must not pick the price) and H.12 (no credential material in what a
plain user receives), on real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golive.core.results import Status

from .helpers import make_context, run_probe
from .stub_server import Reply, Seen, stub_server

TEST_PRICES = {"basic": {"monthly": "price_t_b_m"}, "pro": {"monthly": "price_t_p_m"}}
LIVE_PRICES = {"basic": {"monthly": "price_l_b_m"}, "pro": {"monthly": "price_l_p_m"}}
VALUES = {
    "GOLIVE_USER_TOKEN": "tok-user",
    "STRIPE_PLAN_PRICE_MAPPING_TEST": json.dumps(TEST_PRICES),
    "STRIPE_PLAN_PRICE_MAPPING_LIVE": json.dumps(LIVE_PRICES),
}
CHECKOUT = {
    "path": "/api/checkout",
    "body": {"quantity": 1},
    "price_field": "price_id",
    "source": {"var": "STRIPE_PLAN_PRICE_MAPPING_{MODE}"},
}
BCRYPT = "$2b$12$" + "abcdefghijklmnopqrstuv" + "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"


def stub_ctx(tmp_path: Path, url: str) -> Any:
    return make_context(tmp_path / "ctx", {"GOLIVE_BASE_URL": url, **VALUES})


def checkout(allowed: set[str]) -> Any:
    """A checkout that starts a session for a price in `allowed`, else answers 400."""

    def handler(request: Seen) -> Reply:
        price = json.loads(request.body or b"{}").get("price_id")
        if price in allowed:
            return Reply(200, {"url": "https://checkout.stripe.com/c/pay/cs_test_a1b2c3"})
        return Reply(400, {"error": "unknown price"})

    return handler


def relaying(known: set[str]) -> Any:
    """A checkout passing the client's price id on to a Stripe that has the prices in
    `known`: a session for those, else Stripe's refusal relayed as a 502."""

    def handler(request: Seen) -> Reply:
        price = json.loads(request.body or b"{}").get("price_id")
        if price in known:
            return Reply(200, {"url": "https://checkout.stripe.com/c/pay/cs_test_a1b2c3"})
        return Reply(502, {"error": f"Stripe refused the checkout: No such price: '{price}'"})

    return handler


def test_a_checkout_of_any_price_the_client_names_fails(tmp_path: Path) -> None:
    every = {"price_t_b_m", "price_t_p_m", "price_l_b_m", "price_l_p_m"}
    with stub_server(relaying(every)) as stub:
        out = run_probe("http.checkout_price", stub_ctx(tmp_path, stub.url), **CHECKOUT)
        sent = [json.loads(r.body)["price_id"] for r in stub.requests]
    assert out.status is Status.FAIL, out.message
    assert "the client picks the price" in out.message
    assert "an unknown price id (price_golive_unknown_" in out.message
    assert "an existing live-mode price" in out.message
    assert "so the app passed it on to Stripe" in out.message
    assert sent[0].startswith("price_golive_unknown_") and sent[1] in ("price_l_b_m", "price_l_p_m")


def test_a_made_up_price_relayed_to_stripe_fails_though_no_session_started(
    tmp_path: Path,
) -> None:
    """Stripe refuses an id it does not have, so a 5xx is no refusal by the app: the
    answer names Stripe's refusal of the id sent, which the app passed on."""
    with stub_server(relaying({"price_t_b_m", "price_t_p_m"})) as stub:
        out = run_probe("http.checkout_price", stub_ctx(tmp_path, stub.url), **CHECKOUT)
    assert out.status is Status.FAIL, out.message
    assert "price_id set to an unknown price id (price_golive_unknown_" in out.message
    assert "Stripe's refusal of that very id" in out.message
    assert "the client picks the price" in out.message


def test_a_checkout_ignoring_the_clients_price_passes(tmp_path: Path) -> None:
    """The plan decides and the field is ignored: a session for the made-up id is for a
    price the app chose (Stripe has no such price), not a price let in."""
    with stub_server(lambda r: Reply(200, {"id": "cs_test_a1b2c3"})) as stub:
        out = run_probe("http.checkout_price", stub_ctx(tmp_path, stub.url), **CHECKOUT)
    assert out.status is Status.PASS, out.message
    assert "ignores price_id" in out.message and "the app chose the price itself" in out.message


def test_another_modes_price_let_in_fails_naming_it(tmp_path: Path) -> None:
    allowed = {"price_t_b_m", "price_t_p_m", "price_l_b_m", "price_l_p_m"}
    with stub_server(checkout(allowed)) as stub:
        out = run_probe("http.checkout_price", stub_ctx(tmp_path, stub.url), **CHECKOUT)
    assert out.status is Status.FAIL, out.message
    assert "price_id set to an existing live-mode price was not refused" in out.message


def test_a_checkout_refusing_foreign_prices_passes(tmp_path: Path) -> None:
    with stub_server(checkout({"price_t_b_m", "price_t_p_m"})) as stub:
        ctx = stub_ctx(tmp_path, stub.url)
        out = run_probe("http.checkout_price", ctx, **CHECKOUT)
        skipped = run_probe("http.checkout_price", ctx, path="/api/checkout")
        routed = run_probe("http.checkout_price", ctx, **{**CHECKOUT, "path": "/nowhere"})
    assert out.status is Status.PASS, out.message
    assert "refused an unknown price id" in out.message and "400" in out.message
    assert skipped.status is Status.SKIP and "names no price_field" in skipped.message
    assert routed.status is Status.PASS  # this stub refuses everywhere with 400: a refusal


def test_a_maintenance_page_is_not_a_checkout(tmp_path: Path) -> None:
    with stub_server(lambda r: Reply(200, "<html>down for maintenance</html>")) as stub:
        out = run_probe("http.checkout_price", stub_ctx(tmp_path, stub.url), **CHECKOUT)
    assert out.status is Status.ERROR, out.message
    assert "not JSON (text/html) and names no Checkout session" in out.message


def test_a_checkout_route_that_is_not_there_decides_nothing(tmp_path: Path) -> None:
    with stub_server(lambda r: Reply(404, {"detail": "Not Found"})) as stub:
        out = run_probe("http.checkout_price", stub_ctx(tmp_path, stub.url), **CHECKOUT)
    assert out.status is Status.ERROR and "never reached a handler" in out.message


def me(body: Any) -> Any:
    return lambda r: Reply(200, body) if r.path == "/api/me" else Reply(404)


def test_a_password_hash_or_secret_a_user_receives_fails_masked(tmp_path: Path) -> None:
    leaky = {"email": "a@x.test", "profile": {"password_hash": BCRYPT}}
    with stub_server(me(leaky)) as stub:
        out = run_probe("http.no_credentials", stub_ctx(tmp_path, stub.url), routes=["/api/me"])
    assert out.status is Status.FAIL, out.message
    assert "a bcrypt hash" in out.message and "a field profile.password_hash" in out.message
    assert BCRYPT not in out.message
    page = "<html><p>debug: whsec_abcdefghijklmnop1234</p></html>"
    with stub_server(me(page)) as stub:
        ctx = stub_ctx(tmp_path, stub.url)
        as_json = run_probe("http.no_credentials", ctx, routes=["/api/me"])
        out = run_probe("http.no_credentials", ctx, routes=["/api/me"], json=False)
    # a page where JSON was expected is a login or maintenance page: nothing examined
    assert as_json.status is Status.ERROR and "not JSON (text/html)" in as_json.message
    assert out.status is Status.FAIL and "a webhook signing secret" in out.message
    assert "whsec_abcdefghijklmnop1234" not in out.message


def test_clean_user_answers_pass_and_no_routes_skip(tmp_path: Path) -> None:
    with stub_server(me({"email": "a@x.test", "plan": "pro", "hash_tag": 3})) as stub:
        ctx = stub_ctx(tmp_path, stub.url)
        out = run_probe("http.no_credentials", ctx, routes=["/api/me"])
        none = run_probe("http.no_credentials", ctx)
        gone = run_probe("http.no_credentials", ctx, routes=["/api/gone"])
    assert out.status is Status.PASS and "GET /api/me 200 as user" in out.message
    assert none.status is Status.SKIP and "user_routes" in none.message
    assert gone.status is Status.ERROR and "never reached a handler" in gone.message
