"""Probes for secrets in the repository: Stripe keys in files or history, env files.

The search itself is git's: `git grep` over the tracked files (every size, binary ones
read as text) and `git log -G` over history's added lines, both in C and with a loose
POSIX pattern; Python then applies the exact pattern (word boundary, allow marker) to
the few lines they return. Reading every blob in Python was 3-10x slower.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from pydantic import Field

from golive.core.globs import RelativeGlob
from golive.core.results import Outcome
from golive.core.secrets import looks_secret, mask
from golive.core.stripe_keys import secret_pattern
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams

# Real Stripe keys have long bodies; short ones in docs ("sk_live_...") are not keys.
KEY_PATTERN = re.compile(rb"(?<![A-Za-z0-9_])(?:" + secret_pattern(20).encode() + rb")")
# The same keys for git (POSIX ERE, no look-behind): a superset of KEY_PATTERN's lines.
GIT_PATTERN = secret_pattern(20, posix=True)
ALLOW_MARKER = b"golive:allow-secret"


def _git(root: Path, *args: str, timeout: float, ok: tuple[int, ...] = (0,)) -> bytes:
    from golive.core.git import GitError, git

    try:
        return git(root, *args, timeout=timeout, ok=ok)
    except GitError as exc:
        raise ProbeError(str(exc)) from None


def tracked_files(root: Path, timeout: float) -> list[str]:
    """The files git tracks under `root` (shared with checks/repo.py); ProbeError when
    git is missing, hangs or fails (not a repository)."""
    out = _git(root, "ls-files", "-z", timeout=timeout)
    return [p for p in out.decode(errors="surrogateescape").split("\0") if p]


def tracked_files_of_run(ctx: ProbeContext, root: Path) -> list[str]:
    """tracked_files, listed once per run and folder when it can be: several repo and
    secret items read the same list. git runs outside the run's shared lock (a hung git
    must hold no other item), so two items may both list it the first time."""
    cache: dict[str, tuple[str, ...]] = ctx.clients.get(("git ls-files",), dict, lambda _: None)
    key = str(root)
    if key not in cache:
        cache[key] = tuple(tracked_files(root, ctx.timeout))
    return list(cache[key])


def _excluded(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) for p in patterns)


def _findings(data: bytes, where: str, numbered: bool = True) -> list[str]:
    found = []
    for number, line in enumerate(data.splitlines(), start=1):
        if ALLOW_MARKER in line:
            continue
        for match in KEY_PATTERN.finditer(line):
            shown = mask(match.group(0).decode())
            if not where:
                found.append(shown)
            else:
                found.append(f"{where}:{number}: {shown}" if numbered else f"{where}: {shown}")
    return found


class RepoScanParams(ProbeParams):
    path: str = Field(".", description="Folder inside the app's repository (profile `repo:`).")
    history: bool = Field(
        True, description="Also scan the added lines of the last max_commits commits."
    )
    max_commits: int = Field(1000, ge=1, description="How far back the history scan goes.")
    history_seconds: float = Field(
        10, gt=0, description="At most this long for the history (within the item's timeout)."
    )
    exclude: list[RelativeGlob] = Field(
        default_factory=list, description="Glob patterns of paths to skip."
    )


class RepoScan(Probe[RepoScanParams]):
    kind = "secrets.repo_scan"
    Params = RepoScanParams
    summary = "No Stripe secret key or webhook secret in tracked files (or git history)."

    def run(self, params: RepoScanParams, ctx: ProbeContext) -> Outcome:
        root = ctx.repo_folder(params.path)
        files = [p for p in tracked_files_of_run(ctx, root) if not _excluded(p, params.exclude)]
        found = _scan_tree(root, params.exclude, ctx.timeout)
        scanned = f"{len(files)} tracked files"
        cut = ""
        has_commits = (
            params.history
            and _git(
                root, "rev-parse", "--verify", "-q", "HEAD", timeout=ctx.timeout, ok=(0, 1)
            ).strip()
        )
        if params.history and not has_commits:
            scanned += " (no commit yet: no history)"
        elif params.history:
            budget = min(params.history_seconds, ctx.timeout)
            try:
                found.extend(_scan_history(root, params.max_commits, params.exclude, budget))
                scanned += f" and {_commits(root, params.max_commits, budget)}"
            except ProbeError as exc:  # the tree is decided; say the history is not
                cut = (
                    f"; history not scanned ({exc}): lower max_commits or raise "
                    "history_seconds and the item's timeout"
                )
        if found:
            shown = found[:20] + ([f"... and {len(found) - 20} more"] if len(found) > 20 else [])
            return Outcome.failed(
                f"{len(found)} Stripe secret(s) committed in {root}: " + "; ".join(shown[:5]),
                findings=shown,
            )
        if cut:
            return Outcome.warn(f"no Stripe secret in {scanned} of {root}{cut}", folder=str(root))
        return Outcome.passed(f"no Stripe secret in {scanned} of {root}", folder=str(root))


def _commits(root: Path, max_commits: int, timeout: float) -> str:
    """How much history was read: "the last N commits", and whether the clone is shallow."""
    count = _git(root, "rev-list", "--count", f"--max-count={max_commits}", "HEAD",
                 timeout=timeout, ok=(0, 128)).strip()  # fmt: skip
    shallow = _git(root, "rev-parse", "--is-shallow-repository", timeout=timeout).strip()
    n = int(count) if count.isdigit() else 0
    text = f"the last {n} commit{'s' if n != 1 else ''}"
    if shallow == b"true":
        text += " (a shallow clone: fetch the full history to scan older commits)"
    return text


def _scan_tree(root: Path, exclude: list[str], timeout: float) -> list[str]:
    """`git grep` over the tracked files as they are in the work tree: every size, binary
    files as text (a key in a bundle or a .pyc is still committed)."""
    out = _git(
        root,
        "grep",
        "-a",
        "-n",
        "-z",
        "--no-color",
        "-E",
        "-e",
        GIT_PATTERN,
        timeout=timeout,
        ok=(0, 1),  # 1: nothing found
    )
    found: list[str] = []
    for record in out.split(b"\n"):
        parts = record.split(b"\0", 2)
        if len(parts) != 3:
            continue
        path = parts[0].decode(errors="surrogateescape")
        if _excluded(path, exclude):
            continue
        found.extend(_findings(parts[2], f"{path}:{parts[1].decode()}", numbered=False))
    return found


def _scan_history(root: Path, max_commits: int, exclude: list[str], timeout: float) -> list[str]:
    """`git log -G` picks the commits whose diff touches a key-shaped line; only their
    added lines (zero context) come back to be checked exactly."""
    log = _git(
        root,
        "log",
        f"--max-count={max_commits}",
        "-E",
        f"-G{GIT_PATTERN}",
        "-p",
        "-U0",
        "-a",
        "--no-color",
        "--no-ext-diff",
        "--format=commit %h",
        timeout=timeout,
    )
    found: list[str] = []
    commit, path = "?", ""
    for line in log.splitlines():
        if line.startswith(b"commit "):
            commit = line[7:].decode(errors="replace")
        elif line.startswith(b"+++ "):
            path = line[4:].decode(errors="surrogateescape").removeprefix("b/")
        elif line.startswith(b"+") and not _excluded(path, exclude):
            found.extend(
                f"history {commit} {path}: {f}" for f in _findings(line[1:], "", numbered=False)
            )
    return found


class TrackedEnvFilesParams(ProbeParams):
    path: str = "."
    patterns: list[RelativeGlob] = Field(
        default_factory=lambda: [".env", ".env.*", "*.env", "*/.env", "*/.env.*"]
    )
    allow: list[RelativeGlob] = Field(
        default_factory=lambda: ["*.example", "*.sample", "*.template", "*.dist"],
        description="Env files meant to be committed (no real values).",
    )


class TrackedEnvFiles(Probe[TrackedEnvFilesParams]):
    kind = "secrets.tracked_env_files"
    Params = TrackedEnvFilesParams
    summary = "No env file holding secret values is tracked by git."

    def run(self, params: TrackedEnvFilesParams, ctx: ProbeContext) -> Outcome:
        from golive.core.errors import SourceError
        from golive.values.sources import parse_dotenv

        root = ctx.repo_folder(params.path)
        env_files = [
            p
            for p in tracked_files_of_run(ctx, root)
            if any(
                fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(Path(p).name, pat)
                for pat in params.patterns
            )
            and not any(fnmatch.fnmatch(Path(p).name, pat) for pat in params.allow)
        ]
        bad: list[str] = []
        for rel in env_files:
            try:
                text = (root / rel).read_text(encoding="utf-8")
                values = parse_dotenv(text, rel)
            except (OSError, UnicodeDecodeError, SourceError):
                bad.append(f"{rel} (unreadable as dotenv)")
                continue
            secret_names = [
                k
                for k, v in values.items()
                if v and looks_secret(k, v) and "golive:allow-secret" not in v
            ]
            if secret_names:
                bad.append(f"{rel} ({', '.join(sorted(secret_names))})")
        if bad:
            return Outcome.failed(
                f"tracked env files in {root} hold secrets: " + "; ".join(bad), files=bad
            )
        return Outcome.passed(
            f"{len(env_files)} tracked env file(s) in {root}, none holding secrets"
            if env_files
            else f"no env file is tracked in {root}",
            folder=str(root),
        )
