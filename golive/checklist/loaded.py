"""A checklist as loaded: the validated model with where each value was written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from golive.checklist.merged import Merged, SourcedPositions, packaged_checklist
from golive.checklist.models import Checklist
from golive.checklist.yamlpos import Positions


class LoadedChecklist:
    """A validated checklist with where it came from, for error messages."""

    def __init__(
        self,
        path: Path,
        checklist: Checklist,
        positions: Positions,
        merged: Merged | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.path = path
        self.checklist = checklist
        self.positions = positions
        self.merged = merged
        #: each built-in item's probe parameters, validated once by the loader (by id)
        self.params: Mapping[str, object] = params or {}

    def where(self, *loc: str | int) -> str:
        line, col = self.positions.find(loc)
        return f"{file_of(self.positions, loc, self.path)}:{line}:{col}"

    @property
    def is_packaged(self) -> bool:
        """True when this is the packaged default itself (no checklist of the user's)."""
        # absolute(), not resolve(): in a source checkout the packaged file is a symlink
        # to ./checklist.yaml, which is the user's own file when given with -c.
        return self.path.absolute() == packaged_checklist()

    @property
    def records_folder(self) -> Path:
        """Where files kept "beside the checklist" live (attestations, waivers): the
        checklist's folder, or the current folder for the packaged default, which sits
        inside site-packages where nothing of a team's should be written."""
        return Path.cwd() if self.is_packaged else self.path.parent

    @property
    def folder(self) -> Path:
        """Where paths written in this checklist start (the folder of the file given)."""
        return self.path.parent

    def item_index(self, item_id: str) -> int:
        for i, item in enumerate(self.checklist.items):
            if item.id == item_id:
                return i
        raise KeyError(item_id)


def file_of(positions: Positions, loc: tuple[Any, ...], path: Path) -> str:
    """The file a value was written in: an overlay's, or the checklist it extends."""
    if isinstance(positions, SourcedPositions):
        return positions.file_of(loc)
    return str(path)
