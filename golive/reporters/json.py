"""The JSON report: a versioned, documented schema (docs/report-json.md)."""

from __future__ import annotations

import json
from typing import Any

from golive.results import Report

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
