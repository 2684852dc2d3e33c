"""The `golive` command line: thin commands that parse options and call the core."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from golive import __version__
from golive.errors import GoliveError, UsageError
from golive.results import ExitCode
from golive.sandbox import commands as sandbox_commands

HELP = """\
Prove a deployment's Stripe integration is ready for production.

golive runs the go-live checklist (checklist.yaml) against one deployment: its
configuration, its Stripe account (read-only), its database and its HTTP surface.
Items no probe can prove are manual: they wait for a named person's attestation.

[bold]Examples[/bold]

  [cyan]golive check --env prod[/cyan]  (values from the process environment)

  [cyan]golive check --env prod --env-file prod.env[/cyan]  (from a dotenv file)

  [cyan]golive check -e prod --only config -f json:report.json -f junit:junit.xml[/cyan]

  [cyan]golive list --env prod[/cyan]  (what would run, without running it)

  [cyan]golive validate checklist.yaml[/cyan]  (check the checklist file itself)

[bold]Exit codes[/bold]: 0 ready, 1 not ready (a blocking item failed), 2 bad input or
usage, 3 internal error, 4 inconclusive (a blocking item could not be decided),
130 interrupted.
"""

app = typer.Typer(
    help=HELP,
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)
sandbox_app = typer.Typer(
    help="Local stand-ins on 127.0.0.1 to rehearse the checklist against.",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")

ChecklistOpt = Annotated[
    Path | None,
    typer.Option(
        "--checklist",
        "-c",
        envvar="GOLIVE_CHECKLIST",
        help="The checklist file. Default: ./golive.yaml, else ./checklist.yaml, else the "
        "checklist that ships with golive.",
        show_default=False,
    ),
]
EnvOpt = Annotated[
    str | None,
    typer.Option(
        "--env",
        "-e",
        envvar="GOLIVE_ENV",
        help="Environment profile from checklist.yaml (prod, staging, ...).",
    ),
]
SelectOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="Item id, section, ref or tag; repeat or comma-separate.",
        show_default=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"golive {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    pass


def _pairs(values: list[str] | None, flag: str) -> list[tuple[str, Path]]:
    pairs = []
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"{flag} {value!r}: expected NAME=PATH")
        pairs.append((name, Path(path)))
    return pairs


COLORS = ("auto", "always", "never")


def _check_color(color: str) -> None:
    """Refused before anything runs: a typo must not cost a whole check."""
    if color not in COLORS:
        raise UsageError(f"--color {color!r}: choose one of {', '.join(COLORS)}")


def _finite(value: float | None, flag: str) -> float | None:
    import math

    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number of seconds", param_hint=flag)
    return value


def _checklist(given: Path | None) -> Path:
    from golive.overlay import find_checklist

    return find_checklist(given)


def _require_env(env: str | None, checklist: Path) -> str:
    if env:
        return env
    from golive.checklist import load_checklist

    known = ", ".join(sorted(load_checklist(checklist).checklist.environments))
    raise UsageError(f"choose an environment with --env (known in {checklist}: {known})")


@app.command()
def check(
    env: EnvOpt = None,
    checklist: ChecklistOpt = None,
    env_file: Annotated[
        Path | None,
        typer.Option(help="Read the deployment's variables from this dotenv file instead."),
    ] = None,
    other_env_file: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=PATH: read another environment (that items compare with, e.g. "
            "staging's migration revision) from this dotenv file. Repeat.",
            show_default=False,
        ),
    ] = None,
    only: SelectOpt = None,
    skip: SelectOpt = None,
    fmt: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="FORMAT[:PATH]: table, json, junit, markdown, html, github; to stdout or PATH "
            "(markdown:append:PATH appends). Repeat.",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=64, help="Probes at once (default: checklist's).")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            min=0.1,
            max=3600,
            callback=lambda v: _finite(v, "--timeout"),
            help="Seconds per probe (default: checklist's).",
        ),
    ] = None,
    deadline: Annotated[
        float | None,
        typer.Option(
            min=0.1,
            max=3600,
            help="Seconds the whole run may take; unfinished items are then error "
            "(default: the checklist's, 120).",
        ),
    ] = None,
    color: Annotated[
        str, typer.Option(help="auto (on a terminal, unless NO_COLOR), always or never.")
    ] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    operator: Annotated[
        str | None,
        typer.Option(
            envvar="GOLIVE_OPERATOR",
            help="Who runs the check, for the report (default: user@host).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the checklist against one deployment and print the report.

    Exit 0 when ready, 1 when a blocking item failed, 4 when a blocking item could
    not be decided: use it as a deploy gate.
    """
    from golive import output
    from golive.check import CheckOptions, execute, prepare, split_selectors

    _check_color(color)
    outputs = output.parse_formats(fmt or ["table"])
    checklist = _checklist(checklist)
    options = CheckOptions(
        checklist=checklist,
        environment=_require_env(env, checklist),
        env_file=env_file,
        only=tuple(split_selectors(only)),
        skip=tuple(split_selectors(skip)),
        concurrency=concurrency,
        timeout=timeout,
        deadline=deadline,
        other_env_files=tuple(_pairs(other_env_file, "--other-env-file")),
        operator=operator,
    )
    loaded, planned = prepare(options)
    with output.progress(len(planned), quiet=quiet) as progress:
        done = output.Collector(progress)
        try:
            report = execute(loaded, planned, options, done)
        except KeyboardInterrupt:
            output.print_interrupted(
                checklist, loaded.checklist, options.environment, planned, done
            )
            raise
    output.write_outputs(report, outputs, color=output.use_color(color), signoff=[])
    raise typer.Exit(int(report.exit_code))


