"""Which planned items `golive watch` runs: the read-only ones.

A watch runs every cycle, unattended, against a deployment that serves customers, so it
leaves out what `check` runs once with a person watching: probes that send traffic a
deployment could notice (`Probe.sends_traffic`: bursts, sweeps), items whose requests
may change the app's state (an `http.status` route with a method other than GET, HEAD,
OPTIONS, or `state_changing: true`), and rehearsals (`check` never runs those either).
A profile with `allow_traffic: true` lets the first two in, as it does for `check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from golive.checklist.models import Checklist, Item
from golive.checklist.profiles import EnvironmentProfile
from golive.commands.check import REHEARSAL_KIND
from golive.engine.runner import PlannedItem


@dataclass(frozen=True)
class Excluded:
    id: str
    reason: str


def _changes_state(params: Any) -> bool:
    """Whether any request the parameters describe may change state (`routes` entries
    that say so, as http.status's do)."""
    routes = getattr(params, "routes", None) or ()
    return any(bool(getattr(route, "changes_state", False)) for route in routes)


def why_not_watched(item: Item, checklist: Checklist, profile: EnvironmentProfile) -> str | None:
    """The reason a watch leaves `item` out, or None when it runs it."""
    if item.probe.kind == REHEARSAL_KIND:
        return "a rehearsal (writes in test mode): run `golive rehearse`"
    if profile.allow_traffic:
        return None
    from golive.engine.registry import load_probe, runs_isolated

    target = checklist.probe_target(item.probe.kind)
    if runs_isolated(item.probe.kind, target):
        return _plugin_not_watched(item, target)
    try:
        probe = load_probe(item.probe.kind, checklist.probe_target(item.probe.kind))
        params = probe.Params.model_validate(item.probe.params)
    except Exception:  # the run reports a probe that cannot load as error: keep the item
        return None
    if probe.sends_traffic:
        return "sends traffic a deployment could notice (allow_traffic: true lets it in)"
    if _changes_state(params):
        return "may change the app's state (allow_traffic: true lets it in)"
    return None


def _plugin_not_watched(item: Item, target: str | None) -> str | None:
    """A plug-in's code is never imported here (it runs only in a trusted run, in a child
    process): what it does is read from its source and its parameters, and a plug-in whose
    source does not say is left out (fail closed)."""
    from golive.engine.pluginsource import declared_flag
    from golive.engine.registry import known_kinds

    where = target or known_kinds().get(item.probe.kind)
    sends = declared_flag(where, "sends_traffic") if where else None
    if sends is None:
        return (
            "a plug-in whose source does not say whether it sends traffic (sends_traffic = "
            "False in its class, or allow_traffic: true, lets it in)"
        )
    if sends:
        return "sends traffic a deployment could notice (allow_traffic: true lets it in)"
    routes = item.probe.params.get("routes") if isinstance(item.probe.params, dict) else None
    for route in routes if isinstance(routes, list) else ():
        if not isinstance(route, dict):
            continue
        method = str(route.get("method", "GET")).upper()
        writes = route.get("state_changing")
        if writes is True or (writes is None and method not in ("GET", "HEAD", "OPTIONS")):
            return "may change the app's state (allow_traffic: true lets it in)"
    return None


def watched_plan(
    checklist: Checklist, environment: str, planned: list[PlannedItem]
) -> tuple[list[PlannedItem], list[Excluded]]:
    """The plan a watch runs, and what it left out with each reason.

    An item left out stays in the plan as a skip (`not watched: REASON`), so that every
    report and /report.json say what the watch does not look at, as `check --skip` does.
    """
    profile = checklist.environments[environment]
    kept: list[PlannedItem] = []
    excluded: list[Excluded] = []
    for p in planned:
        reason = None if p.skip_reason else why_not_watched(p.item, checklist, profile)
        if reason:
            excluded.append(Excluded(p.item.id, reason))
            kept.append(PlannedItem(p.item, f"not watched: {reason}"))
        else:
            kept.append(p)
    return kept, excluded
