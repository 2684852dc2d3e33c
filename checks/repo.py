"""Probes of the application's repository other than secrets."""

from __future__ import annotations

import re

from pydantic import Field

from golive.context import ProbeContext
from golive.globs import RelativeGlob
from golive.probe import Probe, ProbeParams
from golive.results import Outcome

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
