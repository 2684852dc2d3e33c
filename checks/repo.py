"""Probes of the application's repository other than secrets."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from pydantic import Field, field_validator

from golive.core.globs import RelativeGlob
from golive.core.linear_regex import LinearPattern, compile_linear
from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams

from .lockfiles import LOCKFILE_NAMES, Pin, read_pins
from .secrets import tracked_files_of_run


class DependencyPinnedParams(ProbeParams):
    package: str = Field(
        "stripe",
        description="The dependency; `stripe` is the Stripe SDK of every ecosystem (stripe on "
        "npm, PyPI and RubyGems, stripe/stripe-php, github.com/stripe/stripe-go, "
        "com.stripe:stripe-java).",
    )
    path: str = "."
    files: list[RelativeGlob] | None = Field(
        None,
        description="Globs of the dependency files to read; default every tracked lockfile "
        "and manifest golive knows (outside node_modules, vendor, tests, examples).",
    )


def _covers(lock: Pin, manifest: Pin) -> bool:
    """A lockfile of the manifest's ecosystem in its folder or above (a workspace root)."""
    if lock.ecosystem != manifest.ecosystem:
        return False
    folder = PurePosixPath(lock.file).parent
    return folder in (PurePosixPath(manifest.file).parent, *PurePosixPath(manifest.file).parents)


class DependencyPinned(Probe[DependencyPinnedParams]):
    kind = "repo.dependency_pinned"
    Params = DependencyPinnedParams
    summary = (
        "A dependency (the Stripe SDK of any ecosystem) is locked by a tracked lockfile or "
        "pinned to one version in its manifest."
    )

    def run(self, params: DependencyPinnedParams, ctx: ProbeContext) -> Outcome:
        root = ctx.repo_folder(params.path)
        files = tracked_files_of_run(ctx, root)
        if params.files is not None:
            files = [f for f in files if any(_glob_matches(f, g) for g in params.files)]
        pins, unreadable = read_pins(root, files, params.package)
        what = "the Stripe SDK" if params.package == "stripe" else params.package
        evidence = {"folder": str(root), "pins": len([p for p in pins if p.exact])}
        locks = [p for p in pins if p.lockfile and p.exact]
        loose = [
            p
            for p in pins
            if not p.exact
            and not any(q.exact and q.file == p.file for q in pins)
            and not any(_covers(lock, p) for lock in locks)
        ]
        broken = "; ".join(f"{f}: {why}" for f, why in sorted(unreadable.items()))
        if loose:
            shown = "; ".join(f"{p.package} {p.version!r} in {p.file}" for p in loose)
            if unreadable:
                raise ProbeError(
                    f"{what} is required with a range ({shown}) and a dependency file could "
                    f"not be read ({broken}): fix it so golive can tell whether it locks {what}"
                )
            return Outcome.failed(
                f"{what} is required with a range and no tracked lockfile of its ecosystem "
                f"locks it ({shown}, in {root}): commit the lockfile the package manager "
                f"writes ({', '.join(LOCKFILE_NAMES)}) or pin one exact version",
                files=[p.file for p in loose],
                **evidence,
            )
        exact = list(dict.fromkeys(p for p in pins if p.exact))
        if exact:
            shown = "; ".join(p.describe() for p in exact[:8])
            more = f" (and {len(exact) - 8} more)" if len(exact) > 8 else ""
            return Outcome.passed(
                f"{what} is pinned: {shown}{more} (in {root})",
                versions=sorted({f"{p.package}=={p.version}" for p in exact}),
                files=sorted({p.file for p in exact}),
                **evidence,
            )
        if unreadable:
            raise ProbeError(f"could not read the dependency file(s) of {root}: {broken}")
        return Outcome.skip(f"no tracked dependency file in {root} mentions {what}", **evidence)


# -- repo.patterns -------------------------------------------------------------------------

DEFAULT_ALLOW_MARKER = "golive: allow"
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
    return _globs_regex((glob,)).match(path) is not None


