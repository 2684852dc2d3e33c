"""The terminal report: what was checked, items by section, then the decision and verdict.

On a terminal the last lines are what a person reads first, so the decision list (what
holds the gate) ends the report, right above the verdict line.
"""

from __future__ import annotations

import io

from golive.core.fit import is_fit_notice, misfit
from golive.core.results import ACTIONABLE, ExitCode, Report, Status
from golive.reporters.summary import (
    attestation_text,
    headline,
    is_advisory_finding,
    metadata,
    waiver_text,
)

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
    label_width = max(len(label) for label, _ in metadata(report))
    for label, value in metadata(report):
        console.print(Text(f"  {label:<{label_width}}  {value}", style="dim"))
    # Items that do not fit the app (golive/core/fit.py): said first, once, then one line each.
    fit_notes = [n for n in report.notices if is_fit_notice(n)]
    unfit = {r.id for r in report.results if misfit(r)} if fit_notes else set()
    for notice in fit_notes:
        console.print(Text(f"notice: {notice}", style="bold yellow"))
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
        if is_advisory_finding(r):
            body.append(" (advisory: does not gate)", style="dim")
        if r.id in unfit:
            body.append("\ndoes not fit this app (see the notice above)", style="dim")
        elif r.status is not Status.PASS or r.message:
            body.append(
                "\n" + r.message, style="dim" if r.status is Status.PASS else STYLES[r.status]
            )
        if r.waiver is not None:
            body.append("\n~ " + waiver_text(r.waiver), style=STYLES[Status.WAIVED])
        if r.attestation is not None:
            body.append("\n✎ " + attestation_text(r.attestation), style=STYLES[Status.MANUAL])
        if r.status in ACTIONABLE and r.remediation and r.id not in unfit:
            body.append("\n→ " + r.remediation, style="italic")
        table.add_row(
            Text(f"{ICONS[r.status]} {r.status.value}", style=STYLES[r.status]), r.id, body
        )
    if table is not None:
        console.print(table)
    for notice in report.notices:
        if notice not in fit_notes:
            console.print(Text(f"notice: {notice}", style="yellow"))
    decisions = [d for d in report.decision() if not set(d.ids) <= unfit]
    held = sorted({i for d in report.decision() for i in d.ids} & unfit)
    if decisions or held:
        console.print()
        console.print(Text("What holds the gate (blocking items):", style="bold"))
        if held:
            console.print(
                Text(
                    f"  {len(held)} items that do not fit this app ({', '.join(held)}): "
                    "run golive init"
                )
            )
        for d in decisions:
            line = Text("  ")
            line.append(f"{ICONS[d.status]} {d.kind}", style=STYLES[d.status])
            line.append(f"  {d.label}\n      {d.message}")
            console.print(line)
    for r in report.waived():
        assert r.waiver is not None
        console.print(Text(f"  ~ {r.id} {r.title}: {waiver_text(r.waiver)}", style="blue"))
    counts = report.counts()
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no items"
    console.print()
    style = "bold yellow" if report.verdict == "partial" else VERDICT_STYLES[report.exit_code]
    partial = " — blocking items not checked" if report.partial else ""
    console.print(
        Text.assemble(
            (headline(report), style),
            partial,
            f" — {summary} in {report.duration_s:.1f}s (exit {int(report.exit_code)})",
        )
    )
    return out.getvalue()
