"""`/metrics`: the last run in the Prometheus text format, via prometheus_client.

Everything about the last run is a gauge (an item's status, the verdict, times, counts):
a scrape reads the state now, and an alert on `golive_item_status{status="fail"} == 1`
ends when the item is fixed (cumulative counters are the wrong type for that). Only the
number of runs and of failed runs are counters. Families are built fresh from a snapshot
on every scrape, so an item that left the checklist leaves the metrics too.

Labels carry item ids, sections, severities, statuses and the environment's name, never
a value read from the deployment: nothing secret can reach a scrape.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from golive.core.results import Status

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry

    from golive.watch.state import Snapshot, WatchState

VERDICTS = ("ready", "partial", "not ready", "inconclusive")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Collector:
    def __init__(self, state: WatchState) -> None:
        self.state = state

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        snap: Snapshot = self.state.snapshot()
        env = snap.environment
        runs = CounterMetricFamily(
            "golive_watch_runs", "Runs the watch finished.", labels=["environment"]
        )
        runs.add_metric([env], snap.runs)
        yield runs
        failures = CounterMetricFamily(
            "golive_watch_run_failures",
            "Runs that produced no report (a source or input that failed).",
            labels=["environment"],
        )
        failures.add_metric([env], snap.failures)
        yield failures
        ok = GaugeMetricFamily(
            "golive_last_run_success",
            "1 when the last run produced a report, 0 when it failed.",
            labels=["environment"],
        )
        ok.add_metric([env], 0 if snap.error is not None or snap.runs == 0 else 1)
        yield ok
        ready = GaugeMetricFamily(
            "golive_ready",
            "1 when the last run's gate held (exit code 0), else 0.",
            labels=["environment"],
        )
        ready.add_metric([env], 1 if snap.ready else 0)
        yield ready
        for name, value, text in (
            ("golive_last_run_start_timestamp_seconds", snap.started, "Start of the last run."),
            ("golive_last_run_end_timestamp_seconds", snap.finished, "End of the last run."),
            ("golive_last_run_duration_seconds", snap.duration, "Duration of the last run."),
        ):
            if value is not None:
                family = GaugeMetricFamily(name, text, labels=["environment"])
                family.add_metric([env], value)
                yield family
        report = snap.report
        if report is None:
            return
        verdict = GaugeMetricFamily(
            "golive_verdict",
            "The last report's verdict: 1 for the one it had, 0 for the others.",
            labels=["environment", "verdict"],
        )
        for name in VERDICTS:
            verdict.add_metric([env, name], 1 if report["verdict"] == name else 0)
        yield verdict
        counts = GaugeMetricFamily(
            "golive_items", "Items of the last report by status.", labels=["environment", "status"]
        )
        for status, count in report["counts"].items():
            counts.add_metric([env, status], count)
        yield counts
        items = GaugeMetricFamily(
            "golive_item_status",
            "Each item's status in the last report: 1 for its status, 0 for the others.",
            labels=["environment", "item", "section", "severity", "status"],
        )
        for r in report["results"]:
            for status in Status:
                items.add_metric(
                    [env, r["id"], r["section"], r["severity"], status.value],
                    1 if r["status"] == status.value else 0,
                )
        yield items


def registry_for(state: WatchState) -> CollectorRegistry:
    """A registry of its own (not the process-wide default) holding only this watch."""
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(state))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    from prometheus_client import generate_latest

    return generate_latest(registry)
