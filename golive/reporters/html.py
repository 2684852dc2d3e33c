"""A self-contained HTML report: one file, no scripts, no external assets.

Everything from the report is escaped; the page works offline and can be attached to a
release ticket or served as a CI artifact.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from golive.core.results import ACTIONABLE, ExitCode, Report, Status
from golive.reporters.summary import (
    attestation_text,
    headline,
    is_advisory_finding,
    metadata,
    waiver_text,
)
from golive.reporters.table import ICONS

COLORS = {
    Status.PASS: "#1a7f37",
    Status.FAIL: "#cf222e",
    Status.WARN: "#9a6700",
    Status.ERROR: "#8250df",
    Status.BLOCKED: "#8250df",
    Status.SKIP: "#6e7781",
    Status.MANUAL: "#0969da",
    Status.WAIVED: "#57606a",
}
VERDICT_COLORS = {
    ExitCode.READY: "#1a7f37",
    ExitCode.NOT_READY: "#cf222e",
    ExitCode.INCONCLUSIVE: "#8250df",
}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.6rem 0 .4rem}
.verdict{display:inline-block;color:#fff;padding:.2rem .7rem;border-radius:6px;font-weight:700}
.meta{color:#57606a}.counts span{margin-right:1rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;vertical-align:top;
padding:.35rem .5rem;border-bottom:1px solid #d0d7de}
.status{white-space:nowrap;font-weight:600}.id{white-space:nowrap;color:#57606a;font-family:monospace}
.msg{color:#424a53}.fix{font-style:italic;color:#57606a}.adv{font-size:.8em;color:#57606a}
.decision{border:2px solid #cf222e;border-radius:6px;padding:.4rem 1rem;margin:1rem 0}
.decision.clear{border-color:#1a7f37}.decision li{margin:.3rem 0}.waiver{color:#57606a}
.notice{color:#9a6700}dl.what{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem}
dl.what dt{color:#57606a}dl.what dd{margin:0;font-family:monospace;font-size:12px}
details{margin-top:.2rem}pre{white-space:pre-wrap;font-size:12px;background:#f6f8fa;padding:.4rem}
.signoff{border:1px solid #d0d7de;border-radius:6px;padding:.4rem .8rem;margin:1rem 0}
.signoff h2{margin:.3rem 0}.sig-ok{color:#1a7f37;font-weight:600}
.sig-bad{color:#cf222e;font-weight:600}
.key{font-family:monospace;font-size:.85em;color:#57606a;word-break:break-all}
.when{white-space:nowrap}
@media print{
body{margin:0;max-width:none;font-size:10.5pt;color:#000}
.verdict{border:2px solid #000;color:#000!important;background:none!important}
details>*:not(summary){display:block}details summary{display:none}
tr,.signoff{break-inside:avoid}h2{break-after:avoid}
.signoff{border-color:#000}a{color:#000}
}
"""

PARTIAL_COLOR = "#9a6700"


def _decision(report: Report) -> str:
    """The decision list: what holds the gate, by id and title, first on the page."""
    decisions = report.decision()
    waived = report.waived()
    if not decisions and not waived:
        text = "nothing blocking failed or is undecided"
        if report.partial:
            text += ", among the items selected (the run was partial)"
        return f'<section class="decision clear" id="decision"><p>{escape(text)}</p></section>'
    items = []
    for d in decisions:
        ids = ", ".join(d.ids)
        titles = "; ".join(d.titles)
        items.append(
            f'<li data-ids="{escape(ids)}"><b style="color:{COLORS[d.status]}">'
            f'{ICONS[d.status]} {escape(d.kind)}</b> <span class="id">{escape(ids)}</span> '
            f'{escape(titles)}<div class="msg">{escape(d.message)}</div></li>'
        )
    for r in waived:
        assert r.waiver is not None
        items.append(
            f'<li data-ids="{escape(r.id)}" class="waiver">~ waived <span class="id">'
            f"{escape(r.id)}</span> {escape(r.title)}: {escape(waiver_text(r.waiver))}</li>"
        )
    heading = "What holds the gate" if decisions else "Accepted by waiver"
    return (
        f'<section class="decision{"" if decisions else " clear"}" id="decision">'
        f"<h2>{heading}</h2><ul>{''.join(items)}</ul></section>"
    )


