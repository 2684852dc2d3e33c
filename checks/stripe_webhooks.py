"""Stripe webhook probes: an enabled HTTPS endpoint for the deployment's webhook URL with
the events the backend handles and the API version it expects, and no failed deliveries
in a recent window. Read-only (GET /v1/webhook_endpoints, GET /v1/events)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from pydantic import Field

from golive.context import ProbeContext
from golive.probe import Probe, ProbeError, ProbeParams
from golive.results import Outcome
from golive.stripe_client import pages, stripe_errors, window_start

if TYPE_CHECKING:
    import stripe

#: failed-delivery items look back at least this far in their one shared request, so
#: that items with different windows (24 h, 7 days) cost one request between them
SHARED_LOOKBACK_S = 7 * 86400
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> tuple[str, str]:
    """(scheme, the rest) with the host lower-cased, default port and trailing slash gone."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = f"?{parts.query}" if parts.query else ""
    return scheme, f"{netloc}{path}{query}"


class EndpointParams(ProbeParams):
    url: str | None = Field(
        None, description="The endpoint URL; default: the environment's stripe.webhook_url."
    )
    required_events: list[str] = Field(
        default_factory=list, description="Events the endpoint must receive (missing: fail)."
    )
    optional_events: list[str] = Field(
        default_factory=list, description="Events it should receive (missing: warn)."
    )
    require_https: bool = True
    api_version: str | None = Field(
        None, description="Expected endpoint API version; default: stripe.api_version."
    )


class WebhookEndpoint(Probe[EndpointParams]):
    kind = "stripe.webhook_endpoint"
    Params = EndpointParams
    summary = (
        "An enabled Stripe webhook endpoint for the deployment's URL: HTTPS, the required "
        "events (not '*'), the expected API version."
    )

    def run(self, params: EndpointParams, ctx: ProbeContext) -> Outcome:
        target = params.url or ctx.env.stripe.webhook_url
        if not target:
            raise ProbeError(
                f"no webhook URL: set stripe.webhook_url in environment {ctx.env.name!r} "
                "or url: in the item"
            )
        expected_version = params.api_version or ctx.env.stripe.api_version
        key = ctx.require_var(ctx.env.stripe.api_key_var).reveal()
        client = ctx.stripe()
        endpoints: list[stripe.WebhookEndpoint] = []
        with stripe_errors(key, "GET /v1/webhook_endpoints"):
            for page in pages(lambda q: client.v1.webhook_endpoints.list(params=cast(Any, q)), {}):
                endpoints.extend(page.data)

        want_scheme, want_rest = normalise_url(target)
        matching = [e for e in endpoints if normalise_url(e.url)[1] == want_rest]
        if not matching:
            listed = ", ".join(sorted(e.url for e in endpoints)) or "none"
            return Outcome.failed(
                f"no {ctx.mode}-mode webhook endpoint for {target} (endpoints: {listed}); "
                "add it in Developers > Webhooks",
                url=target,
                endpoints=[e.url for e in endpoints],
                api_version=None,
            )
        enabled = [e for e in matching if e.status == "enabled"]
        if not enabled:
            ids = ", ".join(e.id for e in matching)
            return Outcome.failed(
                f"the webhook endpoint for {target} ({ids}) is disabled: Stripe sends it "
                "nothing; enable it",
                url=target,
                endpoint=matching[0].id,
                status=matching[0].status,
                api_version=matching[0].api_version,
            )
        # Judge the best of the enabled endpoints for this URL.
        verdicts = [
            self._judge(e, params, expected_version, want_scheme, len(enabled)) for e in enabled
        ]
        return min(verdicts, key=lambda o: _RANK[o.status.value])

    def _judge(
        self,
        endpoint: stripe.WebhookEndpoint,
        params: EndpointParams,
        expected_version: str | None,
        want_scheme: str,
        enabled_count: int,
    ) -> Outcome:
        events = set(endpoint.enabled_events or [])
        wildcard = "*" in events
        scheme = urlsplit(endpoint.url).scheme.lower()
        evidence = {
            "endpoint": endpoint.id,
            "url": endpoint.url,
            "status": endpoint.status,
            "enabled_events": sorted(events),
            "api_version": endpoint.api_version,
            "expected_api_version": expected_version,
        }
        failures: list[str] = []
        warnings: list[str] = []
        if params.require_https and scheme != "https":
            failures.append(f"its URL is {scheme}, not https: Stripe requires HTTPS in live mode")
        elif scheme != want_scheme:
            warnings.append(f"its URL is {scheme}, the deployment's is {want_scheme}")
        missing = [] if wildcard else [e for e in params.required_events if e not in events]
        if missing:
            failures.append(f"it does not receive {', '.join(missing)}")
        if expected_version and endpoint.api_version and endpoint.api_version != expected_version:
            failures.append(
                f"its API version is {endpoint.api_version}, the deployment expects "
                f"{expected_version} (event payloads differ between versions)"
            )
        elif expected_version and not endpoint.api_version:
            warnings.append(
                f"it uses the account's default API version; pin it to {expected_version}"
            )
        if wildcard:
            warnings.append(
                "it subscribes to '*' (every event): Stripe advises listing only the events "
                "the backend handles"
            )
        absent = [] if wildcard else [e for e in params.optional_events if e not in events]
        if absent:
            warnings.append(f"it does not receive the optional {', '.join(absent)}")
        if enabled_count > 1:
            warnings.append(
                f"{enabled_count} enabled endpoints share this URL: events arrive twice"
            )
        where = f"endpoint {endpoint.id} ({endpoint.url})"
        version = f"API version {endpoint.api_version or 'account default'}"
        if failures:
            return Outcome.failed(f"{where}: {'; '.join(failures + warnings)}", **evidence)
        if warnings:
            return Outcome.warn(f"{where}: {'; '.join(warnings)}", **evidence)
        listed = f"{len(params.required_events)} required events" if params.required_events else ""
        detail = ", ".join(p for p in ("enabled", listed, version) if p)
        return Outcome.passed(f"{where}: {detail}", **evidence)


