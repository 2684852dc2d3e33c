"""The local stand-ins: `sandbox stripe`, `sandbox app` and `demo`."""

from __future__ import annotations

from typing import Annotated

import typer

from golive.cli.app import app, sandbox_app
from golive.cli.options import (
    ChecklistOpt,
    ColorOpt,
    FormatOpt,
    QuietOpt,
    check_color,
    checklist_path,
)
from golive.core.errors import UsageError
from golive.sandbox import commands as sandbox_commands

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
    fmt: FormatOpt = None,
    color: ColorOpt = "auto",
    quiet: QuietOpt = False,
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
    Runs the packaged checklist (not ./golive.yaml, which is about your app) unless -c.
    """
    from golive.commands import output
    from golive.commands.demo import SCENARIOS, run_demo

    if scenario not in SCENARIOS:
        raise UsageError(f"--scenario {scenario!r}: choose one of {', '.join(SCENARIOS)}")
    check_color(color)
    outputs = output.parse_formats(fmt or ["table"])
    from golive.checklist.merged import packaged_checklist

    # The bundled deployment is the packaged checklist's reference app: a golive.yaml in
    # the current folder describes the user's own app, not it (issue 17). -c still wins.
    path = checklist_path(checklist) if checklist is not None else packaged_checklist()
    report = run_demo(scenario, env, path, quiet=quiet)
    output.write_outputs(report, outputs, color=output.use_color(color))
    code = int(report.exit_code)
    if rehearse:
        from golive.commands.demo import run_rehearsal

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
