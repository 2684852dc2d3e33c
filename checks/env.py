"""Probes of the deployment's configuration: its environment variables.

Values are read through the context, which wraps secrets: messages show a key as
`sk_live_…(sha256:1a2b3c)`, never the key.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from golive.core import stripe_keys
from golive.core.results import Outcome
from golive.core.truthy import TRUE_WORDS
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeParams
from golive.values.sources import ConfigValue

TRUTHY = TRUE_WORDS  # golive/truthy.py: the one vocabulary
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


DEFAULTS_DESCRIPTION = (
    "The app's own default of a variable it reads when unset, e.g. {APP_DEBUG: 'true'}: an "
    "unset variable is judged as the app would read it (input env_defaults)."
)


def defaults_of(defaults: dict[str, str], ctx: ProbeContext) -> dict[str, str]:
    """`defaults:` with {MODE} expanded in its names."""
    return {ctx.expand(name): str(value) for name, value in defaults.items()}


class NotTruthyParams(ProbeParams):
    var: str | None = None
    vars: list[str] = Field(default_factory=list, description="Several variables, each checked.")
    defaults: dict[str, str] = Field(default_factory=dict, description=DEFAULTS_DESCRIPTION)

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
        defaults = defaults_of(params.defaults, ctx)
        for raw in params.names():
            name = ctx.expand(raw)
            value = ctx.var(name)
            if value is not None and value.reveal().strip().lower() in TRUTHY:
                on.append(f"{name}={shown(value)}")
            elif value is None and defaults.get(name, "").strip().lower() in TRUTHY:
                on.append(
                    f"{name} is not set, which the app reads as {defaults[name]!r} (its "
                    "default): set it to false explicitly"
                )
        expanded = [ctx.expand(n) for n in params.names()]
        if on:
            return Outcome.failed(f"turned on: {'; '.join(on)}", turned_on=on)
        unset_off = [n for n in expanded if n in defaults and ctx.var(n) is None]
        note = f" ({', '.join(unset_off)} unset, off by the app's default)" if unset_off else ""
        return Outcome.passed(f"not turned on: {', '.join(expanded)}{note}")


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
    defaults: dict[str, str] = Field(
        default_factory=dict,
        description=DEFAULTS_DESCRIPTION + " unset_as, when given, wins.",
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
        unset_as = params.unset_as
        if unset_as is None and params.unset is None:
            unset_as = defaults_of(params.defaults, ctx).get(name)
        if params.unset == "pass":
            return Outcome.passed(f"{name} is not set, which this item allows", unset=True)
        if unset_as is None:
            return Outcome.failed(
                f"{name} is not set in {ctx.env.config.origin}; expected {expected}", unset=True
            )
        if any(params.same(unset_as, a) for a in allowed):
            return Outcome.passed(
                f"{name} is not set, which counts as {unset_as!r}: {expected}",
                unset=True,
            )
        return Outcome.failed(
            f"{name} is not set, which counts as {unset_as!r} (the application's "
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


__all__ = [
    "Absent",
    "Differs",
    "Domain",
    "EmailList",
    "Equals",
    "KeyPrefix",
    "NotTruthy",
    "OneOf",
    "Present",
]
