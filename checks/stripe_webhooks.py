"""Stripe webhook probes: an enabled HTTPS endpoint for the deployment's webhook URL with
the events the backend handles and the API version it expects, and no failed deliveries
in a recent window. Read-only (GET /v1/webhook_endpoints, GET /v1/events)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit

from pydantic import Field

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams
from golive.engine.stripe_client import pages, stripe_errors, window_start
from golive.engine.stripe_mode import key_in_mode

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


def expected_webhook_url(ctx: ProbeContext) -> str | None:
    """The URL Stripe must deliver to: stripe.webhook_url, moved onto the environment's
    public_url when it names one and webhook_url is under the base URL (golive probes
    from inside, Stripe delivers from outside); a path alone is joined to the public URL
    (else the base URL)."""
    url = ctx.env.stripe.webhook_url
    public = ctx.public_url()
    if not url:
        return None
    if url.startswith("/"):
        return (public or ctx.base_url()) + url
    if public is None:
        return url
    base = ctx.env.base_url.value
    if base:
        base = base.rstrip("/")
        if url == base or url.startswith(base + "/") or url.startswith(base + "?"):
            return public + url[len(base) :]
    return url


_RANK = {"pass": 0, "warn": 1, "fail": 2}
Aspect = Literal["endpoint", "https", "events", "api_version", "all"]


class EndpointParams(ProbeParams):
    url: str | None = Field(
        None,
        description="The endpoint URL; default: the environment's stripe.webhook_url (on its "
        "public_url when set).",
    )
    check: Aspect = Field(
        "all",
        description="The one question this item answers: endpoint (one exists for the URL "
        "and is enabled), https (its URL is HTTPS), events (it receives the required "
        "events), api_version (it is pinned to the expected version), or all of them.",
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
    version_severity: Literal["warn", "fail"] = Field(
        "warn",
        description="What an API version other than the expected one is: event payloads "
        "differ between versions, but many handlers read only fields every version has.",
    )


class WebhookEndpoint(Probe[EndpointParams]):
    kind = "stripe.webhook_endpoint"
    Params = EndpointParams
    summary = (
        "The Stripe webhook endpoint for the deployment's URL, one question per item: it "
        "exists and is enabled, its URL is HTTPS, it receives the required events (not '*'), "
        "its API version is the expected one."
    )

    def run(self, params: EndpointParams, ctx: ProbeContext) -> Outcome:
        target = params.url or expected_webhook_url(ctx)
        if not target:
            raise ProbeError(
                f"no webhook URL: set stripe.webhook_url in environment {ctx.env.name!r} "
                "or url: in the item"
            )
        expected_version = params.api_version or ctx.env.stripe.api_version
        if params.check == "api_version" and not expected_version:
            return Outcome.skip(
                "no expected API version: set stripe.api_version in the environment "
                "(or api_version: in the item)"
            )
        mk = key_in_mode(ctx)
        client = ctx.stripe()
        endpoints: list[stripe.WebhookEndpoint] = []
        with stripe_errors(mk.key, "GET /v1/webhook_endpoints"):
            for page in pages(lambda q: client.v1.webhook_endpoints.list(params=cast(Any, q)), {}):
                endpoints.extend(page.data)

        want_scheme, want_rest = normalise_url(target)
        matching = [e for e in endpoints if normalise_url(e.url)[1] == want_rest]
        enabled = [e for e in matching if e.status == "enabled"]
        if params.check not in ("endpoint", "all") and not matching:
            # Another item's question (does an endpoint exist?) decides this one.
            return Outcome.error(
                f"no {mk.mode}-mode webhook endpoint for {target}, so this cannot be judged "
                "(the endpoint item reports it)",
                url=target,
                mode=mk.mode,
            )
        if not matching:
            listed = ", ".join(sorted(e.url for e in endpoints)) or "none"
            return Outcome.failed(
                f"no {mk.mode}-mode webhook endpoint for {target} (endpoints: {listed}); "
                "add it in Developers > Webhooks",
                url=target,
                mode=mk.mode,
                endpoints=[e.url for e in endpoints],
                api_version=None,
            )
        if not enabled and params.check == "endpoint":
            ids = ", ".join(e.id for e in matching)
            return Outcome.failed(
                f"the {mk.mode}-mode webhook endpoint for {target} ({ids}) is disabled: "
                "Stripe sends it nothing; enable it",
                url=target,
                mode=mk.mode,
                endpoint=matching[0].id,
                status=matching[0].status,
                api_version=matching[0].api_version,
            )
        # Judge the best of the enabled endpoints for this URL; with none enabled, the
        # disabled ones still have their URL and events judged, so one run shows every
        # fault of the endpoint, not one per enable-and-rerun.
        verdicts = [
            _Judge(e, params, expected_version, want_scheme, len(enabled), mk.mode).outcome()
            for e in (enabled or matching)
        ]
        return min(verdicts, key=lambda o: _RANK[o.status.value])


class _Judge:
    """One endpoint (enabled, or disabled when no other is), judged on the item's
    question(s) only."""

    def __init__(
        self,
        endpoint: stripe.WebhookEndpoint,
        params: EndpointParams,
        expected_version: str | None,
        want_scheme: str,
        enabled_count: int,
        mode: str,
    ) -> None:
        self.endpoint = endpoint
        self.params = params
        self.expected_version = expected_version
        self.want_scheme = want_scheme
        self.enabled_count = enabled_count
        self.mode = mode
        self.failures: list[str] = []
        self.warnings: list[str] = []
        self.passed: list[str] = []

    def outcome(self) -> Outcome:
        endpoint, params = self.endpoint, self.params
        events = set(endpoint.enabled_events or [])
        aspects = (
            ["endpoint", "https", "events", "api_version"]
            if params.check == "all"
            else [params.check]
        )
        for aspect in aspects:
            getattr(self, f"_{aspect}")(events)
        evidence = {
            "endpoint": endpoint.id,
            "url": endpoint.url,
            "mode": self.mode,
            "status": endpoint.status,
            "enabled_events": sorted(events),
            "api_version": endpoint.api_version,
            "expected_api_version": self.expected_version,
        }
        where = f"{self.mode}-mode endpoint {endpoint.id} ({endpoint.url})"
        if endpoint.status != "enabled" and params.check != "all":
            where += f", {endpoint.status} (the endpoint item reports that)"
        if self.failures:
            return Outcome.failed(
                f"{where}: {'; '.join(self.failures + self.warnings)}", **evidence
            )
        if self.warnings:
            return Outcome.warn(f"{where}: {'; '.join(self.warnings)}", **evidence)
        return Outcome.passed(f"{where}: {', '.join(self.passed)}", **evidence)

    def _endpoint(self, events: set[str]) -> None:
        if self.endpoint.status != "enabled":
            self.failures.append(
                f"it is {self.endpoint.status}: Stripe sends it nothing; enable it"
            )
            return
        self.passed.append("enabled")
        if self.enabled_count > 1:
            self.warnings.append(
                f"{self.enabled_count} enabled endpoints share this URL: events arrive twice"
            )

    def _https(self, events: set[str]) -> None:
        scheme = urlsplit(self.endpoint.url).scheme.lower()
        if self.params.require_https and scheme != "https":
            self.failures.append(
                f"its URL is {scheme}, not https: Stripe requires HTTPS in live mode"
            )
        elif scheme != self.want_scheme:
            self.warnings.append(f"its URL is {scheme}, the deployment's is {self.want_scheme}")
        else:
            self.passed.append(f"URL is {scheme}")

    def _events(self, events: set[str]) -> None:
        params = self.params
        if "*" in events:
            self.warnings.append(
                "it subscribes to '*' (every event): Stripe advises listing only the events "
                "the backend handles"
            )
            return
        missing = [e for e in params.required_events if e not in events]
        if missing:
            self.failures.append(f"it does not receive {', '.join(missing)}")
        absent = [e for e in params.optional_events if e not in events]
        if absent:
            self.warnings.append(f"it does not receive the optional {', '.join(absent)}")
        if params.required_events:
            self.passed.append(f"{len(params.required_events)} required events")

    def _api_version(self, events: set[str]) -> None:
        expected, actual = self.expected_version, self.endpoint.api_version
        if not expected:
            return
        if actual and actual != expected:
            finding = (
                f"its API version is {actual}, the deployment expects {expected} (event "
                "payloads differ between versions)"
            )
            if self.params.version_severity == "fail":
                self.failures.append(finding)
            else:
                self.warnings.append(finding)
        elif not actual:
            self.warnings.append(f"it uses the account's default API version; pin it to {expected}")
        else:
            self.passed.append(f"API version {actual}")


class FailedDeliveriesParams(ProbeParams):
    window_hours: float = Field(24, gt=0, le=30 * 24, description="How far back to look.")
    max_failed: int = Field(0, ge=0, description="Failed events allowed in the window.")


class FailedDeliveries(Probe[FailedDeliveriesParams]):
    kind = "stripe.failed_deliveries"
    Params = FailedDeliveriesParams
    summary = "Events Stripe could not deliver to a webhook endpoint in a recent window."

    def run(self, params: FailedDeliveriesParams, ctx: ProbeContext) -> Outcome:
        mk = key_in_mode(ctx)
        client = ctx.stripe()
        window_s = params.window_hours * 3600
        since = window_start(window_s)
        query = {
            "delivery_success": False,
            "created": {"gte": window_start(max(window_s, SHARED_LOOKBACK_S))},
        }
        failed: list[stripe.Event] = []
        with stripe_errors(mk.key, "GET /v1/events?delivery_success=false"):
            for page in pages(lambda q: client.v1.events.list(params=cast(Any, q)), query):
                failed.extend(e for e in page.data if e.created >= since)
                if page.data and page.data[-1].created < since:
                    break  # newest first: the rest is older than the window
        window = _hours(params.window_hours)
        by_type = Counter(e.type for e in failed)
        evidence = {
            "window_hours": params.window_hours,
            "mode": mk.mode,
            "failed": len(failed),
            "by_type": dict(sorted(by_type.items())),
            "latest": [e.id for e in failed[:10]],
        }
        if len(failed) > params.max_failed:
            counts = ", ".join(f"{t} x{n}" for t, n in by_type.most_common())
            return Outcome.failed(
                f"{len(failed)} {mk.mode}-mode event(s) not delivered in the last {window} "
                f"(allowed {params.max_failed}): {counts}; fix the handler, then resend them "
                "from Developers > Webhooks",
                **evidence,
            )
        return Outcome.passed(
            f"{len(failed)} failed deliveries of {mk.mode}-mode events in the last {window} "
            f"(allowed {params.max_failed})",
            **evidence,
        )


def _hours(hours: float) -> str:
    if hours % 24 == 0 and hours >= 48:
        return f"{hours / 24:g} days"
    return f"{hours:g} h"
