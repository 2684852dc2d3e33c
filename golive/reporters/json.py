"""The JSON report: a versioned, documented schema (docs/report-json.md)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from golive.results import ItemResult, Report, Status

SCHEMA_VERSION = "golive.report/v1"


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "golive_version": report.golive_version,
        "checklist": {"path": report.checklist, "name": report.checklist_name},
        "environment": report.environment,
        "mode": report.mode,
        "started_at": report.started_at,
        "duration_s": report.duration_s,
        "verdict": report.verdict,
        "exit_code": int(report.exit_code),
        "counts": report.counts(),
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
            }
            for r in report.results
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False, default=str) + "\n"


def report_from_dict(data: dict[str, Any]) -> Report:
    """The inverse of `report_dict`: a stored report, to render again without re-running.

    Tolerant of keys it does not know (fields added within v1, signatures): they are
    ignored, and fields of Report/ItemResult that a later golive added are filled from
    keys of the same name when present.
    """
    checklist = data.get("checklist") or {}
    results = []
    known_result = {f.name for f in dataclasses.fields(ItemResult)}
    for r in data.get("results", []):
        extra = {k: v for k, v in r.items() if k in known_result and k not in _RESULT_KEYS}
        results.append(
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
                **extra,
            )
        )
    known_report = {f.name for f in dataclasses.fields(Report)}
    extra_report = {k: v for k, v in data.items() if k in known_report and k not in _REPORT_KEYS}
    return Report(
        checklist=str(checklist.get("path", "")),
        checklist_name=str(checklist.get("name", "")),
        environment=str(data.get("environment", "")),
        mode=str(data.get("mode", "")),
        started_at=str(data.get("started_at", "")),
        duration_s=float(data.get("duration_s", 0.0)),
        results=tuple(results),
        golive_version=str(data.get("golive_version", "")),
        **extra_report,
    )


_RESULT_KEYS = {
    "id", "title", "section", "section_title", "probe", "severity", "status", "message",
    "evidence", "duration_s", "remediation", "refs", "tags",
}  # fmt: skip
_REPORT_KEYS = {
    "checklist", "checklist_name", "environment", "mode", "started_at", "duration_s",
    "results", "golive_version",
}  # fmt: skip
