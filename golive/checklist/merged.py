"""A checklist's merged data: the YAML of its whole `extend` chain with the file, line
and column of every value (`SourcedPositions`); where the checklist file is; `golive
list`'s account of where inputs and items came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checklist.yamlpos import Loc, Positions

#: `extend: default` names the checklist that ships inside the package.
DEFAULT_NAME = "default"


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
