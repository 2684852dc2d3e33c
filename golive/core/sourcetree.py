"""The app's source folders at any depth, and the migration files found in them."""

from __future__ import annotations

import re
from pathlib import Path

#: an alembic revision file's `revision = "..."` line
REVISION = re.compile(r"^revision\s*(?::[^=\n]+)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DJANGO_MIGRATION = re.compile(r"^\d{4}_\w+\.py$")

#: Folders that hold no migrations of the app: environments, dependencies, caches.
_NOT_THE_APP = frozenset(
    {"node_modules", "site-packages", "dist-packages", "__pycache__", "venv", "env", "vendor"}
    | {"tests", "test", "examples"}  # test apps and samples are not deployed
)


def source_folders(root: Path, max_depth: int = 8, limit: int = 20000) -> list[Path]:
    """Every folder of the app's source under `root` (itself included), at any depth:
    not hidden, not a virtual environment or a dependency folder; bounded."""
    found: list[Path] = []
    todo = [(root, 0)]
    while todo and len(found) < limit:
        folder, depth = todo.pop()
        found.append(folder)
        if depth >= max_depth:
            continue
        try:
            children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
        except OSError:
            continue
        for child in reversed(children):
            if child.name.startswith(".") or child.name in _NOT_THE_APP:
                continue
            if (child / "pyvenv.cfg").is_file():
                continue  # a virtual environment, whatever its name
            todo.append((child, depth + 1))
    return found


def django_migration_files(folder: Path) -> set[str]:
    """`app.name` of every migration file of the apps under `folder`: each
    `APP/migrations/0001_x.py`, at any depth (a project's package folder, apps/...)."""
    found: set[str] = set()
    for app in source_folders(folder):
        migrations = app / "migrations"
        if app.name == "migrations" or not migrations.is_dir():
            continue
        for path in migrations.iterdir():
            if _DJANGO_MIGRATION.match(path.name):
                found.add(f"{app.name}.{path.stem}")
    return found


def alembic_versions_folders(root: Path) -> list[Path]:
    """Folders under `root` holding alembic revision files (`revision = "..."`)."""
    out: list[Path] = []
    for folder in source_folders(root):
        if folder.name != "versions":
            continue
        for path in sorted(folder.glob("*.py"))[:50]:
            if REVISION.search(path.read_text(encoding="utf-8", errors="replace")):
                out.append(folder)
                break
    return out
