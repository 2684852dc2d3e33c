"""Probes of the application's repository other than secrets."""

from __future__ import annotations

import fnmatch
import re

from pydantic import Field, field_validator

from golive.context import ProbeContext
from golive.globs import RelativeGlob
from golive.probe import Probe, ProbeParams
from golive.results import Outcome

from .secrets import tracked_files

DEFAULT_FILES = [
    "requirements.txt",
    "requirements/*.txt",
    "backend/requirements.txt",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "package.json",
]


class DependencyPinnedParams(ProbeParams):
    package: str = "stripe"
    path: str = "."
    files: list[RelativeGlob] = Field(default_factory=lambda: list(DEFAULT_FILES))


class DependencyPinned(Probe[DependencyPinnedParams]):
    kind = "repo.dependency_pinned"
    Params = DependencyPinnedParams
    summary = "A dependency (the Stripe SDK) is pinned to one version, or locked."

    def run(self, params: DependencyPinnedParams, ctx: ProbeContext) -> Outcome:
        root = ctx.repo_folder(params.path)
        name = re.escape(params.package)
        pinned = re.compile(rf"^\s*[\"']?{name}\s*(?:\[[^\]]*\])?\s*===?\s*[\w.]+", re.I | re.M)
        lock_entry = re.compile(rf"(?:^name\s*=\s*\"{name}\"|\"{name}\":\s*\"\d)", re.I | re.M)
        mentioned = re.compile(rf"(?<![\w-]){name}(?![\w-])", re.I)
        seen: list[str] = []
        for pattern in params.files:
            for path in sorted(root.glob(pattern)):
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                rel = str(path.relative_to(root))
                if pinned.search(text) or (path.suffix == ".lock" and lock_entry.search(text)):
                    return Outcome.passed(
                        f"{params.package} is pinned in {rel} (in {root})", file=rel
                    )
                if mentioned.search(text):
                    seen.append(rel)
        if seen:
            return Outcome.failed(
                f"{params.package} is required but not pinned (in {', '.join(seen)} of {root}): "
                f"pin it as {params.package}==X.Y.Z or commit a lock file"
            )
        return Outcome.skip(f"no dependency file in {root} mentions {params.package}")


# -- repo.patterns -------------------------------------------------------------------------

DEFAULT_ALLOW_MARKER = "golive: allow"
MAX_FILE_BYTES = 2_000_000
MAX_SHOWN = 20


def _check_glob(glob: str) -> str:
    """A glob is relative to the repository folder: never absolute, never above it."""
    text = glob.strip()
    if not text:
        raise ValueError("a glob cannot be empty")
    if text.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:[\\/]", text):
        raise ValueError(f"glob {glob!r} is absolute; give a path relative to the repository")
    if ".." in re.split(r"[\\/]", text):
        raise ValueError(f"glob {glob!r} climbs out of the repository with '..'")
    return text


def _glob_matches(path: str, glob: str) -> bool:
    """fnmatch on the repository-relative path (`*` crosses folders); a leading `**/`
    also matches at the top level, as it does in git and most tools."""
    if fnmatch.fnmatchcase(path, glob):
        return True
    return glob.startswith("**/") and fnmatch.fnmatchcase(path, glob[3:])


class ForbiddenPattern(ProbeParams):
    """One pattern no tracked file may contain, where, and what to tell the team."""

    pattern: str = Field(description="A regular expression (Python syntax), matched per line.")
    message: str = Field(description="Why it is forbidden and what to do instead.")
    files: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Globs of repository-relative paths to search (`*` crosses folders).",
    )
    exclude: list[str] = Field(default_factory=list, description="Globs of paths to skip.")
    ignore_case: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @field_validator("files", "exclude")
    @classmethod
    def _relative(cls, globs: list[str]) -> list[str]:
        return [_check_glob(g) for g in globs]

    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE if self.ignore_case else 0)

    def applies_to(self, path: str) -> bool:
        return any(_glob_matches(path, g) for g in self.files) and not any(
            _glob_matches(path, g) for g in self.exclude
        )


class PatternsParams(ProbeParams):
    path: str = Field(".", description="A folder inside the app's repository (`repo:`).")
    patterns: list[ForbiddenPattern] = Field(min_length=1)
    allow_marker: str = Field(
        DEFAULT_ALLOW_MARKER,
        description="A line containing this text (e.g. in a comment) is not reported.",
    )


class Patterns(Probe[PatternsParams]):
    kind = "repo.patterns"
    Params = PatternsParams
    summary = (
        "No tracked file contains a forbidden pattern (placeholder URLs, SQL echo, debug "
        "mode...), except on lines with the allow marker."
    )

    def run(self, params: PatternsParams, ctx: ProbeContext) -> Outcome:
        root = ctx.repo_folder(params.path)
        files = tracked_files(root, ctx.timeout)
        compiled = [(p, p.regex()) for p in params.patterns]
        findings: list[str] = []
        searched = 0
        for rel in files:
            wanted = [(p, rx) for p, rx in compiled if p.applies_to(rel)]
            if not wanted:
                continue
            path = root / rel
            try:
                if path.is_symlink() or not path.is_file():
                    continue
                if path.stat().st_size > MAX_FILE_BYTES:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if b"\0" in data[:8192]:
                continue  # binary
            searched += 1
            for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
                if params.allow_marker and params.allow_marker in line:
                    continue
                for pattern, rx in wanted:
                    match = rx.search(line)
                    if match:
                        found = match.group(0).strip()[:80]
                        findings.append(f"{rel}:{number}: {found!r}: {pattern.message}")
        evidence = {"folder": str(root), "files_searched": searched, "findings": len(findings)}
        if findings:
            shown = findings[:MAX_SHOWN]
            more = f" (and {len(findings) - MAX_SHOWN} more)" if len(findings) > MAX_SHOWN else ""
            return Outcome.failed(
                f"{len(findings)} forbidden pattern(s) in {root}: " + "; ".join(shown) + more,
                locations=[f.split(": ", 1)[0] for f in findings],
                **evidence,
            )
        if searched == 0:
            return Outcome.skip(
                f"no tracked file in {root} matches the item's globs: nothing to search, so "
                "nothing is decided; point the environment's repo: at the app's repository "
                "(or run golive in it), or disable the item for an app without such files",
                **evidence,
            )
        return Outcome.passed(
            f"none of {len(params.patterns)} forbidden pattern(s) in {searched} tracked file(s) "
            f"of {root}",
            **evidence,
        )
