"""Whether a run's items fit the app at all, and the one notice when they do not.

A checklist written for other names (routes, tables) meets an app as a wall of 404s and
missing tables: every one true, none about the app's readiness. When most of the items
that ask the app's routes and tables got only that, the report says so first, once,
"these N items do not fit this app: run golive init", and the human formats show those
items as one line instead of one finding each. Their statuses do not change (a table the
app's own code uses and that is missing is still a fail), so the gate is the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from golive.core.results import ItemResult, Status

#: answers from a server that has no handler for the request (no route, no method)
UNREACHED = frozenset({404, 405, 501})
_GOT = re.compile(r"\b(?:got|answered) ([1-5][0-9][0-9])\b")
#: at least this many items, and at least half of the route and table items that ran
MINIMUM = 3


def _statuses(value: Any, key: str = "") -> list[int]:
    """Every HTTP status an item's evidence records, at any depth."""
    found: list[int] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            if k in ("statuses", "rotated_statuses") and isinstance(v, Mapping):
                found.extend(int(s) for s in v if str(s).isdigit())
            else:
                found.extend(_statuses(v, str(k)))
    elif isinstance(value, list | tuple):
        for v in value:
            found.extend(_statuses(v, key))
    elif (
        key.endswith(("status", "status_code"))
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        found.append(value)
    return found


def misfit(result: ItemResult) -> bool:
    """A failed or undecided item whose routes all answered 404/405/501, or whose tables
    all do not exist: it found only that the app has other names or lacks the feature."""
    if result.status not in (Status.FAIL, Status.ERROR):
        return False
    if result.probe.startswith("http."):
        statuses = _statuses(dict(result.evidence))
        if not statuses:  # only the message says what was answered ("... got 404 ...")
            statuses = [int(s) for s in _GOT.findall(result.message)]
        return bool(statuses) and all(s in UNREACHED for s in statuses)
    if result.probe.startswith("db."):
        evidence = result.evidence
        if evidence.get("missing") and not evidence.get("present"):
            return True
        return "does not exist" in result.message and result.status is Status.FAIL
    return False


def asks_the_app(result: ItemResult) -> bool:
    """An item that ran against the app's routes or tables."""
    return result.probe.startswith(("http.", "db.")) and result.status is not Status.SKIP


def misfits(results: Iterable[ItemResult]) -> list[str]:
    """Ids of the items that do not fit, when they are most of the route and table items."""
    ran = [r for r in results if asks_the_app(r)]
    ids = [r.id for r in ran if misfit(r)]
    if len(ids) >= MINIMUM and 2 * len(ids) >= len(ran):
        return ids
    return []


def notice(results: Iterable[ItemResult]) -> str | None:
    """The one line a report says first when the items do not fit the app."""
    ids = misfits(results)
    if not ids:
        return None
    return (
        f"these {len(ids)} items do not fit this app: run golive init ({', '.join(ids)}): "
        "their routes answered 404, 405 or 501 or their tables do not exist, as when the "
        "app names its routes and tables otherwise or has no such feature; set the app's "
        "names as inputs, or `without:` the features it lacks (docs/adapting.md)"
    )


NOTICE_START = "these "
NOTICE_MARK = " items do not fit this app: run golive init"


def is_fit_notice(text: str) -> bool:
    """Whether a report's notice is the one of this module (reports read back from JSON)."""
    return text.startswith(NOTICE_START) and NOTICE_MARK in text
