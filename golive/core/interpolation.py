"""`${VAR}` and `${VAR:-default}`: the one reference syntax golive interpolates.

The environment resolves references in profile fields with `interpolate`, `golive vars`
lists them with `references`, and the checklist loader points at a malformed one with
`malformed`, all from the same pattern, so the three can never disagree on what a
reference is. (`${inputs.NAME}` in overlays is another syntax: golive/checklist/inputs.py.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
#: a reference: `${NAME}` or `${NAME:-default}`
REFERENCE = re.compile(rf"\$\{{(?P<name>{NAME})(?::-(?P<default>[^}}]*))?\}}")
#: `${` that does not start a well-formed reference (no `}`, or a bad name)
MALFORMED = re.compile(rf"\$\{{(?!{NAME}(?::-[^}}]*)?\}})")


Loc = tuple[str | int, ...]


def strings_in(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every string in nested mappings and lists, with its location under `loc` (keys
    and list indexes): where the loader and the environment look for references."""
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from strings_in(sub, (*loc, key))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from strings_in(sub, (*loc, i))
    elif isinstance(value, str):
        yield loc, value


@dataclass(frozen=True)
class Interpolated:
    """A profile field after `${VAR}` interpolation; `missing` names unset variables."""

    value: str | None
    missing: tuple[str, ...] = ()


def interpolate(text: str, lookup: Mapping[str, str]) -> Interpolated:
    """Replace `${VAR}` and `${VAR:-default}`; an unset VAR without default is missing."""
    missing: list[str] = []

    def sub(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        if name in lookup and lookup[name] != "":
            return lookup[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    result = REFERENCE.sub(sub, text)
    if missing:
        return Interpolated(None, tuple(missing))
    return Interpolated(result or None)


def references(text: str) -> list[tuple[str, bool]]:
    """The references in `text`, in order: (name, whether it has a default)."""
    return [(m.group("name"), m.group("default") is not None) for m in REFERENCE.finditer(text)]


def malformed(text: str) -> bool:
    """True if `text` holds a `${` that is not a well-formed reference."""
    return MALFORMED.search(text) is not None


def for_mode(name: str, mode: str) -> str:
    """A variable name with `{MODE}` / `{mode}` filled in for a Stripe mode ('live' or
    'test'): STRIPE_{MODE}_SECRET_KEY is STRIPE_LIVE_SECRET_KEY in a live environment.
    The one expansion: probes (ProbeContext.expand) and `golive vars` both use it."""
    return name.replace("{MODE}", mode.upper()).replace("{mode}", mode)
