"""http.checkout_price: checkout refuses a price id that is not one of the app's prices.

An app whose checkout takes a Stripe price id from the client and passes it on lets a
customer buy any price of the account (a cheaper one, another mode's, a one-off one).
golive sends the item's checkout body with `price_field` set to an id no account has
(`price_golive_unknown_...`) and, when the price source of the other Stripe mode is
readable, an existing id of that mode: each must be refused with 4xx, and the answer
must carry no Checkout session (`cs_...`, a checkout.stripe.com URL). A 2xx, or a
session in the answer, fails "the client picks the price"; so does an answer carrying
Stripe's refusal of the id sent (`No such price: 'price_golive_unknown_...'`): the app
passed the client's id on, and only its being made up stopped the checkout.

An app that ignores the field (the plan decides) answers the made-up id with a Checkout
session: Stripe creates no session for a price it does not have, so the session is for a
price the app chose, and the item passes saying so; a 2xx to the other mode's id is then
the same session, not that price let in.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from pydantic import Field

from golive.core.interpolation import for_mode
from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.pricemap import PriceSource, load_prices
from golive.engine.probe import Probe, ProbeError, ProbeParams

from .http_client import (
    HttpMethod,
    Patience,
    RoutePath,
    never_reached,
    refuse_live_traffic,
    role_headers,
    status_text,
)
from .http_content import json_of

if TYPE_CHECKING:
    import httpx

SESSION = re.compile(r"\bcs_(?:live|test)_[A-Za-z0-9]+|checkout\.stripe\.com/", re.I)


class CheckoutPriceParams(ProbeParams):
    path: RoutePath = Field(description="The route creating a Checkout session.")
    method: HttpMethod = "POST"
    role: str = Field("user", description="A signed-in user who may start a checkout.")
    body: dict[str, Any] | None = Field(None, description="The checkout request's JSON body.")
    price_field: str | None = Field(
        None,
        description="The body's field carrying a Stripe price id (`price_id`, or a dotted "
        "path of object keys such as `line_item.price`); unset: the checkout takes no price "
        "id from the client, and the item is skipped.",
    )
    source: PriceSource | None = Field(
        None, description="The app's price source; its other mode's ids are tried too."
    )


def _session(response: httpx.Response) -> bool:
    """Whether an answer names a Checkout session, in its body or Location."""
    return bool(
        SESSION.search(response.text) or SESSION.search(response.headers.get("location", ""))
    )


def _checkout(response: httpx.Response) -> bool:
    """Whether an answer started a checkout: a Checkout session in its body or Location,
    or a 2xx JSON answer (the app's own shape for "here is your session")."""
    if _session(response):
        return True
    return 200 <= response.status_code < 300 and json_of(response) is not None


def _stripe_refused(response: httpx.Response, price: str) -> bool:
    """Whether an answer carries Stripe's refusal of this very price id (`No such price:
    'price_...'`, in live and test mode alike): the app passed the client's id to Stripe."""
    shape = r"no such price[:;,]?\s*['\"]?" + re.escape(price)
    return re.search(shape, response.text, re.I) is not None


def _with_price(body: dict[str, Any], field: str, price: str) -> dict[str, Any]:
    out = dict(body)
    node = out
    *parents, last = field.split(".")
    for key in parents:
        child = node.get(key)
        node[key] = dict(child) if isinstance(child, dict) else {}
        node = node[key]
    node[last] = price
    return out


def _other_mode_price(params: CheckoutPriceParams, ctx: ProbeContext) -> str | None:
    """An existing price id of the other Stripe mode, from the same source, or None."""
    source = params.source
    if source is None or source.prices is not None:
        return None
    other = "test" if ctx.mode == "live" else "live"
    swapped = PriceSource(
        var=for_mode(source.var, other) if source.var else None,
        sql=for_mode(source.sql, other) if source.sql else None,
    )
    if swapped == source:
        return None  # one source for both modes: nothing to tell apart
    try:
        loaded = load_prices(swapped, ctx)
    except ProbeError:
        return None
    if loaded is None:
        return None
    mine = load_prices(source, ctx)
    own = set(mine.mapping.entries.values()) if mine is not None else set()
    ids = [p for p in loaded.mapping.entries.values() if p not in own]
    return ids[0] if ids else None


class CheckoutPrice(Probe[CheckoutPriceParams]):
    kind = "http.checkout_price"
    Params = CheckoutPriceParams
    summary = (
        "Checkout refuses a price id that is not one of the app's prices (an unknown id, and "
        "an existing id of the other mode) with 4xx and no Stripe session."
    )
    sends_traffic = True

    def run(self, params: CheckoutPriceParams, ctx: ProbeContext) -> Outcome:
        label = f"{params.method} {params.path} as {params.role}"
        if params.price_field is None:
            return Outcome.not_applicable(
                f"not judged: the item names no price_field, so {label} takes no price id from "
                "the client (set price_field to the body's field if it does)"
            )
        refused = refuse_live_traffic(
            ctx, f"this item asks {params.path} for checkout sessions with made-up prices"
        )
        if refused:
            return refused
        made_up = f"price_golive_unknown_{secrets.token_hex(4)}"
        tries = {f"an unknown price id ({made_up})": made_up}
        other = _other_mode_price(params, ctx)
        if other is not None:
            tries[f"an existing {('test' if ctx.mode == 'live' else 'live')}-mode price"] = other
        url = ctx.base_url() + params.path
        headers = role_headers(ctx, params.role)
        patience = Patience(ctx)
        answers: dict[str, httpx.Response] = {}
        for what, price in tries.items():
            body = _with_price(params.body or {}, params.price_field, price)
            answers[what] = patience.send(ctx, params.method, url, headers=headers, json_body=body)
        unreached = never_reached(params.method, params.path, answers.values(), role=params.role)
        if unreached:
            raise ProbeError(unreached)
        seen = ", ".join(f"{w}: {status_text(r)}" for w, r in answers.items())
        evidence = {"path": params.path, "statuses": {w: r.status_code for w, r in answers.items()}}
        passed_on = [w for w, r in answers.items() if _stripe_refused(r, tries[w])]
        first = answers[next(iter(tries))]
        # A session for a made-up id is one for a price the app chose (Stripe has no such
        # price), so the app ignores the field, and any other 2xx is that same choice.
        ignored = not passed_on and first.status_code < 400 and _session(first)
        let_in = passed_on + [
            w for w, r in answers.items() if w not in passed_on and not ignored and _checkout(r)
        ]
        pages = [
            w
            for w, r in answers.items()
            if 200 <= r.status_code < 300 and w not in let_in and json_of(r) is None
        ]
        if pages and not let_in:
            ctype = answers[pages[0]].headers.get("content-type", "no Content-Type")
            raise ProbeError(
                f"{label}: {seen}: a 2xx answer that is not JSON ({ctype.split(';')[0]}) and "
                "names no Checkout session: a login or maintenance page answered instead of "
                "the checkout, so nothing is decided"
            )
        if let_in:
            relayed = (
                f"; the answer to {' and '.join(passed_on)} is Stripe's refusal of that very "
                "id, so the app passed it on to Stripe and only its being unknown stopped the "
                "checkout"
                if passed_on
                else ""
            )
            return Outcome.failed(
                f"{label} with {params.price_field} set to {' and '.join(let_in)} was not refused "
                f"({seen}){relayed}: the client picks the price; look the price up on the server "
                "from the plan the user chose (or refuse any id that is not one of this mode's "
                "prices) and answer 400",
                **evidence,
            )
        if ignored:
            return Outcome.passed(
                f"{label} ignores {params.price_field}: with {next(iter(tries))} it started a "
                "Checkout session all the same, and Stripe creates none for a price it does not "
                f"have, so the app chose the price itself ({seen})",
                **evidence,
            )
        if not all(
            400 <= r.status_code < 500 and r.status_code not in (401, 403) for r in answers.values()
        ):
            raise ProbeError(
                f"{label}: {seen}: neither a checkout nor a refusal of the price (401/403: the "
                "role's credentials were refused; 3xx/5xx: see the deployment's logs), so "
                "nothing is decided"
            )
        return Outcome.passed(f"{label} refused {' and '.join(tries)} ({seen})", **evidence)
