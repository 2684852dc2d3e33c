"""YAML loading that remembers where every value stood, for FILE:LINE:COL errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from golive.errors import ChecklistError, Problem

Loc = tuple[str | int, ...]

# The C loader when PyYAML was built with libyaml.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ChecklistError([Problem(str(path), 1, 1, None, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ChecklistError([Problem(str(path), 1, 1, None, f"cannot read: {reason}")]) from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, name: str) -> tuple[Any, Positions]:
    positions = Positions()
    try:
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
    data = _build(node, (), positions, problems, name)
    if problems:
        raise ChecklistError(problems)
    return data, positions


def _build(node: yaml.Node, loc: Loc, pos: Positions, problems: list[Problem], name: str) -> Any:
    pos.set(loc, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
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
            out[key] = _build(value_node, (*loc, key), pos, problems, name)
            # Point errors about a key at the key itself.
            pos.set((*loc, key), key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(v, (*loc, i), pos, problems, name) for i, v in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    # Reuse PyYAML's own resolution of tags (ints, bools, nulls, floats).
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
