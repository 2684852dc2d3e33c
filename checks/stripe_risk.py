"""Stripe risk probes: the dispute rate and the early fraud warnings of a recent window.
Read-only (GET /v1/disputes, /v1/charges, /v1/radar/early_fraud_warnings)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, cast

from pydantic import Field

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeParams
from golive.engine.stripe_client import pages, raw_pages, stripe_errors, window_start
from golive.engine.stripe_mode import key_in_mode

if TYPE_CHECKING:
    import stripe

DAY_S = 86400


class DisputeRateParams(ProbeParams):
    window_days: float = Field(30, gt=0, le=365, description="How far back to look.")
    threshold_percent: float = Field(
        0.75, gt=0, le=100, description="Fail at or above this many disputes per 100 charges."
    )


class DisputeRate(Probe[DisputeRateParams]):
    kind = "stripe.dispute_rate"
    Params = DisputeRateParams
    summary = "Disputes per successful charge in a recent window stay under a threshold."

    def run(self, params: DisputeRateParams, ctx: ProbeContext) -> Outcome:
        mk = key_in_mode(ctx)
        key = mk.key
        client = ctx.stripe()
        query = {"created": {"gte": window_start(params.window_days * DAY_S)}}
        window = f"{params.window_days:g} days of {mk.label()}"
        threshold = params.threshold_percent

        disputes: list[stripe.Dispute] = []
        with stripe_errors(key, "GET /v1/disputes"):
            for page in pages(lambda q: client.v1.disputes.list(params=cast(Any, q)), query):
                disputes.extend(page.data)
        count = len(disputes)
        evidence: dict[str, Any] = {
            "window_days": params.window_days,
            "mode": mk.mode,
            "threshold_percent": threshold,
            "disputes": count,
            "by_status": dict(sorted(Counter(d.status for d in disputes).items())),
        }
        if count == 0:
            return Outcome.passed(f"no disputes in the last {window}", **evidence)

        # More charges only lower the rate: once the charges seen so far bring it under the
        # threshold, the verdict is sure and the rest need not be read.
        charges = 0
        complete = True
        with stripe_errors(key, "GET /v1/charges"):
            for charge_page in raw_pages(client, "/v1/charges", query):
                data = charge_page.get("data") or []
                charges += sum(1 for c in data if c.get("status") == "succeeded")
                if charge_page.get("has_more") and 100 * count < threshold * charges:
                    complete = False
                    break
        evidence.update(charges=charges, charges_complete=complete)
        if charges == 0:
            return Outcome.failed(
                f"{count} dispute(s) and no successful charge in the last {window}",
                **evidence,
            )
        rate = 100 * count / charges
        evidence["rate_percent"] = round(rate, 4)
        shown = f"{count} dispute(s) / {'at least ' if not complete else ''}{charges} charges"
        if rate >= threshold:
            return Outcome.failed(
                f"dispute rate {rate:.2f}% ({shown} in the last {window}) is at or over "
                f"{threshold:g}%: review the disputed charges and respond to open disputes",
                **evidence,
            )
        bound = "at most " if not complete else ""
        return Outcome.passed(
            f"dispute rate {bound}{rate:.2f}% ({shown} in the last {window}), under {threshold:g}%",
            **evidence,
        )


class EarlyFraudParams(ProbeParams):
    window_days: float = Field(30, gt=0, le=365, description="How far back to look.")
    max_count: int = Field(0, ge=0, description="Early fraud warnings allowed in the window.")


class EarlyFraudWarnings(Probe[EarlyFraudParams]):
    kind = "stripe.early_fraud_warnings"
    Params = EarlyFraudParams
    summary = "Early fraud warnings in a recent window stay within a count; actionable ones named."

    def run(self, params: EarlyFraudParams, ctx: ProbeContext) -> Outcome:
        mk = key_in_mode(ctx)
        key = mk.key
        client = ctx.stripe()
        query = {"created": {"gte": window_start(params.window_days * DAY_S)}}
        warnings: list[stripe.radar.EarlyFraudWarning] = []
        with stripe_errors(key, "GET /v1/radar/early_fraud_warnings"):
            for page in pages(
                lambda q: client.v1.radar.early_fraud_warnings.list(params=cast(Any, q)), query
            ):
                warnings.extend(page.data)
        window = f"{params.window_days:g} days of {mk.label()}"
        actionable = [w for w in warnings if w.actionable]
        named = ", ".join(f"{w.id} (charge {_charge_id(w)}, {w.fraud_type})" for w in actionable)
        evidence = {
            "window_days": params.window_days,
            "mode": mk.mode,
            "count": len(warnings),
            "max_count": params.max_count,
            "actionable": [w.id for w in actionable],
            "by_fraud_type": dict(sorted(Counter(w.fraud_type for w in warnings).items())),
        }
        if len(warnings) > params.max_count:
            act = f"; actionable, refund them first: {named}" if actionable else ""
            return Outcome.failed(
                f"{len(warnings)} early fraud warning(s) in the last {window} "
                f"(allowed {params.max_count}){act}",
                **evidence,
            )
        if actionable:
            return Outcome.warn(
                f"{len(warnings)} early fraud warning(s) in the last {window}, within "
                f"{params.max_count}, but {len(actionable)} still actionable: refund "
                f"before they become disputes: {named}",
                **evidence,
            )
        return Outcome.passed(
            f"{len(warnings)} early fraud warning(s) in the last {window} "
            f"(allowed {params.max_count}), none actionable",
            **evidence,
        )


def _charge_id(warning: stripe.radar.EarlyFraudWarning) -> str:
    charge = warning.charge
    return charge if isinstance(charge, str) else charge.id
