"""Glob patterns that stay inside the folder a probe examines.

A repo or secret probe's `files`/`exclude`/`patterns` are matched under the repository
folder; an absolute pattern (`/etc/*`) or one climbing out (`../*`) would read, or
silently skip, files the user did not point golive at. Both are refused at load (exit 2).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def _relative(pattern: str) -> str:
    if not pattern.strip():
        raise ValueError("an empty pattern")
    if pattern.startswith(("/", "\\", "~")) or (len(pattern) > 1 and pattern[1] == ":"):
        raise ValueError(f"{pattern!r} is absolute; patterns are relative to the repository")
    if ".." in pattern.replace("\\", "/").split("/"):
        raise ValueError(f"{pattern!r} climbs out with '..'; patterns stay in the repository")
    return pattern


RelativeGlob = Annotated[str, AfterValidator(_relative)]
