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
    Path,
    typer.Option(
        "--checklist",
        "-c",
        envvar="GOLIVE_CHECKLIST",
        help="The checklist file.",
        show_default=True,
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


def _require_env(env: str | None, checklist: Path) -> str:
    if env:
        return env
    from golive.checklist import load_checklist

    known = ", ".join(sorted(load_checklist(checklist).checklist.environments))
    raise UsageError(f"choose an environment with --env (known in {checklist}: {known})")


@app.command()
def check(
    env: EnvOpt = None,
    checklist: ChecklistOpt = Path("checklist.yaml"),
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
            help="FORMAT[:PATH]: table, json, junit, markdown, html; to stdout or PATH. Repeat.",
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
    color: Annotated[
        str, typer.Option(help="auto (on a terminal, unless NO_COLOR), always or never.")
    ] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Run the checklist against one deployment and print the report.

    Exit 0 when ready, 1 when a blocking item failed, 4 when a blocking item could
    not be decided: use it as a deploy gate.
    """
    from golive import output
    from golive.check import CheckOptions, execute, prepare, split_selectors

    _check_color(color)
    outputs = output.parse_formats(fmt or ["table"])
    options = CheckOptions(
        checklist=checklist,
        environment=_require_env(env, checklist),
        env_file=env_file,
        only=tuple(split_selectors(only)),
        skip=tuple(split_selectors(skip)),
        concurrency=concurrency,
        timeout=timeout,
        other_env_files=tuple(_pairs(other_env_file, "--other-env-file")),
    )
    loaded, planned = prepare(options)
    with output.progress(len(planned), quiet=quiet) as progress:
        report = execute(loaded, planned, options, progress)
    output.write_outputs(report, outputs, color=output.use_color(color))
    raise typer.Exit(int(report.exit_code))


@app.command("list")
def list_(
    env: EnvOpt = None,
    checklist: ChecklistOpt = Path("checklist.yaml"),
    only: SelectOpt = None,
    skip: SelectOpt = None,
) -> None:
    """Show the plan (items, probe kinds, severity) without running anything."""
    from golive import output
    from golive.check import CheckOptions, prepare, split_selectors
    from golive.checklist import load_checklist

    if env is None:
        loaded = load_checklist(checklist)
        output.print_plan(loaded.checklist, None, [(i, None) for i in loaded.checklist.items])
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


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="The checklist file.")] = Path("checklist.yaml"),
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


@sandbox_app.command("stripe")
def sandbox_stripe(
    state: Annotated[
        Path,
        typer.Option(
            "--state",
            help="State file (YAML or JSON): account, prices, endpoints, events, ... per "
            "mode; see docs/sandbox-stripe.md.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 0,
    latency_ms: Annotated[
        int, typer.Option("--latency-ms", help="Delay added to every answer, in milliseconds.")
    ] = 0,
) -> None:
    """Serve a Stripe-compatible API on 127.0.0.1 from a state file, until Ctrl-C."""
    # The sandbox modules load on use: `golive --help` must not pay for http.server.
    from golive.sandbox.stripe_server import cli

    cli(state=state, port=port, latency_ms=latency_ms)


@sandbox_app.command("app")
def sandbox_app_command(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="DATABASE_URL",
            help="The app's database (any SQLAlchemy URL). Default: a SQLite file in a "
            "temporary folder, removed on exit.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        bool, typer.Option(help="Create and fill the app's tables first (drops the app's own).")
    ] = True,
    breaks: Annotated[
        list[str] | None,
        typer.Option(
            "--break",
            help="Break the app in one way the checklist guards against (repeatable; see "
            "docs/reference-app.md). E.g. --break no-rate-limit.",
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 0,
    env_file: Annotated[
        Path,
        typer.Option(
            "--env-file",
            help="Where to write the deployment's configuration for golive (base URL, "
            "database URL, tokens, webhook secret), readable by you only.",
        ),
    ] = Path("reference-app.env"),
) -> None:
    """Serve the reference deployment (the seed's backend, in small) on 127.0.0.1."""
    from golive.sandbox.app import cli

    cli(database_url=database_url, seed=seed, breaks=breaks, port=port, env_file=env_file)


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
    checklist: ChecklistOpt = Path("checklist.yaml"),
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
    report = run_demo(scenario, env, checklist, quiet=quiet)
    output.write_outputs(report, outputs, color=output.use_color(color))
    raise typer.Exit(int(report.exit_code))


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
    if argv is None:
        sys.exit(int(code))
    return int(code)