@dataclass(frozen=True)
class SignoffEntry:
    """One signature as the sign-off block shows it (verified when the page was made)."""

    by: str
    role: str
    signed_at: str
    key: str
    accept_risk: str | None
    status: str  # what verification said at export
    ok: bool


def _signoff(entries: Sequence[SignoffEntry] | None) -> str:
    if entries is None:
        return ""
    rows = [
        f'<tr class="signature"><td>{escape(e.by)}</td><td>{escape(e.role)}</td>'
        f'<td class="when">{escape(e.signed_at)}</td>'
        f'<td class="{"sig-ok" if e.ok else "sig-bad"}">{escape(e.status)}</td>'
        f'<td>{escape(e.accept_risk or "")}</td><td class="key">{escape(e.key)}</td></tr>'
        for e in entries
    ]
    body = (
        "<table><thead><tr><th>signed by</th><th>as</th><th>at (UTC)</th>"
        "<th>verification at export</th><th>accepted risk</th><th>key</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>Not signed. Sign the JSON report with <code>golive sign REPORT.json --key KEY "
        "--by NAME --role ROLE</code>, then export it with <code>golive report</code>.</p>"
    )
    return f'<section class="signoff" id="signoff"><h2>Sign-off</h2>{body}</section>'


def render_html(report: Report, signoff: Sequence[SignoffEntry] | None = None) -> str:
    """The page; `signoff` adds the sign-off block (an empty list: "not signed")."""
    counts = report.counts()
    color = PARTIAL_COLOR if report.partial and report.verdict == "partial" else None
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>golive: {escape(report.verdict)} — {escape(report.environment)}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<p><span class="verdict" id="verdict" style="background:'
        f'{color or VERDICT_COLORS[report.exit_code]}">{escape(headline(report))}</span></p>',
        f"<h1>{escape(report.checklist_name)}</h1>",
        f'<p class="meta">environment <b>{escape(report.environment)}</b> ({escape(report.mode)} '
        f"mode) · {escape(report.started_at)} · {report.duration_s:.1f}s · golive "
        f"{escape(report.golive_version)} · exit {int(report.exit_code)}</p>",
        _decision(report),
        '<p class="counts">'
        + "".join(
            f'<span style="color:{COLORS[Status(s)]}">{ICONS[Status(s)]} {n} {escape(s)}</span>'
            for s, n in counts.items()
            if n
        )
        + "</p>",
        '<dl class="what" id="what-was-checked">'
        + "".join(
            f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in metadata(report)
        )
        + "</dl>",
        *(f'<p class="notice">notice: {escape(n)}</p>' for n in report.notices),
    ]
    parts.append(_signoff(signoff))
    section = None
    for r in report.results:
        if r.section_title != section:
            if section is not None:
                parts.append("</tbody></table>")
            section = r.section_title
            parts.append(f"<h2>{escape(section)}</h2><table><tbody>")
        advisory = (
            ' <span class="adv">advisory: does not gate</span>'
            if is_advisory_finding(r)
            else (' <span class="adv">advisory</span>' if r.severity == "advisory" else "")
        )
        fix = (
            f'<div class="fix">→ {escape(r.remediation)}</div>'
            if r.remediation and r.status in ACTIONABLE
            else ""
        )
        if r.waiver is not None:
            fix = f'<div class="waiver">~ {escape(waiver_text(r.waiver))}</div>' + fix
        if r.attestation is not None:
            fix = f'<div class="waiver">✎ {escape(attestation_text(r.attestation))}</div>' + fix
        evidence = (
            "<details><summary>evidence</summary><pre>"
            + escape(json.dumps(dict(r.evidence), indent=2, default=str))
            + "</pre></details>"
            if r.evidence
            else ""
        )
        parts.append(
            f'<tr class="result {r.status.value}" data-id="{escape(r.id)}">'
            f'<td class="status" style="color:{COLORS[r.status]}">{ICONS[r.status]} '
            f"{r.status.value}</td>"
            f'<td class="id">{escape(r.id)}</td>'
            f"<td><div>{escape(r.title)}{advisory}</div>"
            f'<div class="msg">{escape(r.message)}</div>{fix}{evidence}</td></tr>'
        )
    if section is not None:
        parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