@app.command()
def attest(
    item: Annotated[str, typer.Argument(help="The manual item's id, e.g. 9.3.")],
    env: Annotated[
        str, typer.Option("--env", "-e", help="The environment this attestation is for.")
    ],
    by: Annotated[str, typer.Option("--by", help="The person who attests (a name).")],
    checklist: ChecklistOpt = None,
    role: Annotated[
        str | None,
        typer.Option(help="The role they attest in (ops, QA, ...); some items require one."),
    ] = None,
    evidence: Annotated[
        str | None, typer.Option(help="What shows it: a text, a ticket or a URL.")
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(help="When it stops counting: a date (2025-03-01), a UTC time or 30d/12h/2w."),
    ] = None,
) -> None:
    """Record that a named person confirmed a manual item for one environment.

    Appends to the attestations file (default attestations.yaml beside the checklist),
    with the item definition's sha256: later checks of that environment count the item
    as pass, until it expires or the item's definition changes.
    """
    from datetime import UTC, datetime

    from golive.attestations import attest as record
    from golive.checklist import load_checklist
    from golive.records import parse_expiry, show_time

    now = datetime.now(UTC).replace(microsecond=0)
    try:
        until = parse_expiry(expires, now) if expires else None
    except ValueError as exc:
        raise UsageError(f"--expires {exc}") from None
    loaded = load_checklist(_checklist(checklist))
    done, path = record(loaded, item, env, by, now, role=role, evidence=evidence, expires=until)
    as_role = f" as {done.role}" if done.role else ""
    until_text = f", until {show_time(done.expires)}" if done.expires else ""
    typer.echo(
        f"golive: {item} attested for {env} by {done.by}{as_role} at {show_time(done.at)}"
        f"{until_text} in {path} (item sha256 {done.item_sha256[:12]}…)"
    )


