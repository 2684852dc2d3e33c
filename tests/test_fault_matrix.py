"""The fault matrix (issue 10 §6): every probe kind, under every fault its dependency can
show, ends `error` (or a `fail` whose reason is written here), never `pass`; the other
items of the run still finish; the run keeps its deadline.

A healthy deployment (the reference app, the Stripe sandbox, SQLite and git on
127.0.0.1, as `golive demo` builds it) is checked once as a baseline; then one dependency
at a time is pointed at a small fault server (tests/fault_servers.py), a stopped
PostgreSQL, a locked SQLite file, a git that fails or hangs, or another environment whose
source command fails or hangs, and the items of the kinds that use it are run again
through the real runner, with the configuration and manual items as bystanders.

The matrix is written as Markdown to $GOLIVE_FAULT_MATRIX_OUT when set, and
docs/fault-matrix.md must equal it (regenerate:
`GOLIVE_FAULT_MATRIX_OUT=docs/fault-matrix.md pytest tests/test_fault_matrix.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fault_servers as fs
import pytest
from dotenv import dotenv_values

from golive.checklist.models import Checklist
from golive.checklist.profiles import EnvironmentProfile
from golive.core.results import ItemResult, Status
from golive.engine import stripe_client, trust
from golive.engine.context import Clients, ProbeContext
from golive.engine.loader import load_checklist
from golive.engine.probe import ProbeError
from golive.engine.registry import BUILTIN_PROBES
from golive.engine.runner import plan, run_plan
from golive.values.environment import ResolvedEnvironment, redactor_for, resolve

# The whole matrix is built once per module; its hung cells wait for their timeouts.
pytestmark = pytest.mark.timeout(400)

REPO = Path(__file__).resolve().parent.parent
CHECKLIST = REPO / "checklist.yaml"
DOC = REPO / "docs" / "fault-matrix.md"
# Read at import: tests/conftest.py removes GOLIVE_* variables from each test's environment.
OUT = os.environ.get("GOLIVE_FAULT_MATRIX_OUT")

#: seconds each probe may take, and the whole run (each run is bounded by these)
ITEM_TIMEOUT = 6.0
RUN_DEADLINE = 15.0

# -- the dependencies, the kinds that use each, the faults each can show ---------------

HTTP_KINDS = (
    "http.status",
    "http.rate_limit",
    "http.webhook_signature",
    "http.https",
    "http.forged_token",
    "http.openapi_auth",
    "http.checkout_price",
    "http.no_credentials",
    "flow.rehearse",
)
STRIPE_KINDS = (
    "stripe.key_mode",
    "stripe.account",
    "stripe.prices",
    "stripe.webhook_endpoint",
    "stripe.failed_deliveries",
    "stripe.dispute_rate",
    "stripe.early_fraud_warnings",
    "stripe.api_upgrade",
    "flow.rehearse",
)
DB_KINDS = (
    "db.tables",
    "db.columns",
    "db.rows",
    "db.plans_cover_mapping",
    "db.migration_head",
    "db.same_revision",
)
GIT_KINDS = (
    "secrets.repo_scan",
    "secrets.tracked_env_files",
    "repo.patterns",
    "repo.dependency_pinned",
)
OTHER_ENV_KINDS = ("env.differs", "db.same_revision")

FAULTED = frozenset(HTTP_KINDS + STRIPE_KINDS + DB_KINDS + GIT_KINDS + OTHER_ENV_KINDS)
TIMED_OUT = r"timed out|timeout|took longer|deadline|no answer"


@dataclass(frozen=True)
class Fault:
    """One fault of one dependency: what the tests set up, and what a message must name."""

    name: str  # column of the table
    dependency: str  # app, stripe, db, git, other-env
    describe: str
    names: str  # regex (case-insensitive) every affected item's message must match


FAULTS: tuple[Fault, ...] = (
    # the deployment's HTTP surface (GOLIVE_BASE_URL)
    Fault("refused", "app", "connection refused", r"refused|cannot connect|could not connect"),
    Fault("timeout", "app", "accepts, never answers", TIMED_OUT),
    Fault("slow body", "app", "200 whose body trickles", TIMED_OUT),
    Fault("5xx", "app", "500 on every route", r"\b500\b|server error"),
    Fault("429", "app", "429 on every route", r"\b429\b|rate.limited"),
    Fault(
        "HTML",
        "app",
        "200 text/html maintenance page",
        r"html|not json|json|without any token got 200",
    ),
    Fault("bad JSON", "app", "200 application/json, not JSON", r"json|without any token got 200"),
    Fault("TLS", "app", "self-signed certificate for another host", r"certificate|ssl|tls"),
    # Stripe's API (STRIPE_API_BASE)
    Fault("refused", "stripe", "connection refused", r"refused|could not reach"),
    Fault("timeout", "stripe", "accepts, never answers", TIMED_OUT),
    Fault("slow body", "stripe", "200 whose body trickles", TIMED_OUT),
    Fault("5xx", "stripe", "api_error 500 on every call", r"\b500\b"),
    Fault("429", "stripe", "rate_limit 429 on every call", r"\b429\b"),
    Fault("HTML", "stripe", "200 text/html page", r"html|json|invalid|malformed|unexpected"),
    Fault("bad JSON", "stripe", "200 application/json, not JSON", r"json|invalid|malformed"),
    Fault("TLS", "stripe", "self-signed certificate for another host", r"certificate|ssl|tls"),
    # the database (DATABASE_URL)
    Fault("down", "db", "PostgreSQL stopped", r"cannot connect|refused"),
    Fault("timeout", "db", "PostgreSQL URL to a port that never answers", TIMED_OUT),
    Fault("bad protocol", "db", "PostgreSQL URL to an HTTP server", r"server|protocol|received"),
    Fault("locked", "db", "SQLite with an exclusive transaction held", r"locked"),
    Fault("not a database", "db", "SQLite URL to a file that is not one", r"not a database"),
    Fault("read-only", "db", "SQLite file and folder read-only", r""),
    # git, for the repository probes (the `git` on PATH)
    Fault("command fails", "git", "git exits 128", r"git|exited|128"),
    Fault("command hangs", "git", "git never returns", TIMED_OUT),
    # the other environment a comparison reads (its source command)
    Fault("command fails", "other-env", "source command exits 3", r"exited 3|source command"),
    Fault("command hangs", "other-env", "source command never returns", TIMED_OUT),
)

KINDS_OF = {
    "app": HTTP_KINDS,
    "stripe": STRIPE_KINDS,
    "db": DB_KINDS,
    "git": GIT_KINDS,
    "other-env": OTHER_ENV_KINDS,
}

_HTTP_URL = ("refused", "timeout", "slow body", "5xx", "429", "HTML", "bad JSON")
_PAGE = ("HTML", "bad JSON")

#: (kind, fault name, dependency) -> (why `fail` is the right answer there: the fault is
#: itself the finding, and what its message must then say). Any other fail is a defect.
JUSTIFIED_FAIL: dict[tuple[str, str, str], tuple[str, str]] = {
    **{
        ("http.https", name, "app"): (
            "the base URL is http://, which is the finding whatever answers at it",
            r"is not https",
        )
        for name in _HTTP_URL
    },
    ("http.https", "TLS", "app"): (
        "a certificate that does not validate is what the item checks",
        r"certificate",
    ),
    ("http.webhook_signature", "5xx", "app"): (
        "a 5xx to a correctly signed event: the handler fails on a valid event",
        r"\b500\b",
    ),
    **{
        ("http.webhook_signature", name, "app"): (
            "2xx to an event signed with a made-up secret: the endpoint does not verify",
            r"made-up secret was answered 2xx",
        )
        for name in _PAGE
    },
    **{
        ("http.rate_limit", name, "app"): (
            "30 requests all served 200 and never limited: no limit is what a client meets",
            r"no 429 after \d+ requests \(200",
        )
        for name in _PAGE
    },
    **{
        ("http.status", name, "app"): (
            "anonymous and non-admin callers served 200, or an API answering a body that "
            "is not JSON: what these items check, observed as a user would",
            r"got 200, expected 40[13]|not JSON",
        )
        for name in _PAGE
    },
    **{
        ("flow.rehearse", name, "app"): (
            "the app's own route answered a flow step with 5xx or without the URL the step "
            "needs: the flow is broken as a user would find it",
            r"saw HTTP (500|200)",
        )
        for name in ("5xx", *_PAGE)
    },
}

#: (item id, dependency) -> why the item does not reach that dependency at all, so that its
#: healthy answer under the fault is right (shown ‡; its status must equal the healthy one).
UNTOUCHED: dict[tuple[str, str], str] = {
    ("6.3.rehearse", "app"): (
        "the failed-payment rehearsal reaches the app only through Stripe's webhook "
        "deliveries and the database, never at the base URL the fault replaces"
    ),
    ("5.1a", "app/HTML"): (
        "asks only that an admin gets 200 from the disputes page; an HTML page with 200 is "
        "that (its siblings 5.1b/5.1c catch the same server answering everyone)"
    ),
    ("5.1a", "app/bad JSON"): (
        "asks only that an admin gets 200 from the disputes page, whatever its body"
    ),
}

#: faults that are no fault for a probe that only reads: the item must decide exactly as
#: on the healthy dependency (golive opens every database read-only).
SAME_AS_HEALTHY = {("read-only", "db")}

#: the bystanders of every run: items that use none of the faulted dependencies
BYSTANDER_KINDS = ("env.", "manual")


# -- running items ----------------------------------------------------------------------


@dataclass
class Target:
    """One deployment environment the items run in."""

    label: str
    env: str
    values: dict[str, str]
    repo: Path
    others: dict[str, Path] = field(default_factory=dict)
    #: called before each run (the app's per-user limits reset, as an hour later)
    before: Callable[[], None] = lambda: None


def _judged(item_id: str, **params: Any) -> dict[str, Any]:
    """An item's probe with the parameters that make it judge the reference app (the
    packaged defaults leave it not applicable there)."""
    item = next(i for i in load_checklist(CHECKLIST).checklist.items if i.id == item_id)
    spec = {"kind": item.probe.kind, **item.probe.params, **params}
    return {"probe": type(item.probe).model_validate(spec)}


_JUDGED: dict[str, dict[str, Any]] = {}


def _checklist() -> Checklist:
    """The default checklist without prerequisites or per-item timeouts: each item shows
    its own probe's answer to the fault (not `blocked`), within ITEM_TIMEOUT."""
    checklist = load_checklist(CHECKLIST).checklist
    if not _JUDGED:  # H.11 and H.12 are not applicable to the reference app as packaged
        # the reference checkout reads the client's choice from `tier` (a plan, looked up
        # on the server): an id it does not know is refused with 400
        _JUDGED["H.11"] = _judged("H.11", price_field="tier")
        _JUDGED["H.12"] = _judged("H.12", routes=["/health"])
    items = [
        i.model_copy(update={"needs": [], "timeout": None, **_JUDGED.get(i.id, {})})
        for i in checklist.items
    ]
    defaults = checklist.defaults.model_copy(update={"needs": {}})
    return checklist.model_copy(update={"items": items, "defaults": defaults})


