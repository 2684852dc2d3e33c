"""A throwaway PostgreSQL server for the tests, on a free loopback port.

PostgreSQL refuses to run as root, and the tests (and CI) run as root: the server is
then run as the `postgres` system user through `runuser`, in a temporary folder owned by
it. As any other user it runs as that user. Host connections need a password (scram),
so the tests exercise real password authentication.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Self

from golive.sandbox.server import Lifecycle, free_port

SYSTEM_USER = "postgres"
SUPERUSER = "golive_admin"


def find_bin_dir() -> Path | None:
    """The folder with initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/*."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
    )
    for folder in reversed(candidates):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


class PgServer(Lifecycle):
    """initdb + pg_ctl start in a temporary folder; `stop()` removes everything.

    PostgreSQL cannot be handed port 0, so it gets `free_port()` and retries when the
    port was taken in between; `with PgServer(...)` starts and stops it (`Lifecycle`).
    """

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.password = secrets.token_urlsafe(18)
        self.port = 0
        self.folder: Path | None = None
        self._as_root = os.geteuid() == 0

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> Self:
        self.folder = Path(tempfile.mkdtemp(prefix="golive-pg-"))
        data, sockets, log = self.folder / "data", self.folder / "sock", self.folder / "log"
        sockets.mkdir()
        pwfile = self.folder / "pwfile"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        if self._as_root:
            owner = pwd.getpwnam(SYSTEM_USER)
            for path in (self.folder, sockets, pwfile):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self.folder.chmod(0o700)
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-sync",
        )
        pwfile.unlink()
        last_error = ""
        for _ in range(3):  # the free port may be taken between picking and binding
            self.port = free_port()
            options = f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
            try:
                self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
                return self
            except RuntimeError as exc:
                last_error = str(exc)
        raise RuntimeError(f"PostgreSQL did not start: {last_error}\n{self.log()}")

    def stop(self) -> None:
        if self.folder is None:
            return
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    # -- use ---------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def log(self) -> str:
        if self.folder is None:
            return ""
        path = self.folder / "log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def _run(self, program: str, *args: str) -> None:
        argv = [str(self.bin_dir / program), *args]
        if self._as_root:
            argv = ["runuser", "-u", SYSTEM_USER, "--", *argv]
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=60, check=False, cwd="/"
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{program} exited {proc.returncode}: {proc.stderr.strip()}")
