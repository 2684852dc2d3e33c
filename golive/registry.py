"""The one place that maps checklist.yaml's probe kinds to probe classes.

Written out as a plain dict of import paths: nothing registers itself on import, so
import order never matters, `golive --help` imports no probe, and tests need no resets.
Third-party packages add kinds through the `golive.probes` entry-point group.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from golive.errors import GoliveError
from golive.probe import Probe

BUILTIN_PROBES: dict[str, str] = {
    # configuration (env vars of the deployment): checks/env.py
    "env.present": "golive.checks.env:Present",
    "env.absent": "golive.checks.env:Absent",
    "env.not_truthy": "golive.checks.env:NotTruthy",
    "env.equals": "golive.checks.env:Equals",
    "env.one_of": "golive.checks.env:OneOf",
    "env.key_prefix": "golive.checks.env:KeyPrefix",
    "env.mode_consistent": "golive.checks.env:ModeConsistent",
    "env.price_mapping": "golive.checks.env:PriceMapping",
    "env.mapping_fallback": "golive.checks.env:MappingFallback",
    "env.email_list": "golive.checks.env:EmailList",
    "env.domain": "golive.checks.env:Domain",
    "env.differs": "golive.checks.env:Differs",
    "env.no_test_values": "golive.checks.env:NoTestValues",
    # secrets in the repository: checks/secrets.py
    "secrets.repo_scan": "golive.checks.secrets:RepoScan",
    "secrets.tracked_env_files": "golive.checks.secrets:TrackedEnvFiles",
    "repo.dependency_pinned": "golive.checks.repo:DependencyPinned",
    "repo.patterns": "golive.checks.repo:Patterns",
    # Stripe, read-only: checks/stripe_*.py
    "stripe.key_mode": "golive.checks.stripe_account:KeyMode",
    "stripe.account": "golive.checks.stripe_account:AccountReady",
    "stripe.prices": "golive.checks.stripe_prices:Prices",
    "stripe.webhook_endpoint": "golive.checks.stripe_webhooks:WebhookEndpoint",
    "stripe.failed_deliveries": "golive.checks.stripe_webhooks:FailedDeliveries",
    "stripe.dispute_rate": "golive.checks.stripe_risk:DisputeRate",
    "stripe.early_fraud_warnings": "golive.checks.stripe_risk:EarlyFraudWarnings",
    # the deployment's database: checks/db_schema.py, db_rows.py, db_plans.py, db_migrations.py
    "db.tables": "golive.checks.db_schema:Tables",
    "db.columns": "golive.checks.db_schema:Columns",
    "db.rows": "golive.checks.db_rows:Rows",
    "db.plans_cover_mapping": "golive.checks.db_plans:PlansCoverMapping",
    "db.migration_head": "golive.checks.db_migrations:MigrationHead",
    "db.same_revision": "golive.checks.db_migrations:SameRevision",
    # the deployment's HTTP surface: checks/http.py
    "http.status": "golive.checks.http:StatusByRole",
    "http.rate_limit": "golive.checks.http:RateLimit",
    "http.webhook_signature": "golive.checks.http:WebhookSignature",
    "http.https": "golive.checks.http:Https",
    # what only a person can confirm: checks/manual.py
    "manual": "golive.checks.manual:Manual",
}

ENTRY_POINT_GROUP = "golive.probes"


@cache
def _third_party() -> dict[str, str]:
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def known_kinds() -> dict[str, str]:
    """Every probe kind golive knows, built-in first (a plug-in cannot shadow one)."""
    return {**_third_party(), **BUILTIN_PROBES}


class ProbeLoadError(GoliveError):
    """A probe kind's module or class could not be loaded: a checklist error (exit 2)."""


@cache
def load_probe(kind: str) -> Probe[Any]:
    """An instance of the probe class for `kind`.

    KeyError if the kind is unknown; ProbeLoadError, naming the kind and its target, if
    its module fails to import or its class is missing or not a Probe. A kind that cannot
    load is never silently replaced: an item that uses it cannot be judged.
    """
    target = known_kinds()[kind]
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, attr)
    except Exception as exc:  # ImportError, AttributeError, or the module's own failure
        raise ProbeLoadError(
            f"probe kind {kind!r}: cannot load {target}: {type(exc).__name__}: {exc}"
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Probe)):
        raise ProbeLoadError(f"probe kind {kind!r}: {target} is not a golive Probe class")
    probe: Probe[Any] = cls()
    return probe