def _env_file(folder: Path, name: str, values: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.env"
    path.write_text("".join(f"{k}={json.dumps(v)}\n" for k, v in values.items()), "utf-8")
    return path


@dataclass
class Run:
    results: dict[str, ItemResult]
    elapsed: float


def run_items(
    checklist: Checklist,
    target: Target,
    folder: Path,
    kinds: tuple[str, ...],
    overrides: dict[str, str] | None = None,
    other: Callable[[str], ResolvedEnvironment] | None = None,
) -> Run:
    """The items of `kinds` (and the bystanders) in `target`, one dependency overridden."""
    env_file = _env_file(folder, target.env, {**target.values, **(overrides or {})})
    env = resolve(target.env, checklist.environments[target.env], REPO, env_file)

    def others(name: str) -> ResolvedEnvironment:
        if other is not None:
            return other(name)
        if name not in target.others:
            raise ProbeError(f"no environment {name!r}")
        return resolve(name, checklist.environments[name], REPO, target.others[name])

    ctx = ProbeContext(
        env=env,
        root=REPO,
        redactor=redactor_for(env),
        clients=Clients(),
        others=others,
        repo=target.repo,
    )
    planned = [
        p
        for p in plan(checklist, target.env)
        if not p.skip_reason
        and (p.item.probe.kind in kinds or p.item.probe.kind.startswith(BYSTANDER_KINDS))
    ]
    target.before()
    start = time.monotonic()
    try:
        with trust.allow_code(True):  # the matrix's own checklist, as a trusted check runs it
            results = run_plan(
                checklist, planned, ctx, timeout=ITEM_TIMEOUT, deadline=RUN_DEADLINE, concurrency=16
            )
    finally:
        ctx.clients.close()
    elapsed = time.monotonic() - start
    assert {r.id for r in results} == {p.item.id for p in planned}, "an item never finished"
    return Run({r.id: r for r in results}, elapsed)


# -- setting up each fault -------------------------------------------------------------

STRIPE_ERROR = {
    500: {"error": {"type": "api_error", "message": "An unknown error occurred"}},
    429: {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many"}},
}


@contextlib.contextmanager
def fault_value(fault: Fault, folder: Path, db_files: dict[str, Any]) -> Iterator[dict[str, str]]:
    """The overridden variables that point the fault's dependency at the fault."""
    var = {"app": "GOLIVE_BASE_URL", "stripe": "STRIPE_API_BASE"}.get(fault.dependency)
    if var is not None:
        with _http_fault(fault, folder) as url:
            yield {var: url}
        return
    if fault.dependency == "db":
        with _db_fault(fault, folder, db_files) as url:
            yield {"DATABASE_URL": url}
        return
    yield {}


@contextlib.contextmanager
def _http_fault(fault: Fault, folder: Path) -> Iterator[str]:
    stripe = fault.dependency == "stripe"
    if fault.name == "refused":
        yield f"http://127.0.0.1:{fs.refused_port()}"
    elif fault.name == "timeout":
        with fs.silent() as port:
            yield f"http://127.0.0.1:{port}"
    elif fault.name == "slow body":
        with fs.trickle() as url:
            yield url
    elif fault.name in ("5xx", "429"):
        status = 500 if fault.name == "5xx" else 429
        body: Any = STRIPE_ERROR[status] if stripe else {"detail": "unavailable"}
        headers = {"Retry-After": "1"} if status == 429 else {}
        with fs.canned(status, json.dumps(body).encode(), "application/json", headers) as url:
            yield url
    elif fault.name == "HTML":
        page = b"<!doctype html><html><body><h1>Down for maintenance</h1></body></html>"
        with fs.canned(200, page, "text/html; charset=utf-8") as url:
            yield url
    elif fault.name == "bad JSON":
        with fs.canned(200, b'{"data": [1, 2,, oops', "application/json") as url:
            yield url
    elif fault.name == "TLS":
        tls = folder / "tls"
        tls.mkdir(exist_ok=True)
        with fs.bad_tls(tls) as url:
            yield url
    else:
        raise AssertionError(fault)


@contextlib.contextmanager
def _db_fault(fault: Fault, folder: Path, db_files: dict[str, Any]) -> Iterator[str]:
    if fault.name == "down":
        url = db_files.get("stopped-postgres")
        if url is None:
            pytest.skip("no PostgreSQL server binaries: cannot stop a real one")
        yield str(url)
    elif fault.name == "timeout":
        with fs.silent() as port:
            yield f"postgresql://golive:pw@127.0.0.1:{port}/app"
    elif fault.name == "bad protocol":
        with fs.canned(200, b"{}", "application/json") as url:
            yield url.replace("http://", "postgresql://golive:pw@") + "/app"
    elif fault.name == "locked":
        copy = folder / "locked.db"
        shutil.copy(db_files["healthy"], copy)
        holder = sqlite3.connect(copy, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield f"sqlite:///{copy}"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    elif fault.name == "not a database":
        junk = folder / "junk.db"
        junk.write_bytes(b"this is not an SQLite database file\n" * 200)
        yield f"sqlite:///{junk}"
    elif fault.name == "read-only":
        ro = folder / "ro"
        ro.mkdir(exist_ok=True)
        copy = ro / "app.db"
        shutil.copy(db_files["healthy"], copy)
        copy.chmod(0o444)
        ro.chmod(0o555)
        try:
            yield f"sqlite:///{copy}"
        finally:
            ro.chmod(0o755)
    else:
        raise AssertionError(fault)


@contextlib.contextmanager
def fake_git(folder: Path, script: str) -> Iterator[None]:
    """A `git` first on PATH that runs `script` (a shell body)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(exist_ok=True)
    git = bin_dir / "git"
    git.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    git.chmod(0o755)
    old = os.environ["PATH"]
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{old}"
    try:
        yield
    finally:
        os.environ["PATH"] = old


def other_env_failing(folder: Path, command: list[str]) -> Callable[[str], ResolvedEnvironment]:
    """Another environment whose source is `command` (a secret manager's CLI, say)."""

    def other(name: str) -> ResolvedEnvironment:
        profile = EnvironmentProfile.model_validate(
            {
                "mode": "test",
                "source": {"command": command, "timeout": 2},
                "database_url": "${DATABASE_URL}",
            }
        )
        return resolve(name, profile, folder)

    return other


# -- the matrix ------------------------------------------------------------------------


@dataclass
class Cell:
    kind: str
    fault: Fault | None  # None: the healthy baseline
    results: list[ItemResult]


@dataclass
class Matrix:
    baseline: dict[str, list[ItemResult]]
    cells: dict[tuple[str, str, str], Cell]  # (kind, fault name, dependency)
    runs: list[tuple[str, Run, dict[str, Status]]]  # (label, run, bystanders' baseline)


def _target_for(
    kind: str, checklist: Checklist, staging: Target, rehearse: Target, prod: Target
) -> Target:
    """Staging where the kind has an item there (it may send traffic), prod for the
    live-only kinds; rehearsals apart, as `golive rehearse` runs them (a burst against the
    same user's checkout in the same run would rate-limit the rehearsal)."""
    if kind == "flow.rehearse":
        return rehearse
    if any(i.probe.kind == kind and checklist.applies(i, "staging") for i in checklist.items):
        return staging
    return prod


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    from golive.commands.demo import demo_deployment, demo_repository, rehearsal_deployment

    saved_backoff = stripe_client.BACKOFF_INITIAL_S
    stripe_client.BACKOFF_INITIAL_S = 0.01  # retries still happen, in milliseconds
    root = tmp_path_factory.mktemp("faults")
    checklist = _checklist()
    with contextlib.ExitStack() as stack:
        stopped_pg = stack.enter_context(_stopped_postgres())
        staging_dir, prod_dir = root / "staging", root / "prod"
        staging_dir.mkdir()
        prod_dir.mkdir()
        staging_file, _, staging_app = stack.enter_context(rehearsal_deployment(staging_dir))
        prod_file, prod_staging_file = stack.enter_context(
            demo_deployment("healthy", prod_dir, "live")
        )
        repo = demo_repository(root, "healthy")
        values = {k: v or "" for k, v in dotenv_values(staging_file).items()}
        staging = Target("staging", "staging", values, repo, before=staging_app.reset_rate_limits)
        rehearse = Target("rehearse", "staging", values, repo, before=staging_app.reset_rate_limits)
        prod_values = {k: v or "" for k, v in dotenv_values(prod_file).items()}
        prod = Target(
            "prod",
            "prod",
            prod_values,
            repo,
            {"staging": prod_staging_file, "test": prod_staging_file},
        )
        db_files: dict[str, Any] = {
            "healthy": Path(values["DATABASE_URL"].removeprefix("sqlite:///"))
        }
        if stopped_pg:
            db_files["stopped-postgres"] = stopped_pg

        all_kinds = sorted({k for kinds in KINDS_OF.values() for k in kinds})
        by_target: dict[str, tuple[Target, list[str]]] = {}
        for kind in all_kinds:
            target = _target_for(kind, checklist, staging, rehearse, prod)
            by_target.setdefault(target.label, (target, []))[1].append(kind)

        baseline: dict[str, list[ItemResult]] = {}
        bystanders: dict[str, dict[str, Status]] = {}
        runs: list[tuple[str, Run, dict[str, Status]]] = []
        for env_name, (target, kinds) in by_target.items():
            run = run_items(checklist, target, root / f"base-{env_name}", tuple(kinds))
            bystanders[env_name] = {
                r.id: r.status
                for r in run.results.values()
                if r.probe.startswith(BYSTANDER_KINDS) and r.probe not in FAULTED
            }
            for kind in kinds:
                baseline[kind] = [r for r in run.results.values() if r.probe == kind]

        cells: dict[tuple[str, str, str], Cell] = {}

        def one(n: int, fault: Fault, label: str, target: Target, affected: tuple[str, ...]) -> Run:
            folder = root / f"f{n}-{label}"
            folder.mkdir()
            with contextlib.ExitStack() as inner:
                other = None
                if fault.dependency == "git":
                    script = "exec sleep 30"
                    if fault.name == "command fails":
                        script = 'echo "fatal: cannot read the repository" >&2; exit 128'
                    inner.enter_context(fake_git(folder, script))
                if fault.dependency == "other-env":
                    command = (
                        ["sh", "-c", "echo 'vault: permission denied' >&2; exit 3"]
                        if fault.name == "command fails"
                        else ["sleep", "30"]
                    )
                    other = other_env_failing(folder, command)
                overrides = inner.enter_context(fault_value(fault, folder, db_files))
                return run_items(checklist, target, folder, affected, overrides, other)

        # The targets of one fault run side by side (each with its own fault server); only
        # one target has kinds that use git, so the PATH of a fake git touches no other run.
        with ThreadPoolExecutor(max_workers=len(by_target)) as pool:
            for n, fault in enumerate(FAULTS):
                kinds_here = KINDS_OF[fault.dependency]
                futures = []
                for label, (target, kinds) in by_target.items():
                    affected = tuple(k for k in kinds if k in kinds_here)
                    if affected:
                        futures.append(
                            (label, affected, pool.submit(one, n, fault, label, target, affected))
                        )
                for label, affected, future in futures:
                    run = future.result()
                    runs.append(
                        (f"{fault.dependency}/{fault.name}/{label}", run, bystanders[label])
                    )
                    for kind in affected:
                        key = (kind, fault.name, fault.dependency)
                        got = [r for r in run.results.values() if r.probe == kind]
                        cell = cells.setdefault(key, Cell(kind, fault, []))
                        cell.results.extend(got)
        matrix = Matrix(baseline, cells, runs)
        yield matrix
    stripe_client.BACKOFF_INITIAL_S = saved_backoff
    if OUT:
        Path(OUT).write_text(render(matrix), encoding="utf-8")


@contextlib.contextmanager
def _stopped_postgres() -> Iterator[str | None]:
    """The URL of a real PostgreSQL server that was started, given the app's schema, and
    stopped: what a probe meets when the database is down. None without binaries."""
    from pgserver import PgServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        yield None
        return
    from golive.sandbox.app.database import seed_database

    server = PgServer(bin_dir).start()
    try:
        url = server.url()
        seed_database(url)
    finally:
        server.stop()
    yield url


# -- the Markdown table ----------------------------------------------------------------

DEPENDENCY_TITLE = {
    "app": "the deployment (HTTP)",
    "stripe": "Stripe's API",
    "db": "the database",
    "git": "git (repository)",
    "other-env": "another environment's source",
}


def untouched(item_id: str, fault: Fault) -> str | None:
    """Why item `item_id` does not meet `fault` at all (UNTOUCHED), or None."""
    return UNTOUCHED.get((item_id, f"{fault.dependency}/{fault.name}")) or UNTOUCHED.get(
        (item_id, fault.dependency)
    )


def _cell_text(cell: Cell) -> str:
    statuses = sorted({r.status.value for r in cell.results})
    if not statuses:
        return "n/a"
    text = "/".join(statuses)
    if cell.fault is not None:
        key = (cell.kind, cell.fault.name, cell.fault.dependency)
        if key in JUSTIFIED_FAIL and "fail" in statuses:
            text += "†"
        if any(untouched(r.id, cell.fault) for r in cell.results):
            text += "‡"
        if (cell.fault.name, cell.fault.dependency) in SAME_AS_HEALTHY:
            text += " (=healthy)"
    return text


def render(matrix: Matrix) -> str:
    """docs/fault-matrix.md: one table per dependency, a row per kind, a column per fault."""
    lines = [
        "# Fault matrix",
        "",
        "Generated by `tests/test_fault_matrix.py` (do not edit by hand; regenerate with",
        "`GOLIVE_FAULT_MATRIX_OUT=docs/fault-matrix.md pytest tests/test_fault_matrix.py`).",
        "",
        "Each probe kind of the default checklist runs against a healthy deployment (the",
        "reference app, the Stripe sandbox, SQLite, git; column *healthy*), then with one",
        "dependency replaced by a fault. Every cell is the status of the kind's items; the",
        "test asserts `error` (could not decide) and a message naming the fault, or a `fail`",
        "marked † whose reason is written in the test. The bystander items (configuration,",
        "manual) finish in every run with their healthy status, and every run ends within",
        f"its deadline ({RUN_DEADLINE:g} s, {ITEM_TIMEOUT:g} s per item).",
        "",
        "Configuration probes (`env.*`) read values resolved once before any item runs: a",
        "source command that fails or hangs stops the run with exit 2 before any probe",
        "(tests/corpus), so they have no per-item fault. `manual` items depend on nothing.",
        "",
    ]
    for dependency, kinds in KINDS_OF.items():
        faults = [f for f in FAULTS if f.dependency == dependency]
        lines += [f"## {DEPENDENCY_TITLE[dependency]}", ""]
        lines.append("| kind | healthy | " + " | ".join(f.name for f in faults) + " |")
        lines.append("|---|---|" + "---|" * len(faults))
        for kind in kinds:
            base = _cell_text(Cell(kind, None, matrix.baseline.get(kind, [])))
            row = [
                _cell_text(matrix.cells.get((kind, f.name, f.dependency), Cell(kind, f, [])))
                for f in faults
            ]
            lines.append(f"| `{kind}` | {base} | " + " | ".join(row) + " |")
        lines.append("")
        lines.append("Faults: " + "; ".join(f"*{f.name}*: {f.describe}" for f in faults) + ".")
        lines.append("")
    if JUSTIFIED_FAIL:
        lines += ["## Why fail (†)", ""]
        for (kind, name, dependency), (why, _) in sorted(JUSTIFIED_FAIL.items()):
            lines.append(f"- `{kind}`, {DEPENDENCY_TITLE[dependency]}, {name}: {why}")
        lines.append("")
    lines += ["## Items a fault does not reach (‡: their healthy status, asserted)", ""]
    for (item_id, where), why in sorted(UNTOUCHED.items()):
        lines.append(f"- {item_id} under {where}: {why}")
    lines.append("")
    return "\n".join(lines)


# -- the assertions --------------------------------------------------------------------

CELLS = [(kind, f) for f in FAULTS for kind in KINDS_OF[f.dependency]]


@pytest.mark.parametrize(
    ("kind", "fault"),
    CELLS,
    ids=[f"{kind}-{f.dependency}-{f.name.replace(' ', '_')}" for kind, f in CELLS],
)
def test_a_fault_is_never_a_pass(matrix: Matrix, kind: str, fault: Fault) -> None:
    cell = matrix.cells.get((kind, fault.name, fault.dependency))
    assert cell is not None and cell.results, f"no item of {kind} ran under {fault}"
    if (fault.name, fault.dependency) in SAME_AS_HEALTHY:
        healthy = {r.id: r.status for r in matrix.baseline[kind]}
        assert {r.id: r.status for r in cell.results} == healthy
        return
    justified = JUSTIFIED_FAIL.get((kind, fault.name, fault.dependency))
    healthy = {r.id: r.status for r in matrix.baseline[kind]}
    for r in cell.results:
        if untouched(r.id, fault):
            assert r.status is healthy[r.id], r.message
            continue
        if r.status is Status.FAIL and justified:
            assert re.search(justified[1], r.message, re.IGNORECASE), r.message
            continue
        assert r.status is Status.ERROR, (
            f"{r.id} ({kind}) under {fault.describe}: {r.status} {r.message}"
        )
        assert re.search(fault.names, r.message, re.IGNORECASE), (
            f"{r.id} ({kind}) under {fault.describe}: the message does not name the fault: "
            f"{r.message}"
        )


def test_the_healthy_baseline_passes(matrix: Matrix) -> None:
    """Each faulted kind can pass: so its cells above can tell a pass from an error."""
    not_pass = {
        r.id: (r.status.value, r.message)
        for kind, results in matrix.baseline.items()
        for r in results
        if r.status is not Status.PASS
    }
    # prod's HTTPS items cannot pass on loopback http:// (no TLS): their fail is the finding.
    assert {k: v for k, v in not_pass.items() if k not in HTTPS_ITEMS} == {}
    assert all(kind in matrix.baseline and matrix.baseline[kind] for kind in BASELINE_KINDS)


HTTPS_ITEMS = {"H.5", "4.1b"}
BASELINE_KINDS = sorted({k for kinds in KINDS_OF.values() for k in kinds})


def test_other_items_finish_and_the_deadline_holds(matrix: Matrix) -> None:
    for label, run, bystanders in matrix.runs:
        got = {i: r.status for i, r in run.results.items() if i in bystanders}
        assert got == bystanders, label
        # Not a speed goal: the run must end by its deadline whatever hangs (plus the
        # time to collect results); a hung dependency would otherwise hold it for minutes.
        assert run.elapsed < RUN_DEADLINE + 3, (label, run.elapsed)


def test_every_probe_kind_is_in_the_matrix() -> None:
    covered = {k for kinds in KINDS_OF.values() for k in kinds}
    no_dependency = {k for k in BUILTIN_PROBES if k.startswith("env.")}
    no_dependency |= {"manual"}
    no_dependency -= set(OTHER_ENV_KINDS)
    assert set(BUILTIN_PROBES) - covered == no_dependency


def test_the_committed_matrix_is_up_to_date(matrix: Matrix) -> None:
    assert DOC.read_text(encoding="utf-8") == render(matrix), (
        "regenerate: GOLIVE_FAULT_MATRIX_OUT=docs/fault-matrix.md pytest tests/test_fault_matrix.py"
    )
