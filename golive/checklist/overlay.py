"""Overlays: a checklist that `extend`s another and changes only what differs.

A team adapts golive to its app with one short file instead of a fork of the packaged
checklist:

    extend: default                # the packaged checklist, or a path to another file
    inputs: {webhook_path: /billing/stripe-hook}
    override: {"7.1a": {probe: {max_requests: 50}}}
    disable: {"3.1c": "we do not store early fraud warnings"}
    items: [...]                   # added items

The merge works on plain YAML data and carries every value's FILE:LINE:COL along, so
that an error in the merged checklist points at the file that wrote the value, and
`golive list` can say where each input and item came from. Inputs (`${inputs.NAME}`) are
substituted once, after the whole chain is merged, with the final values.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from golive.checklist.features import apply_without, merge_without, no_target, selected
from golive.checklist.inputs import declare_inputs, substitute_inputs
from golive.checklist.merged import Merged, SourcedPositions, resolve_extend
from golive.checklist.yamlpos import Loc, Positions, load_yaml
from golive.core.errors import ChecklistError, Problem
from golive.core.inputfiles import real_path

_OVERLAY_KEYS = ("extend", "override", "disable")


def load_merged(path: Path) -> Merged:
    """Load `path`, merge it onto what it extends, and substitute `${inputs.NAME}`."""
    merged = _load_chain(path, [])
    problems = substitute_inputs(merged)
    problems += apply_without(merged)
    if problems:
        raise ChecklistError(problems)
    _remove_environments(merged)
    return merged


#: probe parameters that name another environment to compare with (db.same_revision's
#: `other`, env.differs' `environment`, env.no_test_values' `test_prices_environment`)
_COMPARED_ENVIRONMENT = re.compile(r"^(other|environment|.*_environment)$")


def _remove_environments(merged: Merged) -> None:
    """`environments: {staging: null}`: the app has no such environment.

    The environment is removed; an item that belongs only to removed environments, or
    that compares with one, is disabled with the reason, so every report says it was not
    judged (never a failure or an error for a comparison that cannot be made).
    """
    data, pos = merged.data, merged.positions
    envs = data.get("environments")
    if not isinstance(envs, dict):
        return
    removed: dict[str, str] = {}
    for name in [n for n, v in envs.items() if v is None]:
        where = pos.where(("environments", name))
        removed[name] = where.rsplit(":", 1)[0]  # FILE:LINE
        del envs[name]
        pos.drop(("environments", name))
    if not removed:
        return
    for k, item in enumerate(data.get("items") or []):
        if not isinstance(item, dict):
            continue
        reasons: list[str] = []
        listed = item.get("environments")
        if isinstance(listed, list) and any(e in removed for e in listed):
            kept = [e for e in listed if e not in removed]
            if kept:
                item["environments"] = kept
            else:
                del item["environments"]
                gone = [e for e in listed if e in removed]
                reasons.append(
                    f"only for {', '.join(gone)}, and this app has no such environment "
                    f"({removed[gone[0]]} removes it)"
                )
        probe = item.get("probe")
        if (
            isinstance(probe, dict)
            and probe.get("other") in removed
            and probe.get("migrations_dir")
        ):
            # db.same_revision with the repository's migration files: judged against them
            probe["other"] = None
        for key, value in probe.items() if isinstance(probe, dict) else []:
            if _COMPARED_ENVIRONMENT.match(str(key)) and value in removed:
                reasons.append(
                    f"compares with the {value} environment, and there is no {value} to "
                    f"compare with ({removed[value]} removes it)"
                )
        if reasons and not item.get("disabled"):
            item["disabled"] = "; ".join(reasons)
            pos.put(("items", k, "disabled"), *_file_line_col(removed[next(iter(removed))]))
            merged.item_notes.setdefault(str(item.get("id")), []).append(
                f"disabled: {item['disabled']}"
            )


def _file_line_col(where: str) -> tuple[str, int, int]:
    file, _, line = where.rpartition(":")
    return file, int(line) if line.isdigit() else 1, 1


#: how many checklists one `extend` chain may hold (an overlay of an overlay of ...)
MAX_EXTEND_DEPTH = 8


def _load_chain(path: Path, seen: list[Path]) -> Merged:
    data, raw_positions = load_yaml(path)
    file = str(path)
    if not isinstance(data, dict):
        raise ChecklistError([Problem(file, 1, 1, None, "the checklist must be a mapping")])

    def problem(loc: Loc, message: str, item: str | None = None) -> Problem:
        line, col = raw_positions.find(loc)
        return Problem(file, line, col, item, message)

    problems: list[Problem] = []
    base_name = data.get("extend")
    if base_name is None:
        for key in ("override", "disable"):
            if key in data:
                raise ChecklistError(
                    [problem((key,), f"{key!r} needs `extend:` (which checklist to change)")]
                )
        positions = SourcedPositions(file)
        positions.graft(raw_positions, file, (), ())
        merged = Merged(data, positions, [file])
        declare_inputs(merged, data, raw_positions, file, problems)
        for i, item in enumerate(data.get("items") or []):
            if isinstance(item, dict) and "id" in item:
                line, _ = raw_positions.find(("items", i))
                merged.item_notes[str(item["id"])] = [f"{file}:{line}"]
        if problems:
            raise ChecklistError(problems)
        return merged

    if not isinstance(base_name, str) or not base_name:
        raise ChecklistError([problem(("extend",), "extend: expected 'default' or a path")])
    base_path = resolve_extend(base_name, path)
    resolved = real_path(base_path)
    if resolved in seen or resolved == real_path(path):
        raise ChecklistError([problem(("extend",), f"extend: {base_name} extends itself")])
    if len(seen) + 1 >= MAX_EXTEND_DEPTH:
        raise ChecklistError(
            [
                problem(
                    ("extend",),
                    f"extend: a chain of more than {MAX_EXTEND_DEPTH} checklists; "
                    "extend a checklist nearer the packaged one",
                )
            ]
        )
    if not base_path.is_file():
        raise ChecklistError(
            [problem(("extend",), f"extend: {base_path} not found (paths are relative to {file})")]
        )
    base = _load_chain(base_path, [*seen, real_path(path)])
    _apply(base, data, raw_positions, file, problems)
    if problems:
        raise ChecklistError(problems)
    base.files.insert(0, file)
    return base


def _apply(
    base: Merged, overlay: dict[str, Any], raw: Positions, file: str, problems: list[Problem]
) -> None:
    data, pos = base.data, base.positions

    def problem(loc: Loc, message: str, item: str | None = None) -> None:
        line, col = raw.find(loc)
        problems.append(Problem(file, line, col, item, message))

    def line_of(loc: Loc) -> int:
        return raw.find(loc)[0]

    # inputs: set declared ones; declare new ones (for added items) in the full form.
    inputs = overlay.get("inputs") or {}
    declared: dict[str, Any] = data.setdefault("inputs", {})
    if not isinstance(inputs, dict):
        problem(("inputs",), "inputs: expected a mapping of NAME: VALUE")
        inputs = {}
    for name, value in inputs.items():
        if isinstance(value, dict) and "default" in value:
            declared[name] = value
            pos.drop(("inputs", name))
            pos.graft(raw, file, ("inputs", name), ("inputs", name))
            base.input_origins[name] = f"{file}:{line_of(('inputs', name))} (declared)"
        elif name in declared:
            declared[name] = {**declared[name], "default": value}
            pos.drop(("inputs", name, "default"))
            pos.graft(raw, file, ("inputs", name), ("inputs", name, "default"))
            base.input_origins[name] = f"{file}:{line_of(('inputs', name))}"
        else:
            import difflib

            near = difflib.get_close_matches(str(name), list(declared), n=1)
            if near:
                problem(
                    ("inputs", name), f"inputs.{name}: no such input; did you mean {near[0]!r}?"
                )
                continue
            known = ", ".join(sorted(declared)) or "none"
            problem(
                ("inputs", name),
                f"inputs.{name}: no such input in {base.files[0]} (known: {known}); to add "
                "one for your own items, declare it as {default: VALUE, description: TEXT}",
            )

    # metadata, defaults, environments: deep merge (the overlay wins, lists replace).
    for key in ("metadata", "defaults", "environments", "features"):
        if key in overlay:
            if not isinstance(overlay[key], dict):
                problem((key,), f"{key}: expected a mapping")
                continue
            target = data.setdefault(key, {})
            _deep_merge(target, overlay[key], pos, raw, file, (key,), (key,))

    # sections: same id retitles, a new id is appended.
    if "sections" in overlay:
        sections = data.setdefault("sections", [])
        for j, section in enumerate(overlay.get("sections") or []):
            sid = section.get("id") if isinstance(section, dict) else None
            index = next(
                (k for k, s in enumerate(sections) if isinstance(s, dict) and s.get("id") == sid),
                None,
            )
            if index is None:
                index = len(sections)
                sections.append(section)
            else:
                sections[index] = section
            pos.drop(("sections", index))
            pos.graft(raw, file, ("sections", j), ("sections", index))

    items: list[Any] = data.setdefault("items", [])
    index_of = {
        str(item["id"]): k
        for k, item in enumerate(items)
        if isinstance(item, dict) and "id" in item
    }

    override = overlay.get("override") or {}
    if not isinstance(override, dict):
        problem(("override",), "override: expected {ITEM_ID: {fields to change}}")
        override = {}
    for item_id, change in override.items():
        if item_id not in index_of:
            problem(("override", item_id), f"override {item_id!r}: {_no_item(item_id, index_of)}")
            continue
        if not isinstance(change, dict):
            problem(("override", item_id), f"override {item_id!r}: expected a mapping of fields")
            continue
        if "id" in change and str(change["id"]) != item_id:
            problem(("override", item_id, "id"), "an override cannot change an item's id")
            continue
        k = index_of[item_id]
        _deep_merge(items[k], change, pos, raw, file, ("override", item_id), ("items", k))
        base.item_notes.setdefault(item_id, []).append(
            f"overridden at {file}:{line_of(('override', item_id))}"
        )

    disable = overlay.get("disable") or {}
    if not isinstance(disable, dict):
        problem(("disable",), "disable: expected {ITEM_ID: reason}")
        disable = {}
    for key, reason in disable.items():
        # An item id, else a section id or a tag: every item it names.
        targets = selected(str(key), data)
        if targets is None:
            problem(("disable", key), f"disable {key!r}: {no_target(str(key), data)}")
            continue
        if not isinstance(reason, str) or not reason.strip():
            problem(
                ("disable", key),
                f"disable {key!r}: give the reason (it is shown in every report)",
            )
            continue
        line, col = raw.find(("disable", key))
        for k in targets:
            items[k]["disabled"] = reason.strip()
            pos.put(("items", k, "disabled"), file, line, col)
            base.item_notes.setdefault(str(items[k].get("id")), []).append(
                f"disabled at {file}:{line}: {reason}"
            )

    for j, item in enumerate(overlay.get("items") or []):
        item_id = str(item.get("id")) if isinstance(item, dict) and "id" in item else None
        if item_id is not None and item_id in index_of:
            first = base.positions.where(("items", index_of[item_id]))
            problem(
                ("items", j, "id"),
                f"item {item_id!r} already exists ({first}); change it with "
                f"`override: {{{item_id!r}: ...}}` or give the new item another id",
                item_id,
            )
            continue
        k = len(items)
        items.append(item)
        pos.graft(raw, file, ("items", j), ("items", k))
        if item_id is not None:
            index_of[item_id] = k
            base.item_notes[item_id] = [f"{file}:{line_of(('items', j))} (added)"]

    problems.extend(merge_without(data, overlay, pos, raw, file))
    handled = (*_OVERLAY_KEYS, "inputs", "metadata", "defaults", "environments", "features")
    for key in [k for k in overlay if k not in (*handled, "sections", "items", "without")]:
        # A misspelt key: the model reports it as unknown, at the overlay's position.
        data[key] = overlay[key]
        pos.graft(raw, file, (key,), (key,))


def _no_item(item_id: str, index_of: dict[str, int]) -> str:
    import difflib

    near = difflib.get_close_matches(item_id, list(index_of), n=1)
    return "no item has that id" + (f"; did you mean {near[0]!r}?" if near else "")


def _deep_merge(
    target: dict[str, Any],
    change: dict[str, Any],
    pos: SourcedPositions,
    raw: Positions,
    file: str,
    src: Loc,
    dst: Loc,
) -> None:
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value, pos, raw, file, (*src, key), (*dst, key))
            pos.put((*dst, key), file, *raw.find((*src, key)))
        else:
            target[key] = copy.deepcopy(value)
            pos.drop((*dst, key))
            pos.graft(raw, file, (*src, key), (*dst, key))
