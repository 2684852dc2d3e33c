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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checklist.features import merge_without, no_target, selected
from golive.checklist.yamlpos import Loc, Positions, load_yaml
from golive.core.errors import ChecklistError, Problem

#: `extend: default` names the checklist that ships inside the package.
DEFAULT_NAME = "default"
#: `${inputs.NAME}`: distinct from `${VAR}` (an environment variable, resolved per
#: environment) because `inputs.` cannot start a variable name, and from `{MODE}` / a
#: route's `{id}` because of the `$`.
INPUT_REF = re.compile(r"\$\{inputs\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}")
_OVERLAY_KEYS = ("extend", "override", "disable")


def packaged_checklist() -> Path:
    """The default checklist shipped inside the package (golive/data/checklist.yaml)."""
    return Path(__file__).resolve().parent.parent / "data" / "checklist.yaml"


class SourcedPositions(Positions):
    """Positions that also remember which file each value was written in."""

    def __init__(self, default_file: str) -> None:
        super().__init__()
        self.default_file = default_file
        self._file: dict[Loc, str] = {}

    def put(self, loc: Loc, file: str, line: int, col: int) -> None:
        self.set(loc, line, col)
        self._file[loc] = file

    def file_of(self, loc: tuple[Any, ...]) -> str:
        path = tuple(loc)
        while path:
            if path in self._file:
                return self._file[path]
            path = path[:-1]
        return self._file.get((), self.default_file)

    def where(self, loc: tuple[Any, ...]) -> str:
        line, col = self.find(loc)
        return f"{self.file_of(loc)}:{line}:{col}"

    def drop(self, prefix: Loc) -> None:
        """Forget the positions under `prefix` (a value that was replaced)."""
        n = len(prefix)
        for loc in [k for k in self._at if k[:n] == prefix and len(k) > n]:
            del self._at[loc]
            self._file.pop(loc, None)

    def graft(self, src: Positions, file: str, src_prefix: Loc, dst_prefix: Loc) -> None:
        """Copy `src`'s positions under `src_prefix` to `dst_prefix`, from `file`."""
        n = len(src_prefix)
        for loc, (line, col) in list(src._at.items()):
            if loc[:n] == src_prefix:
                target = (*dst_prefix, *loc[n:])
                src_file = src.file_of(loc) if isinstance(src, SourcedPositions) else file
                self.put(target, src_file, line, col)


@dataclass
class Merged:
    """A checklist's data after its whole `extend` chain was merged and inputs filled."""

    data: dict[str, Any]
    positions: SourcedPositions
    files: list[str]  # the chain, the requested file first
    input_origins: dict[str, str] = field(default_factory=dict)  # name -> FILE:LINE
    item_notes: dict[str, list[str]] = field(default_factory=dict)  # id -> provenance


def resolve_extend(name: str, from_file: Path) -> Path:
    """`default` is the packaged checklist; any other name is a path relative to the
    extending file's folder."""
    if name == DEFAULT_NAME:
        return packaged_checklist()
    path = Path(name).expanduser()
    return path if path.is_absolute() else from_file.parent / path


def load_merged(path: Path) -> Merged:
    """Load `path`, merge it onto what it extends, and substitute `${inputs.NAME}`."""
    merged = _load_chain(path, [])
    problems = _substitute_inputs(merged)
    from golive.checklist.features import apply_without

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
        _declare_inputs(merged, data, raw_positions, file, problems)
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
    resolved = base_path.resolve()
    if resolved in seen or resolved == path.resolve():
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
    base = _load_chain(base_path, [*seen, path.resolve()])
    _apply(base, data, raw_positions, file, problems)
    if problems:
        raise ChecklistError(problems)
    base.files.insert(0, file)
    return base


def _declare_inputs(
    merged: Merged, data: dict[str, Any], raw: Positions, file: str, problems: list[Problem]
) -> None:
    """`inputs:` of the first checklist in a chain: NAME: {default, description}."""
    inputs = data.get("inputs")
    if inputs is None:
        return
    if not isinstance(inputs, dict):
        line, col = raw.find(("inputs",))
        problems.append(Problem(file, line, col, None, "inputs: expected a mapping"))
        return
    for name, spec in inputs.items():
        line, col = raw.find(("inputs", name))
        if not isinstance(spec, dict) or "default" not in spec:
            problems.append(
                Problem(
                    file,
                    line,
                    col,
                    None,
                    f"inputs.{name}: declare an input as {{default: VALUE, description: TEXT}}",
                )
            )
            continue
        merged.input_origins[name] = f"{file}:{line} (default)"


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


