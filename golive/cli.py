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
        float | None, typer.Option(min=0.1, help="Seconds per probe (default: checklist's).")
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

    outputs = output.parse_formats(fmt or ["table"])
    options = CheckOptions(
        checklist=checklist,
        environment=_require_env(env, checklist),
        env_file=env_file,
        only=tuple(split_selectors(only)),
        skip=tuple(split_selectors(skip)),
        concurrency=concurrency,
        timeout=timeout,
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
) -> None:
    """Check a checklist file: syntax, keys, probe kinds and parameters, ids."""
    from golive.checklist import load_checklist

    loaded = load_checklist(file)
    c = loaded.checklist
    typer.echo(
        f"{file}: valid — {len(c.items)} items in {len(c.sections)} sections, "
        f"environments: {', '.join(c.environments)}"
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

        message = Redactor().text(f"{type(exc).__name__}: {exc}")
        typer.echo(f"golive: internal error: {message}", err=True)
        if os.environ.get("GOLIVE_DEBUG") == "1":
            raise
        code = ExitCode.INTERNAL
    else:
        code = result if isinstance(result, int) else 0
    if argv is None:
        sys.exit(int(code))
    return int(code)
