"""Probes of the deployment's configuration: its environment variables.

Values are read through the context, which wraps secrets: messages show a key as
`sk_live_…(sha256:1a2b3c)`, never the key.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal

from pydantic import Field, model_validator

from golive.checklist.models import ModeSwitch
from golive.core import stripe_keys
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
from golive.values.environment import ConfigValue

TRUTHY = frozenset({"true", "1", "yes", "on", "y", "t", "enable", "enabled"})
EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$"
)
DOMAIN = re.compile(
    r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))+$"
)

KeyKind = Literal["secret", "restricted", "secret_or_restricted", "publishable", "webhook_secret"]
KEY_KINDS: dict[str, tuple[stripe_keys.Kind, ...]] = {
    "secret": ("secret",),
    "restricted": ("restricted",),
    "secret_or_restricted": ("secret", "restricted"),
    "publishable": ("publishable",),
    "webhook_secret": ("webhook_secret",),
}
key_mode = stripe_keys.key_mode


def shown(value: ConfigValue) -> str:
    return str(value)


class VarParams(ProbeParams):
    var: str = Field(description="Variable name; {MODE} becomes LIVE or TEST.")


class Present(Probe[VarParams]):
    kind = "env.present"
    Params = VarParams
    summary = "The variable is set and not empty."

    def run(self, params: VarParams, ctx: ProbeContext) -> Outcome:
        name = ctx.expand(params.var)
        value = ctx.var(name)
        if value is None:
            return Outcome.failed(ctx.env.config.not_set(name))
        return Outcome.passed(f"{name} is set ({shown(value)})", value=shown(value))


class Absent(Probe[VarParams]):
    kind = "env.absent"
    Params = VarParams
    summary = "The variable is not set at all."

    def run(self, params: VarParams, ctx: ProbeContext) -> Outcome:
        name = ctx.expand(params.var)
        value = ctx.var(name)
        if value is not None:
            return Outcome.failed(f"{name} is set ({shown(value)}); it must be unset here")
        return Outcome.passed(f"{name} is not set")


class NotTruthyParams(ProbeParams):
    var: str | None = None
    vars: list[str] = Field(default_factory=list, description="Several variables, each checked.")

    @model_validator(mode="after")
    def _some(self) -> NotTruthyParams:
        if not self.var and not self.vars:
            raise ValueError("give var or vars")
        return self

    def names(self) -> list[str]:
        return ([self.var] if self.var else []) + list(self.vars)


class NotTruthy(Probe[NotTruthyParams]):
    kind = "env.not_truthy"
    Params = NotTruthyParams
    summary = "None of the variables is truthy (true/1/yes/on, any case)."

    def run(self, params: NotTruthyParams, ctx: ProbeContext) -> Outcome:
        on: list[str] = []
        for raw in params.names():
            name = ctx.expand(raw)
            value = ctx.var(name)
            if value is not None and value.reveal().strip().lower() in TRUTHY:
                on.append(f"{name}={shown(value)}")
        names = ", ".join(ctx.expand(n) for n in params.names())
        if on:
            return Outcome.failed(f"turned on: {', '.join(on)}", turned_on=on)
        return Outcome.passed(f"not turned on: {names}")


class ValueRuleParams(ProbeParams):
    """What env.equals and env.one_of share: how a value compares, and what unset means.

    Values compare after trimming surrounding white space, case-insensitively unless
    `case_sensitive` (so `Production` equals `production`); no other normalisation
    (`0` is not `false`). Unset or empty fails, unless `unset_as` gives the value the
    application assumes when the variable is missing, or `unset` says pass or fail.
    """

    var: str = Field(description="Variable name; {MODE} becomes LIVE or TEST.")
    case_sensitive: bool = Field(False, description="Compare case-sensitively.")
    unset_as: str | None = Field(
        None,
        description="The value the application uses when the variable is unset or empty "
        "(its default); the rule is judged on it.",
    )
    unset: Literal["pass", "fail"] | None = Field(
        None, description="Instead of unset_as: unset (or empty) passes or fails outright."
    )

    @model_validator(mode="after")
    def _one_unset_rule(self) -> ValueRuleParams:
        if self.unset_as is not None and self.unset is not None:
            raise ValueError("give unset_as or unset, not both")
        return self

    def same(self, got: str, want: str) -> bool:
        got, want = got.strip(), want.strip()
        return got == want if self.case_sensitive else got.lower() == want.lower()


def _judge_rule(
    params: ValueRuleParams, ctx: ProbeContext, allowed: list[str], expected: str
) -> Outcome:
    """Pass when the value (or what unset counts as) is one of `allowed`."""
    name = ctx.expand(params.var)
    value = ctx.var(name)
    if value is None:
        if params.unset == "pass":
            return Outcome.passed(f"{name} is not set, which this item allows", unset=True)
        if params.unset_as is None:
            return Outcome.failed(
                f"{name} is not set in {ctx.env.config.origin}; expected {expected}", unset=True
            )
        if any(params.same(params.unset_as, a) for a in allowed):
            return Outcome.passed(
                f"{name} is not set, which counts as {params.unset_as!r}: {expected}",
                unset=True,
            )
        return Outcome.failed(
            f"{name} is not set, which counts as {params.unset_as!r} (the application's "
            f"default); expected {expected}: set it explicitly",
            unset=True,
        )
    got = value.reveal()
    if any(params.same(got, a) for a in allowed):
        return Outcome.passed(f"{name} is {shown(value)!r}", unset=False)
    return Outcome.failed(f"{name} is {shown(value)!r}; expected {expected}", unset=False)


class EqualsParams(ValueRuleParams):
    value: str = Field(description="The value the variable must have.")


class Equals(Probe[EqualsParams]):
    kind = "env.equals"
    Params = EqualsParams
    summary = (
        "The variable equals a value (trimmed, case-insensitive unless case_sensitive); "
        "unset fails unless unset_as or unset says otherwise."
    )

    def run(self, params: EqualsParams, ctx: ProbeContext) -> Outcome:
        return _judge_rule(params, ctx, [params.value], repr(params.value))


class OneOfParams(ValueRuleParams):
    values: list[str] = Field(min_length=1, description="The values the variable may have.")


class OneOf(Probe[OneOfParams]):
    kind = "env.one_of"
    Params = OneOfParams
    summary = (
        "The variable is one of the listed values (trimmed, case-insensitive unless "
        "case_sensitive); unset fails unless unset_as or unset says otherwise."
    )

    def run(self, params: OneOfParams, ctx: ProbeContext) -> Outcome:
        allowed = ", ".join(repr(v) for v in params.values)
        return _judge_rule(params, ctx, list(params.values), f"one of {allowed}")


class KeyPrefixParams(ProbeParams):
    var: str
    key: KeyKind = Field("secret_or_restricted", description="Which kind of Stripe key.")
    mode: Literal["live", "test", "auto"] = Field(
        "auto", description="The mode the key must be of; auto: the environment's mode."
    )
    optional: bool = Field(False, description="Skip, rather than fail, when unset.")


class KeyPrefix(Probe[KeyPrefixParams]):
    kind = "env.key_prefix"
    Params = KeyPrefixParams
    summary = "A Stripe key has the prefix of its kind and mode (sk_live_, rk_test_, whsec_...)."

    def run(self, params: KeyPrefixParams, ctx: ProbeContext) -> Outcome:
        name = ctx.expand(params.var)
        value = ctx.var(name)
        if value is None:
            if params.optional:
                return Outcome.not_applicable(f"{name} is not set")
            return Outcome.failed(ctx.env.config.not_set(name))
        mode = ctx.mode if params.mode == "auto" else params.mode
        # A secret-key variable may hold a restricted key: both are server-side keys.
        kinds = KEY_KINDS["secret_or_restricted" if params.key == "secret" else params.key]
        expected = [p for kind in kinds for p in stripe_keys.prefixes(kind, mode)]
        raw = value.reveal().strip()
        if raw != value.reveal():
            return Outcome.failed(f"{name} has leading or trailing white space ({shown(value)})")
        if any(raw.startswith(p) for p in expected):
            what = "a webhook signing secret" if params.key == "webhook_secret" else f"a {mode} key"
            return Outcome.passed(f"{name} is {what} ({shown(value)})", value=shown(value))
        found = key_mode(raw)
        if found and found != mode and params.key != "webhook_secret":
            return Outcome.failed(
                f"{name} is a {found}-mode key ({shown(value)}) but environment "
                f"{ctx.env.name!r} runs in {mode} mode; expected {' or '.join(expected)}",
                value=shown(value),
            )
        return Outcome.failed(
            f"{name} ({shown(value)}) does not start with {' or '.join(expected)}",
            value=shown(value),
        )


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


FALSY = frozenset({"false", "0", "no", "off", "n", "f", "disable", "disabled"})


def app_mode(switch: ModeSwitch, ctx: ProbeContext) -> tuple[str | None, str]:
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
    if value is None:
        return None, f"{name} is not set"
    raw = value.reveal().strip()
    if switch.kind == "boolean":
        word = raw.lower()
        if word in TRUTHY:
            return "live", f"{name}={raw}"
        if word in FALSY:
            return "test", f"{name}={raw}"
        raise ProbeError(
            f"{name} is neither true nor false ({shown(value)}), so the app's mode cannot be "
            "read from it (mode_switch kind boolean: True means live)"
        )
    word = raw.lower()
    if word not in ("live", "test"):
        raise ProbeError(
            f"{name} is {shown(value)}, neither live nor test: the app's mode cannot be read "
            "from it; if the app reads it as a boolean, say mode_switch: {var: "
            f"{name}, kind: boolean}}"
        )
    return word, f"{name}={word}"


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
        selected, observed = app_mode(switch, ctx)
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
        missing = [k for k in params.required_keys if k not in mapping.entries]
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
        return parse_mapping(a).entries == parse_mapping(b).entries
    except MappingError:
        return a.strip() == b.strip()


class EmailListParams(ProbeParams):
    var: str = "ADMIN_EMAILS"
    expected: list[str] | None = Field(None, description="Exactly these addresses (any order).")
    min_count: int = Field(1, ge=0)


class EmailList(Probe[EmailListParams]):
    kind = "env.email_list"
    Params = EmailListParams
    summary = "A comma-separated list of valid e-mail addresses."

    def run(self, params: EmailListParams, ctx: ProbeContext) -> Outcome:
        name = ctx.expand(params.var)
        value = ctx.var(name)
        if value is None:
            return Outcome.failed(ctx.env.config.not_set(name))
        entries = [e.strip() for e in value.reveal().split(",")]
        problems: list[str] = []
        if any(not e for e in entries):
            problems.append("has an empty entry (a stray comma?)")
        addresses = [e for e in entries if e]
        invalid = [e for e in addresses if not EMAIL.match(e)]
        if invalid:
            problems.append(f"not valid addresses: {', '.join(invalid)}")
        if len(addresses) < params.min_count:
            problems.append(f"lists {len(addresses)} addresses, at least {params.min_count} needed")
        if params.expected is not None:
            want = {e.lower() for e in params.expected}
            got = {e.lower() for e in addresses}
            if missing := sorted(want - got):
                problems.append(f"missing: {', '.join(missing)}")
            if extra := sorted(got - want):
                problems.append(f"not expected: {', '.join(extra)}")
        if problems:
            return Outcome.failed(f"{name} " + "; ".join(problems), count=len(addresses))
        return Outcome.passed(
            f"{name} lists {len(addresses)} valid address{'es' if len(addresses) != 1 else ''}",
            count=len(addresses),
        )


class DomainParams(ProbeParams):
    var: str = "ADMIN_EMAIL_DOMAIN"
    required: bool = False


class Domain(Probe[DomainParams]):
    kind = "env.domain"
    Params = DomainParams
    summary = "A bare domain name (example.com), when set."

    def run(self, params: DomainParams, ctx: ProbeContext) -> Outcome:
        name = ctx.expand(params.var)
        value = ctx.var(name)
        if value is None:
            if params.required:
                return Outcome.failed(f"{name} is not set")
            return Outcome.passed(f"{name} is not set (domain-based admin access is off)")
        domain = value.reveal().strip().lstrip("@")
        if "@" in domain or "/" in domain or not DOMAIN.match(domain):
            return Outcome.failed(
                f"{name}={domain!r} is not a domain name (expected e.g. example.com)"
            )
        return Outcome.passed(f"{name} is {domain}")


class DiffersParams(ProbeParams):
    var: str
    environment: str = Field(description="The other environment of the checklist.")
    other_var: str | None = Field(None, description="Its variable, when named differently.")


class Differs(Probe[DiffersParams]):
    kind = "env.differs"
    Params = DiffersParams
    summary = "A value differs from the one another environment uses (live vs test secrets)."

    def run(self, params: DiffersParams, ctx: ProbeContext) -> Outcome:
        name = ctx.expand(params.var)
        value = ctx.var(name)
        if value is None:
            return Outcome.failed(ctx.env.config.not_set(name))
        other = ctx.other_environment(params.environment)
        other_name = params.other_var or name
        other_value = other.config.get(other_name)
        if other_value is None or other_value.reveal() == "":
            return Outcome.skip(
                f"environment {params.environment!r} has no {other_name} in "
                f"{other.config.origin}: nothing to compare"
            )
        if other_value.origin and other_value.origin == value.origin:
            # Both read from one place (the process environment of a CI job that holds
            # only this environment's values): there is no value of the other to compare.
            return Outcome.skip(
                f"environment {params.environment!r}'s {other_name} is read from the same "
                f"place as this one's ({value.origin}): there are no {params.environment} "
                f"values to compare with; give {params.environment} its own source "
                f"(--other-env-file {params.environment}=FILE)"
            )
        if other_value.reveal().strip() == value.reveal().strip():
            return Outcome.failed(
                f"{name} ({shown(value)}) is the same value environment "
                f"{params.environment!r} uses in {other_name}"
            )
        return Outcome.passed(
            f"{name} ({shown(value)}) differs from {params.environment}'s {other_name} "
            f"({shown(other_value)})"
        )


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


__all__ = [
    "Absent",
    "Differs",
    "Domain",
    "EmailList",
    "Equals",
    "KeyPrefix",
    "MappingFallback",
    "ModeConsistent",
    "NoTestValues",
    "NotTruthy",
    "OneOf",
    "Present",
    "PriceMapping",
]
