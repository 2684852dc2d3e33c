"""`flow.rehearse`: the seed's manual test flows (6.1-6.5, 5.2b, 5.3c), run end to end in
Stripe test mode against a deployment, with a verdict per step.

Each flow creates what a customer or Stripe would (a customer, a subscription, a payment
with one of Stripe's test cards, a test clock advanced to the renewal) through Stripe's
public test-mode API, then waits, polling until a deadline, for the deployment to show
the effect: a row in its database, an entry in its admin API. The first step that does
not see what it expects fails the item, naming what it expected and what it saw.

Safety comes before the first request: the environment must be a test-mode one and the
key a test key (`sk_test_`/`rk_test_`); anything else is refused with nothing sent. The
write-capable Stripe client is built here only, after that check (golive's normal
client refuses every method but GET). Everything created carries the metadata
`golive: rehearsal`; subscriptions are cancelled, customers and test clocks deleted at
the end, after a failure too. Routes, bodies and queries are parameters, so a team
points the flows at its own app.

Modules: rehearse_params (the item's parameters) -> rehearse_session (one rehearsal's
state and helpers) -> rehearse_flows (the flows) -> this one (the guard and the probe).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from golive.core import stripe_keys
from golive.core.results import Outcome
from golive.engine.probe import Probe, ProbeError

from .rehearse_flows import FLOW_RUNNERS
from .rehearse_params import RehearseParams
from .rehearse_session import Rehearsal, StepFailed, StripeDeclined

if TYPE_CHECKING:
    import stripe

    from golive.engine.context import ProbeContext


# -- safety and the probe ----------------------------------------------------------------


def refuse_unless_test(ctx: ProbeContext) -> str:
    """The test key to rehearse with; ProbeError (nothing sent) for live mode or a live key."""
    from golive.core.secrets import mask

    if ctx.mode != "test":
        raise ProbeError(
            f"refused: environment {ctx.env.name!r} is in {ctx.mode} mode; rehearsals create "
            "customers and payments, so they run only against test-mode environments"
        )
    key = ctx.require_var(ctx.env.stripe.api_key_var).reveal()
    if not stripe_keys.is_test_api_key(key):
        raise ProbeError(
            f"refused: {ctx.env.stripe.api_key_var} is {mask(key)}, not a test-mode key "
            "(sk_test_/rk_test_); nothing was sent to Stripe or the deployment"
        )
    return key


def write_client(key: str, ctx: ProbeContext) -> stripe.StripeClient:
    """A Stripe client that may write: built only here, after `refuse_unless_test`."""
    import stripe

    if not stripe_keys.is_test_api_key(
        key
    ):  # never reached with a live key; kept next to the builder
        raise ProbeError("refused: a write-capable Stripe client needs a test-mode key")
    settings = ctx.env.stripe
    return stripe.StripeClient(
        key,
        base_addresses={"api": settings.api_base.rstrip("/")} if settings.api_base else None,
        max_network_retries=settings.max_retries,
        http_client=stripe.RequestsClient(timeout=settings.timeout),
        stripe_version=settings.api_version or None,
    )


def clean_up(r: Rehearsal) -> None:
    """Cancel what is still billing, delete customers and clocks; note what could not be."""
    for sub_id in r.subscriptions:
        try:
            sub = r.stripe("get", f"/v1/subscriptions/{sub_id}")
            if sub.get("status") not in ("canceled", "incomplete_expired"):
                r.stripe("delete", f"/v1/subscriptions/{sub_id}")
        except (ProbeError, StripeDeclined) as exc:
            r.cleanup.append(f"subscription {sub_id}: {exc}")
    for customer in r.customers:
        try:
            r.stripe("delete", f"/v1/customers/{customer}")
        except (ProbeError, StripeDeclined) as exc:
            if "No such customer" not in str(exc):
                r.cleanup.append(f"customer {customer}: {exc}")
    for clock in r.clocks:
        try:
            r.stripe("delete", f"/v1/test_helpers/test_clocks/{clock}")
        except (ProbeError, StripeDeclined) as exc:
            r.cleanup.append(f"test clock {clock}: {exc}")


class Rehearse(Probe[RehearseParams]):
    kind = "flow.rehearse"
    Params = RehearseParams
    summary = (
        "a seed test flow end to end in Stripe test mode (subscription, portal and cancel, "
        "failed payment, dispute, early fraud warning), a verdict per step"
    )
    sends_traffic: ClassVar[bool] = True

    def run(self, params: RehearseParams, ctx: ProbeContext) -> Outcome:
        key = refuse_unless_test(ctx)  # before any client exists
        client = write_client(key, ctx)
        rehearsal = Rehearsal(params, ctx, client, ctx.http())
        failed: str | None = None
        undecided: str | None = None
        try:
            FLOW_RUNNERS[params.flow](rehearsal)
        except StepFailed as exc:
            failed = str(exc)
        except StripeDeclined as exc:
            undecided = f"Stripe declined a test card: {exc}"
        except ProbeError as exc:
            undecided = str(exc)
        finally:
            clean_up(rehearsal)
        steps = rehearsal.steps
        evidence: dict[str, Any] = {
            "flow": params.flow,
            "steps": [
                {"step": s.name, "expected": s.expected, "seen": s.seen, "ok": s.ok} for s in steps
            ],
            "cleanup": rehearsal.cleanup or "every subscription cancelled, customer deleted",
        }
        if failed is not None:
            last = steps[-1]
            index = len(steps)
            return Outcome.failed(
                f"{params.flow}: step {index} '{last.name}' failed: expected {last.expected}; "
                f"saw {failed}",
                **evidence,
            )
        if undecided is not None:
            name = steps[-1].name if steps else "setup"
            return Outcome.error(
                f"{params.flow}: step '{name}' could not run: {undecided}", **evidence
            )
        if rehearsal.cleanup:
            return Outcome.warn(
                f"{params.flow}: all {len(steps)} steps passed; clean-up left: "
                + "; ".join(rehearsal.cleanup),
                **evidence,
            )
        return Outcome.passed(
            f"{params.flow}: all {len(steps)} steps passed in Stripe test mode against "
            f"{ctx.base_url()} ({', '.join(s.name for s in steps)})",
            **evidence,
        )
