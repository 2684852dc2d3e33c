"""`golive watch`: the read-only items on a schedule, with an endpoint for Prometheus."""

from __future__ import annotations

from typing import Annotated

import typer

from golive.cli.app import app
from golive.cli.options import (
    ChecklistOpt,
    EnvFileOpt,
    EnvOpt,
    OtherEnvFileOpt,
    SelectOpt,
    TrustOpt,
    checklist_path,
    pairs,
    require_env,
)
from golive.core.errors import UsageError


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--listen {value!r}: expected HOST:PORT, e.g. 127.0.0.1:9310")
    return host, int(port)


@app.command()
def watch(
    env: EnvOpt = None,
    checklist: ChecklistOpt = None,
    env_file: EnvFileOpt = None,
    other_env_file: OtherEnvFileOpt = None,
    only: SelectOpt = None,
    skip: SelectOpt = None,
    every: Annotated[
        str, typer.Option(help="Time between run starts: 30s, 15m, 1h (+/- 10% jitter).")
    ] = "15m",
    listen: Annotated[
        str,
        typer.Option(help="HOST:PORT of /metrics, /healthz and /report.json (port 0: any)."),
    ] = "127.0.0.1:9310",
    on_change: Annotated[
        str | None,
        typer.Option(
            help="A shell command run when any item's status changes, with the diff as "
            "JSON (golive diff's) on its standard input.",
            show_default=False,
        ),
    ] = None,
    max_runs: Annotated[
        int | None,
        typer.Option(min=1, help="Stop after this many runs (default: until stopped)."),
    ] = None,
    trust: TrustOpt = False,
) -> None:
    """Re-run the read-only items on a schedule and serve the last result (docs/watch.md).

    Leaves out what sends traffic or may change state (unless the profile has
    allow_traffic: true) and rehearsals. Prints a line per changed item status.

    A checklist's own code (plug-ins, source and role commands) runs only when it is
    trusted, as for check: else exit 2 before anything listens.

    SIGTERM or Ctrl-C stop it (exit 0).
    """
    from golive.commands.check import CheckOptions, prepare, split_selectors
    from golive.watch.loop import WatchOptions, parse_interval
    from golive.watch.loop import watch as run_watch

    try:
        interval = parse_interval(every)
    except ValueError as exc:
        raise UsageError(f"--every {exc}") from None
    host, port = _listen(listen)
    path = checklist_path(checklist)
    options = CheckOptions(
        checklist=path,
        environment=require_env(env, path),
        env_file=env_file,
        only=tuple(split_selectors(only)),
        skip=tuple(split_selectors(skip)),
        other_env_files=tuple(pairs(other_env_file, "--other-env-file")),
        trusted=trust,
    )
    loaded, planned = prepare(options)  # bad input: exit 2 before anything listens
    code = run_watch(
        loaded,
        planned,
        options,
        WatchOptions(every=interval, on_change=on_change, max_runs=max_runs),
        host=host,
        port=port,
    )
    raise typer.Exit(code)
