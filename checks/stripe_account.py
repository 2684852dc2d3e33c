"""Stripe key and account probes: the key works in this environment's mode, and the
account can take payments. Read-only (GET /v1/balance, GET /v1/account)."""

from __future__ import annotations

from golive.core.results import Outcome
from golive.core.secrets import mask
from golive.core.stripe_keys import key_mode
from golive.engine.context import ProbeContext
from golive.engine.probe import NoParams, Probe, ProbeError, ProbeParams
from golive.engine.stripe_client import clean_message, describe
from golive.engine.stripe_mode import key_in_mode


class KeyMode(Probe[NoParams]):
    kind = "stripe.key_mode"
    Params = NoParams
    summary = "Stripe accepts the API key and reports this environment's mode (livemode)."

    def run(self, params: NoParams, ctx: ProbeContext) -> Outcome:
        import stripe

        var = ctx.env.stripe.api_key_var
        key = ctx.require_var(var).reveal()
        client = ctx.stripe()
        try:
            balance = client.v1.balance.retrieve()
        except stripe.AuthenticationError as exc:
            return Outcome.failed(
                f"Stripe refused {var} ({mask(key)}): {clean_message(exc, key)}",
                http_status=exc.http_status,
            )
        except stripe.PermissionError as exc:
            # A restricted key without balance access: accepted, but its mode is unproven.
            return Outcome.warn(
                f"Stripe accepted {var} ({mask(key)}) but it may not read the balance, so "
                f"the API did not report its mode: {clean_message(exc, key)}",
                http_status=exc.http_status,
            )
        except stripe.StripeError as exc:
            raise ProbeError(f"GET /v1/balance: {describe(exc, key)}") from None
        reported = "live" if balance.livemode else "test"
        evidence = {
            "livemode": balance.livemode,
            "prefix_mode": key_mode(key),
            "expected_mode": ctx.mode,
            "key": mask(key),
        }
        if reported != ctx.mode:
            return Outcome.failed(
                f"{var} ({mask(key)}) is a {reported}-mode key, but environment "
                f"{ctx.env.name!r} runs in {ctx.mode} mode: use the {ctx.mode}-mode key",
                **evidence,
            )
        return Outcome.passed(
            f"Stripe accepts {var} ({mask(key)}) and reports {reported} mode", **evidence
        )


class AccountParams(ProbeParams):
    allow_currently_due: bool = True
    """Requirements currently due (not yet past due) only warn; False makes them fail."""


class AccountReady(Probe[AccountParams]):
    kind = "stripe.account"
    Params = AccountParams
    summary = (
        "The Stripe account can take payments: charges and payouts enabled, details "
        "submitted, nothing past due or disabling it."
    )

    def run(self, params: AccountParams, ctx: ProbeContext) -> Outcome:
        import stripe

        mk = key_in_mode(ctx)
        key = mk.key
        try:
            account = ctx.stripe().v1.accounts.retrieve_current()
        except stripe.PermissionError as exc:
            # Undecided, never a warning: a blocking question nobody could look at must not
            # let the run read as ready (issue 17).
            return Outcome.error(
                f"the restricted key ({mask(key)}) lacks the permission to read the account "
                f"(GET /v1/account answered {exc.http_status}), so whether it can take "
                "payments is undecided: give the key read access to Account (Dashboard > "
                "Developers > API keys > the restricted key > Account: Read), or use a key "
                f"that has it. Stripe: {clean_message(exc, key)}",
                http_status=exc.http_status,
                permission="account read",
            )
        except stripe.StripeError as exc:
            raise ProbeError(f"GET /v1/account: {describe(exc, key)}") from None

        requirements = account.requirements
        past_due = list(requirements.past_due or []) if requirements else []
        currently_due = list(requirements.currently_due or []) if requirements else []
        disabled_reason = requirements.disabled_reason if requirements else None
        evidence = {
            "account": account.id,
            "mode": mk.mode,
            "charges_enabled": account.charges_enabled,
            "payouts_enabled": account.payouts_enabled,
            "details_submitted": account.details_submitted,
            "past_due": past_due,
            "currently_due": currently_due,
            "disabled_reason": disabled_reason,
        }
        problems = []
        if not account.charges_enabled:
            problems.append("charges are disabled")
        if not account.payouts_enabled:
            problems.append("payouts are disabled")
        if not account.details_submitted:
            problems.append("account details are not submitted")
        if disabled_reason:
            problems.append(f"Stripe disabled it ({disabled_reason})")
        if past_due:
            problems.append(f"requirements past due: {', '.join(past_due)}")
        if currently_due and not params.allow_currently_due:
            problems.append(f"requirements due: {', '.join(currently_due)}")
        if problems:
            return Outcome.failed(
                f"account {account.id} ({mk.mode} mode): {'; '.join(problems)}", **evidence
            )
        if currently_due:
            return Outcome.warn(
                f"account {account.id} takes payments in {mk.mode} mode, but Stripe needs "
                f"{', '.join(currently_due)} soon or it will restrict the account",
                **evidence,
            )
        return Outcome.passed(
            f"account {account.id} ({mk.mode} mode): charges and payouts enabled, details "
            "submitted, no requirement due",
            **evidence,
        )
