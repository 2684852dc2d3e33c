"""`python -m golive.sandbox.stripe`: the same command as `golive sandbox stripe`."""

import typer

from golive.sandbox.commands import stripe

if __name__ == "__main__":  # pragma: no cover
    typer.run(stripe)
