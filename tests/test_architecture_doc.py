"""docs/architecture.md names every module of golive/ and checks/, so that the map of
the code a new contributor reads first cannot silently fall behind it."""

from __future__ import annotations

import re

from conftest import REPO


def test_every_module_is_in_the_architecture_table() -> None:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^\| `([\w/]+(?:\.py|/))` \|", text, re.MULTILINE))
    modules = {
        p.relative_to(REPO).as_posix()
        for folder in ("golive", "checks")
        for p in (REPO / folder).rglob("*.py")
        if p.name != "__init__.py"
    }
    # A folder row (`golive/reporters/`) covers the modules inside it.
    missing = sorted(
        m
        for m in modules
        if m not in named and not any(m.startswith(d) for d in named if d.endswith("/"))
    )
    assert not missing, f"add a row to docs/architecture.md's table for: {', '.join(missing)}"
    gone = sorted(n for n in named if not (REPO / n).exists())
    assert not gone, f"docs/architecture.md names modules that do not exist: {', '.join(gone)}"
