"""Options and argument checks shared by several commands (one definition each)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from golive.core.errors import UsageError

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


EnvFileOpt = Annotated[
    Path | None,
    typer.Option(help="Read the deployment's variables from this dotenv file instead."),
]
OtherEnvFileOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="NAME=PATH: read another environment (that items compare with, e.g. "
        "staging's migration revision) from this dotenv file. Repeat.",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        "-f",
        help="FORMAT[:PATH]: table, json, junit, markdown, html, github; to stdout or PATH "
        "(markdown:append:PATH appends). Repeat.",
        show_default=False,
    ),
]
#: `golive diff`'s output: its own two formats (a report's formats are FormatOpt's)
DiffFormatOpt = Annotated[str, typer.Option("--format", "-f", help="text or json.")]
ColorOpt = Annotated[
    str, typer.Option(help="auto (on a terminal, unless NO_COLOR), always or never.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]
TrustOpt = Annotated[
    bool,
    typer.Option(
        "--trust",
        help="Run the checklist's own code (plug-ins, source and role commands) without a "
        "digest recorded by `golive trust` (GOLIVE_TRUST=1 does the same).",
    ),
]


def pairs(values: list[str] | None, flag: str) -> list[tuple[str, Path]]:
    pairs = []
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"{flag} {value!r}: expected NAME=PATH")
        pairs.append((name, Path(path)))
    return pairs


COLORS = ("auto", "always", "never")


def check_color(color: str) -> None:
    """Refused before anything runs: a typo must not cost a whole check."""
    if color not in COLORS:
        raise UsageError(f"--color {color!r}: choose one of {', '.join(COLORS)}")


def finite(value: float | None, flag: str) -> float | None:
    import math

    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number of seconds", param_hint=flag)
    return value


def checklist_path(given: Path | None) -> Path:
    from golive.checklist.merged import find_checklist

    return find_checklist(given)


def require_env(env: str | None, checklist: Path) -> str:
    if env:
        return env
    from golive.engine.loader import load_checklist

    known = ", ".join(sorted(load_checklist(checklist).checklist.environments))
    raise UsageError(f"choose an environment with --env (known in {checklist}: {known})")
