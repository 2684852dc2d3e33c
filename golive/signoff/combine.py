"""`golive combine STAGING.json PROD.json`: one sign-off from two runs (issue 17).

On a live environment the items that send traffic a deployment could notice (bursts,
sweeps, state-changing requests) are not run, so the prod run is inconclusive. They
are run against staging instead; combine takes their results from a staging report of
the same app commit and the same checklist (digest), marks each as taken from it, and
writes one report whose verdict is computed again: that report is what ops sign.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from golive.core.errors import UsageError

#: the evidence the traffic guard puts on the items it refused (checks/http_client.py)
REFUSED_LIVE_TRAFFIC = "live_traffic"
#: statuses of a staging result that decide the item (anything else leaves prod's skip)
DECIDED = ("pass", "fail", "warn", "waived")


def _mismatch(staging: dict[str, Any], prod: dict[str, Any], s: Path, p: Path) -> str | None:
    s_commit = (staging.get("app") or {}).get("commit")
    p_commit = (prod.get("app") or {}).get("commit")
    if not p_commit or not s_commit:
        return (
            "a report names no app commit (run golive in the app's git checkout), so the "
            "two runs cannot be shown to be of the same app"
        )
    if s_commit != p_commit:
        return f"{s} is about app commit {s_commit[:12]}, {p} about {p_commit[:12]}"
    s_sum = (staging.get("checklist") or {}).get("sha256")
    p_sum = (prod.get("checklist") or {}).get("sha256")
    if not s_sum or s_sum != p_sum:
        return (
            f"{s} was run with checklist sha256 {str(s_sum)[:12]}, {p} with "
            f"{str(p_sum)[:12]}: the same checklist must decide both"
        )
    if staging.get("environment") == prod.get("environment"):
        return f"both reports are of environment {prod.get('environment')!r}"
    return None


def combine(staging_path: Path, prod_path: Path) -> tuple[dict[str, Any], list[str]]:
    """The combined report (unsigned) and one line per item taken from staging."""
    from golive.reporters.json import report_dict, report_from_dict
    from golive.signoff.signing import load_report

    staging, prod = load_report(staging_path), load_report(prod_path)
    problem = _mismatch(staging, prod, staging_path, prod_path)
    if problem:
        raise UsageError(f"golive combine: {problem}")
    env = str(staging.get("environment"))
    when = str(staging.get("finished_at", ""))
    theirs = {str(r.get("id")): r for r in staging.get("results", [])}
    taken: list[str] = []
    results = []
    for r in prod.get("results", []):
        other = theirs.get(str(r.get("id")))
        refused = (r.get("evidence") or {}).get("refused") == REFUSED_LIVE_TRAFFIC
        if r.get("status") == "skip" and refused and other and other.get("status") in DECIDED:
            taken.append(f"{r['id']}: {other['status']} in {env} at {when}")
            r = {
                **other,
                "severity": r.get("severity", other.get("severity")),
                "message": f"[from the {env} report of {when}] {other.get('message', '')}",
                "evidence": {
                    **dict(other.get("evidence") or {}),
                    "from_report": {"environment": env, "finished_at": when},
                },
            }
        results.append(r)
    merged = {**prod, "results": results}
    merged.pop("signatures", None)
    combined = report_dict(report_from_dict(merged))
    combined["combined_from"] = [
        {
            "environment": env,
            "path": str(staging_path),
            "sha256": hashlib.sha256(staging_path.read_bytes()).hexdigest(),
            "finished_at": when,
            "items": [line.split(":", 1)[0] for line in taken],
        }
    ]
    return combined, taken
