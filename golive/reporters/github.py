"""GitHub Actions workflow commands: one annotation per item that needs attention.

`::error` for blocking failures (they stop the deploy), `::warning` for advisory
failures, warnings and blocking items nobody could decide; GitHub shows them on the run
summary and, with a file, on the pull request.
"""

from __future__ import annotations

from golive.core.results import ACTIONABLE, ItemResult, Report, Status


def escape_data(text: str) -> str:
    """A command's message: %, CR and LF are encoded (GitHub's workflow-command rules)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: as data, and `:` and `,` too, which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def level(result: ItemResult) -> str | None:
    """error, warning, notice or None (nothing to say)."""
    if result.blocking:
        if result.status is Status.FAIL:
            return "error"
        if result.undecided:
            return "warning"
        return "warning" if result.status is Status.WARN else None
    if result.status in (Status.FAIL, Status.WARN):
        return "warning"
    return "notice" if result.status in (Status.ERROR, Status.BLOCKED) else None


def render_github(report: Report) -> str:
    lines = []
    for r in report.results:
        kind = level(r)
        if kind is None:
            continue
        what = {
            Status.MANUAL: "awaiting attestation",
            Status.ERROR: "could not decide",
            Status.BLOCKED: "not judged",
            Status.SKIP: "not run",
        }.get(r.status, r.status.value)
        advisory = "advisory, " if not r.blocking else ""
        message = f"[{advisory}{what}] {r.message}"
        if r.remediation and r.status in ACTIONABLE:
            message += f"\n→ {r.remediation}"
        title = escape_property(f"{r.id} {r.title}")
        lines.append(f"::{kind} title={title}::{escape_data(message)}")
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    lines.append(
        f"golive: {report.verdict.upper()} — {report.environment} ({report.mode} mode): "
        f"{counts} (exit {int(report.exit_code)})"
    )
    return "\n".join(lines) + "\n"