@app.command()
def rehearse(
    env: EnvOpt = None,
    checklist: ChecklistOpt = None,
    env_file: Annotated[
        Path | None,
        typer.Option(help="Read the deployment's variables from this dotenv file instead."),
    ] = None,
    only: SelectOpt = None,
    fmt: Annotated[
        list[str] | None,
        typer.Option(
            "--format", "-f", help="FORMAT[:PATH], as for check. Repeat.", show_default=False
        ),
    ] = None,
    deadline: Annotated[
        float | None, typer.Option(min=0.1, max=3600, help="Seconds the whole run may take.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Run the test flows (section 6) end to end in Stripe test mode, a verdict per step.

    Writes: creates customers, subscriptions and test payments (marked golive: rehearsal,
    cleaned up after). Refuses live-mode environments and live keys before sending
    anything. See docs/rehearsal.md.
    """
    from golive import output
    from golive.check import CheckOptions, execute, prepare, split_selectors

    path = _checklist(checklist)
    outputs = output.parse_formats(fmt or ["table"])
    options = CheckOptions(
        checklist=path,
        environment=_require_env(env, path),
        env_file=env_file,
        only=tuple(split_selectors(only)),
        deadline=deadline,
        rehearse=True,
    )
    loaded, planned = prepare(options)
    with output.progress(len(planned), quiet=quiet) as progress:
        report = execute(loaded, planned, options, progress)
    output.write_outputs(report, outputs, color=output.use_color("auto"))
    raise typer.Exit(int(report.exit_code))


@app.command("list")
def list_(
    env: EnvOpt = None,
    checklist: ChecklistOpt = None,
    only: SelectOpt = None,
    skip: SelectOpt = None,
) -> None:
    """Show the plan (items, probe kinds, severity) without running anything, and where
    the checklist's inputs and changed items come from (FILE:LINE)."""
    from golive import output
    from golive.check import CheckOptions, prepare, split_selectors
    from golive.checklist import load_checklist

    checklist = _checklist(checklist)
    if env is None:
        loaded = load_checklist(checklist)
        output.print_plan(loaded.checklist, None, [(i, None) for i in loaded.checklist.items])
        _print_origins(loaded)
        return
    loaded, planned = prepare(
        CheckOptions(
            checklist=checklist,
            environment=env,
            only=tuple(split_selectors(only)),
            skip=tuple(split_selectors(skip)),
        )
    )
    output.print_plan(loaded.checklist, env, [(p.item, p.skip_reason) for p in planned])
    _print_origins(loaded)


def _print_origins(loaded: object) -> None:
    from golive.checklist import LoadedChecklist
    from golive.overlay import print_origins

    assert isinstance(loaded, LoadedChecklist)
    if loaded.merged is not None:
        print_origins(loaded.merged)


@app.command()
def validate(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The checklist file (default: as for `golive check`).", show_default=False
        ),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            "-e",
            help="Also read this environment's sources and check that every ${VAR} it "
            "references is set (exit 2 naming the checklist line otherwise).",
        ),
    ] = None,
    env_file: Annotated[
        Path | None,
        typer.Option(help="With --env: read the variables from this dotenv file instead."),
    ] = None,
) -> None:
    """Check a checklist file: syntax, keys, probe kinds and parameters, ids."""
    from golive.checklist import load_checklist

    file = _checklist(file)
    loaded = load_checklist(file)
    c = loaded.checklist
    if env_file is not None and env is None:
        raise UsageError("--env-file needs --env NAME")
    if env is not None:
        from golive.environment import check_references

        check_references(loaded, env, env_file)
    typer.echo(
        f"{file}: valid — {len(c.items)} items in {len(c.sections)} sections, "
        f"environments: {', '.join(c.environments)}"
        + (f"; every ${{VAR}} of {env} is set" if env else "")
    )