def _substitute_inputs(merged: Merged) -> list[Problem]:
    """Replace `${inputs.NAME}` everywhere but in `inputs` itself, with the final values.

    A string that is exactly one reference takes the input's value with its type (a list
    of tiers stays a list); a reference inside a longer string must be a scalar.
    """
    data, pos = merged.data, merged.positions
    declared = data.get("inputs") or {}
    values = {k: v.get("default") for k, v in declared.items() if isinstance(v, dict)}
    problems: list[Problem] = []
    # An input's default may reference other inputs (price_source: {var:
    # "${inputs.price_mapping_var}"}), so that setting the one input moves the other.
    # Resolved first, in dependency order; a cycle is an error at the input.
    resolving: list[str] = []
    done: set[str] = set()

    def resolve_input(name: str) -> None:
        if name in done:
            return
        if name in resolving:
            cycle = " -> ".join([*resolving[resolving.index(name) :], name])
            fail(("inputs", name, "default"), f"inputs refer to each other in a cycle: {cycle}")
            done.add(name)
            return
        resolving.append(name)
        for ref in _input_refs(values[name]):
            if ref in values:
                resolve_input(ref)
        resolving.pop()
        values[name] = walk(values[name], ("inputs", name, "default"))
        declared[name]["default"] = values[name]
        done.add(name)

    def fail(loc: Loc, message: str) -> None:
        line, col = pos.find(loc)
        problems.append(Problem(pos.file_of(loc), line, col, _item_of(data, loc), message))

    def walk(value: Any, loc: Loc) -> Any:
        if isinstance(value, dict):
            # Keys too (a `where:` column); a key is always text.
            return {
                (str(walk(k, (*loc, k))) if isinstance(k, str) else k): walk(v, (*loc, k))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [walk(v, (*loc, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "${inputs." not in value:
            return value
        whole = INPUT_REF.fullmatch(value)
        if whole:
            name = whole.group("name")
            if name not in values:
                fail(loc, _unknown_input(name, values))
                return value
            return copy.deepcopy(values[name])

        def sub(match: re.Match[str]) -> str:
            name = match.group("name")
            if name not in values:
                fail(loc, _unknown_input(name, values))
                return match.group(0)
            got = values[name]
            if isinstance(got, list) and loc and loc[-1] in PROSE and not _nested(got):
                return ", ".join(str(v) for v in got)  # a title naming the app's variables
            if isinstance(got, dict | list):
                fail(loc, f"${{inputs.{name}}} is a list or mapping: use it as the whole value")
                return match.group(0)
            return "" if got is None else str(got)

        return INPUT_REF.sub(sub, value)

    for name in list(values):
        resolve_input(name)
    for key in list(data):
        if key != "inputs":
            data[key] = walk(data[key], (key,))
    return problems


#: Fields that are text for a reader: a list input inside them reads `A, B`.
PROSE = ("title", "remediation", "description")


def _nested(values: list[Any]) -> bool:
    return any(isinstance(v, dict | list) for v in values)


def _input_refs(value: Any) -> list[str]:
    """The input names `value` references, at any depth."""
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in (*_input_refs(k), *_input_refs(v))]
    if isinstance(value, list):
        return [n for v in value for n in _input_refs(v)]
    if isinstance(value, str):
        return [m.group("name") for m in INPUT_REF.finditer(value)]
    return []


def _unknown_input(name: str, values: dict[str, Any]) -> str:
    import difflib

    near = difflib.get_close_matches(name, list(values), n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return (
        f"unknown input ${{inputs.{name}}} (declared: {', '.join(sorted(values)) or 'none'}){hint}"
    )


def _item_of(data: dict[str, Any], loc: Loc) -> str | None:
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        try:
            return str(data["items"][loc[1]]["id"])
        except (KeyError, IndexError, TypeError):
            return None
    return None


#: What `golive check` looks for in the current folder when no `-c` is given.
LOCAL_NAMES = ("golive.yaml", "checklist.yaml")


def find_checklist(given: Path | None) -> Path:
    """The checklist to use: `-c FILE`, else ./golive.yaml or ./checklist.yaml, else the
    packaged default (the report's header says so)."""
    if given is not None:
        return given
    for name in LOCAL_NAMES:
        if Path(name).is_file():
            return Path(name)
    return packaged_checklist()


def print_origins(merged: Merged) -> None:
    """`golive list`: the extend chain, each input's value and where it was set, and
    the items an overlay changed, disabled or added, with FILE:LINE (plain lines, never
    wrapped, so that a FILE:LINE stays whole for editors and grep)."""
    lines = ["", "checklist: " + " extends ".join(merged.files)]
    inputs = merged.data.get("inputs") or {}
    if inputs:
        lines.append("inputs:")
        width = max(len(name) for name in inputs)
        for name, spec in inputs.items():
            value = spec.get("default") if isinstance(spec, dict) else spec
            origin = merged.input_origins.get(name, "?")
            lines.append(f"  {name:<{width}} = {_short(value)}  ({origin})")
    changed = {k: v for k, v in merged.item_notes.items() if len(v) > 1 or "(added)" in v[0]}
    if changed:
        lines.append("items changed by an overlay:")
        lines.extend(f"  {item_id}: {'; '.join(notes)}" for item_id, notes in changed.items())
    print("\n".join(lines))


def _short(value: Any) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
