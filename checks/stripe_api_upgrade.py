"""stripe.api_upgrade: the fields the app's webhook handlers read still exist in the
payloads the endpoint is sent.

Three versions meet here: the endpoint's `api_version` (null: the account's default,
which the newest event's `api_version` shows), the version the app's Stripe SDK pins
(from its lockfile, checks/lockfiles.py), and the fields the code reads
(checks/stripe_field_reads.py) of the objects the endpoint's events carry. The table of
removed fields (golive/data/stripe_api_changes.json) is generated from stripe/openapi's
history by scripts/stripe_api_changes.py.

fail: code reads, on an object named as such, a field the payload version no longer has.
warn: a generic receiver (`obj.current_period_end`) may read one; or the SDK pins another
release train than the payloads; or the payload version is unknown. Read-only: GET
/v1/webhook_endpoints (shared with the webhook items), and GET /v1/events?limit=1 only
for an endpoint without a pinned version.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any, cast

from pydantic import Field

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams
from golive.engine.stripe_client import pages, stripe_errors
from golive.engine.stripe_mode import key_in_mode

from .lockfiles import stripe_sdk_pins, tracked
from .stripe_field_reads import Read, find_reads
from .stripe_webhooks import expected_webhook_url, normalise_url

#: The first major release of each SDK that pins each release train's first version
#: (each SDK's CHANGELOG: "this release changes the pinned API version to ..."). Minor
#: releases within a train move to its later monthly versions, which rarely remove fields.
SDK_TRAINS: dict[str, list[tuple[int, str]]] = {
    "npm": [(17, "2024-09-30.acacia"), (18, "2025-03-31.basil"), (19, "2025-09-30.clover")],
    "pypi": [(11, "2024-09-30.acacia"), (12, "2025-03-31.basil"), (13, "2025-09-30.clover")],
    "gem": [(13, "2024-09-30.acacia"), (15, "2025-03-31.basil"), (16, "2025-09-30.clover")],
    "composer": [(16, "2024-09-30.acacia"), (17, "2025-03-31.basil"), (18, "2025-09-30.clover")],
    "go": [(80, "2024-09-30.acacia"), (82, "2025-03-31.basil"), (83, "2025-09-30.clover")],
    "maven": [(27, "2024-09-30.acacia"), (29, "2025-03-31.basil"), (30, "2025-09-30.clover")],
}


class ApiUpgradeParams(ProbeParams):
    url: str | None = Field(
        None, description="The endpoint URL; default: the environment's stripe.webhook_url."
    )
    objects: list[str] = Field(
        default_factory=list,
        description="Object kinds whose reads to look for (invoice, subscription, ...); "
        "default: those of the endpoint's enabled events (all for '*').",
    )


@cache
def removed_fields() -> tuple[dict[str, Any], ...]:
    text = resources.files("golive").joinpath("data/stripe_api_changes.json").read_text("utf-8")
    return tuple(json.loads(text)["removed"])


def version_date(version: str) -> str:
    return version[:10]


def train(version: str) -> str:
    return version.partition(".")[2] or version


def event_object(event_type: str) -> str:
    """invoice.payment_succeeded -> invoice; customer.subscription.updated ->
    subscription; checkout.session.completed -> checkout.session."""
    parts = event_type.split(".")[:-1]
    if parts[:1] == ["customer"] and len(parts) > 1:
        parts = parts[1:]
    if parts[:1] == ["invoiceitem"]:
        return "invoice_item"
    return ".".join(parts)


def sdk_version(ecosystem: str, version: str) -> str | None:
    """The API version an SDK release pins (its train's first), None when not known."""
    m = re.match(r"v?(\d+)", version)
    trains = SDK_TRAINS.get(ecosystem)
    if not m or not trains:
        return None
    major = int(m.group(1))
    if major < trains[0][0]:
        return f"before {trains[0][1]}"
    if major > trains[-1][0]:
        return None  # a later train than this table knows: no claim either way
    return [v for first, v in trains if major >= first][-1]


class ApiUpgrade(Probe[ApiUpgradeParams]):
    kind = "stripe.api_upgrade"
    Params = ApiUpgradeParams
    summary = (
        "The fields the app's code reads on webhook objects exist in the API version the "
        "endpoint sends (removed fields from stripe/openapi's history); the SDK pin agrees."
    )

    def run(self, params: ApiUpgradeParams, ctx: ProbeContext) -> Outcome:
        target = params.url or expected_webhook_url(ctx)
        if not target:
            raise ProbeError(
                f"no webhook URL: set stripe.webhook_url in environment {ctx.env.name!r} "
                "or url: in the item"
            )
        repo = ctx.repo_folder()
        mk = key_in_mode(ctx)
        client = ctx.stripe()
        endpoints: list[Any] = []
        with stripe_errors(mk.key, "GET /v1/webhook_endpoints"):
            for page in pages(lambda q: client.v1.webhook_endpoints.list(params=cast(Any, q)), {}):
                endpoints.extend(page.data)
        rest = normalise_url(target)[1]
        enabled = [
            e for e in endpoints if normalise_url(e.url)[1] == rest and e.status == "enabled"
        ]
        if not enabled:
            raise ProbeError(
                f"no enabled {mk.mode}-mode webhook endpoint for {target}, so the version its "
                "payloads have is unknown (the endpoint item reports it)"
            )
        endpoint = enabled[0]
        pinned = getattr(endpoint, "api_version", None)
        default = None
        if not pinned:  # only then do the payloads follow the account's default
            with stripe_errors(mk.key, "GET /v1/events?limit=1"):
                newest = client.v1.events.list(params={"limit": 1}).data
            default = newest[0].api_version if newest else None
        payload = pinned or default
        source = (
            f"the endpoint is pinned to {pinned}"
            if pinned
            else f"the endpoint follows the account's default ({default or 'unknown'}, as its "
            "newest event shows)"
        )
        events = list(endpoint.enabled_events or [])
        kinds = set(params.objects) or (
            None if "*" in events else {event_object(t) for t in events}
        )
        table = [e for e in removed_fields() if kinds is None or e["object"] in kinds]
        fields: dict[str, set[str]] = {}
        for e in table:
            fields.setdefault(e["object"], set()).add(e["field"])
        files = tracked(repo)
        reads, scanned = find_reads(repo, files, fields)
        pins = stripe_sdk_pins(repo, files)
        sdk = [(p, sdk_version(p.ecosystem, p.version)) for p in pins]
        evidence: dict[str, Any] = {
            "endpoint": endpoint.id,
            "endpoint_api_version": pinned,
            "account_default_api_version": default,
            "sdk_pins": [f"{p.describe()} -> {v or 'unknown'}" for p, v in sdk],
            "files_scanned": scanned,
            "objects": sorted(fields),
        }
        if scanned == 0:
            raise ProbeError(
                f"no tracked source files in {repo} to find the webhook handlers' reads in"
            )
        if payload is None:
            return Outcome.warn(
                f"{source}: the version of its payloads is unknown, so removed fields cannot "
                "be judged; pin the endpoint's API version",
                **evidence,
            )
        by_field = {(e["object"], e["field"]): e for e in table}
        gone = [
            r
            for r in reads
            if version_date(by_field[(r.object, r.field)]["removed_in"]) <= version_date(payload)
        ]
        clear, unsure = [r for r in gone if r.clear], [r for r in gone if not r.clear]
        evidence["reads"] = [f"{r.object}.{r.field} at {r.where()}" for r in gone[:50]]
        tail = f"; the endpoint sends {payload} payloads ({source})"
        if clear:
            return Outcome.failed("handlers read " + _said(clear, by_field) + tail, **evidence)
        notes = []
        if unsure:
            notes.append("handlers may read " + _said(unsure, by_field) + " (on a generic name)")
        if sdk and all(v and _other_train(v, payload) for _, v in sdk):
            shown = ", ".join(f"{p.describe()} pins {v}" for p, v in sdk if v)
            notes.append(
                f"the app's SDK is of another release train ({shown}): its types and "
                "the payloads disagree where that train changed fields"
            )
        if notes:
            return Outcome.warn("; ".join(notes) + tail, **evidence)
        return Outcome.passed(
            f"no read of a field removed up to {payload} in {scanned} source file(s) "
            f"({', '.join(sorted(fields)) or 'no object kinds'})" + tail,
            **evidence,
        )


def _other_train(sdk: str, payload: str) -> bool:
    """Whether an SDK pinning `sdk` ("before 2024-09-30.acacia" for older majors) was
    written for another release train than `payload`."""
    if sdk.startswith("before "):
        return version_date(payload) >= version_date(sdk.removeprefix("before "))
    return train(sdk) != train(payload)


def _said(reads: list[Read], by_field: dict[tuple[str, str], dict[str, Any]]) -> str:
    """invoice.subscription (src/hooks.js:12; removed in 2025-03-31.basil; now ...)."""
    seen: dict[tuple[str, str], list[Read]] = {}
    for r in reads:
        seen.setdefault((r.object, r.field), []).append(r)
    parts = []
    for (obj, f), rs in list(seen.items())[:8]:
        entry = by_field[(obj, f)]
        where = ", ".join(r.where() for r in rs[:3]) + (f" +{len(rs) - 3}" if len(rs) > 3 else "")
        now = f"; now {entry['now']}" if entry.get("now") else ""
        parts.append(f"{obj}.{f} ({where}; removed in {entry['removed_in']}{now})")
    more = f" and {len(seen) - 8} more" if len(seen) > 8 else ""
    return ", ".join(parts) + more
