"""Probes for secrets in the repository: Stripe keys in files or history, env files."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

from pydantic import Field

from golive.context import ProbeContext
from golive.globs import RelativeGlob
from golive.probe import Probe, ProbeError, ProbeParams
from golive.results import Outcome
from golive.secrets import looks_secret, mask

# Real Stripe keys have long bodies; short ones in docs ("sk_live_...") are not keys.
KEY_PATTERN = re.compile(
    rb"(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}|whsec_[A-Za-z0-9+/=]{20,})"
)
ALLOW_MARKER = b"golive:allow-secret"
MAX_FILE_BYTES = 2_000_000


def _git(root: Path, *args: str, timeout: float) -> bytes:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise ProbeError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise ProbeError(f"git {args[0]} took longer than {timeout:g}s") from None
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise ProbeError(f"git {args[0]} failed in {root}: {err[-1] if err else proc.returncode}")
    return proc.stdout


def _tracked(root: Path, timeout: float) -> list[str]:
    out = _git(root, "ls-files", "-z", timeout=timeout)
    return [p for p in out.decode(errors="surrogateescape").split("\0") if p]


def _excluded(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) for p in patterns)


def _findings(data: bytes, where: str) -> list[str]:
    return [
        f"{where}:{number}: {mask(match.group(0).decode())}"
        for number, line in enumerate(data.splitlines(), start=1)
        if ALLOW_MARKER not in line
        for match in KEY_PATTERN.finditer(line)
    ]


class RepoScanParams(ProbeParams):
    path: str = Field(".", description="Repository folder, relative to checklist.yaml.")
    history: bool = Field(False, description="Also scan every commit's added lines.")
    max_commits: int = Field(2000, ge=1, description="How far back the history scan goes.")
    exclude: list[RelativeGlob] = Field(
        default_factory=list, description="Glob patterns of paths to skip."
    )


class RepoScan(Probe[RepoScanParams]):
    kind = "secrets.repo_scan"
    Params = RepoScanParams
    summary = "No Stripe secret key or webhook secret in tracked files (or git history)."

    def run(self, params: RepoScanParams, ctx: ProbeContext) -> Outcome:
        root = (ctx.root / params.path).resolve()
        if not root.is_dir():
            raise ProbeError(f"{root} is not a folder")
        files = [p for p in _tracked(root, ctx.timeout) if not _excluded(p, params.exclude)]
        found: list[str] = []
        for rel in files:
            path = root / rel
            try:
                if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if b"\0" in data[:8000]:
                continue
            found.extend(_findings(data, rel))
        scanned = f"{len(files)} tracked files"
        if params.history:
            log = _git(
                root,
                "log",
                f"--max-count={params.max_commits}",
                "-p",
                "--no-color",
                "--format=commit %h",
                timeout=ctx.timeout,
            )
            commit = "?"
            for line in log.splitlines():
                if line.startswith(b"commit "):
                    commit = line[7:].decode(errors="replace")
                elif line.startswith(b"+") and not line.startswith(b"+++"):
                    found.extend(
                        f"history {commit}: {f.split(': ', 1)[1]}" for f in _findings(line, "-")
                    )
            scanned += f" and up to {params.max_commits} commits"
        if found:
            shown = found[:20] + ([f"... and {len(found) - 20} more"] if len(found) > 20 else [])
            return Outcome.failed(
                f"{len(found)} Stripe secret(s) committed: " + "; ".join(shown[:5]),
                findings=shown,
            )
        return Outcome.passed(f"no Stripe secret in {scanned}")


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
        from golive.environment import parse_dotenv
        from golive.errors import SourceError

        root = (ctx.root / params.path).resolve()
        env_files = [
            p
            for p in _tracked(root, ctx.timeout)
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
            return Outcome.failed("tracked env files hold secrets: " + "; ".join(bad), files=bad)
        return Outcome.passed(
            f"{len(env_files)} tracked env file(s), none holding secrets"
            if env_files
            else "no env file is tracked"
        )
