"""Markdown: for a pull request comment or a CI job summary."""

from __future__ import annotations

from golive.reporters.table import ICONS
from golive.results import Report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    counts = report.counts()
    lines = [
        f"# golive: {report.verdict.upper()} — {report.checklist_name} "
        f"({report.environment}, {report.mode} mode)",
        "",
        " · ".join(f"{n} {s}" for s, n in counts.items() if n),
        "",
    ]
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
        lines.append(
            f"| {ICONS[r.status]} {r.status.value} | {r.id} | {_cell(r.title)} "
            f"| {_cell(r.message)} |"
        )
    lines += [
        "",
        f"_golive {report.golive_version}, {report.started_at}, {report.duration_s:.1f}s_",
        "",
    ]
    return "\n".join(lines)
