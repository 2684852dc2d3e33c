"""Waivers: a failing item accepted for a while, with a reason, an owner and an approver.

The waivers file (default `waivers.yaml` beside the checklist; `defaults.waivers_file`)
lists them; a valid one turns that environment's `fail` into `waived`, which does not
block. A waiver that has expired, that its owner approved, or that runs longer than
`defaults.max_waiver_days`, has no effect: the item stays `fail`, and the report says
why, so that nobody believes a risk was accepted when it was not.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from golive.checklist.loaded import LoadedChecklist
from golive.core.errors import ChecklistError, Problem
from golive.core.results import ItemResult, Status
from golive.core.secrets import Redactor
from golive.signoff.records import Record, load_records, show_time, unknown_environment, utc

KEY = "waivers"


class Waiver(Record):
    """One accepted failure of one item in one environment, until `expires`."""

    item: str = Field(min_length=1)
    environment: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    expires: datetime
    granted: datetime | None = Field(
        None, description="When it was approved; the length is measured from here (else now)."
    )

    @field_validator("expires", "granted", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return utc(value)

    @field_validator("item", "environment", "reason", "owner", "approver", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    def summary(self) -> dict[str, Any]:
        """The waiver as a report shows it (JSON `waiver` object)."""
        return {
            "reason": self.reason,
            "owner": self.owner,
            "approver": self.approver,
            "expires": show_time(self.expires),
            "granted": show_time(self.granted) if self.granted else None,
        }


def waivers_path(loaded: LoadedChecklist) -> Path:
    return loaded.records_folder / loaded.checklist.defaults.waivers_file


def load_waivers(loaded: LoadedChecklist) -> list[tuple[Waiver, int]]:
    """The waivers with their lines; a malformed file or unknown environment is exit 2."""
    path = waivers_path(loaded)
    records = load_records(path, KEY, Waiver)
    problems = []
    known = loaded.checklist.environments
    for waiver, line in records:
        if waiver.granted is not None and waiver.expires <= waiver.granted:
            problems.append(
                Problem(
                    str(path),
                    line,
                    1,
                    waiver.item,
                    f"expires ({show_time(waiver.expires)}) is not after granted "
                    f"({show_time(waiver.granted)})",
                )
            )
        if unknown := unknown_environment(path, line, waiver.item, waiver.environment, known):
            problems.append(unknown)
    if problems:
        raise ChecklistError(problems)
    return records


def same_person(a: str, b: str) -> bool:
    """Owner and approver are one person if they differ only by Unicode compatibility
    forms (NFKC: a no-break space, full-width letters), case, invisible format characters
    (zero-width spaces) or runs of whitespace."""
    import unicodedata

    def key(name: str) -> str:
        text = unicodedata.normalize("NFKC", name).casefold()
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
        return " ".join(text.split())

    return key(a) == key(b)


def why_not(waiver: Waiver, now: datetime, max_days: int) -> str | None:
    """Why a waiver has no effect, or None when it holds."""
    if waiver.expires <= now:
        return f"it expired at {show_time(waiver.expires)}"
    if same_person(waiver.owner, waiver.approver):
        return f"it is self-approved ({waiver.owner} is both owner and approver)"
    if waiver.granted is not None and waiver.granted > now:
        return f"its granted date {show_time(waiver.granted)} is in the future"
    # Counted from the earlier of granted and now: a granted date cannot lengthen it.
    start = min(waiver.granted or now, now)
    days = (waiver.expires - start).total_seconds() / 86400
    if days > max_days:
        since = f"from {show_time(waiver.granted)}" if waiver.granted else "from now"
        return (
            f"it runs {days:.0f} days ({since} to {show_time(waiver.expires)}), longer than "
            f"the checklist's maximum of {max_days} (defaults.max_waiver_days)"
        )
    return None


def apply_waivers(
    loaded: LoadedChecklist,
    environment: str,
    results: list[ItemResult],
    waivers: list[tuple[Waiver, int]],
    redactor: Redactor,
    now: datetime,
) -> tuple[list[ItemResult], list[str]]:
    """Turn covered failures into `waived`; return the results and notices for the report."""
    max_days = loaded.checklist.defaults.max_waiver_days
    path = waivers_path(loaded)
    mine = [(w, line) for w, line in waivers if w.environment == environment]
    by_id = {r.id: r for r in results}
    notices: list[str] = []
    out = []
    for r in results:
        candidates = [(w, line) for w, line in mine if w.item == r.id]
        if not candidates or r.status is not Status.FAIL:
            out.append(r)
            continue
        judged = [(w, line, why_not(w, now, max_days)) for w, line in candidates]
        valid = [(w, line) for w, line, why in judged if why is None]
        if valid:
            w, _ = max(valid, key=lambda x: x[0].expires)
            shown = {k: _clean(v, redactor) for k, v in w.summary().items()}
            out.append(replace(r, status=Status.WAIVED, waiver={**shown, "applied": True}))
            continue
        w, line, why = max(judged, key=lambda x: x[0].expires)
        reason = str(why)
        shown = {k: _clean(v, redactor) for k, v in w.summary().items()}
        notices.append(f"{path}:{line}: the waiver of {r.id} has no effect: {reason}")
        out.append(
            replace(
                r,
                message=f"{r.message} (waiver not applied: {reason})",
                waiver={**shown, "applied": False, "why_not": reason},
            )
        )
    for w, line in mine:
        found = by_id.get(w.item)
        if found is None:
            ids = [it.id for it in loaded.checklist.items]
            if w.item not in ids:
                import difflib

                near = difflib.get_close_matches(w.item, ids, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                notices.append(
                    f"{path}:{line}: the waiver of {w.item} is unused: no item has that id{hint}"
                )
        elif found.status not in (Status.FAIL, Status.WAIVED):
            notices.append(
                f"{path}:{line}: the waiver of {w.item} is unused: the item is {found.status.value}"
            )
    return out, notices


def _clean(value: Any, redactor: Redactor) -> Any:
    return redactor.text(value) if isinstance(value, str) else value
