"""What every human format says first: what was checked, and what holds the gate.

The reporters lay these out their own way (a table, Markdown, HTML, JUnit properties);
the wording lives here once so that the formats cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from golive.core.results import ItemResult, Report, Status


def metadata(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs: which checklist, deployment, commit, operator, when, selection."""
    rows = [
        ("checklist", f"{report.checklist} (sha256 {report.checklist_sha256 or 'unknown'})"),
        *([("decided by", decided_by(report))] if report.files else []),
        ("environment", f"{report.environment} ({report.mode} mode)"),
        ("base URL", report.base_url or "unknown"),
        ("Stripe account", report.stripe_account or "unknown"),
        ("app commit", app_commit(report)),
        ("operator", report.operator or "unknown"),
        ("time", f"{report.started_at} to {report.finished_at or '?'} ({report.duration_s:.1f}s)"),
        ("golive", report.golive_version),
        ("selection", selection(report)),
    ]
    return rows


def decided_by(report: Report) -> str:
    """`golive.yaml (sha256 1a2b3c4d5e6f, untracked); ...`: each file that decided the run."""
    parts = []
    for f in report.files:
        state = (
            "untracked"
            if f.get("tracked") is False
            else "changed"
            if f.get("changed")
            else "committed"
            if f.get("tracked")
            else "outside the repository"
        )
        name = Path(str(f.get("path", "?"))).name
        parts.append(f"{f.get('role')} {name} (sha256 {str(f.get('sha256', ''))[:12]}, {state})")
    return "; ".join(parts)


def app_commit(report: Report) -> str:
    if not report.app_commit:
        return "unknown"
    if report.app_dirty is None:
        return f"{report.app_commit} (working tree state unknown)"
    return report.app_commit + (" (with uncommitted changes)" if report.app_dirty else " (clean)")


def selection(report: Report) -> str:
    parts = []
    if report.only:
        parts.append("--only " + ",".join(report.only))
    if report.skip:
        parts.append("--skip " + ",".join(report.skip))
    text = " ".join(parts) or "every item of the environment"
    if report.partial:
        ids = ", ".join(report.unchecked_blocking[:12])
        n = len(report.unchecked_blocking)
        more = f" and {n - 12} more" if n > 12 else ""
        text += (
            f"; PARTIAL: {len(report.unchecked_blocking)} blocking item(s) not checked "
            f"({ids}{more})"
        )
    return text


def headline(report: Report) -> str:
    """`NOT READY`, `PARTIAL`, ...: the verdict as the formats show it."""
    return report.verdict.upper()


def waiver_text(waiver: Mapping[str, Any]) -> str:
    """One line for a waiver, applied or not."""
    who = f"owner {waiver.get('owner')}, approved by {waiver.get('approver')}"
    if waiver.get("applied"):
        return f"waived until {waiver.get('expires')} ({who}): {waiver.get('reason')}"
    return (
        f"waiver not applied: {waiver.get('why_not')} (it said: {who}, until "
        f"{waiver.get('expires')}: {waiver.get('reason')})"
    )


def attestation_text(attestation: Mapping[str, Any]) -> str:
    """One line for an attestation, applied or not."""
    role = f" as {attestation['role']}" if attestation.get("role") else ""
    who = f"{attestation.get('by')}{role} at {attestation.get('at')}"
    if attestation.get("applied"):
        evidence = f"; evidence: {attestation['evidence']}" if attestation.get("evidence") else ""
        return f"attested by {who}{evidence}"
    return f"attestation by {who} does not count: {attestation.get('why_not')}"


def is_advisory_finding(r: ItemResult) -> bool:
    """An advisory item that failed or could not decide: shown, marked, never gating."""
    return not r.blocking and r.status in (
        Status.FAIL,
        Status.WARN,
        Status.ERROR,
        Status.BLOCKED,
        Status.MANUAL,
    )
