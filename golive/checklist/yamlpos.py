"""YAML loading that remembers where every value stood, for FILE:LINE:COL errors.

Hostile or mistaken YAML is refused with exit 2 before it can cost time or memory:
files over 1 MB, nesting deeper than 40 levels, more than 50 aliases, documents that
expand to more than 100,000 values (a "billion laughs" file is a few hundred bytes of
aliases), and anything but plain data: custom tags (`!vault`, `!!python/object`) and
merge keys (`<<`) would be silently ignored or misread, so they are errors at their line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from golive.core.errors import ChecklistError, Problem
from golive.core.inputfiles import InputFileError, read_input

Loc = tuple[str | int, ...]

# The C loader when PyYAML was built with libyaml.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 40
MAX_ALIASES = 50
MAX_VALUES = 100_000
_CORE = "tag:yaml.org,2002:"
_PLAIN_TAGS = {
    None,
    "!",
    *(_CORE + t for t in ("str", "int", "float", "bool", "null", "seq", "map")),
}


class Positions:
    """Maps a path into the document (`("items", 3, "probe", "kind")`) to (line, col)."""

    def __init__(self) -> None:
        self._at: dict[Loc, tuple[int, int]] = {}

    def set(self, loc: Loc, line: int, col: int) -> None:
        self._at[loc] = (line, col)

    def find(self, loc: Sequence[Any]) -> tuple[int, int]:
        """The position of `loc`, or of its nearest ancestor that exists (1-based)."""
        path = tuple(loc)
        while path:
            if path in self._at:
                return self._at[path]
            path = path[:-1]
        return self._at.get((), (1, 1))


def load_yaml(path: Path) -> tuple[Any, Positions]:
    """Parse a YAML file into plain data and positions. Raises ChecklistError."""
    try:
        text = read_input(path)
    except InputFileError as exc:
        raise ChecklistError([Problem(str(path), 1, 1, None, str(exc))]) from None
    return parse_yaml(text, str(path))


def _refuse(name: str, mark: Any, message: str) -> ChecklistError:
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return ChecklistError([Problem(name, line, col, None, message)])


def _scan(text: str, name: str) -> None:
    """Walk the parser's events (flat, no recursion) to refuse what would be costly or
    misread before any tree is built: deep nesting, many aliases, non-plain tags."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _refuse(name, event.start_mark, f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _refuse(
                    name, event.start_mark, f"more than {MAX_ALIASES} aliases (*name); refused"
                )
        tag = getattr(event, "tag", None)
        if tag not in _PLAIN_TAGS:
            raise _refuse(
                name,
                event.start_mark,
                f"unsupported YAML tag {tag!r}: golive reads plain data only "
                "(no custom or Python tags; put secrets in the environment's source)",
            )


def parse_yaml(text: str, name: str) -> tuple[Any, Positions]:
    positions = Positions()
    try:
        _scan(text, name)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{exc.context}: {what}"
        raise ChecklistError([Problem(name, line, col, None, f"YAML syntax: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ChecklistError([Problem(name, 1, 1, None, f"YAML: {exc}")]) from None
    if node is None:
        return None, positions
    problems: list[Problem] = []
    data = _Builder(positions, problems, name).build(node, ())
    if problems:
        raise ChecklistError(problems)
    return data, positions


class _Builder:
    """Turns composed nodes into plain data, counting values: aliases share nodes, so
    a small file can expand without bound."""

    def __init__(self, pos: Positions, problems: list[Problem], name: str) -> None:
        self.pos, self.problems, self.name = pos, problems, name
        self.count = 0

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _refuse(
                self.name,
                node.start_mark,
                f"the document expands to more than {MAX_VALUES} values (aliases?); refused",
            )
        return _build(node, loc, self.pos, self.problems, self.name, self)


def _build(
    node: yaml.Node, loc: Loc, pos: Positions, problems: list[Problem], name: str, b: _Builder
) -> Any:
    pos.set(loc, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _CORE + "merge":
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                problems.append(
                    Problem(
                        name,
                        line,
                        col,
                        None,
                        "merge keys (<<) are not supported; write the keys out",
                    )
                )
                continue
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or isinstance(key, list | dict):
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                problems.append(Problem(name, line, col, None, "keys must be plain scalars"))
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                problems.append(Problem(name, line, col, None, f"duplicate key {key!r}"))
                continue
            out[key] = b.build(value_node, (*loc, key))
            # Point errors about a key at the key itself.
            pos.set((*loc, key), key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [b.build(v, (*loc, i)) for i, v in enumerate(node.value)]
    try:
        value = _scalar(node)
    except yaml.YAMLError as exc:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        problems.append(Problem(name, line, col, None, f"YAML value: {exc}"))
        return None
    if isinstance(value, str) and ("\0" in value or len(value) > MAX_SCALAR_CHARS):
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        why = (
            "a NUL character in a value; remove it"
            if "\0" in value
            else f"a value too long ({len(value)} characters; at most {MAX_SCALAR_CHARS})"
        )
        problems.append(Problem(name, line, col, None, why))
        return None
    return value


#: the longest string value a checklist may hold (a SQL query or a message is far shorter)
MAX_SCALAR_CHARS = 65_536


def _scalar(node: yaml.Node) -> Any:
    # Reuse PyYAML's own resolution of tags (ints, bools, nulls, floats).
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
