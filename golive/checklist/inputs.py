"""`inputs:` of a checklist chain: declared once, set by overlays, and `${inputs.NAME}`
substituted once the whole chain is merged, with the final values."""

from __future__ import annotations

import copy
import re
from typing import Any

from golive.checklist.merged import Merged
from golive.checklist.yamlpos import Loc, Positions
from golive.core.errors import Problem

#: `${inputs.NAME}`: distinct from `${VAR}` (an environment variable, resolved per
#: environment) because `inputs.` cannot start a variable name, and from `{MODE}` / a
#: route's `{id}` because of the `$`.
INPUT_REF = re.compile(r"\$\{inputs\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}")


def declare_inputs(
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


def substitute_inputs(merged: Merged) -> list[Problem]:
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
