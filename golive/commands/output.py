"""Where a check's output goes: formats to stdout or files, progress, colour, plans."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from golive.core.errors import UsageError
from golive.core.inputfiles import real_path
from golive.core.results import ItemResult, Report
from golive.engine.runner import Progress
from golive.reporters import Format, render

if TYPE_CHECKING:
    from golive.checklist.loaded import LoadedChecklist
    from golive.reporters.html import SignoffEntry

# Formats that stay valid when appended to a file that already holds text.
APPENDABLE = (Format.MARKDOWN, Format.GITHUB, Format.TABLE)


@dataclass(frozen=True)
class Output:
    fmt: Format
    path: Path | None  # None: stdout
    append: bool = False  # `markdown:append:PATH`

    def appends(self) -> bool:
        """Append rather than truncate: asked for, or the file is GitHub's step summary."""
        if self.path is None:
            return False
        if self.append:
            return True
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if not summary or self.fmt not in APPENDABLE:
            return False
        try:
            return real_path(self.path) == real_path(summary)
        except OSError:
            return False


def parse_formats(specs: list[str]) -> list[Output]:
    """`table`, `json:report.json`, `junit:-`, `markdown:append:PATH` -> outputs.

    At most one goes to stdout.
    """
    outputs: list[Output] = []
    for spec in specs:
        name, colon, path = spec.partition(":")
        append = path.startswith("append:")
        if append:
            path = path.removeprefix("append:")
        try:
            fmt = Format(name.strip().lower())
        except ValueError:
            known = ", ".join(f.value for f in Format)
            raise UsageError(
                f"--format {spec!r}: unknown format {name!r}; known: {known}"
            ) from None
        if append and (fmt not in APPENDABLE or not path or path == "-"):
            raise UsageError(
                f"--format {spec!r}: append: needs a file and a format that can be appended "
                f"to ({', '.join(f.value for f in APPENDABLE)})"
            )
        if colon and not path.strip():
            raise UsageError(
                f"--format {spec!r}: empty path after ':'; give a file, or '-' for stdout"
            )
        target = Path(path) if path and path != "-" else None
        if target is not None:
            _check_target(spec, target)
        outputs.append(Output(fmt, target, append))
    files = [o.path for o in outputs if o.path is not None]
    for i, one in enumerate(files):
        if any(_same(one, other) for other in files[:i]):
            raise UsageError(f"--format: {one} is given twice; give each output its own file")
    to_stdout = [o.fmt.value for o in outputs if o.path is None]
    if len(to_stdout) > 1:
        raise UsageError(
            f"--format: only one format can go to stdout (got {', '.join(to_stdout)}); "
            "give the others a file: -f json:report.json"
        )
    return outputs


def _check_target(spec: str, path: Path) -> None:
    """Refuse an output into a folder that does not exist, or onto a folder or device."""
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"--format {spec!r}: folder {folder} does not exist; create it first")
    if path.exists() and not path.is_file():
        raise UsageError(f"--format {spec!r}: {path} exists and is not a regular file")


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return real_path(a) == real_path(b)


def inputs_of(loaded: LoadedChecklist, extra: Sequence[Path | None] = ()) -> list[Path]:
    """The files a check of `loaded` reads: the checklist and what it extends, its plug-in
    files, its dotenv sources, attestations and waivers, and `extra` (--env-file...)."""
    from golive.engine.trust import trusted_files
    from golive.signoff.attestations import attestations_path
    from golive.signoff.waivers import waivers_path

    found = [*trusted_files(loaded), attestations_path(loaded), waivers_path(loaded)]
    for profile in loaded.checklist.environments.values():
        sources = profile.source if isinstance(profile.source, list) else [profile.source]
        found += [loaded.folder / s.path for s in sources if s.type == "dotenv" and s.path]
    return found + [p for p in extra if p is not None]


def refuse_inputs(outputs: list[Output], inputs: Sequence[Path | None]) -> None:
    """Exit 2 before anything runs if an output would overwrite a file the run reads."""
    for out in outputs:
        if out.path is None:
            continue
        for given in inputs:
            if given is not None and _same(out.path, given):
                raise UsageError(
                    f"--format {out.fmt.value}:{out.path}: that file is an input of this "
                    f"run ({given}); write the report to another file"
                )


