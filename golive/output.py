"""Where a check's output goes: formats to stdout or files, progress, colour, plans."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from golive.errors import UsageError
from golive.reporters import Format, render
from golive.results import ItemResult, Report
from golive.runner import Progress


@dataclass(frozen=True)
class Output:
    fmt: Format
    path: Path | None  # None: stdout


def parse_formats(specs: list[str]) -> list[Output]:
    """`table`, `json:report.json`, `junit:-` -> outputs; at most one to stdout."""
    outputs: list[Output] = []
    for spec in specs:
        name, _, path = spec.partition(":")
        try:
            fmt = Format(name.strip().lower())
        except ValueError:
            known = ", ".join(f.value for f in Format)
            raise UsageError(
                f"--format {spec!r}: unknown format {name!r}; known: {known}"
            ) from None
        outputs.append(Output(fmt, Path(path) if path and path != "-" else None))
    to_stdout = [o.fmt.value for o in outputs if o.path is None]
    if len(to_stdout) > 1:
        raise UsageError(
            f"--format: only one format can go to stdout (got {', '.join(to_stdout)}); "
            "give the others a file: -f json:report.json"
        )
    return outputs


def use_color(mode: str) -> bool:
    if mode == "always":
        return True
    if mode == "never":
        return False
    if mode != "auto":
        raise UsageError(f"--color {mode!r}: use auto, always or never")
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def write_outputs(report: Report, outputs: list[Output], *, color: bool) -> None:
    for out in outputs:
        if out.path is None:
            sys.stdout.write(render(out.fmt, report, color=color, width=_width()))
            sys.stdout.flush()
        else:
            try:
                out.path.parent.mkdir(parents=True, exist_ok=True)
                out.path.write_text(render(out.fmt, report), encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {out.path}: {exc.strerror}") from None
            print(f"golive: wrote {out.fmt.value} report to {out.path}", file=sys.stderr)


def _width() -> int:
    return _terminal_width() if sys.stdout.isatty() else 140


def _terminal_width() -> int:
    import shutil

    return max(60, min(shutil.get_terminal_size().columns, 160))


@contextlib.contextmanager
def progress(total: int, *, quiet: bool = False) -> Iterator[Progress | None]:
    """Live progress on a terminal (stderr), one plain line per item otherwise."""
    if quiet or total == 0:
        yield None
        return
    if sys.stderr.isatty() and os.environ.get("TERM") != "dumb":
        with _live_progress(total) as callback:
            yield callback
        return
    lock = threading.Lock()
    finished = 0

    def plain(item_id: str, result: ItemResult | None) -> None:
        nonlocal finished
        if result is None:
            return
        with lock:
            finished += 1
            print(
                f"golive: [{finished}/{total}] {item_id} {result.status.value} "
                f"({result.duration_s:.2f}s)",
                file=sys.stderr,
                flush=True,
            )

    yield plain


@contextlib.contextmanager
def _live_progress(total: int) -> Iterator[Progress]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    console = Console(stderr=True)
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[bold]golive[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    )
    running: set[str] = set()
    lock = threading.Lock()
    task = bar.add_task("running probes", total=total)

    def callback(item_id: str, result: ItemResult | None) -> None:
        with lock:
            if result is None:
                running.add(item_id)
            else:
                running.discard(item_id)
            now = ", ".join(sorted(running)[:4]) + (" …" if len(running) > 4 else "")
            bar.update(
                task,
                advance=0 if result is None else 1,
                description=f"running {now}" if now else "done",
            )

    with bar:
        yield callback


def print_plan(checklist: object, env: str | None, rows: list[tuple[object, str | None]]) -> None:
    from rich.console import Console
    from rich.table import Table

    from golive.checklist import Checklist, Item

    assert isinstance(checklist, Checklist)
    console = Console(highlight=False, no_color=not use_color("auto"), width=_width())
    title = f"{len(rows)} items" + (f" for environment {env}" if env else "")
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1))
    for column in ("id", "section", "probe", "severity", "environments"):
        table.add_column(column, no_wrap=True)
    table.add_column("item", overflow="fold")
    for item, skip_reason in rows:
        assert isinstance(item, Item)
        envs = ",".join(item.environments) if item.environments else "all"
        if item.when is not None and item.when.mode is not None:
            envs = f"{item.when.mode} mode" if envs == "all" else f"{envs}, {item.when.mode} mode"
        title_text = item.title + (f" [{skip_reason}]" if skip_reason else "")
        table.add_row(item.id, item.section, item.probe.kind, item.severity, envs, title_text)
    console.print(table)


def print_probes() -> None:
    from rich.console import Console
    from rich.table import Table

    from golive.registry import known_kinds, load_probe

    console = Console(highlight=False, no_color=not use_color("auto"), width=_width())
    table = Table(box=None, padding=(0, 1))
    table.add_column("kind")
    table.add_column("what it checks")
    for kind in sorted(known_kinds()):
        probe = load_probe(kind)
        note = " (sends traffic)" if probe.sends_traffic else ""
        table.add_row(kind, probe.summary + note)
    console.print(table)
