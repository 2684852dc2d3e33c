"""What a checklist's plug-in provides, read from its source without running it.

`plugins:` names Python files or importable modules. Importing one runs its code, which
golive does only in a trusted check (golive/engine/trust.py), in a child process
(golive/engine/isolation.py). To know the kinds at validate time, the module's source is parsed
(`ast`): its `PROBES` must be a literal mapping of "kind" to a class name bound at the
top of the module (a `class` or an import). A module is found on sys.path by its file,
without importing it or its packages.
"""

from __future__ import annotations

import ast
import importlib.machinery
import sys
from pathlib import Path

from golive.core.inputfiles import InputFileError, read_input


class PluginSourceError(Exception):
    """Why a plug-in's source cannot be used, without its content."""


def _is_file(module: str) -> bool:
    return module.endswith(".py") or "/" in module or "\\" in module


def module_file(module: str) -> Path:
    """The source file of `module` (a path, or a dotted name found on sys.path)."""
    if _is_file(module):
        path = Path(module)
        if not path.is_file():
            raise PluginSourceError(f"FileNotFoundError: no such file: {path}")
        return path
    search: list[str] | None = list(sys.path)
    spec = None
    parts = module.split(".")
    for i, part in enumerate(parts):
        spec = importlib.machinery.PathFinder.find_spec(part, search)
        if spec is None:
            raise PluginSourceError(f"ModuleNotFoundError: No module named {module!r}")
        if i < len(parts) - 1:
            search = list(spec.submodule_search_locations or [])
    assert spec is not None
    if not spec.origin or not spec.origin.endswith(".py"):
        raise PluginSourceError(f"{module} is not a Python source module golive can read")
    return Path(spec.origin)


def _tree(module: str) -> ast.Module:
    path = module_file(module)
    try:
        text = read_input(path)
    except InputFileError as exc:
        raise PluginSourceError(f"{path}: {exc}") from None
    try:
        return ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError) as exc:
        raise PluginSourceError(f"SyntaxError: {exc}") from None


def _bound_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def require_class(target: str) -> None:
    """`FILE.py:Class` / `module:Class`: the module exists and binds the name."""
    module, _, attr = target.rpartition(":")
    if attr not in _bound_names(_tree(module)):
        raise PluginSourceError(f"AttributeError: {module} has no {attr!r}")


def listed_kinds(module: str) -> dict[str, str]:
    """kind -> `module:Class` from the module's literal PROBES mapping."""
    tree = _tree(module)
    value: ast.expr | None = None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "PROBES" for t in node.targets)
        ) or (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "PROBES"
        ):
            value = node.value
    if value is None:
        raise PluginSourceError("ValueError: it defines no PROBES mapping (kind -> Probe class)")
    if not isinstance(value, ast.Dict) or not value.keys:
        raise PluginSourceError(
            "ValueError: its PROBES is not a literal mapping golive can read without running "
            'the module: write PROBES = {"kind.name": ClassName, ...}'
        )
    bound = _bound_names(tree)
    kinds: dict[str, str] = {}
    for key, cls in zip(value.keys, value.values, strict=True):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise PluginSourceError("ValueError: a PROBES key is not a quoted kind name")
        if not isinstance(cls, ast.Name):
            raise PluginSourceError(
                f"ValueError: PROBES[{key.value!r}] is not the name of a class of the module"
            )
        if cls.id not in bound:
            raise PluginSourceError(
                f"ValueError: PROBES[{key.value!r}]: {cls.id} is not a name of the module"
            )
        kinds[key.value] = f"{module}:{cls.id}"
    return kinds


def declared_flag(target: str, name: str) -> bool | None:
    """A boolean class attribute of a plug-in's Probe class (`sends_traffic`), read from its
    source: the literal its class body assigns; False (Probe's default) when the class
    assigns none and derives from Probe alone; None when only running it could tell (it
    derives from another class, or assigns something else than True or False)."""
    module, _, attr = target.rpartition(":")
    try:
        tree = _tree(module)
    except PluginSourceError:
        return None
    found = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == attr]
    if len(found) != 1:
        return None  # imported from elsewhere, or bound twice
    cls = found[0]
    for node in cls.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if isinstance(value, ast.Constant) and isinstance(value.value, bool):
                return value.value
            return None
    bases = [b.value if isinstance(b, ast.Subscript) else b for b in cls.bases]
    if bases and all(
        (isinstance(b, ast.Name) and b.id == "Probe")
        or (isinstance(b, ast.Attribute) and b.attr == "Probe")
        for b in bases
    ):
        return False
    return None
