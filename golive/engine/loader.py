"""Loading a checklist: merge its overlays, validate it, resolve its plug-ins and check
what pydantic alone cannot (ids, sections, probe kinds and each probe's parameters).

In the engine because it asks the probe registry about kinds and parameters; the models
it fills (golive/checklist/) know nothing of probes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from golive.checklist.loaded import LoadedChecklist
from golive.checklist.loaded import file_of as _file_of
from golive.checklist.models import Checklist, Item, PluginKind
from golive.checklist.yamlpos import Positions
from golive.core.errors import ChecklistError, Problem
from golive.core.inputfiles import real_path
from golive.core.interpolation import malformed, strings_in
from golive.engine.registry import (
    PluginError,
    ProbeLoadError,
    is_file_target,
    known_kinds,
    load_probe,
    resolve_plugins,
)


def load_checklist(path: Path) -> LoadedChecklist:
    """Load and validate a checklist (merged onto what it `extend`s, inputs filled in);
    raise ChecklistError listing every problem, each at the file and line that wrote it."""
    from golive.checklist.overlay import load_merged

    merged = load_merged(path)
    data, positions = merged.data, merged.positions
    for key in ("extend", "override", "disable"):
        data.pop(key, None)  # applied by the merge
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        raise ChecklistError(
            [_problem(path, positions, data, err) for err in exc.errors()]
        ) from None
    checklist, problems = _load_plugins(path, positions, checklist)
    bound: dict[str, object] = {}
    if not problems:
        problems = _cross_check(path, positions, checklist, bound)
    problems += _unclosed_refs(path, positions, data)
    if problems:
        raise ChecklistError(problems)
    return LoadedChecklist(path, checklist, positions, merged, params=bound)


def _load_plugins(
    path: Path, positions: Positions, checklist: Checklist
) -> tuple[Checklist, list[Problem]]:
    """Resolve `plugins:` against the folder of the file that wrote each entry, load every
    kind it names (read from its source, never run: a plug-in that cannot be used is a
    checklist error naming it), and keep one {kind, probe} per kind with absolute paths,
    so that the run does not depend on the current folder."""
    entries: list[tuple[str | None, str]] = []
    for i, plugin in enumerate(checklist.plugins):
        folder = Path(_file_of(positions, ("plugins", i), path)).parent
        kind, target = (None, plugin) if isinstance(plugin, str) else (plugin.kind, plugin.probe)
        module, colon, attr = target.rpartition(":") if kind else (target, "", "")
        if is_file_target(module) and not Path(module).expanduser().is_absolute():
            module = str(real_path(folder / Path(module).expanduser()))
        entries.append((kind, f"{module}{colon}{attr}"))
    if not entries:
        return checklist, []
    try:
        kinds = resolve_plugins(entries)
    except PluginError as exc:
        line, col = positions.find(("plugins", exc.index))
        file = _file_of(positions, ("plugins", exc.index), path)
        return checklist, [Problem(file, line, col, None, str(exc))]
    resolved = [PluginKind(kind=k, probe=t) for k, t in kinds.items()]
    return checklist.model_copy(update={"plugins": resolved}), []


def _unclosed_refs(path: Path, positions: Positions, data: Any) -> list[Problem]:
    """`${VAR` without its `}` (or with a bad name) in an environment: would be sent
    literally; say where instead."""
    environments = data.get("environments") if isinstance(data, dict) else None
    if not isinstance(environments, dict):
        return []
    problems: list[Problem] = []
    for loc, text in strings_in(environments, ("environments",)):
        if malformed(text):
            line, col = positions.find(loc)
            problems.append(
                Problem(
                    _file_of(positions, loc, path),
                    line,
                    col,
                    None,
                    "'${' without a matching '}' or a valid variable name: "
                    "write ${NAME} or ${NAME:-default}",
                )
            )
    return problems


def _item_id(data: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        try:
            item = data["items"][loc[1]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(item, dict) and isinstance(item.get("id"), str | int | float):
            return str(item["id"])
    return None


def _loc_text(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        loc = loc[2:]
    return ".".join(str(p) for p in loc)


def _problem(path: Path, positions: Positions, data: Any, err: Any) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
    line, col = positions.find(loc)
    msg = err["msg"]
    where = _loc_text(loc)
    if err["type"] == "extra_forbidden":
        msg, where = f"unknown key {loc[-1]!r}", _loc_text(loc[:-1])
    return Problem(
        _file_of(positions, loc, path),
        line,
        col,
        _item_id(data, loc),
        f"{where}: {msg}" if where else msg,
    )


def _cross_check(
    path: Path, positions: Positions, checklist: Checklist, bound: dict[str, object]
) -> list[Problem]:
    """What pydantic cannot see alone: duplicate ids, unknown sections, environments,
    probe kinds, and each probe's own parameters (validated once: kept in `bound`, by
    item id, for the runner)."""
    problems: list[Problem] = []
    section_ids = {s.id for s in checklist.sections}
    seen_sections: set[str] = set()
    for i, section in enumerate(checklist.sections):
        if section.id in seen_sections:
            line, col = positions.find(("sections", i, "id"))
            file = _file_of(positions, ("sections", i), path)
            problems.append(Problem(file, line, col, None, f"duplicate section id {section.id!r}"))
        seen_sections.add(section.id)
    seen: dict[str, int] = {}
    for i, item in enumerate(checklist.items):

        def add(loc: tuple[str | int, ...], message: str, item: Item = item, i: int = i) -> None:
            line, col = positions.find(("items", i, *loc))
            file = _file_of(positions, ("items", i, *loc), path)
            problems.append(Problem(file, line, col, item.id, message))

        if item.id in seen:
            first, _ = positions.find(("items", seen[item.id], "id"))
            add(("id",), f"duplicate item id (first defined on line {first})")
        else:
            seen[item.id] = i
        if item.section not in section_ids:
            add(
                ("section",),
                f"unknown section {item.section!r}; known: {', '.join(sorted(section_ids))}",
            )
        for j, env in enumerate(item.environments or []):
            if env not in checklist.environments:
                known = ", ".join(sorted(checklist.environments))
                add(("environments", j), f"unknown environment {env!r}; known: {known}")
        all_ids = {it.id for it in checklist.items}
        for j, need in enumerate(item.needs or []):
            if need not in all_ids:
                add(("needs", j), f"needs {need!r}: no item has that id")
            elif need == item.id:
                add(("needs", j), "an item cannot need itself")
        kinds = {*known_kinds(), *_plugin_kinds(checklist)}
        if item.probe.kind not in kinds:
            add(
                ("probe", "kind"),
                f"unknown probe kind {item.probe.kind!r}; known kinds: {', '.join(sorted(kinds))}",
            )
            continue
        if checklist.probe_target(item.probe.kind) is not None:
            continue  # a local plug-in: its code runs only in a trusted check (trust.py)
        try:
            probe = load_probe(item.probe.kind)
        except ProbeLoadError as exc:
            add(("probe", "kind"), str(exc))
            continue
        try:
            bound[item.id] = probe.Params.model_validate(item.probe.params)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                msg, shown = err["msg"], loc
                if err["type"] == "extra_forbidden":
                    msg, shown = f"unknown key {loc[-1]!r}", loc[:-1]
                where = ".".join(str(p) for p in ("probe", *shown))
                add(("probe", *loc), f"{where}: {msg}")
    problems.extend(_needs_problems(path, positions, checklist))
    problems.extend(_advisory_problems(path, positions, checklist))
    return problems


def _advisory_problems(path: Path, positions: Positions, checklist: Checklist) -> list[Problem]:
    """A profile's `advisory:` that names no item would relax nothing, silently."""
    import difflib

    ids = [item.id for item in checklist.items]
    problems: list[Problem] = []
    for name, profile in checklist.environments.items():
        for item_id in profile.advisory:
            if item_id in ids:
                continue
            loc = ("environments", name, "advisory", item_id)
            line, col = positions.find(loc)
            near = difflib.get_close_matches(item_id, ids, n=1)
            problems.append(
                Problem(
                    _file_of(positions, loc, path),
                    line,
                    col,
                    None,
                    f"environments.{name}.advisory: no item {item_id!r}"
                    + (f"; did you mean {near[0]!r}?" if near else ""),
                )
            )
    return problems


