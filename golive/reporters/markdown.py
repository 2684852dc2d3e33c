"""Markdown: for a pull request comment or a CI job summary.

It starts with the decision (what holds the gate, with the remediation), then says what
was checked, then lists every item; advisory findings are marked as such.
"""

from __future__ import annotations

from golive.core.results import ACTIONABLE, Report
from golive.reporters.summary import (
    attestation_text,
    headline,
    is_advisory_finding,
    metadata,
    waiver_text,
)
from golive.reporters.table import ICONS


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    counts = report.counts()
    lines = [
        f"# golive: {headline(report)} — {report.checklist_name} "
        f"({report.environment}, {report.mode} mode)",
        "",
        " · ".join(f"{n} {s}" for s, n in counts.items() if n) + f" · exit {int(report.exit_code)}",
        "",
    ]
    decisions = report.decision()
    if decisions:
        lines += ["## What holds the gate", ""]
        for d in decisions:
            ids = ", ".join(f"`{i}`" for i in d.ids)
            titles = "; ".join(_cell(t) for t in d.titles)
            lines.append(f"- {ICONS[d.status]} **{d.kind}**: {ids} {titles}: {_cell(d.message)}")
            if d.remediation and d.status.value == "fail":
                lines.append(f"  - → {_cell(d.remediation)}")
        lines.append("")
    elif report.partial:
        lines += ["Nothing selected holds the gate, but the run was partial.", ""]
    waived = report.waived()
    if waived:
        lines += ["## Accepted by waiver", ""]
        for r in waived:
            assert r.waiver is not None
            lines.append(f"- ~ `{r.id}` {_cell(r.title)}: {_cell(waiver_text(r.waiver))}")
        lines.append("")
    if report.notices:
        lines += ["## Notices", ""]
        lines += [f"- {_cell(n)}" for n in report.notices]
        lines.append("")
    lines += ["## What was checked", "", "| | |", "|---|---|"]
    lines += [f"| {label} | {_cell(value)} |" for label, value in metadata(report)]
    lines.append("")
    section = None
    for r in report.results:
        if r.section_title != section:
            section = r.section_title
            lines += [
                "",
                f"## {_cell(section)}",
                "",
                "| | id | item | result |",
                "|---|---|---|---|",
            ]
        status = f"{ICONS[r.status]} {r.status.value}"
        if is_advisory_finding(r):
            status += " (advisory)"
        result = _cell(r.message)
        if r.waiver is not None:
            result += f"<br>~ {_cell(waiver_text(r.waiver))}"
        if r.attestation is not None:
            result += f"<br>✎ {_cell(attestation_text(r.attestation))}"
        if r.status in ACTIONABLE and r.remediation:
            result += f"<br>→ {_cell(r.remediation)}"
        lines.append(f"| {status} | {r.id} | {_cell(r.title)} | {result} |")
    lines += [
        "",
        f"_golive {report.golive_version}, {report.started_at}, {report.duration_s:.1f}s_",
        "",
    ]
    return "\n".join(lines)
