"""Probes of the deployment's configuration about Stripe's mode and prices: the app's
mode switch, the price mapping (and its fallback), no test values in a live environment.
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import Field, model_validator

from golive.checklist.profiles import ModeSwitch
from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.pricemap import (
    MappingError,
    PriceSource,
    describe_source,
    load_prices,
    parse_mapping,
)
from golive.engine.probe import Probe, ProbeError, ProbeParams

from .env import DEFAULTS_DESCRIPTION, TRUTHY, defaults_of, key_mode, shown


class ModeConsistentParams(ProbeParams):
    mode_var: str = Field(
        "STRIPE_MODE",
        description="The app's mode variable (a string, live or test) when the profile has "
        "no mode_switch.",
    )
    switch: ModeSwitch | None = Field(
        None,
        description="How the app's live/test switch is expressed; default the environment's "
        "mode_switch, else {var: mode_var, kind: string}.",
    )
    key_vars: list[str] = Field(
        default_factory=lambda: ["STRIPE_SECRET_KEY"],
        description="Keys whose own mode must be the environment's too ([]: judge only the "
        "switch, when another item judges the keys).",
    )
    require_mode_var: bool = Field(True, description="Fail when the switch is unset.")
    defaults: dict[str, str] = Field(default_factory=dict, description=DEFAULTS_DESCRIPTION)


FALSY = frozenset({"false", "0", "no", "off", "n", "f", "disable", "disabled"})


def app_mode(
    switch: ModeSwitch, ctx: ProbeContext, defaults: dict[str, str] | None = None
) -> tuple[str | None, str]:
    """(the mode the app's switch selects, or None when unset; what was seen).

    Raises ProbeError when the switch's value cannot be read as a mode."""
    if switch.kind == "key":
        assert switch.live is not None and switch.test is not None
        live, test = ctx.expand(switch.live), ctx.expand(switch.test)
        have_live, have_test = ctx.var(live) is not None, ctx.var(test) is not None
        if have_live and have_test:
            raise ProbeError(
                f"both {live} and {test} are set, so which mode the app runs in depends on "
                "its code: set only this mode's variable, or describe the switch as "
                "mode_switch: {var: ..., kind: boolean|string}"
            )
        if have_live:
            return "live", f"{live} is set, {test} is not"
        if have_test:
            return "test", f"{test} is set, {live} is not"
        return None, f"neither {live} nor {test} is set"
    assert switch.var is not None
    name = ctx.expand(switch.var)
    value = ctx.var(name)
    default = switch.default if switch.default is not None else (defaults or {}).get(name)
    if value is None and default is None:
        return None, f"{name} is not set"
    raw = value.reveal().strip() if value is not None else str(default).strip()
    seen = shown(value) if value is not None else repr(raw)
    said = f"{name}=" if value is not None else f"{name} unset, the app's default "
    if switch.kind == "boolean":
        word = raw.lower()
        if word in TRUTHY:
            return "live", f"{said}{raw}"
        if word in FALSY:
            return "test", f"{said}{raw}"
        raise ProbeError(
            f"{name} is neither true nor false ({seen}), so the app's mode cannot be "
            "read from it (mode_switch kind boolean: True means live)"
        )
    word = raw.lower()
    if word not in ("live", "test"):
        raise ProbeError(
            f"{name} is {seen}, neither live nor test: the app's mode cannot be read "
            "from it; if the app reads it as a boolean, say mode_switch: {var: "
            f"{name}, kind: boolean}}"
        )
    return word, f"{said}{word}"


class ModeConsistent(Probe[ModeConsistentParams]):
    kind = "env.mode_consistent"
    Params = ModeConsistentParams
    summary = (
        "The app's live/test switch (STRIPE_MODE, a boolean such as STRIPE_LIVE_MODE, or "
        "which key variable is set) selects the environment's mode; and key_vars are keys "
        "of that mode."
    )

    def run(self, params: ModeConsistentParams, ctx: ProbeContext) -> Outcome:
        switch = (
            params.switch
            or ctx.env.profile.mode_switch
            or ModeSwitch(var=params.mode_var, kind="string")
        )
        problems: list[str] = []
        seen: dict[str, str] = {}
        selected, observed = app_mode(switch, ctx, defaults_of(params.defaults, ctx))
        if selected is None:
            if params.require_mode_var:
                problems.append(f"{observed}, so the app's mode is not set (expected {ctx.mode})")
        else:
            seen["switch"] = selected
            if selected != ctx.mode:
                problems.append(
                    f"{observed}: the app runs in {selected} mode, but environment "
                    f"{ctx.env.name!r} must run in {ctx.mode} mode"
                )
        for raw in params.key_vars:
            name = ctx.expand(raw)
            value = ctx.var(name)
            if value is None:
                continue
            found = key_mode(value.reveal().strip())
            if found is None:
                problems.append(f"{name} ({shown(value)}) is not a Stripe key")
                continue
            seen[name] = found
            if found != ctx.mode:
                problems.append(f"{name} is a {found}-mode key ({shown(value)}), not {ctx.mode}")
        if not seen and not problems:
            keys = f", {', '.join(params.key_vars)}" if params.key_vars else ""
            return Outcome.failed(f"{observed}{keys}: nothing says which mode", modes=seen)
        if problems:
            return Outcome.failed("; ".join(problems), modes=seen)
        parts = [f"the app's switch ({observed})"] if "switch" in seen else []
        parts += [k for k in seen if k != "switch"]
        return Outcome.passed(f"all {ctx.mode}: " + ", ".join(parts), modes=seen)


class PriceMappingParams(ProbeParams):
    var: str = "STRIPE_PLAN_PRICE_MAPPING_{MODE}"
    source: PriceSource | None = Field(
        None, description="Instead of var: a price source ({var}, {sql} or {prices})."
    )
    required_keys: list[str] = Field(default_factory=list, description="tier.cycle keys.")
    id_prefix: str = "price_"


class PriceMapping(Probe[PriceMappingParams]):
    kind = "env.price_mapping"
    Params = PriceMappingParams
    summary = (
        "The JSON price mapping parses (nested or flat), maps price ids, has the required keys."
    )

    def run(self, params: PriceMappingParams, ctx: ProbeContext) -> Outcome:
        source = params.source or PriceSource(var=params.var)
        name = describe_source(source, ctx)
        if source.var is None:  # a query or a literal list: read through the shared source
            loaded = load_prices(source, ctx)
            if loaded is None:  # only a variable can be unset; fail closed all the same
                raise ProbeError(f"{name} gave no mapping")
            mapping = loaded.mapping
        else:
            value = ctx.var(name)
            if value is None:
                return Outcome.failed(ctx.env.config.not_set(name))
            try:
                mapping = parse_mapping(value.reveal())
            except MappingError as exc:
                return Outcome.failed(f"{name}: {exc}")
        problems = [
            f"{key} maps {price!r}, not a {params.id_prefix} id"
            for key, price in sorted(mapping.entries.items())
            if not price.startswith(params.id_prefix)
        ]
        have = {key.lower() for key in mapping.entries}  # as the tier checks: any case
        missing = [k for k in params.required_keys if k.lower() not in have]
        if missing:
            problems.insert(
                0, f"missing required key{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
            )
        evidence = {"shape": mapping.shape, "keys": sorted(mapping.entries)}
        if problems:
            return Outcome.failed(f"{name}: " + "; ".join(problems), **evidence)
        return Outcome.passed(
            f"{name} ({mapping.shape} shape) maps {len(mapping.entries)} "
            f"price{'s' if len(mapping.entries) != 1 else ''}: "
            + ", ".join(sorted(mapping.entries)),
            **evidence,
        )


class MappingFallbackParams(ProbeParams):
    fallback_var: str = "STRIPE_PLAN_PRICE_MAPPING"
    specific_var: str = "STRIPE_PLAN_PRICE_MAPPING_{MODE}"


class MappingFallback(Probe[MappingFallbackParams]):
    kind = "env.mapping_fallback"
    Params = MappingFallbackParams
    summary = "Warns when the shared fallback mapping is set beside the mode-specific one."

    def run(self, params: MappingFallbackParams, ctx: ProbeContext) -> Outcome:
        fallback_name, specific_name = (
            ctx.expand(params.fallback_var),
            ctx.expand(params.specific_var),
        )
        fallback, specific = ctx.var(fallback_name), ctx.var(specific_name)
        if fallback is None:
            return Outcome.passed(f"{fallback_name} is not set; {specific_name} is used alone")
        if specific is None:
            return Outcome.warn(
                f"only the shared fallback {fallback_name} is set: every environment sells the "
                f"same prices; set {specific_name} unless that is intended"
            )
        if _same_mapping(fallback.reveal(), specific.reveal()):
            return Outcome.warn(
                f"{fallback_name} is set beside {specific_name} with the same mapping; "
                "remove the fallback unless you share it on purpose"
            )
        return Outcome.warn(
            f"{fallback_name} is set beside {specific_name} and differs from it: "
            "which one the backend uses depends on its code; remove the fallback"
        )


def _same_mapping(a: str, b: str) -> bool:
    try:
        left, right = parse_mapping(a).entries, parse_mapping(b).entries
        return {k.lower(): v for k, v in left.items()} == {k.lower(): v for k, v in right.items()}
    except MappingError:
        return a.strip() == b.strip()


class NoTestValuesParams(ProbeParams):
    patterns: list[str] = Field(
        default_factory=lambda: ["sk_test_", "rk_test_", "pk_test_"],
        description="Substrings no value may contain.",
    )
    test_prices: PriceSource | None = Field(
        None,
        description="The test mode's price source ({var}, {sql} or {prices}): none of its "
        "price ids may appear in this environment's values or prices.",
    )
    test_prices_environment: str | None = Field(
        None,
        description="Read test_prices in this environment (its values, its database) "
        "instead of this one.",
    )
    prices: PriceSource | None = Field(
        None,
        description="This environment's own price source, scanned too when it is a query or "
        "a list (a variable's value is scanned with the others anyway).",
    )
    test_mapping_var: str | None = Field(None, description="Shorthand for test_prices: {var: ...}.")
    test_mapping_environment: str | None = Field(
        None, description="Shorthand for test_prices_environment."
    )

    @model_validator(mode="after")
    def _one_test_source(self) -> NoTestValuesParams:
        if self.test_prices is not None and self.test_mapping_var is not None:
            raise ValueError("give test_prices or test_mapping_var, not both")
        if self.test_prices_environment and self.test_mapping_environment:
            raise ValueError("give test_prices_environment or test_mapping_environment, not both")
        return self

    def test_source(self) -> PriceSource | None:
        if self.test_mapping_var is not None:
            return PriceSource(var=self.test_mapping_var)
        return self.test_prices


class NoTestValues(Probe[NoTestValuesParams]):
    kind = "env.no_test_values"
    Params = NoTestValuesParams
    summary = (
        "No configuration value (nor price of the price source) holds a test key or a price "
        "id of the test mode's price source."
    )

    def run(self, params: NoTestValuesParams, ctx: ProbeContext) -> Outcome:
        needles = {p: p for p in params.patterns}
        skip_vars: set[str] = set()
        test_source = params.test_source()
        if test_source is not None:
            other = params.test_prices_environment or params.test_mapping_environment
            test_ctx = replace(ctx, env=ctx.other_environment(other)) if other else ctx
            loaded = load_prices(test_source, test_ctx)  # ProbeError when unreadable
            if test_source.var is not None and not other:
                skip_vars.add(describe_source(test_source, ctx))
            for key, price in (loaded.mapping.entries if loaded else {}).items():
                if price:
                    needles[price] = f"the test price of {key}"
        found: list[str] = []
        for name, value in sorted(ctx.env.config.items()):
            if name in skip_vars:
                continue
            raw = value.reveal()
            for needle, what in needles.items():
                if needle in raw:
                    label = what if needle != what else f"a {needle} value"
                    found.append(f"{name} holds {label}")
        scanned = ""
        if params.prices is not None and params.prices.var is None:
            own = load_prices(params.prices, ctx)
            origin = own.origin if own else describe_source(params.prices, ctx)
            entries = own.mapping.entries if own else {}
            scanned = f" and {len(entries)} price(s) of {origin}"
            for key, price in sorted(entries.items()):
                for needle, what in needles.items():
                    if needle in price:
                        label = what if needle != what else f"a {needle} value"
                        found.append(f"{origin}: {key} is {label}")
        if found:
            return Outcome.failed("; ".join(found), found=found)
        return Outcome.passed(
            f"no value of {len(ctx.env.config)}{scanned} holds a test key"
            + (" or a test price id" if len(needles) > len(params.patterns) else "")
        )


__all__ = ["MappingFallback", "ModeConsistent", "NoTestValues", "PriceMapping", "app_mode"]
