"""Features an app may lack, declared once: `without: [plans_table, dispute_tools]`.

The packaged checklist names its features under `features:` (data, not code): each
lists the items about it (`covers`: item ids, section ids or tags, as `disable:` takes
them) or the environment it is (`environment: staging`). A golive.yaml that says
`without: [NAME, ...]` turns those items off with one reason every report shows,
"the app has no NAME (golive.yaml without:)"; an environment feature removes the
environment, as `environments: {staging: null}` does. An unknown name is an error at its
line, with the nearest known name.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from golive.core.errors import Problem

if TYPE_CHECKING:
    from golive.checklist.merged import Merged, SourcedPositions
    from golive.checklist.yamlpos import Positions


class Feature(BaseModel):
    """One feature of an app the checklist asks about."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(description="What the app has, in a few words (shown by `golive init`).")
    covers: list[str] = Field(
        default_factory=list,
        description="The items about this feature: item ids, section ids or tags.",
    )
    environment: str | None = Field(
        None, description="The feature is an environment of the checklist (e.g. staging)."
    )


def selected(key: str, data: dict[str, Any]) -> list[int] | None:
    """Indexes of the items `key` names: an item id, else a section id, else a tag;
    None when it names nothing."""
    items = [i if isinstance(i, dict) else {} for i in data.get("items") or []]
    by_id = [k for k, item in enumerate(items) if str(item.get("id")) == key]
    if by_id:
        return by_id
    sections = {s.get("id") for s in data.get("sections") or [] if isinstance(s, dict)}
    if key in sections:
        return [k for k, item in enumerate(items) if item.get("section") == key]
    tagged = [k for k, item in enumerate(items) if key in (item.get("tags") or [])]
    return tagged or None


def no_target(key: str, data: dict[str, Any]) -> str:
    """Why `key` selects nothing, with the nearest id, section or tag."""
    items = [i for i in data.get("items") or [] if isinstance(i, dict)]
    names = {str(i.get("id")) for i in items if "id" in i}
    names |= {str(s.get("id")) for s in data.get("sections") or [] if isinstance(s, dict)}
    names |= {str(t) for i in items for t in i.get("tags") or []}
    near = difflib.get_close_matches(key, sorted(names), n=1)
    return "no item, section or tag has that name" + (
        f"; did you mean {near[0]!r}?" if near else ""
    )


def merge_without(
    data: dict[str, Any], overlay: dict[str, Any], pos: SourcedPositions, raw: Positions, file: str
) -> list[Problem]:
    """An overlay's `without:` adds to what the files it extends already lack."""
    given = overlay.get("without")
    if given is None:
        return []
    if not isinstance(given, list) or not all(isinstance(n, str) for n in given):
        line, col = raw.find(("without",))
        return [Problem(file, line, col, None, "without: expected a list of feature names")]
    target: list[str] = data.setdefault("without", [])
    for j, name in enumerate(given):
        if name in target:
            continue
        pos.put(("without", len(target)), file, *raw.find(("without", j)))
        target.append(name)
    return []


def apply_without(merged: Merged) -> list[Problem]:
    """Turn off what the app lacks: items skipped with the reason, environments removed
    (after this, `environments: {NAME: null}` handling removes them)."""
    data, pos = merged.data, merged.positions
    names = data.get("without") or []
    features: dict[str, Any] = data.get("features") or {}
    problems: list[Problem] = []
    for j, name in enumerate(names):
        loc = ("without", j)
        file = pos.file_of(loc)
        line, col = pos.find(loc)
        spec = features.get(name)
        if not isinstance(spec, dict):
            near = difflib.get_close_matches(str(name), list(features), n=1)
            problems.append(
                Problem(
                    file,
                    line,
                    col,
                    None,
                    f"without: no feature {name!r} (known: {', '.join(sorted(features))})"
                    + (f"; did you mean {near[0]!r}?" if near else ""),
                )
            )
            continue
        envs = data.get("environments")
        environment = spec.get("environment")
        if environment and isinstance(envs, dict) and environment not in envs:
            # The fault is where the feature names it (an overlay's line, not the packaged one).
            at = ("features", name, "environment")
            known = sorted(envs)
            near = difflib.get_close_matches(str(environment), known, n=1)
            problems.append(
                Problem(
                    pos.file_of(at),
                    *pos.find(at),
                    None,
                    f"features.{name}.environment: unknown environment {environment!r}; "
                    f"known: {', '.join(known)}" + (f"; did you mean {near[0]!r}?" if near else ""),
                )
            )
            continue
        if environment and isinstance(envs, dict) and environment in envs:
            envs[environment] = None
            pos.drop(("environments", environment))
            pos.put(("environments", environment), file, line, col)
        reason = f"the app has no {name} ({Path(file).name} without:)"
        for key in spec.get("covers") or []:
            for k in selected(str(key), data) or []:
                item = data["items"][k]
                if item.get("disabled"):
                    continue
                item["disabled"] = reason
                pos.put(("items", k, "disabled"), file, line, col)
                merged.item_notes.setdefault(str(item.get("id")), []).append(
                    f"disabled at {file}:{line}: {reason}"
                )
    return problems


def feature_titles(data: dict[str, Any]) -> dict[str, str]:
    """Each feature's name and title, in the checklist's order (for `golive init`)."""
    features = data.get("features") or {}
    return {
        str(name): str(spec.get("title", name))
        for name, spec in features.items()
        if isinstance(spec, dict)
    }
