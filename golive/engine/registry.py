"""The one place that maps checklist.yaml's probe kinds to probe classes.

Written out as a plain dict of import paths: nothing registers itself on import, so
import order never matters, `golive --help` imports no probe, and tests need no resets.
Third-party packages add kinds through the `golive.probes` entry-point group; a
checklist adds its own through `plugins:` (local files or importable modules), which
`resolve_plugins` turns into kind -> target pairs when the checklist is loaded. None of
them can shadow a built-in kind. docs/probe-api.md is the author's guide.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from golive.core.errors import GoliveError
from golive.engine.probe import Probe

BUILTIN_PROBES: dict[str, str] = {
    # configuration (env vars of the deployment): checks/env.py
    "env.present": "golive.checks.env:Present",
    "env.absent": "golive.checks.env:Absent",
    "env.not_truthy": "golive.checks.env:NotTruthy",
    "env.equals": "golive.checks.env:Equals",
    "env.one_of": "golive.checks.env:OneOf",
    "env.key_prefix": "golive.checks.env:KeyPrefix",
    "env.mode_consistent": "golive.checks.env_prices:ModeConsistent",
    "env.price_mapping": "golive.checks.env_prices:PriceMapping",
    "env.mapping_fallback": "golive.checks.env_prices:MappingFallback",
    "env.email_list": "golive.checks.env:EmailList",
    "env.domain": "golive.checks.env:Domain",
    "env.differs": "golive.checks.env:Differs",
    "env.no_test_values": "golive.checks.env_prices:NoTestValues",
    "env.public_urls": "golive.checks.env_urls:PublicUrls",
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
    "stripe.api_upgrade": "golive.checks.stripe_api_upgrade:ApiUpgrade",
    "stripe.dispute_rate": "golive.checks.stripe_risk:DisputeRate",
    "stripe.early_fraud_warnings": "golive.checks.stripe_risk:EarlyFraudWarnings",
    # the deployment's database: checks/db_schema.py, db_rows.py, db_plans.py, db_migrations.py
    "db.tables": "golive.checks.db_schema:Tables",
    "db.columns": "golive.checks.db_schema:Columns",
    "db.rows": "golive.checks.db_rows:Rows",
    "db.plans_cover_mapping": "golive.checks.db_plans:PlansCoverMapping",
    "db.migration_head": "golive.checks.db_migrations:MigrationHead",
    "db.same_revision": "golive.checks.db_same_revision:SameRevision",
    # the deployment's HTTP surface: checks/http_*.py
    "http.status": "golive.checks.http_status:StatusByRole",
    "http.rate_limit": "golive.checks.http_ratelimit:RateLimit",
    "http.webhook_signature": "golive.checks.http_webhook:WebhookSignature",
    "http.https": "golive.checks.http_https:Https",
    "http.forged_token": "golive.checks.http_tokens:ForgedToken",
    "http.openapi_auth": "golive.checks.http_openapi:OpenApiAuth",
    # the seed's test flows, end to end in Stripe test mode: checks/rehearse.py
    "flow.rehearse": "golive.checks.rehearse:Rehearse",
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
def load_probe(kind: str, target: str | None = None) -> Probe[Any]:
    """An instance of the probe class for `kind`.

    `target` is where a checklist's local plug-in put the kind (`FILE.py:Class` with an
    absolute path, or `module:Class`); without it, the built-in or entry-point one.
    KeyError if the kind is unknown; ProbeLoadError, naming the kind and its target, if
    its module fails to import or its class is missing or not a Probe. A kind that cannot
    load is never silently replaced: an item that uses it cannot be judged.
    """
    target = target or known_kinds()[kind]
    module_name, _, attr = target.rpartition(":")
    try:
        module = _import(module_name)
    except (Exception, SystemExit) as exc:  # ImportError, or the module's own failure
        raise ProbeLoadError(
            f"probe kind {kind!r}: cannot load {target}: {type(exc).__name__}: {exc}"
        ) from None
    cls = getattr(module, attr, None)
    if cls is None:
        raise ProbeLoadError(
            f"probe kind {kind!r}: cannot load {target}: AttributeError: "
            f"{module_name} has no {attr!r}"
        )
    if not (isinstance(cls, type) and issubclass(cls, Probe)):
        raise ProbeLoadError(f"probe kind {kind!r}: {target} is not a golive Probe class")
    probe: Probe[Any] = cls()
    return probe


def is_file_target(module: str) -> bool:
    """`./probes/acme.py` (a file, relative to the checklist) rather than `acme.probes`."""
    return module.endswith(".py") or "/" in module or "\\" in module


def _import(module: str) -> ModuleType:
    if is_file_target(module):
        return _import_file(Path(module))
    return importlib.import_module(module)


@cache
def _import_file(path: Path) -> ModuleType:
    """Import a plug-in file once, under a name of its own (two checklists' files called
    probes.py do not collide), listed in sys.modules so that pydantic and dataclasses
    can resolve the module's annotations."""
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    name = f"golive_plugin_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


class PluginError(GoliveError):
    """A checklist's `plugins:` entry could not be used; `index` says which one."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def resolve_plugins(entries: list[tuple[str | None, str]]) -> dict[str, str]:
    """Kind -> target for a checklist's `plugins:`, each entry a (kind, target) pair.

    A pair with a kind names one Probe class (`FILE.py:Class` or `module:Class`). A pair
    without one names a module (`FILE.py` or `module`) whose `PROBES` mapping (kind ->
    Probe class) lists its kinds: the module says what it provides, nothing registers
    itself. Paths must already be absolute (the loader resolves them against the
    checklist's folder). Nothing is imported: a checklist's code runs only in a trusted
    check, in a child process (golive/engine/isolation.py). What can be seen without running
    it is checked here (the file exists, the class or PROBES mapping is written in it,
    no kind shadows another), so that those mistakes are checklist errors at validate
    (PluginError naming the entry); what needs the code to run is the item's `error`.
    """
    from golive.engine.pluginsource import PluginSourceError, listed_kinds, require_class

    kinds: dict[str, str] = {}
    taken = known_kinds()
    for index, (kind, target) in enumerate(entries):
        if kind is None:
            try:
                listed = listed_kinds(target)
            except PluginSourceError as exc:
                raise PluginError(index, f"plug-in {target}: cannot load: {exc}") from None
        else:
            if ":" not in target:
                raise PluginError(
                    index, f"plug-in {kind!r}: {target!r} is not a target (FILE.py:Class)"
                )
            try:
                require_class(target)
            except PluginSourceError as exc:
                raise PluginError(
                    index, f"probe kind {kind!r}: cannot load {target}: {exc}"
                ) from None
            listed = {kind: target}
        for name, where in listed.items():
            if name in taken or name in kinds:
                first = "a built-in kind" if name in BUILTIN_PROBES else "already a kind"
                raise PluginError(index, f"plug-in {target}: kind {name!r} is {first}")
            kinds[name] = where
    return kinds


def runs_isolated(kind: str, target: str | None) -> bool:
    """A checklist's plug-in, or an installed one not from golive: run in a child."""
    if target is not None:
        return True
    where = known_kinds().get(kind, "")
    return kind not in BUILTIN_PROBES and not where.startswith("golive.")
