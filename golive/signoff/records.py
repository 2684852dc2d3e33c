"""YAML files of dated records (attestations, waivers): located loading, times, appending.

Both files are meant to be reviewed in git like code, so loading reports every problem
as FILE:LINE:COL (exit 2), and appending keeps what is already there, comments included,
by adding text at the end rather than rewriting the document.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from golive.checklist.yamlpos import load_yaml, parse_yaml
from golive.core.errors import ChecklistError, Problem

M = TypeVar("M", bound=BaseModel)


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def unknown_environment(
    path: Path, line: int, item: str | None, environment: str, known: Collection[str]
) -> Problem | None:
    """A record for an environment the checklist does not define could never count: it
    is a problem at its line (a typo such as `prd` would otherwise be ignored silently)."""
    if environment in known:
        return None
    import difflib

    near = difflib.get_close_matches(environment, sorted(known), n=1)
    return Problem(
        str(path),
        line,
        1,
        item,
        f"unknown environment {environment!r}; known: {', '.join(sorted(known))}"
        + (f"; did you mean {near[0]!r}?" if near else ""),
    )


def utc(value: Any) -> Any:
    """A YAML date, datetime or ISO text as an aware UTC datetime (else left for pydantic).

    A bare date means the start of that day in UTC: an expiry of 2025-03-01 no longer
    holds on 1 March (the conservative reading).
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:00-05:00 is in year 10000 in UTC
            raise ValueError(f"{value.isoformat()} is after {show_time(LATEST)}") from None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return utc(date.fromisoformat(text))
            return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError as exc:
            if "is after" in str(exc):
                raise
            return value
    return value


LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)  # datetime's last representable second


def show_time(value: datetime) -> str:
    """`2025-03-01T12:00:00Z`: the one way times are written and shown."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


_DURATION = re.compile(r"^(\d+)\s*([hdw])$")


def parse_expiry(text: str, now: datetime) -> datetime:
    """`--expires`: a date (2025-03-01), a time (2025-03-01T12:00Z) or a duration (30d).

    Raises ValueError with what was expected.
    """
    match = _DURATION.match(text.strip().lower())
    if match:
        n, unit = int(match.group(1)), match.group(2)
        hours = {"h": 1, "d": 24, "w": 24 * 7}[unit]
        try:
            return now + timedelta(hours=n * hours)
        except OverflowError:  # timedelta or datetime out of range: past year 9999
            raise ValueError(
                f"{text!r} ends after {show_time(LATEST)}; give a shorter duration or a date"
            ) from None
    when = utc(text)
    if not isinstance(when, datetime):
        raise ValueError(
            f"{text!r}: expected a date (2025-03-01), a UTC time (2025-03-01T12:00:00Z) "
            "or a duration (12h, 30d, 2w)"
        )
    return when


def load_records(path: Path, key: str, model: type[M]) -> list[tuple[M, int]]:
    """The records under `key:` in `path`, each with its line; [] when the file is absent.

    Raises ChecklistError listing every malformed record at FILE:LINE:COL; a file that is
    there but cannot be read (a symlink loop or to nowhere) is one too, never "absent".
    """
    if not os.path.lexists(path):
        return []
    data, positions = load_yaml(path)
    name = str(path)
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) - {key}:
        extra = sorted(set(data) - {key}) if isinstance(data, dict) else []
        what = f"unknown key {extra[0]!r}; " if extra else ""
        raise ChecklistError(
            [Problem(name, 1, 1, None, f"{what}expected a mapping with one key, `{key}:`")]
        )
    entries = data.get(key) or []
    if not isinstance(entries, list):
        line, col = positions.find((key,))
        raise ChecklistError([Problem(name, line, col, None, f"`{key}` must be a list")])
    records: list[tuple[M, int]] = []
    problems: list[Problem] = []
    for i, entry in enumerate(entries):
        line, col = positions.find((key, i))
        item = entry.get("item") if isinstance(entry, dict) else None
        item_id = str(item) if isinstance(item, str | int | float) else None
        if not isinstance(entry, dict):
            problems.append(Problem(name, line, col, None, "expected a mapping"))
            continue
        try:
            records.append((model.model_validate(entry), line))
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
                at_line, at_col = positions.find((key, i, *loc))
                field = ".".join(str(p) for p in loc)
                msg = err["msg"]
                if err["type"] == "extra_forbidden":
                    msg = f"unknown key {loc[-1]!r}" if loc else msg
                elif err["type"] == "missing":
                    at_line, at_col = line, col
                    msg = f"missing required key {field!r}"
                elif field:
                    msg = f"{field}: {msg}"
                problems.append(Problem(name, at_line, at_col, item_id, msg))
    if problems:
        raise ChecklistError(problems)
    return records


def append_record(path: Path, key: str, entry: dict[str, Any], header: str) -> None:
    """Append one entry under `key:`, atomically, keeping the file's text and comments.

    The entry is added as text after what is there when the file ends with that list
    in block style; otherwise (an empty or flow-style list) the document is rewritten
    with its leading comment kept. Either way the result is parsed back and compared.
    """
    import yaml

    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=1000)
    if not path.exists():
        _write_atomic(path, header + f"{key}:\n" + block)
        return
    from golive.core.inputfiles import InputFileError, read_input

    try:
        text = read_input(path)
    except InputFileError as exc:
        raise ChecklistError([Problem(str(path), 1, 1, None, str(exc))]) from None
    old, _ = parse_yaml(text, str(path))
    old_entries = list((old or {}).get(key) or []) if isinstance(old, dict) else None
    if old_entries is None:
        raise ChecklistError(
            [Problem(str(path), 1, 1, None, f"expected a mapping with one key, `{key}:`")]
        )
    wanted = {key: [*old_entries, entry]}
    candidate = _appended(text, key, block)
    if candidate is None or _reparsed(candidate, path) != _reparsed_data(wanted):
        leading = (
            "".join(line for line in _leading_comments(text.splitlines(keepends=True))) or header
        )
        candidate = leading + yaml.safe_dump(
            wanted, sort_keys=False, allow_unicode=True, width=1000
        )
    _write_atomic(path, candidate)


def _appended(text: str, key: str, block: str) -> str | None:
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode) or not root.value:
        return None
    last_key, last_value = root.value[-1]
    if getattr(last_key, "value", None) != key:
        return None
    if not isinstance(last_value, yaml.SequenceNode) or last_value.flow_style:
        return None
    if not last_value.value:
        return None
    indent = " " * last_value.start_mark.column
    body = "".join(indent + line if line.strip() else line for line in block.splitlines(True))
    return text + ("" if text.endswith("\n") else "\n") + body


def _reparsed(text: str, path: Path) -> Any:
    try:
        data, _ = parse_yaml(text, str(path))
    except ChecklistError:
        return None
    return data


def _reparsed_data(data: Any) -> Any:
    import yaml

    return yaml.safe_load(yaml.safe_dump(data, sort_keys=False))


def _leading_comments(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if line.startswith("#") or not line.strip():
            out.append(line)
        else:
            break
    return out


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and a rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
