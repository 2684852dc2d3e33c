"""Reading a user's input files (checklist, env files) with bounded time and memory.

A path given as a checklist or env file may be anything: `/dev/zero` (endless), a FIFO
with no writer (blocks forever on open), a directory, a 15 MB file. Each is refused at
once with exit 2: the file is `stat`ed before it is opened, only regular files are
read, the open never blocks (O_NONBLOCK), and at most `limit` bytes are read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_INPUT_BYTES = 1_000_000  # the packaged checklist is ~30 kB; env files are smaller


class InputFileError(Exception):
    """Why a file cannot be read as input: a short reason, without its content."""


def read_input(path: Path, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; InputFileError else."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputFileError("file not found") from None
    except OSError as exc:
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
        data = handle.read(limit + 1)  # the file may have grown since stat
    if len(data) > limit:
        raise InputFileError(f"file too large (more than {limit} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not UTF-8 text (byte {exc.start})") from None
