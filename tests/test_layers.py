"""The import graph of golive/ and checks/, read with `ast`: no import circle and no
import that runs up the declared layers (docs/architecture.md draws them).

Every import counts: module level, inside functions and under TYPE_CHECKING. KNOWN_UP and
KNOWN_CIRCLES listed what was left to break (issue 15); both are empty now and must stay
so: a lower layer that needs a higher one takes a Protocol or a value, or the shared type
moves down."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

# Bottom to top: a module may import its own layer and the layers below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("golive", "golive.core"),
    ("golive.checklist",),
    ("golive.reporters",),
    ("golive.values",),
    ("golive.engine", "golive.probe", "golive.context", "golive.results"),
    ("golive.checks",),
    ("golive.signoff",),
    ("golive.sandbox",),
    ("golive.commands",),
    ("golive.watch",),
    ("golive.cli", "golive.__main__"),
)
# The plug-in API's import paths, for plug-ins: golive's own modules import the engine.
FACADES = frozenset({"golive.probe", "golive.context", "golive.results"})

KNOWN_UP: frozenset[tuple[str, str]] = frozenset()
KNOWN_CIRCLES: frozenset[frozenset[str]] = frozenset()


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in (("golive", "golive"), ("checks", "golive.checks")):
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    edges: dict[str, set[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                module = (
                    module.replace("checks.", "golive.checks.", 1)
                    if module.startswith("checks.")
                    else module
                )
                targets.add(module)
                targets.update(f"{module}.{a.name}" for a in node.names)
        edges[name] = {t for t in targets if t in mods and t != name}
    return edges


def layer(module: str) -> int:
    best = (-1, -1)
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                best = max(best, (len(prefix), index))
    assert best[1] >= 0, f"{module}: in no layer of tests/test_layers.py"
    return best[1]


def circles(edges: dict[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: set[frozenset[str]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_every_module_is_in_a_layer() -> None:
    for module in modules():
        layer(module)


def test_no_import_runs_up_the_layers() -> None:
    edges = graph()
    up = {
        (a, b)
        for a, targets in edges.items()
        for b in targets
        if layer(b) > layer(a) and not b.startswith(a + ".")
    }
    new = sorted(up - KNOWN_UP)
    assert not new, "imports up the layers: " + ", ".join(f"{a} -> {b}" for a, b in new)


def test_golive_imports_the_engine_not_the_plug_in_facades() -> None:
    edges = graph()
    bad = sorted((a, b) for a, t in edges.items() for b in t & FACADES if a not in FACADES)
    assert not bad, "use golive.engine / golive.core: " + ", ".join(f"{a} -> {b}" for a, b in bad)


def test_no_import_circle() -> None:
    new = {c for c in circles(graph()) if not any(c <= known for known in KNOWN_CIRCLES)}
    assert not new, "import circles: " + "; ".join(" <-> ".join(sorted(c)) for c in new)


def test_a_circle_and_an_upward_import_are_caught() -> None:
    assert circles({"a": {"b"}, "b": {"a"}, "c": set()}) == {frozenset({"a", "b"})}
    assert layer("golive.cli.run") > layer("golive.engine.runner") > layer("golive.core.errors")