@functools.lru_cache(maxsize=256)
def _globs_regex(globs: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression matching a path when any glob does (as _glob_matches)."""
    variants = [
        g for glob in globs for g in ((glob, glob[3:]) if glob.startswith("**/") else (glob,))
    ]
    if not variants:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in variants))


class ForbiddenPattern(ProbeParams):
    """One pattern no tracked file may contain, where, and what to tell the team."""

    pattern: str = Field(
        description="A regular expression (RE2 syntax: linear time), matched per line."
    )
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
        compile_linear(value)  # ValueError naming why RE2 refuses it
        return value

    @field_validator("files", "exclude")
    @classmethod
    def _relative(cls, globs: list[str]) -> list[str]:
        return [_check_glob(g) for g in globs]

    def regex(self) -> LinearPattern:
        return compile_linear(self.pattern, self.ignore_case)

    def applies_to(self, path: str) -> bool:
        return self.matcher()(path)

    def matcher(self) -> Callable[[str], bool]:
        """applies_to as one function, its globs compiled once (call it per file)."""
        files, exclude = (
            _globs_regex(tuple(self.files)).match,
            _globs_regex(tuple(self.exclude)).match,
        )
        return lambda path: files(path) is not None and exclude(path) is None


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
        with ThreadPoolExecutor(1) as pool:  # git lists the files while git grep searches
            grep = pool.submit(_git_grep, root, params, ctx.timeout)
            files = tracked_files_of_run(ctx, root)
            lines = grep.result()
        compiled = [(p, p.regex(), p.matcher()) for p in params.patterns]
        searched = [f for f in files if any(applies(f) for _, _, applies in compiled)]
        if lines is None:  # git cannot run these patterns (no PCRE): Python reads the files
            lines = _read_lines(root, searched)
        findings: list[str] = []
        for rel, number, line in lines:
            if params.allow_marker and params.allow_marker in line:
                continue
            for pattern, rx, applies in compiled:
                match = rx.search(line) if applies(rel) else None
                if match:
                    found = match.group(0).strip()[:80]
                    findings.append(f"{rel}:{number}: {found!r}: {pattern.message}")
        evidence = {"folder": str(root), "files_searched": len(searched), "findings": len(findings)}
        if findings:
            shown = findings[:MAX_SHOWN]
            more = f" (and {len(findings) - MAX_SHOWN} more)" if len(findings) > MAX_SHOWN else ""
            return Outcome.failed(
                f"{len(findings)} forbidden pattern(s) in {root}: " + "; ".join(shown) + more,
                locations=[f.split(": ", 1)[0] for f in findings],
                **evidence,
            )
        if not searched:
            return Outcome.skip(
                f"no tracked file in {root} matches the item's globs: nothing to search, so "
                "nothing is decided; point the environment's repo: at the app's repository "
                "(or run golive in it), or disable the item for an app without such files",
                **evidence,
            )
        return Outcome.passed(
            f"none of {len(params.patterns)} forbidden pattern(s) in {len(searched)} tracked "
            f"file(s) of {root}",
            **evidence,
        )


def _git_grep(
    root: Path, params: PatternsParams, timeout: float
) -> list[tuple[str, int, str]] | None:
    """The tracked lines any pattern may match, found by one `git grep -P` (in C, like the
    secret scan); Python then applies each exact pattern and its globs. None when git
    cannot take the patterns (built without PCRE, or a pattern PCRE reads otherwise)."""
    if any(re.search(r"\\[AZz]|\(\?[<=!]", p.pattern) for p in params.patterns):
        return None  # anchors and look-arounds may differ between a line and git's buffer
    globs = {g for p in params.patterns for g in p.files}
    if any(g.startswith(":") for g in globs):
        return None  # git would read it as pathspec magic
    globs |= {g[3:] for g in globs if g.startswith("**/")}
    args = ["grep", "-I", "-n", "-z", "--no-color", "-P"]
    if any(p.ignore_case for p in params.patterns):
        args.append("-i")
    for pattern in params.patterns:
        args += ["-e", pattern.pattern]
    from golive.core.git import GitError, git

    try:
        out = git(root, *args, "--", *sorted(globs), timeout=timeout, ok=(0, 1))
    except GitError as exc:
        if exc.timed_out:
            raise ProbeError(f"git grep took longer than {timeout:g}s in {root}") from None
        return None  # no git, or git cannot take the patterns: Python scans instead
    found = []
    for raw in out.split(b"\n"):
        parts = raw.split(b"\0", 2)
        if len(parts) == 3:
            rel = parts[0].decode(errors="surrogateescape")
            found.append((rel, int(parts[1]), parts[2].decode("utf-8", "replace")))
    return found


def _read_lines(root: Path, files: list[str]) -> list[tuple[str, int, str]]:
    """Every line of the text files among `files` (symlinks and binary files skipped)."""
    found = []
    for rel in files:
        path = root / rel
        try:
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if b"\0" in data[:8000]:
            continue  # binary
        text = data.decode("utf-8", "replace")
        found += [(rel, n, line) for n, line in enumerate(text.splitlines(), 1)]
    return found
