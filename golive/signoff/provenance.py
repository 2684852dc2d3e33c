"""The files that decided a run: every checklist of the `extend` chain (the packaged one
included), the waivers and the attestations, each with its sha256 and, inside the app's
repository, whether git tracks it unchanged. A report is `clean` only when they all are
(issue 17: an untracked golive.yaml or waivers file once read as a clean app)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive.core.inputfiles import real_path

if TYPE_CHECKING:
    from golive.checklist.loaded import LoadedChecklist


def decided_by(loaded: LoadedChecklist, repo: Path) -> list[dict[str, Any]]:
    """[{role, path, sha256, tracked, changed}] for each file that exists; `tracked` and
    `changed` are None for a file outside the repository (the packaged checklist) or
    when git cannot say."""
    from golive.signoff.attestations import attestations_path
    from golive.signoff.waivers import waivers_path

    chain = [Path(f) for f in loaded.merged.files] if loaded.merged else [loaded.path]
    named: list[tuple[str, Path]] = [
        ("checklist" if i == 0 else "extends", p) for i, p in enumerate(chain)
    ]
    named += [("waivers", waivers_path(loaded)), ("attestations", attestations_path(loaded))]
    files: list[dict[str, Any]] = []
    seen: set[Path] = set()
    for role, path in named:
        real = real_path(path)
        if real in seen or not real.is_file():
            continue
        seen.add(real)
        files.append(
            {
                "role": role,
                "path": str(path),
                "sha256": hashlib.sha256(real.read_bytes()).hexdigest(),
            }
        )
    states = _git_states(real_path(repo), [real_path(Path(f["path"])) for f in files])
    for f in files:
        tracked, changed = states.get(real_path(Path(f["path"])), (None, None))
        f["tracked"], f["changed"] = tracked, changed
    return files


def unclean(files: list[dict[str, Any]]) -> list[str]:
    """The files inside the repository that git does not track, or that differ from HEAD."""
    return [f["path"] for f in files if f.get("tracked") is False or f.get("changed") is True]


def _git_states(repo: Path, paths: list[Path]) -> dict[Path, tuple[bool, bool]]:
    """(tracked, changed) of each path inside `repo`; {} when git cannot say (fail-soft)."""
    inside = [p for p in paths if p.is_relative_to(repo)]
    if not inside:
        return {}
    rel = [str(p.relative_to(repo)) for p in inside]
    from golive.core.git import git_or_none

    def git(*args: str) -> str | None:
        out = git_or_none(repo, *args, "--", *rel)
        return out.decode(errors="surrogateescape") if out is not None else None

    listed = git("ls-files", "-z")
    status = git("status", "--porcelain", "-z", "--untracked-files=no")
    if listed is None or status is None:
        return {}
    tracked = {real_path(repo / name) for name in listed.split("\0") if name}
    changed = {real_path(repo / entry[3:]) for entry in status.split("\0") if len(entry) > 3}
    return {p: (p in tracked, p in changed) for p in inside}
