"""Reading a user's input files with bounded time and memory: every file golive reads.

A path given as a checklist, env file, report, signature, allowed-signers file, key or
OpenAPI document may be anything: `/dev/zero` (endless), a FIFO with no writer (blocks
forever on open), a directory, a 15 MB file. Each is refused at once with exit 2: the
file is `stat`ed before it is opened, only regular files are read, the open never
blocks (O_NONBLOCK), and at most `limit` bytes are read. Text is strict UTF-8 (a leading
BOM is dropped). JSON (`load_json`) is nested at most MAX_JSON_DEPTH deep, has no NaN or
Infinity, no float that overflows, and no integer beyond 64 bits.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MAX_INPUT_BYTES = 1_000_000  # the packaged checklist is ~30 kB; env files are smaller
MAX_REPORT_BYTES = 20_000_000  # a JSON report of a large checklist, with evidence


class InputFileError(Exception):
    """Why a file cannot be read as input: a short reason, without its content."""


def read_input(path: Path, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes (BOM dropped);
    InputFileError else."""
    data = read_input_bytes(path, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not UTF-8 text (byte {exc.start})") from None
    return text.removeprefix("\ufeff")


def read_input_bytes(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputFileError else."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputFileError("file not found") from None
    except OSError as exc:  # ELOOP (a symlink loop), ENOTDIR, EACCES, ENAMETOOLONG
        raise InputFileError(f"cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError("not a regular file (a device, FIFO or socket); give a file")
    if info.st_size > limit:
        raise InputFileError(f"file too large ({info.st_size} bytes; at most {limit})")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)  # the file may have grown since stat
        except OSError as exc:  # EIO (/proc/self/mem), EISDIR, a failing disk or mount
            raise InputFileError(f"cannot read: {exc.strerror}") from None
    if len(data) > limit:
        raise InputFileError(f"file too large (more than {limit} bytes)")
    return data


MAX_JSON_DEPTH = 64
MAX_JSON_INT = 2**63


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(value := int(text)) >= MAX_JSON_INT:
        raise InputFileError(f"an integer out of range ({text[:20]}...; at most 64 bits)")
    return value


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise InputFileError(f"a number too large to represent ({text[:20]})")
    return value


def _constant(text: str) -> float:
    raise InputFileError(f"{text} is not a JSON number (NaN and Infinity are refused)")


def parse_json(text: str) -> Any:
    """JSON text, bounded as `load_json` says; InputFileError (with LINE:COL where the
    parser knows it) else."""
    try:
        data = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise InputFileError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise InputFileError(f"nested more than {MAX_JSON_DEPTH} levels deep")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return data


def load_json(path: Path, limit: int = MAX_INPUT_BYTES) -> Any:
    """A JSON file read through `read_input` and parsed by `parse_json`."""
    return parse_json(read_input(path, limit))


def real_path(path: Path | str) -> Path:
    """`path` absolute, its symlinks followed, like `Path.resolve()`, but a symlink loop is
    left as it is instead of raising RuntimeError (Python 3.11): reading it then fails with
    "cannot read: Too many levels of symbolic links" (exit 2)."""
    return Path(os.path.realpath(path))


def read_capped(chunks: Iterable[bytes], limit: int, declared: str | None = None) -> bytes:
    """The bytes of a streamed body (an HTTP answer's, decompressed) up to `limit`;
    InputFileError as soon as it says (`declared`: its Content-Length) or proves longer,
    without reading the rest: a server that sends without end is refused at the cap."""
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise InputFileError(f"larger than {limit} bytes (Content-Length {declared.strip()})")
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise InputFileError(f"larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)
