"""`python -m golive.sandbox.app`: the same command as `golive sandbox app`."""

import typer

from golive.sandbox.commands import app as app_command

if __name__ == "__main__":  # pragma: no cover
    typer.run(app_command)
