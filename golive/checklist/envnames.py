"""The message for an environment name the checklist does not define (`--env prdo`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from golive.core.inputfiles import real_path


def unknown_environment(
    name: str, known: Iterable[str], where: str, path: Path, flag: str = "--env"
) -> str:
    """`golive.yaml: unknown environment 'prdo' (--env); known: ...; did you mean 'prod'?`

    The fault is the name given on the command line. The message starts with the user's
    checklist `path`, and with `where` (FILE:LINE:COL of `environments:`) only when that
    file itself holds it: a line of the packaged checklist it extends is no line of
    golive.yaml.
    """
    names = sorted(known)
    near = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    file = where.rsplit(":", 2)[0]
    at = where if real_path(Path(file)) == real_path(path) else str(path)
    return f"{at}: unknown environment {name!r} ({flag}); known: {', '.join(names)}{hint}"