def use_color(mode: str) -> bool:
    if mode == "always":
        return True
    if mode == "never":
        return False
    if mode != "auto":
        raise UsageError(f"--color {mode!r}: use auto, always or never")
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def write_outputs(
    report: Report,
    outputs: list[Output],
    *,
    color: bool,
    signoff: Sequence[SignoffEntry] | None = None,
    texts: Mapping[Format, str] | None = None,
) -> None:
    """Render and write each output; `texts` gives some formats' text ready-made."""
    for out in outputs:
        if out.path is None:
            text = (texts or {}).get(out.fmt) or render(
                out.fmt, report, color=color, width=_width(), signoff=signoff
            )
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            text = (texts or {}).get(out.fmt) or render(out.fmt, report, signoff=signoff)
            appends = out.appends()
            try:
                if appends:
                    with out.path.open("a", encoding="utf-8") as handle:
                        handle.write(text)
                else:
                    _write_replacing(out.path, text)
            except OSError as exc:
                raise UsageError(f"cannot write {out.path}: {exc.strerror}") from None
            verb = "appended" if appends else "wrote"
            print(f"golive: {verb} {out.fmt.value} report to {out.path}", file=sys.stderr)


def _write_replacing(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename it over `path`: a reader
    sees the old report or the new one, never half of one."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open(path, "w") would have made it
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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


def print_plan(
    checklist: object,
    env: str | None,
    rows: Sequence[tuple[object, str | None]],
    *,
    color: bool | None = None,
) -> None:
    """The plan as a table; `color` None: only on a terminal (use_color('auto'))."""
    from rich.console import Console
    from rich.table import Table

    from golive.checklist.models import Checklist, Item

    assert isinstance(checklist, Checklist)
    colored = use_color("auto") if color is None else color
    console = Console(highlight=False, force_terminal=colored, no_color=not colored, width=_width())
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

    from golive.engine.registry import ProbeLoadError, known_kinds, load_probe

    console = Console(highlight=False, no_color=not use_color("auto"), width=_width())
    table = Table(box=None, padding=(0, 1))
    table.add_column("kind")
    table.add_column("what it checks")
    for kind in sorted(known_kinds()):
        try:
            probe = load_probe(kind)
        except ProbeLoadError as exc:
            table.add_row(kind, f"[red]failed to load[/red]: {exc}")
            continue
        note = " (sends traffic)" if probe.sends_traffic else ""
        table.add_row(kind, probe.summary + note)
    console.print(table)


class Collector:
    """A progress callback that keeps every finished result, for a report on Ctrl-C."""

    def __init__(self, inner: Progress | None) -> None:
        self.inner = inner
        self.results: dict[str, ItemResult] = {}

    def __call__(self, item_id: str, result: ItemResult | None) -> None:
        if result is not None:
            self.results[item_id] = result
        if self.inner is not None:
            self.inner(item_id, result)


def print_interrupted(
    checklist_path: Path, checklist: object, env: str, planned: Sequence[object], done: Collector
) -> None:
    """On Ctrl-C: what finished, as a table on stderr; unfinished items are `error`.

    Nothing goes to stdout or the report files: a partial report there could be taken
    for a complete one. Unfinished items count as undecided, so the partial verdict is
    never better than the truth.
    """
    from datetime import UTC, datetime

    from golive import __version__
    from golive.checklist.models import Checklist
    from golive.core.results import Outcome
    from golive.core.secrets import Redactor
    from golive.engine.runner import PlannedItem, to_result
    from golive.reporters.table import render_table

    assert isinstance(checklist, Checklist)
    results = []
    missing = []
    for p in planned:
        assert isinstance(p, PlannedItem)
        if p.item.id in done.results:
            results.append(done.results[p.item.id])
        else:
            missing.append(p.item.id)
            outcome = Outcome.error("not finished: interrupted (Ctrl-C) before it finished")
            results.append(to_result(checklist, p.item, outcome, 0.0, Redactor()))
    report = Report(
        checklist=str(checklist_path),
        checklist_name=checklist.metadata.name,
        environment=env,
        mode=checklist.environments[env].mode,
        started_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        duration_s=0.0,
        results=tuple(results),
        golive_version=__version__,
    )
    print(
        f"golive: partial report (interrupted): {len(planned) - len(missing)} of "
        f"{len(planned)} items finished",
        file=sys.stderr,
    )
    sys.stderr.write(render_table(report, color=False, width=_width()))
    if missing:
        print(f"not finished: {', '.join(missing)}", file=sys.stderr)
    sys.stderr.flush()
