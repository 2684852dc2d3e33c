"""Regular expressions a checklist writes, matched in linear time (RE2).

A pattern from a checklist is input: Python's backtracking engine can take exponential
time on `(a+)+$`, so a repository scan would outlive its timeout and the run's deadline.
RE2 guarantees time linear in the text; it has no backreferences nor lookaround, and a
pattern it cannot compile is refused when the checklist is validated (exit 2).
"""

from __future__ import annotations

from typing import Any, Protocol, cast


class Match(Protocol):
    def group(self, index: int = 0) -> str: ...


class LinearPattern(Protocol):
    def search(self, text: str) -> Match | None: ...


def compile_linear(pattern: str, ignore_case: bool = False) -> LinearPattern:
    """The compiled pattern; ValueError saying why RE2 refuses it."""
    import re2

    options: Any = re2.Options()
    options.log_errors = False  # RE2 would print its own message to stderr
    options.case_sensitive = not ignore_case
    try:
        compiled = cast(LinearPattern, re2.compile(pattern, options))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(
            f"not a regular expression RE2 accepts (linear-time syntax: no backreferences "
            f"or lookaround): {reason}"
        ) from None
    return compiled
