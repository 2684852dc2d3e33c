"""`main()`: runs the app and maps every error to a message and an exit code, in one place."""

from __future__ import annotations

import os
import sys

import typer

from golive.cli.app import app
from golive.core.errors import GoliveError
from golive.core.results import ExitCode


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
        from golive.core.secrets import Redactor

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
