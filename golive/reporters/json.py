"""The JSON report: a versioned, documented schema (docs/report-json.md)."""

from __future__ import annotations

import json
from typing import Any

from golive.core.results import ItemResult, Report, SkipKind, Status

SCHEMA_VERSION = "golive.report/v1"


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "golive_version": report.golive_version,
        "checklist": {
            "path": report.checklist,
            "name": report.checklist_name,
            "sha256": report.checklist_sha256,
        },
        "environment": report.environment,
        "mode": report.mode,
        "deployment": {"base_url": report.base_url, "stripe_account": report.stripe_account},
        "app": {"commit": report.app_commit, "dirty": report.app_dirty},
        "operator": report.operator,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "duration_s": report.duration_s,
        "selection": {
            "only": list(report.only),
            "skip": list(report.skip),
            "unchecked_blocking": list(report.unchecked_blocking),
        },
        "partial": report.partial,
        "fail_on": list(report.fail_on),
        "files": [dict(f) for f in report.files],
        "verdict": report.verdict,
        "exit_code": int(report.exit_code),
        "counts": report.counts(),
        "decision": [
            {
                "status": d.status.value,
                "ids": list(d.ids),
                "titles": list(d.titles),
                "message": d.message,
                "remediation": d.remediation,
            }
            for d in report.decision()
        ],
        "notices": list(report.notices),
        "results": [
            {
                "id": r.id,
                "title": r.title,
                "section": r.section,
                "section_title": r.section_title,
                "probe": r.probe,
                "severity": r.severity,
                "status": r.status.value,
                "message": r.message,
                "evidence": dict(r.evidence),
                "remediation": r.remediation,
                "refs": list(r.refs),
                "tags": list(r.tags),
                "blocked_by": list(r.blocked_by),
                "duration_s": r.duration_s,
                **({"skip_kind": r.skip_kind.value} if r.skip_kind is not None else {}),
                **({"waiver": dict(r.waiver)} if r.waiver is not None else {}),
                **({"attestation": dict(r.attestation)} if r.attestation is not None else {}),
            }
            for r in report.results
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False, default=str) + "\n"


def report_from_dict(data: dict[str, Any]) -> Report:
    """The inverse of `report_dict`: a stored report, to render again without re-running.

    Tolerant of keys it does not know (fields added within v1, signatures) and of keys an
    older v1 report lacks. Derived fields (verdict, exit code, counts, decision, partial)
    are computed again from the results and the selection, as `golive check` did.
    """
    checklist = data.get("checklist") or {}
    deployment = data.get("deployment") or {}
    app = data.get("app") or {}
    selection = data.get("selection") or {}
    results = [
        ItemResult(
            id=str(r["id"]),
            title=str(r.get("title", "")),
            section=str(r.get("section", "")),
            section_title=str(r.get("section_title", r.get("section", ""))),
            probe=str(r.get("probe", "")),
            severity=str(r.get("severity", "blocking")),
            status=Status(r["status"]),
            message=str(r.get("message", "")),
            evidence=dict(r.get("evidence") or {}),
            duration_s=float(r.get("duration_s", 0.0)),
            remediation=str(r.get("remediation", "")),
            refs=tuple(r.get("refs", ())),
            tags=tuple(r.get("tags", ())),
            blocked_by=tuple(r.get("blocked_by", ())),
            waiver=r.get("waiver"),
            attestation=r.get("attestation"),
            skip_kind=_skip_kind(r),
        )
        for r in data.get("results", [])
    ]
    return Report(
        checklist=str(checklist.get("path", "")),
        checklist_name=str(checklist.get("name", "")),
        environment=str(data.get("environment", "")),
        mode=str(data.get("mode", "")),
        started_at=str(data.get("started_at", "")),
        duration_s=float(data.get("duration_s", 0.0)),
        results=tuple(results),
        golive_version=str(data.get("golive_version", "")),
        checklist_sha256=str(checklist.get("sha256", "")),
        finished_at=str(data.get("finished_at", "")),
        operator=str(data.get("operator", "")),
        base_url=deployment.get("base_url"),
        stripe_account=deployment.get("stripe_account"),
        app_commit=app.get("commit"),
        app_dirty=app.get("dirty"),
        only=tuple(selection.get("only", ())),
        skip=tuple(selection.get("skip", ())),
        unchecked_blocking=tuple(selection.get("unchecked_blocking", ())),
        notices=tuple(data.get("notices", ())),
        fail_on=tuple(str(s) for s in data.get("fail_on", ())),
        files=tuple(dict(f) for f in data.get("files", ()) if isinstance(f, dict)),
    )


def _skip_kind(r: dict[str, Any]) -> SkipKind | None:
    """A stored skip's kind; a skip that does not say (older reports) is undecided."""
    if r.get("status") != Status.SKIP.value:
        return None
    try:
        return SkipKind(r.get("skip_kind", SkipKind.UNDECIDED.value))
    except ValueError:
        return SkipKind.UNDECIDED
