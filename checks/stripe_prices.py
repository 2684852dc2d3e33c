"""The prices the app sells exist in the key's Stripe mode and bill as their mapping key says.

The price ids come from a typed price source (golive/engine/pricemap.py): the JSON mapping in a
variable (STRIPE_PLAN_PRICE_MAPPING_LIVE or _TEST), a read-only SQL query over the app's
own table, or a literal list. Stripe has no filter by price ids, so the catalogue is read
with list calls (`GET /v1/prices?limit=100`, paging) in the key's mode, which every price
item shares through the client's memory: a run costs about one request per 100 prices,
not one per price. Only ids the listing did not show are retrieved one by one, to learn
Stripe's reason (missing, or "a similar object exists in test mode").

One finding, one item: `check: mode_ids` judges only whether the mapping holds ids of
the other mode (2.2a); `check: prices` judges the selected keys' prices (exist, active,
recurring, interval, currency) and leaves an other-mode id undecided; `all` does both.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field, model_validator

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.pricemap import PriceMapping, PriceSource, interval_for, load_prices
from golive.engine.probe import Probe, ProbeError, ProbeParams
from golive.engine.stripe_client import clean_message, describe, pages, stripe_errors
from golive.engine.stripe_mode import KeyModeMismatch, ModeKey, key_in_mode

if TYPE_CHECKING:
    import stripe

_ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
_OTHER_MODE = re.compile(r"similar object exists in (?P<mode>live|test) mode")


class PricesParams(ProbeParams):
    mapping_var: str = Field(
        "STRIPE_PLAN_PRICE_MAPPING_{MODE}",
        description="Variable holding the JSON mapping; {MODE} becomes LIVE or TEST. "
        "Shorthand for source: {var: ...}.",
    )
    sql: str | None = Field(
        None,
        description="Shorthand for source: {sql: ...}: a read-only query returning rows "
        "(key, price_id) or (tier, cycle, price_id) from the deployment's database.",
    )
    source: PriceSource | None = Field(
        None, description="Where the mapping comes from: {var: ...}, {sql: ...} or {prices: {...}}."
    )
    keys: list[str] | None = Field(
        None, description="Glob patterns of mapping keys to check (basic.monthly, *.yearly)."
    )
    required: bool = Field(True, description="Fail when no key matches; else skip.")
    currency: str | None = Field(
        None,
        description="Every selected price must be in this currency; default: the currency "
        "most of the mapping's prices use.",
    )
    check: Literal["all", "prices", "mode_ids"] = Field(
        "all",
        description="mode_ids: only that no id is a price of the other mode; prices: the "
        "selected prices themselves; all: both.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> PricesParams:
        if self.source is not None and self.sql is not None:
            raise ValueError("give source: or sql:, not both")
        self.price_source()  # a bad query is a checklist error, before any run
        return self

    def price_source(self) -> PriceSource:
        if self.source is not None:
            return self.source
        if self.sql is not None:
            return PriceSource(sql=self.sql)
        return PriceSource(var=self.mapping_var)


@dataclass(frozen=True)
class Looked:
    """One price as Stripe answered: the object, or why it is missing."""

    price: stripe.Price | None
    missing: str | None = None  # Stripe's message
    other_mode: str | None = None  # the mode it exists in instead


class Prices(Probe[PricesParams]):
    kind = "stripe.prices"
    Params = PricesParams
    summary = (
        "Each mapped price exists in the key's Stripe mode, is active and recurring, bills at "
        "the interval its key names (monthly: month, yearly: year), in the mapping's currency; "
        "or (check: mode_ids) the mapping holds no id of the other mode."
    )

    def run(self, params: PricesParams, ctx: ProbeContext) -> Outcome:
        source = params.price_source()
        loaded = load_prices(source, ctx)
        if loaded is None:
            reason = f"{ctx.expand(source.var or '')} is not set"
            return Outcome.failed(reason) if params.required else Outcome.not_applicable(reason)
        mapping, origin = loaded.mapping, loaded.origin
        selected = mapping.select(params.keys)
        if not selected:
            wanted = ", ".join(params.keys or [])
            known = ", ".join(sorted(mapping.entries)) or "none"
            reason = f"no key of {origin} matches {wanted} (keys: {known})"
            return Outcome.failed(reason) if params.required else Outcome.not_applicable(reason)

        mk = key_in_mode(ctx)
        # Every mapped price, not just the selected ones: the currency of one price is
        # judged against the others, and identical requests are shared between items.
        looked = _look_up(sorted({p for p in mapping.entries.values() if p}), ctx, mk)
        judge = _Judge(params, mk, origin, mapping, looked)
        return judge.outcome(selected)


class _Judge:
    def __init__(
        self,
        params: PricesParams,
        mk: ModeKey,
        origin: str,
        mapping: PriceMapping,
        looked: dict[str, Looked],
    ) -> None:
        self.params = params
        self.mk = mk
        self.origin = origin
        self.looked = looked
        found = {k: looked[p].price for k, p in mapping.entries.items() if p and looked[p].price}
        self.currencies = Counter(cast("stripe.Price", p).currency for p in found.values())

    def outcome(self, selected: dict[str, str]) -> Outcome:
        params, mk = self.params, self.mk
        other = "test" if mk.mode == "live" else "live"
        problems: list[str] = []
        undecided: list[str] = []
        neither: list[str] = []
        evidence: dict[str, dict[str, object]] = {}
        judge_ids = params.check in ("all", "mode_ids")
        judge_prices = params.check in ("all", "prices")
        for map_key, price_id in sorted(selected.items()):
            if not price_id:
                if judge_prices:
                    problems.append(f"{map_key} has no price id")
                continue
            found = self.looked[price_id]
            price = found.price
            if price is None:
                evidence[map_key] = {"id": price_id, "found": False, "other_mode": found.other_mode}
                if found.other_mode:
                    what = f"{map_key} -> {price_id} exists only in {found.other_mode} mode"
                    if judge_ids:
                        problems.append(
                            f"{what}: {self.origin} ({mk.mode} mode) holds a "
                            f"{found.other_mode}-mode price id"
                        )
                    else:
                        undecided.append(what)
                elif judge_prices:
                    problems.append(f"{map_key} -> {price_id}: {found.missing}")
                else:
                    neither.append(map_key)
                continue
            evidence[map_key] = _evidence(price)
            if judge_prices:
                problems.extend(f"{map_key} -> {price_id} {p}" for p in _check(map_key, price))
                problems.extend(self._currency(map_key, price_id, price))

        base = {"source": self.origin, "mode": mk.mode, "prices": evidence}
        if problems:
            if undecided:
                problems.append(f"not judged here: {'; '.join(undecided)}")
            return Outcome.failed("; ".join(problems), **base)
        if undecided:
            return Outcome.error(
                f"cannot judge {'; '.join(undecided)}: {self.origin} holds ids of the other "
                "mode, a fault of the mapping that the mode-ids item reports; the rest "
                f"of the selected prices are sound in {mk.mode} mode",
                **base,
            )
        keys = ", ".join(sorted(selected))
        if params.check == "mode_ids":
            note = (
                f"; {', '.join(neither)} found in neither mode (judged by the price items)"
                if neither
                else ""
            )
            return Outcome.passed(
                f"no id of {self.origin} is a {other}-mode price (read {mk.label()}){note}",
                **base,
            )
        return Outcome.passed(
            f"{len(selected)} mapped price(s) exist in {mk.mode} mode, active, recurring at "
            f"the mapped interval, in {self._expected() or 'one currency'} ({keys})",
            **base,
        )

    def _expected(self) -> str | None:
        if self.params.currency is not None:
            return self.params.currency.lower()
        ranked = self.currencies.most_common()
        if len(ranked) == 1 or (ranked and ranked[0][1] > ranked[1][1]):
            return ranked[0][0]
        return None

    def _currency(self, map_key: str, price_id: str, price: stripe.Price) -> list[str]:
        expected = self._expected()
        if expected is None:  # a tie between currencies: say so, the item cannot choose
            listed = ", ".join(f"{c} x{n}" for c, n in sorted(self.currencies.items()))
            return [
                f"{map_key} -> {price_id} is in {price.currency}, and the mapping's prices "
                f"disagree on currency ({listed}): set currency: on the item"
            ]
        if price.currency == expected:
            return []
        why = (
            "the item's currency"
            if self.params.currency is not None
            else "the currency of the mapping's other prices"
        )
        return [f"{map_key} -> {price_id} is in {price.currency}, not {expected} ({why})"]


def _evidence(price: stripe.Price) -> dict[str, object]:
    recurring = price.recurring
    return {
        "id": price.id,
        "active": price.active,
        "type": price.type,
        "interval": recurring.interval if recurring else None,
        "interval_count": recurring.interval_count if recurring else None,
        "currency": price.currency,
    }


def _look_up(ids: list[str], ctx: ProbeContext, mk: ModeKey) -> dict[str, Looked]:
    """The mapped prices from the catalogue's list pages; the rest retrieved one by one.

    Listing stops early once every id is found, or once the ids still missing are no more
    than the pages already read (retrieving them costs no more than reading on), so a
    small mapping in a large catalogue stays cheap. Sequential, in this probe's thread:
    nothing outlives the probe.
    """
    import stripe

    if not ids:
        return {}
    client = ctx.stripe()
    wanted = set(ids)
    looked: dict[str, Looked] = {}
    read = 0
    with stripe_errors(mk.key, "GET /v1/prices"):
        for page in pages(lambda q: client.v1.prices.list(params=cast(Any, q)), {}):
            read += 1
            for price in page.data:
                if price.livemode != (mk.mode == "live"):
                    raise KeyModeMismatch(
                        f"Stripe listed {'live' if price.livemode else 'test'}-mode prices "
                        f"for a {mk.mode}-mode key: the prices were not judged"
                    )
                if price.id in wanted:
                    looked[price.id] = Looked(price)
            missing = wanted - looked.keys()
            if not missing or len(missing) <= read:
                break
    for price_id in sorted(wanted - looked.keys()):
        try:
            looked[price_id] = Looked(client.v1.prices.retrieve(price_id))
        except stripe.InvalidRequestError as exc:
            if exc.code != "resource_missing":
                raise ProbeError(f"GET /v1/prices/{price_id}: {describe(exc, mk.key)}") from None
            message = clean_message(exc, mk.key)
            other = _OTHER_MODE.search(message)
            looked[price_id] = Looked(None, message, other.group("mode") if other else None)
        except stripe.StripeError as exc:
            raise ProbeError(f"GET /v1/prices/{price_id}: {describe(exc, mk.key)}") from None
    return looked


def _check(map_key: str, price: stripe.Price) -> list[str]:
    """What is wrong with one existing price for its mapping key."""
    problems = []
    if not price.active:
        problems.append("is archived (inactive): new checkouts with it fail")
    recurring = price.recurring
    if recurring is None:
        problems.append("is a one-time price, not recurring: it cannot back a subscription")
        return problems
    expected = interval_for(map_key)
    if expected is not None and recurring.interval != expected:
        problems.append(
            f"bills every {recurring.interval}, but {map_key} needs a {_ADJECTIVE[expected]} "
            f"price (recurring interval {expected})"
        )
    elif expected is not None and recurring.interval_count != 1:
        problems.append(
            f"bills every {recurring.interval_count} {recurring.interval}s, "
            f"but {map_key} needs every 1 {expected}"
        )
    return problems
