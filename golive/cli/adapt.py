"""Commands that show and check what golive will do: `list`, `vars`, `validate`, `schema`,
`probes`, `trust` (with `init`, in golive.cli.init, the commands that adapt golive to an app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from golive.cli.app import app
from golive.cli.options import (
    ChecklistOpt,
    ColorOpt,
    EnvOpt,
    SelectOpt,
    checklist_path,
    require_env,
)
from golive.core.errors import UsageError


@app.command("list")
def list_(
    env: EnvOpt = None,
    checklist: ChecklistOpt = None,
    only: SelectOpt = None,
    skip: SelectOpt = None,
    color: ColorOpt = "auto",
) -> None:
    """Show the plan (items, probe kinds, severity) without running anything, and where
    the checklist's inputs and changed items come from (FILE:LINE)."""
    from golive.commands import output
    from golive.commands.check import CheckOptions, prepare, split_selectors
    from golive.engine.loader import load_checklist

    checklist = checklist_path(checklist)
    colored = output.use_color(color)
    if env is None:
        loaded = load_checklist(checklist)
        everything: list[tuple[object, str | None]] = [(i, None) for i in loaded.checklist.items]
        output.print_plan(loaded.checklist, None, everything, color=colored)
        _print_origins(loaded)
        _say_what_would_run(loaded)
        return
    loaded, planned = prepare(
        CheckOptions(
            checklist=checklist,
            environment=env,
            only=tuple(split_selectors(only)),
            skip=tuple(split_selectors(skip)),
        )
    )
    output.print_plan(
        loaded.checklist, env, [(p.item, p.skip_reason) for p in planned], color=colored
    )
    _print_origins(loaded)
    _say_what_would_run(loaded)


def _print_origins(loaded: object) -> None:
    from golive.checklist.loaded import LoadedChecklist
    from golive.checklist.merged import print_origins

    assert isinstance(loaded, LoadedChecklist)
    if loaded.merged is not None:
        print_origins(loaded.merged)


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
    from golive.commands.check import CheckOptions, prepare
    from golive.core.inputfiles import real_path
    from golive.values.variables import variable_lines

    checklist = checklist_path(checklist)
    environment = require_env(env, checklist)
    loaded, planned = prepare(CheckOptions(checklist=checklist, environment=environment))
    items = [p.item for p in planned if not p.skip_reason]
    file = real_path(Path.cwd() / env_file.expanduser()) if env_file else None
    lines, missing = variable_lines(loaded, environment, items, file)
    typer.echo("\n".join(lines))
    raise typer.Exit(1 if missing else 0)


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
    checklist: ChecklistOpt = None,
) -> None:
    """Check a checklist file: syntax, keys, probe kinds and parameters, ids.

    The file is the argument, or -c as for every command (the argument wins)."""
    from golive.engine.loader import load_checklist

    file = checklist_path(file or checklist)
    loaded = load_checklist(file)
    c = loaded.checklist
    if env_file is not None and env is None:
        raise UsageError("--env-file needs --env NAME")
    if env is not None:
        from golive.values.environment import check_references

        check_references(loaded, env, env_file)
    typer.echo(
        f"{file}: valid — {len(c.items)} items in {len(c.sections)} sections, "
        f"environments: {', '.join(c.environments)}"
        + (f"; every ${{VAR}} of {env} is set" if env else "")
    )
    _say_what_would_run(loaded)


def _say_what_would_run(loaded: object) -> None:
    """The checklist's own code, which this command did not run (golive/trust.py)."""
    from golive.checklist.loaded import LoadedChecklist
    from golive.engine import trust

    assert isinstance(loaded, LoadedChecklist)
    code = trust.would_run(loaded)
    if not code:
        return
    state = "trusted" if trust.is_trusted(loaded) else f"not trusted: `golive trust {loaded.path}`"
    typer.echo(
        f"{loaded.path}: not run here, runs only in `golive check`/`rehearse`/`watch` "
        f"({state}): " + "; ".join(code),
        err=True,
    )


@app.command("trust")
def trust_(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The checklist file (default: as for `golive check`).", show_default=False
        ),
    ] = None,
    checklist: ChecklistOpt = None,
) -> None:
    """Allow a checklist's own code (plug-ins, commands) to run in `golive check`: records
    the digest of the checklist, what it extends and its plug-in files (read them first).

    The file is the argument, or -c as for every command (the argument wins).
    """
    from golive.engine import trust
    from golive.engine.loader import load_checklist

    loaded = load_checklist(checklist_path(file or checklist))
    code = trust.would_run(loaded)
    where = trust.record(loaded)
    listed = "; ".join(code) if code else "no code of its own"
    typer.echo(f"trusted {loaded.path} (digest {trust.digest(loaded)[:12]}, in {where}): {listed}")


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

    from golive.commands.schema import checklist_schema

    text = json.dumps(checklist_schema(), indent=2) + "\n"
    if output_file:
        output_file.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


@app.command()
def probes() -> None:
    """List the probe kinds checklist.yaml can use."""
    from golive.commands import output

    output.print_probes()
