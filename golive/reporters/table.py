"""The terminal report: items grouped by section, then a summary line and the verdict."""

from __future__ import annotations

import io

from golive.results import ACTIONABLE, ExitCode, Report, Status

ICONS = {
    Status.PASS: "✓",
    Status.FAIL: "✗",
    Status.WARN: "!",
    Status.ERROR: "?",
    Status.BLOCKED: "⊘",
    Status.SKIP: "-",
    Status.MANUAL: "✎",
    Status.WAIVED: "~",
}
STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.ERROR: "bold magenta",
    Status.BLOCKED: "magenta",
    Status.SKIP: "dim",
    Status.MANUAL: "cyan",
    Status.WAIVED: "blue",
}
VERDICT_STYLES = {
    ExitCode.READY: "bold green",
    ExitCode.NOT_READY: "bold red",
    ExitCode.INCONCLUSIVE: "bold magenta",
}


def render_table(report: Report, *, color: bool = False, width: int = 100) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        emoji=False,
    )
    console.print(
        Text.assemble(
            ("golive ", "bold"),
            f"{report.checklist_name} · environment ",
            (report.environment, "bold"),
            f" ({report.mode} mode) · {len(report.results)} items",
        )
    )
    section = None
    table: Table | None = None
    id_width = max((len(r.id) for r in report.results), default=4)
    for r in report.results:
        if r.section_title != section:
            if table is not None:
                console.print(table)
            section = r.section_title
            table = Table(
                title=section,
                title_justify="left",
                title_style="bold",
                show_header=False,
                box=None,
                padding=(0, 1),
                expand=True,
            )
            table.add_column("status", no_wrap=True, width=8)
            table.add_column("id", no_wrap=True, style="dim", width=id_width)
            table.add_column("item", ratio=1)
        assert table is not None
        body = Text(r.title)
        if r.severity == "advisory" and r.status in (Status.FAIL, Status.WARN, Status.ERROR):
            body.append(" (advisory)", style="dim")
        if r.status is not Status.PASS or r.message:
            body.append(
                "\n" + r.message, style="dim" if r.status is Status.PASS else STYLES[r.status]
            )
        if r.status in ACTIONABLE and r.remediation:
            body.append("\n→ " + r.remediation, style="italic")
        table.add_row(
            Text(f"{ICONS[r.status]} {r.status.value}", style=STYLES[r.status]), r.id, body
        )
    if table is not None:
        console.print(table)
    counts = report.counts()
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no items"
    console.print()
    console.print(
        Text.assemble(
            (report.verdict.upper(), VERDICT_STYLES[report.exit_code]),
            f" — {summary} in {report.duration_s:.1f}s (exit {int(report.exit_code)})",
        )
    )
    return out.getvalue()
