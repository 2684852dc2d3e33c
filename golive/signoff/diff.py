"""`golive diff OLD NEW`: what changed between two JSON reports, and whether NEW is worse.

Works on the stored documents, not on Report objects, so that fields a later golive
adds (waivers, attestations, checklist digests) are compared when present and ignored
when not. NEW is worse when the verdict got worse or a blocking item did.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

# How bad a status is for the gate: higher is worse.
STATUS_RANK = {
    "pass": 0,
    "waived": 1,
    "warn": 1,
    "skip": 2,
    "manual": 3,
    "error": 3,
    "blocked": 3,
    "fail": 4,
}
VERDICT_RANK = {"ready": 0, "inconclusive": 1, "not ready": 2}
FAILING = ("fail", "error", "blocked")
TRACKED = ("waiver", "attestation")  # per-result fields compared when present


@dataclass(frozen=True)
class ItemChange:
    id: str
    title: str
    blocking: bool
    kind: str  # new failure, fixed, status, added, removed, waiver, attestation
    old: Any
    new: Any
    message: str
    worse: bool


@dataclass
class Diff:
    old_verdict: str
    new_verdict: str
    checklist: dict[str, Any] = field(default_factory=dict)
    changes: list[ItemChange] = field(default_factory=list)
    worse_reasons: list[str] = field(default_factory=list)

    @property
    def worse(self) -> bool:
        return bool(self.worse_reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_verdict": self.old_verdict,
            "new_verdict": self.new_verdict,
            "worse": self.worse,
            "worse_reasons": self.worse_reasons,
            "checklist": self.checklist,
            "changes": [asdict(c) for c in self.changes],
        }


def _results(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(r.get("id")): r for r in report.get("results", []) if isinstance(r, dict)}


def _rank(status: Any) -> int:
    return STATUS_RANK.get(str(status), 3)


def compare(old: dict[str, Any], new: dict[str, Any]) -> Diff:
    """Every difference a reviewer of a deploy gate cares about."""
    d = Diff(str(old.get("verdict", "?")), str(new.get("verdict", "?")))
    if VERDICT_RANK.get(d.new_verdict, 2) > VERDICT_RANK.get(d.old_verdict, 2):
        d.worse_reasons.append(f"verdict {d.old_verdict} → {d.new_verdict}")
    if new.get("partial") is True and old.get("partial") is not True:
        d.worse_reasons.append("NEW is a partial run, OLD was not")
    old_cl, new_cl = old.get("checklist") or {}, new.get("checklist") or {}
    for key in ("sha256", "path", "name"):
        if old_cl.get(key) != new_cl.get(key):
            d.checklist[key] = {"old": old_cl.get(key), "new": new_cl.get(key)}
    before, after = _results(old), _results(new)
    d.checklist["added"] = [i for i in after if i not in before]
    d.checklist["removed"] = [i for i in before if i not in after]
    for item_id in [*before, *d.checklist["added"]]:
        o, n = before.get(item_id), after.get(item_id)
        ref = n or o or {}
        blocking = ref.get("severity", "blocking") == "blocking"
        title = str(ref.get("title", ""))
        if n is None:
            assert o is not None
            d.changes.append(
                ItemChange(item_id, title, blocking, "removed", o.get("status"), None, "", False)
            )
            continue
        old_status = o.get("status") if o else None
        new_status = n.get("status")
        message = str(n.get("message", ""))
        if o is None:
            worse = blocking and _rank(new_status) >= STATUS_RANK["manual"]
            kind = "new failure" if new_status in FAILING else "added"
            d.changes.append(
                ItemChange(item_id, title, blocking, kind, None, new_status, message, worse)
            )
        elif old_status != new_status:
            worse = blocking and _rank(new_status) > _rank(old_status)
            if new_status in FAILING and old_status not in FAILING:
                kind = "new failure"
            elif old_status in FAILING and new_status not in FAILING:
                kind = "fixed"
            else:
                kind = "status"
            d.changes.append(
                ItemChange(item_id, title, blocking, kind, old_status, new_status, message, worse)
            )
        for tracked in TRACKED:
            if o is not None and o.get(tracked) != n.get(tracked):
                d.changes.append(
                    ItemChange(
                        item_id, title, blocking, tracked, o.get(tracked), n.get(tracked), "", False
                    )
                )
    for c in d.changes:
        if c.worse:
            d.worse_reasons.append(f"blocking item {c.id}: {c.old or 'absent'} → {c.new}")
    return d


def _short(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


HEADINGS = {
    "new failure": "New failures",
    "fixed": "Fixed",
    "status": "Status changes",
    "waiver": "Waiver changes",
    "attestation": "Attestation changes",
    "added": "Items added",
    "removed": "Items removed",
}


def render_text(d: Diff, old_name: str, new_name: str) -> str:
    lines = [f"golive diff {old_name} → {new_name}"]
    mark = (
        " (worse)"
        if VERDICT_RANK.get(d.new_verdict, 2) > VERDICT_RANK.get(d.old_verdict, 2)
        else ""
    )
    lines.append(f"verdict: {d.old_verdict} → {d.new_verdict}{mark}")
    for key in ("sha256", "path", "name"):
        if key in d.checklist:
            change = d.checklist[key]
            lines.append(f"checklist {key}: {_short(change['old'])} → {_short(change['new'])}")
    for kind, heading in HEADINGS.items():
        group = [c for c in d.changes if c.kind == kind]
        if not group:
            continue
        lines += ["", f"{heading}:"]
        for c in group:
            sev = "blocking" if c.blocking else "advisory"
            flag = "  ← worse" if c.worse else ""
            lines.append(f"  {c.id} [{sev}] {c.title}: {_short(c.old)} → {_short(c.new)}{flag}")
            if c.message and kind in ("new failure", "status", "added"):
                lines.append(f"      {c.message}")
    if not d.changes and len(lines) == 2:
        lines.append("no changes in results")
    lines.append("")
    lines.append(
        "NEW is worse: " + "; ".join(d.worse_reasons) + " (exit 1)"
        if d.worse
        else "NEW is not worse than OLD (exit 0)"
    )
    return "\n".join(lines) + "\n"
