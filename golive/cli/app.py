"""The Typer application: the root command, its help and the `sandbox` group.

Commands register on `app` in the modules of this package, one per group of commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

from golive import __version__

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


def prose(text: str) -> str:
    """Help text with each paragraph of plain lines joined into one line: Typer's rich
    mode keeps a docstring's line breaks, so at 80 columns a summary wrapped at 88 in the
    source came out as two ragged lines. Indented lines and lists are kept as written."""
    import inspect

    paragraphs = inspect.cleandoc(text).split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.splitlines()
        plain = all(line and not line[0].isspace() for line in lines) and not any(
            line.startswith(("- ", "* ", "\b")) for line in lines
        )
        out.append(" ".join(line.strip() for line in lines) if plain else paragraph)
    return "\n\n".join(out)


def finish_help(group: typer.Typer) -> None:
    """Every command's and group's help as `prose` (from its docstring unless given)."""
    import inspect

    if group.info.help and isinstance(group.info.help, str):
        group.info.help = prose(group.info.help)
    for command in group.registered_commands:
        doc = command.help or (inspect.getdoc(command.callback) if command.callback else None)
        if isinstance(doc, str):
            command.help = prose(doc)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            finish_help(sub.typer_instance)