_RANK = {"pass": 0, "warn": 1, "fail": 2}


class FailedDeliveriesParams(ProbeParams):
    window_hours: float = Field(24, gt=0, le=30 * 24, description="How far back to look.")
    max_failed: int = Field(0, ge=0, description="Failed events allowed in the window.")


class FailedDeliveries(Probe[FailedDeliveriesParams]):
    kind = "stripe.failed_deliveries"
    Params = FailedDeliveriesParams
    summary = "Events Stripe could not deliver to a webhook endpoint in a recent window."

    def run(self, params: FailedDeliveriesParams, ctx: ProbeContext) -> Outcome:
        key = ctx.require_var(ctx.env.stripe.api_key_var).reveal()
        client = ctx.stripe()
        window_s = params.window_hours * 3600
        since = window_start(window_s)
        query = {
            "delivery_success": False,
            "created": {"gte": window_start(max(window_s, SHARED_LOOKBACK_S))},
        }
        failed: list[stripe.Event] = []
        with stripe_errors(key, "GET /v1/events?delivery_success=false"):
            for page in pages(lambda q: client.v1.events.list(params=cast(Any, q)), query):
                failed.extend(e for e in page.data if e.created >= since)
                if page.data and page.data[-1].created < since:
                    break  # newest first: the rest is older than the window
        window = _hours(params.window_hours)
        by_type = Counter(e.type for e in failed)
        evidence = {
            "window_hours": params.window_hours,
            "failed": len(failed),
            "by_type": dict(sorted(by_type.items())),
            "latest": [e.id for e in failed[:10]],
        }
        if len(failed) > params.max_failed:
            counts = ", ".join(f"{t} x{n}" for t, n in by_type.most_common())
            return Outcome.failed(
                f"{len(failed)} event(s) not delivered in the last {window} "
                f"(allowed {params.max_failed}): {counts}; fix the handler, then resend them "
                "from Developers > Webhooks",
                **evidence,
            )
        return Outcome.passed(
            f"{len(failed)} failed deliveries in the last {window} (allowed {params.max_failed})",
            **evidence,
        )


def _hours(hours: float) -> str:
    if hours % 24 == 0 and hours >= 48:
        return f"{hours / 24:g} days"
    return f"{hours:g} h"
