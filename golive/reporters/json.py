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
                **({"waiver": dict(r.waiver)} if r.waiver is not None else {}),
                **({"attestation": dict(r.attestation)} if r.attestation is not None else {}),
            }
            for r in report.results
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False, default=str) + "\n"