@app.command()
def init(
    env: Annotated[str, typer.Option("--env", "-e", help="The environment to prepare.")] = "prod",
    base_url: Annotated[
        str | None, typer.Option(help="The deployment's base URL, e.g. https://api.example.com.")
    ] = None,
    stripe_key_var: Annotated[
        str | None, typer.Option(help="Variable holding the Stripe secret key.")
    ] = None,
    price_mapping_var: Annotated[
        str | None,
        typer.Option(
            help="Where prices come from: the variable holding the JSON price mapping "
            "({MODE} becomes LIVE or TEST)."
        ),
    ] = None,
    price_sql: Annotated[
        str | None,
        typer.Option(
            help="Where prices come from: a read-only SQL query over the app's database "
            "returning (key, price_id) or (tier, cycle, price_id) rows."
        ),
    ] = None,
    prices: Annotated[
        str | None,
        typer.Option(help="Where prices come from: a list, basic.monthly=price_...,..."),
    ] = None,
    database_url_var: Annotated[
        str | None, typer.Option(help="Variable holding the database URL.")
    ] = None,
    webhook_path: Annotated[
        str | None, typer.Option(help="The route Stripe delivers webhook events to.")
    ] = None,
    from_openapi: Annotated[
        str | None,
        typer.Option(
            "--from-openapi",
            help="URL or file of the app's OpenAPI document: guess the webhook, checkout, "
            "portal and admin routes from it (and say why).",
        ),
    ] = None,
    without: Annotated[
        list[str] | None,
        typer.Option(
            help="An environment of the packaged checklist the app does not have (e.g. "
            "staging): removed; items comparing with it are skipped, saying why. Repeatable."
        ),
    ] = None,
    tables: Annotated[
        str | None,
        typer.Option(
            help="The app's tables: plans=T,subscriptions=T,fraud_warnings=T,usage=T1+T2,"
            "migrations=T."
        ),
    ] = None,
    tier_column: Annotated[
        str | None, typer.Option(help="Column of the plans table naming the tier.")
    ] = None,
    active_column: Annotated[
        str | None, typer.Option(help="Boolean column of the plans table, true when sellable.")
    ] = None,
    migrations: Annotated[
        str | None,
        typer.Option(
            help="The migration tool: alembic, django, sql or command (items 3.2a, 3.2b)."
        ),
    ] = None,
    migrations_dir: Annotated[
        str | None,
        typer.Option(
            help="alembic's versions folder, or the folder of the Django apps (default: found "
            "in the current folder)."
        ),
    ] = None,
    migration_sql: Annotated[
        str | None,
        typer.Option(help="--migrations sql: a SELECT returning the applied revision(s)."),
    ] = None,
    migration_command: Annotated[
        str | None,
        typer.Option(help="--migrations command: a command printing the current revision(s)."),
    ] = None,
    settings_sql: Annotated[
        str | None,
        typer.Option(
            help="A read-only SELECT returning (name, value) rows of settings the app keeps "
            "in its database (read after the environment's source)."
        ),
    ] = None,
    mode_switch: Annotated[
        str | None,
        typer.Option(
            help="The app's live/test switch: VAR:boolean, VAR:string or key:LIVE_VAR,TEST_VAR."
        ),
    ] = None,
    login: Annotated[
        str | None,
        typer.Option(
            help="Every role logs in at this path (credentials from GOLIVE_<ROLE>_USERNAME "
            "and GOLIVE_<ROLE>_PASSWORD) instead of a bearer token."
        ),
    ] = None,
    login_form: Annotated[
        str | None,
        typer.Option(help="The login's user and password field names (default username,password)."),
    ] = None,
    login_json: Annotated[
        bool, typer.Option("--login-json", help="The login takes a JSON body, not a form.")
    ] = False,
    csrf: Annotated[
        bool,
        typer.Option(
            "--csrf", help="The login (and later requests) need a CSRF token (Django-style)."
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Ask nothing: flags or the defaults.")
    ] = False,
    force: Annotated[bool, typer.Option(help="Replace existing files.")] = False,
) -> None:
    """Write golive.yaml (extends the packaged checklist, holds only what differs) and
    ENV.env.example (every variable the checks read) in the current folder."""
    from golive.init import InitAnswers, packaged_inputs, write_files

    answers = InitAnswers(environment=env, base_url=base_url, without=list(without or []))
    if from_openapi:
        from golive.openapi import guess, load_document

        found = guess(load_document(from_openapi))
        for g in found.found:
            answers.inputs[g.input] = g.value
            answers.notes.append(f"{g.input} = {g.value!r}: {g.why}")
            typer.echo(f"guessed {g.input} = {g.value!r} ({g.why})")
        for name in found.missing:
            if name == "login route":
                if not login:
                    typer.echo("not found: a login route (roles keep bearer tokens; --login PATH)")
                continue
            typer.echo(f"not found: {name} (the packaged default stays; set it in golive.yaml)")
        for g in found.auth:
            typer.echo(f"guessed {g.input} = {g.value!r} ({g.why})")
            answers.notes.append(f"{g.input} = {g.value!r}: {g.why}")
        login = login or found.auth_value("login")
        login_form = login_form or found.auth_value("login_form")
        login_json = login_json or bool(found.auth_value("login_json"))
        csrf = csrf or bool(found.auth_value("csrf"))
    flags = {
        "secret_key_var": stripe_key_var,
        "database_url_var": database_url_var,
        "webhook_path": webhook_path,
    }
    defaults = packaged_inputs()
    ask = not yes and sys.stdin.isatty()
    if ask and answers.base_url is None:
        answers.base_url = (
            typer.prompt("Base URL of the deployment", default="", show_default=False) or None
        )
    if ask and not (price_mapping_var or price_sql or prices):
        where = typer.prompt(
            "Where prices come from (var: a JSON variable, sql: a query, list)", default="var"
        )
        if where == "sql":
            price_sql = typer.prompt("Query returning (key, price_id) rows")
        elif where == "list":
            prices = typer.prompt("Prices as basic.monthly=price_...,...")
        else:
            price_mapping_var = typer.prompt(
                "price_mapping_var", default=defaults.get("price_mapping_var")
            )
    answers.set_prices(var=price_mapping_var, sql=price_sql, prices=prices)
    if ask and tables is None:
        tables = typer.prompt(
            "Tables (plans=T,subscriptions=T,fraud_warnings=T; empty: the defaults)",
            default="",
            show_default=False,
        )
    if ask and migrations is None:
        migrations = typer.prompt(
            "Migration tool (alembic, django, sql, command)",
            default=defaults.get("migration_tool") or "alembic",
        )
        if migrations == "sql" and migration_sql is None:
            migration_sql = typer.prompt("Query returning the applied revision(s)")
        if migrations == "command" and migration_command is None:
            migration_command = typer.prompt("Command printing the current revision(s)")
    if ask and settings_sql is None:
        settings_sql = typer.prompt(
            "Settings kept in the database: a query of (name, value) rows (empty: none)",
            default="",
            show_default=False,
        )
    if ask and mode_switch is None:
        mode_switch = typer.prompt(
            "The app's live/test switch (VAR:boolean, VAR:string, key:LIVE_VAR,TEST_VAR; "
            "empty: STRIPE_MODE=live|test)",
            default="",
            show_default=False,
        )
    if ask and login is None:
        login = typer.prompt(
            "Login path the roles log in at (empty: bearer tokens)", default="", show_default=False
        )
        if login:
            login_form = typer.prompt(
                "Login fields user,password", default=login_form or "username,password"
            )
            csrf = typer.confirm("Does the login need a CSRF token (Django)?", default=csrf)
    from golive.init import packaged_environment

    answers.set_tables(tables, tier_column=tier_column, active_column=active_column)
    answers.set_migrations(
        migrations, folder=migrations_dir, sql=migration_sql, command=migration_command
    )
    answers.set_settings_sql(settings_sql)
    answers.set_mode_switch(mode_switch)
    roles = tuple(packaged_environment(env).get("roles") or ("user", "other_user", "admin"))
    answers.set_login(login, fields=login_form, csrf=csrf, json_body=login_json, roles=roles)
    for name, value in flags.items():
        if value is None and ask:
            value = typer.prompt(f"{name}", default=answers.inputs.get(name, defaults.get(name)))
        if value is not None:
            answers.inputs[name] = value
    profile, example = write_files(Path.cwd(), answers, force=force)
    typer.echo(f"wrote {profile.name} and {example.name}")
    typer.echo(
        f"next: fill in a copy of {example.name}, then golive check --env {env} --env-file FILE"
    )


@app.command("vars")
def vars_(
    env: EnvOpt = None,
    checklist: ChecklistOpt = None,
    env_file: Annotated[
        Path | None, typer.Option(help="Look the variables up in this dotenv file instead.")
    ] = None,
) -> None:
    """Every variable the environment's items read: set or missing in its source, and
    which items need it. Values are never printed."""
    from golive.check import CheckOptions, prepare
    from golive.checklist import SourceSpec
    from golive.environment import read_source, read_sources
    from golive.variables import needed_variables

    checklist = _checklist(checklist)
    loaded, planned = prepare(
        CheckOptions(checklist=checklist, environment=_require_env(env, checklist))
    )
    assert env is not None
    profile = loaded.checklist.environments[env]
    if env_file:
        spec = SourceSpec(type="dotenv", path=str(env_file.resolve()))
        config = read_source(spec, loaded.folder.resolve())
    else:
        config = read_sources(
            profile,
            loaded.folder.resolve(),
            lambda *loc: loaded.where("environments", env, *loc),
        )
    items = [p.item for p in planned if not p.skip_reason]
    missing = 0
    for need in needed_variables(loaded.checklist, env, items):
        value = config.get(need.name)
        state = "set" if value is not None and value.reveal() != "" else "missing"
        if state == "missing" and not need.optional:
            missing += 1
        optional = " (optional)" if need.optional else ""
        typer.echo(f"{state:<8} {need.name}{optional}  needed by {', '.join(need.items)}")
    typer.echo(f"{missing} required variable(s) missing in {config.origin}")
    raise typer.Exit(1 if missing else 0)


@app.command()
def schema(
    output_file: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of checklist.yaml, for editors to check and complete it.

    Point your editor at it with a first line such as
    `# yaml-language-server: $schema=./docs/checklist.schema.json`.
    """
    import json

    from golive.schema import checklist_schema

    text = json.dumps(checklist_schema(), indent=2) + "\n"
    if output_file:
        output_file.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


@app.command()
def probes() -> None:
    """List the probe kinds checklist.yaml can use."""
    from golive import output

    output.print_probes()


# Declared once, in a module that imports only Typer: the servers load when one runs.
sandbox_app.command("stripe")(sandbox_commands.stripe)
sandbox_app.command("app")(sandbox_commands.app)


@app.command()
def demo(
    scenario: Annotated[
        str,
        typer.Option(help="healthy: everything passes; broken: the mistakes golive catches."),
    ] = "healthy",
    env: Annotated[
        str,
        typer.Option(
            "--env",
            "-e",
            help="Which profile of the checklist to run. staging rehearses in test mode; "
            "prod shows the live checks (the loopback demo has no TLS, so HTTPS items fail).",
        ),
    ] = "staging",
    checklist: ChecklistOpt = None,
    fmt: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="FORMAT[:PATH], as for `golive check`. Repeat.",
            show_default=False,
        ),
    ] = None,
    color: Annotated[str, typer.Option(help="auto, always or never.")] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    rehearse: Annotated[
        bool,
        typer.Option(
            help="Then rehearse the test flows against a test-mode demo deployment (reports "
            "to PATH with .rehearsal before the suffix)."
        ),
    ] = True,
) -> None:
    """Run the checklist against a bundled demo deployment, then remove it.

    Starts the Stripe sandbox and the reference deployment on free loopback ports with a
    SQLite database in a temporary folder, runs `golive check` against them, prints the
    report, and stops everything, leaving nothing behind. Exits like `golive check`.
    """
    from golive import output
    from golive.demo import SCENARIOS, run_demo

    if scenario not in SCENARIOS:
        raise UsageError(f"--scenario {scenario!r}: choose one of {', '.join(SCENARIOS)}")
    _check_color(color)
    outputs = output.parse_formats(fmt or ["table"])
    path = _checklist(checklist)
    report = run_demo(scenario, env, path, quiet=quiet)
    output.write_outputs(report, outputs, color=output.use_color(color))
    code = int(report.exit_code)
    if rehearse:
        from golive.demo import run_rehearsal

        rehearsal = run_rehearsal(scenario, path, quiet=quiet)
        if rehearsal.results:
            renamed = [
                output.Output(o.fmt, o.path.with_suffix(".rehearsal" + o.path.suffix))
                if o.path
                else o
                for o in outputs
            ]
            output.write_outputs(rehearsal, renamed, color=output.use_color(color))
            code = code or int(rehearsal.exit_code)
    raise typer.Exit(code)


@app.command()
def report(
    report_file: Annotated[Path, typer.Argument(help="A stored JSON report (signed or not).")],
    fmt: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="FORMAT[:PATH], as for `golive check`. Repeat.",
            show_default=False,
        ),
    ] = None,
    allowed_signers: Annotated[
        Path | None,
        typer.Option(help="Check the signers against this allowed_signers file too."),
    ] = None,
    color: Annotated[str, typer.Option(help="auto, always or never.")] = "auto",
) -> None:
    """Render a stored JSON report in any format, without re-running the checks.

    The HTML page shows the sign-off: who signed, as what, when, and whether each
    signature held when the page was made.
    """
    from golive import output
    from golive.export import export

    outputs = output.parse_formats(fmt or ["table"])
    export(report_file, outputs, allowed_signers, color=output.use_color(color))


@app.command("diff")
def diff_(
    old: Annotated[Path, typer.Argument(help="The earlier JSON report.")],
    new: Annotated[Path, typer.Argument(help="The later JSON report.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Compare two JSON reports; exit 1 when NEW is worse (verdict or a blocking item).

    Shows new failures, fixes, status, waiver and attestation changes, and checklist
    changes (digest, items added or removed).
    """
    import json

    from golive.diff import compare, render_text
    from golive.signing import load_report

    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r}: use text or json")
    result = compare(load_report(old), load_report(new))
    if fmt == "json":
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        typer.echo(render_text(result, str(old), str(new)), nl=False)
    raise typer.Exit(int(ExitCode.NOT_READY) if result.worse else 0)


@app.command()
def sign(
    report: Annotated[Path, typer.Argument(help="The JSON report (-f json:PATH).")],
    key: Annotated[
        Path | None,
        typer.Option(help="OpenSSH private key (Ed25519 or RSA); with --payload-out, .pub."),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who signs: the principal in allowed_signers.")
    ] = None,
    role: Annotated[str | None, typer.Option(help="As what: engineer, ops, ...")] = None,
    accept_risk: Annotated[
        str | None,
        typer.Option(help="REASON: sign a report that is not ready or partial; signed too."),
    ] = None,
    passphrase_env: Annotated[
        str | None,
        typer.Option(help="Name of the variable holding the key's passphrase."),
    ] = None,
    payload_out: Annotated[
        Path | None,
        typer.Option(help="Write the bytes to sign here for ssh-keygen -Y sign, not sign."),
    ] = None,
    attach: Annotated[
        Path | None,
        typer.Option(help="Attach this signature, made by ssh-keygen -Y sign -n golive."),
    ] = None,
    payload: Annotated[
        Path | None,
        typer.Option(help="With --attach: the payload signed (default: SIG less .sig)."),
    ] = None,
    output_file: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the signed report here.")
    ] = None,
) -> None:
    """Sign a JSON report with an SSH key (SSHSIG, namespace golive).

    Several people can sign one report. Not-ready or partial reports need --accept-risk.
    With ssh-agent or a hardware key: --payload-out FILE, `ssh-keygen -Y sign -n golive
    -f KEY FILE`, then --attach FILE.sig.
    """
    from golive import signing

    if attach is not None:
        message = signing.attach_signature(
            report, signature=attach, payload_file=payload, output=output_file
        )
    elif payload_out is not None:
        message = signing.write_payload(
            report,
            key=key,
            by=by,
            role=role,
            accept_risk=accept_risk,
            passphrase_env=passphrase_env,
            payload_out=payload_out,
        )
    else:
        message = signing.sign_report(
            report,
            key=key,
            by=by,
            role=role,
            accept_risk=accept_risk,
            passphrase_env=passphrase_env,
            output=output_file,
        )
    typer.echo(message, err=True)


