"""Which version of a dependency (the Stripe SDK) a repository pins, in every ecosystem.

Each lockfile or manifest is read with its own format's parser (json, tomllib, PyYAML,
packaging's PEP 508 parser, xml.etree); yarn.lock v1, Gemfile.lock, go.sum and
gradle.lockfile are line formats and are read line by line. `stripe_sdk_pins(repo)` is
the reusable answer ("which Stripe SDK versions does this repository lock"), also used
by the API-upgrade item; `read_pins` returns every mention, exact or not, for
repo.dependency_pinned to judge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .lockfile_formats import (
    Parser,
    Unreadable,
    _bun_lock,
    _npm_lock,
    _package_json,
    _pipfile,
    _pipfile_lock,
    _pnpm_lock,
    _pyproject,
    _python_lock,
    _requirements,
    _yarn_lock,
)
from .lockfile_formats_more import (
    _composer_json,
    _composer_lock,
    _gemfile,
    _gemfile_lock,
    _go_mod,
    _go_sum,
    _gradle,
    _gradle_lock,
    _pom,
)

MAX_BYTES = 32_000_000  # a large monorepo's package-lock.json is well below this

# The Stripe SDK's name in each ecosystem (`package: stripe` means all of them).
STRIPE_SDK = {
    "npm": "stripe",
    "pypi": "stripe",
    "gem": "stripe",
    "composer": "stripe/stripe-php",
    "go": "github.com/stripe/stripe-go",
    "maven": "com.stripe:stripe-java",
}


@dataclass(frozen=True)
class Pin:
    """One mention of the package in one file: the version as locked or as written."""

    ecosystem: str
    package: str
    version: str
    file: str  # relative to the repository folder examined
    exact: bool  # one version: locked by a lockfile, or exact in the manifest
    lockfile: bool

    def describe(self) -> str:
        return f"{self.package} {self.version} ({self.file})"


# file name -> (ecosystem, parser, is a lockfile)
KINDS: dict[str, tuple[str, Parser, bool]] = {
    "package-lock.json": ("npm", _npm_lock, True),
    "npm-shrinkwrap.json": ("npm", _npm_lock, True),
    "pnpm-lock.yaml": ("npm", _pnpm_lock, True),
    "yarn.lock": ("npm", _yarn_lock, True),
    "bun.lock": ("npm", _bun_lock, True),
    "package.json": ("npm", _package_json, False),
    "poetry.lock": ("pypi", _python_lock, True),
    "uv.lock": ("pypi", _python_lock, True),
    "pdm.lock": ("pypi", _python_lock, True),
    "Pipfile.lock": ("pypi", _pipfile_lock, True),
    "pyproject.toml": ("pypi", _pyproject, False),
    "Pipfile": ("pypi", _pipfile, False),
    "Gemfile.lock": ("gem", _gemfile_lock, True),
    "Gemfile": ("gem", _gemfile, False),
    "composer.lock": ("composer", _composer_lock, True),
    "composer.json": ("composer", _composer_json, False),
    "go.sum": ("go", _go_sum, True),
    "go.mod": ("go", _go_mod, False),
    "gradle.lockfile": ("maven", _gradle_lock, True),
    "build.gradle": ("maven", _gradle, False),
    "build.gradle.kts": ("maven", _gradle, False),
    "pom.xml": ("maven", _pom, False),
}
LOCKFILE_NAMES = sorted(name for name, (_, _, lock) in KINDS.items() if lock)
# Folders of vendored code, examples and fixtures: their manifests are not the app's.
SKIPPED_DIRS = {
    "node_modules", "vendor", ".venv", "venv", "site-packages", "bower_components",
    "test", "tests", "spec", "fixtures", "__fixtures__", "testdata", "examples",
}  # fmt: skip


def kind_of(path: str) -> tuple[str, Parser, bool] | None:
    """The ecosystem and parser of a repository-relative path, None for other files."""
    pure = PurePosixPath(path)
    if any(part in SKIPPED_DIRS for part in pure.parts[:-1]):
        return None
    name = pure.name
    if re.fullmatch(r"requirements[\w.-]*\.(?:txt|in)", name) or (
        pure.parent.name == "requirements" and name.endswith(".txt")
    ):
        return ("pypi", _requirements, False)
    return KINDS.get(name)


def read_pins(
    root: Path, files: Iterable[str], package: str = "stripe"
) -> tuple[list[Pin], dict[str, str]]:
    """Every mention of `package` (`stripe`: the Stripe SDK of each ecosystem) in the
    dependency files among `files` (relative to `root`), and the files that could not be
    read (path -> why)."""
    pins: list[Pin] = []
    unreadable: dict[str, str] = {}
    for rel in files:
        kind = kind_of(rel)
        if kind is None:
            continue
        ecosystem, parser, lockfile = kind
        name = STRIPE_SDK[ecosystem] if package == "stripe" else package
        path = root / rel
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8-sig")
            found = parser(text, name)
        except (OSError, UnicodeDecodeError) as exc:
            unreadable[rel] = type(exc).__name__
            continue
        except Unreadable as exc:
            unreadable[rel] = str(exc)
            continue
        pins += [Pin(ecosystem, pkg, ver, rel, exact, lockfile) for pkg, ver, exact in found]
    return pins, unreadable


def tracked(root: Path, timeout: float = 20.0) -> list[str]:
    """The files git tracks under `root` (empty when git cannot say)."""
    from golive.core.git import git_or_none

    out = git_or_none(root, "ls-files", "-z", timeout=timeout) or b""
    return [p for p in out.decode(errors="surrogateescape").split("\0") if p]


def stripe_sdk_pins(repo: Path, files: Iterable[str] | None = None) -> list[Pin]:
    """The Stripe SDK versions `repo` pins: locked by a tracked lockfile or exact in a
    tracked manifest, one Pin per (file, package, version). `files` defaults to git's
    tracked files; an empty list when nothing pins the SDK (or git cannot say)."""
    pins, _ = read_pins(repo, tracked(repo) if files is None else files)
    return [p for p in dict.fromkeys(pins) if p.exact]
