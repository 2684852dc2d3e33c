"""Whether a checklist's own code may run: its `plugins:` and its commands.

A checklist can name code: plug-in probes (`plugins:`), a command `source:` and a role's
`command`. golive runs that code only in `check`, `rehearse` and `watch`, and only when
the checklist is trusted (direnv's and pre-commit's allow model): the packaged checklist,
one named with `--trust` (or GOLIVE_TRUST=1, as a CI job sets it for its own checklist),
or one whose digest the user recorded with `golive trust FILE`. The digest covers the
checklist, every file it extends and every local plug-in file, so an edit to any of
them needs a new `golive trust`. `validate`, `list`, `vars` and `schema` never run it;
they say what would run (`would_run`).

The policy is process-wide (`allow_code`) because commands run in probe threads too;
`require` is called right before any checklist command starts and refuses otherwise.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from golive.core.codegate import UntrustedCode, allow_code, code_allowed, require
from golive.core.errors import UsageError
from golive.core.inputfiles import InputFileError, read_input, read_input_bytes, real_path

__all__ = ["UntrustedCode", "allow_code", "code_allowed", "require"]

if TYPE_CHECKING:
    from golive.checklist.loaded import LoadedChecklist

TRUST_FILE_ENV = "GOLIVE_TRUST_FILE"
TRUST_ENV = "GOLIVE_TRUST"


def trust_file() -> Path:
    """~/.config/golive/trusted (XDG_CONFIG_HOME respected); GOLIVE_TRUST_FILE overrides."""
    given = os.environ.get(TRUST_FILE_ENV)
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "golive" / "trusted"


def trusted_files(loaded: LoadedChecklist) -> list[Path]:
    """What the digest covers: the checklist, what it extends, its local plug-in files."""
    from golive.engine.registry import is_file_target

    files = [Path(f) for f in loaded.merged.files] if loaded.merged else [loaded.path]
    for plugin in loaded.checklist.plugins:
        target = plugin if isinstance(plugin, str) else plugin.probe.rpartition(":")[0]
        if is_file_target(target):
            files.append(Path(target))
    return files


def digest(loaded: LoadedChecklist) -> str:
    """sha256 over each covered file's path and bytes (a missing file counts as empty)."""
    h = hashlib.sha256()
    for path in trusted_files(loaded):
        resolved = real_path(path.expanduser())
        h.update(str(resolved).encode() + b"\0")
        try:  # bounded: a plug-in named /dev/zero or a FIFO must not hang the digest
            h.update(hashlib.sha256(read_input_bytes(resolved)).digest())
        except InputFileError:
            h.update(b"missing")
    return h.hexdigest()


def _recorded() -> set[str]:
    path = trust_file()
    if not path.exists():
        return set()
    try:
        text = read_input(path)
    except InputFileError as exc:
        raise UsageError(f"{path}: {exc}") from None
    return {line.split()[0] for line in text.splitlines() if line.strip()}


def is_trusted(loaded: LoadedChecklist, flag: bool = False) -> bool:
    if loaded.is_packaged or flag or os.environ.get(TRUST_ENV, "") in ("1", "true", "yes"):
        return True
    return digest(loaded) in _recorded()


def record(loaded: LoadedChecklist) -> Path:
    """Add the checklist's digest to the trust file (`golive trust FILE`); its path."""
    path = trust_file()
    value = digest(loaded)
    if value in _recorded():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{value} {real_path(loaded.path)}\n")
    return path


def would_run(
    loaded: LoadedChecklist, environment: str | None = None, kinds: set[str] | None = None
) -> list[str]:
    """Each piece of checklist code a check would run, named for a person to review:
    plug-ins (those of `kinds` if given), commands (of `environment` if given)."""
    checklist = loaded.checklist
    found: list[str] = []
    for plugin in checklist.plugins:
        if kinds is not None and not isinstance(plugin, str) and plugin.kind not in kinds:
            continue
        if isinstance(plugin, str):
            found.append(f"plug-in {plugin}")
        else:
            found.append(f"plug-in {plugin.probe} (kind {plugin.kind})")
    for name, profile in checklist.environments.items():
        if environment is not None and name != environment:
            continue
        sources = profile.source if isinstance(profile.source, list) else [profile.source]
        found.extend(
            f"source command {s.command!r} (environment {name})"
            for s in sources
            if s.type == "command"
        )
        for role, creds in profile.roles.items():
            if creds.command:
                found.append(f"command {creds.command!r} of role {role!r} (environment {name})")
    return found


def refuse_message(loaded: LoadedChecklist, what: list[str]) -> str:
    listed = "; ".join(what)
    return (
        f"{loaded.path}: this checklist runs code of its own ({listed}) and is not trusted. "
        f"Read it, then run `golive trust {loaded.path}` (records its digest in "
        f"{trust_file()}) or pass --trust"
    )