@app.command()
def verify(
    report: Annotated[Path, typer.Argument(help="The signed JSON report.")],
    allowed_signers: Annotated[
        Path,
        typer.Option(help="ssh-keygen's allowed_signers file: who may sign, with which key."),
    ],
    extract: Annotated[
        Path | None,
        typer.Option(help="Also write each signature's payload and .sig to this folder."),
    ] = None,
) -> None:
    """Check every signature of a report offline; exit 1 if any fails or none is there.

    Lists who signed, as what and when. --extract DIR writes what `ssh-keygen -Y verify
    -n golive` needs to check each signature without golive.
    """
    from golive import signing

    if extract is not None:
        for line in signing.extract(report, extract):
            typer.echo(line, err=True)
    lines, ok = signing.verify_report(report, allowed_signers)
    for line in lines:
        typer.echo(line)
    raise typer.Exit(0 if ok else int(ExitCode.NOT_READY))


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI, maps every error to a message and an exit code."""
    command = typer.main.get_command(app)
    try:
        result = command.main(
            args=argv if argv is not None else sys.argv[1:],
            prog_name="golive",
            standalone_mode=False,
        )
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("golive: interrupted", err=True)
        code = ExitCode.INTERRUPTED
    except typer.TyperException as exc:  # usage errors: bad flags, missing arguments
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"golive: error: {exc.format_message()}", err=True)
        code = ExitCode.BAD_INPUT if exc.exit_code != 0 else 0
    except GoliveError as exc:
        import re

        for line in exc.lines():
            located = re.match(r"^\S+:\d+:\d+: ", line)
            typer.echo(line if located else f"golive: error: {line}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        typer.echo("golive: interrupted", err=True)
        code = ExitCode.INTERRUPTED
    except Exception as exc:  # no traceback reaches a user; the message is redacted
        from golive.secrets import Redactor

        # Scrubbed of every secret this run has read, not only Stripe-shaped ones.
        redactor = Redactor.of_run()
        if os.environ.get("GOLIVE_DEBUG") == "1":
            import traceback

            typer.echo(redactor.text("".join(traceback.format_exception(exc))), err=True)
        message = redactor.text(f"{type(exc).__name__}: {exc}")
        typer.echo(f"golive: internal error: {message}", err=True)
        code = ExitCode.INTERNAL
    else:
        code = result if isinstance(result, int) else 0
        if code == ExitCode.INTERRUPTED:  # Typer turns Ctrl-C into a return of 130
            typer.echo("golive: interrupted", err=True)
    if argv is None:
        sys.exit(int(code))
    return int(code)
