"""`golive sandbox stripe|app`: the two commands, each option declared once, here.

golive/cli/sandbox.py mounts these functions as they are (the one entry point: a busy
port is exit 2 there, never a traceback). This module imports only Typer: the
servers' modules (http.server, SQLAlchemy for the app) load when a command runs, so
`golive --help` does not pay for them (bench/startup.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

PortOpt = Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")]
LatencyOpt = Annotated[
    int,
    typer.Option("--latency-ms", "--latency", help="Delay added to every answer, in milliseconds."),
]


def _log_option(fields: str) -> object:
    return typer.Option(
        "--log", help=f"Append every request ({fields}) as JSON lines; never a key or token."
    )


def stripe(
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
    port: PortOpt = 0,
    latency_ms: LatencyOpt = 0,
    log: Annotated[Path | None, _log_option("method, path, query, mode, time")] = None,
) -> None:
    """Serve a Stripe-compatible API on 127.0.0.1 from a state file, until Ctrl-C or SIGTERM."""
    from golive.sandbox.stripe.server import serve

    serve(state=state, port=port, latency_ms=latency_ms, log=log)


def app(
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
    port: PortOpt = 0,
    env_file: Annotated[
        Path,
        typer.Option(
            "--env-file",
            help="Where to write the deployment's configuration for golive (base URL, "
            "database URL, tokens, webhook secret), readable by you only.",
        ),
    ] = Path("reference-app.env"),
    latency_ms: LatencyOpt = 0,
    log: Annotated[Path | None, _log_option("method, path, status, time")] = None,
) -> None:
    """Serve the reference deployment (the seed's backend, in small) on 127.0.0.1, until
    Ctrl-C or SIGTERM."""
    from golive.sandbox.app.serve import serve

    serve(
        database_url=database_url,
        seed=seed,
        breaks=breaks or [],
        port=port,
        env_file=env_file,
        latency_ms=latency_ms,
        log=log,
    )
