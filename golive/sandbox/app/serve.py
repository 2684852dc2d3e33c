"""`golive sandbox app`: the reference app served until Ctrl-C or SIGTERM, its configuration
written for golive to a file only its owner can read.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from golive.sandbox.app.breaks import DATABASE_BREAKS, UnknownBreakError, check_breaks
from golive.sandbox.app.config import AppConfig
from golive.sandbox.app.database import seed_database
from golive.sandbox.app.server import ReferenceApp
from golive.sandbox.server import sigterm_as_interrupt, wait_for_interrupt

if TYPE_CHECKING:
    pass


def write_env_file(path: Path, values: Mapping[str, str]) -> None:
    """A dotenv file only its owner can read: it holds the app's tokens and secret."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    lines = [f"{name}='{value}'\n" for name, value in values.items()]
    path.write_text("".join(lines), encoding="utf-8")


def serve(
    database_url: str | None = None,
    seed: bool = True,
    breaks: Iterable[str] = (),
    port: int = 0,
    env_file: Path = Path("reference-app.env"),
    latency_ms: int = 0,
    log: Path | None = None,
) -> None:
    """`golive sandbox app` (options in golive/sandbox/commands.py): serve until Ctrl-C or
    SIGTERM. Without `database_url`, a SQLite file in a temporary folder, removed on the
    way out whichever of the two stopped it."""
    import os

    try:
        chosen = check_breaks(breaks)
    except UnknownBreakError as exc:
        raise typer.BadParameter(str(exc), param_hint="--break") from None
    with sigterm_as_interrupt(), contextlib.ExitStack() as cleanup:
        if database_url is None:
            folder = cleanup.enter_context(
                tempfile.TemporaryDirectory(prefix="golive-app-", ignore_cleanup_errors=True)
            )
            database_url = f"sqlite:///{Path(folder) / 'app.db'}"
        environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        config = AppConfig.from_env(environ, database_url=database_url)
        config = replace(config.with_breaks(*chosen), latency_ms=latency_ms)
        if seed:
            seed_database(database_url, config.breaks & DATABASE_BREAKS)
        with ReferenceApp(config, port=port, log_path=log) as app:
            write_env_file(env_file, app.golive_env())
            typer.echo(f"reference app listening on {app.url}")
            typer.echo(f"  breaks: {', '.join(sorted(config.breaks)) or 'none'}")
            typer.echo(
                f"  golive configuration (tokens, secret): {env_file} -- "
                f"golive check --env test --env-file {env_file}. Ctrl-C stops."
            )
            wait_for_interrupt()
        typer.echo(f"stopped after {len(app.requests)} requests")