def _plugin_kinds(checklist: Checklist) -> list[str]:
    return [p.kind for p in checklist.plugins if isinstance(p, PluginKind)]


def _needs_problems(path: Path, positions: Positions, checklist: Checklist) -> list[Problem]:
    """Unknown ids in `defaults.needs`, and prerequisite cycles (which would never run)."""
    problems: list[Problem] = []
    ids = {item.id for item in checklist.items}
    for pattern, needed in checklist.defaults.needs.items():
        for j, need in enumerate(needed):
            if need not in ids:
                loc = ("defaults", "needs", pattern, j)
                line, col = positions.find(loc)
                file = _file_of(positions, loc, path)
                problems.append(Problem(file, line, col, None, f"defaults.needs: no item {need!r}"))
    graph = {item.id: [n for n in checklist.needs_of(item) if n in ids] for item in checklist.items}
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
            if state.get(nxt) is None:
                cycle = visit(nxt, [*trail, nxt])
                if cycle:
                    return cycle
        state[node] = 2
        return None

    for item_id in graph:
        if state.get(item_id) is None:
            cycle = visit(item_id, [item_id])
            if cycle:
                i = next(k for k, it in enumerate(checklist.items) if it.id == cycle[0])
                line, col = positions.find(("items", i, "needs"))
                file = _file_of(positions, ("items", i, "needs"), path)
                chain = " -> ".join(cycle)
                problems.append(Problem(file, line, col, cycle[0], f"needs form a cycle: {chain}"))
                break
    return problems
