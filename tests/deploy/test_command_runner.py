"""Every command golive runs goes through golive/core/process.py: a migration command gets the
source command's hardening (no shell, bounded output, its whole process group killed on
timeout) and the same errors. Real subprocesses, real process groups."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from golive.checklist.profiles import SourceSpec
from golive.core.errors import SourceError
from golive.core.results import Status
from golive.engine import trust
from golive.values.sources import read_source

from .helpers import make_context, run_probe

# A migration tool that starts a helper of its own (a grandchild of golive), which writes
# its pid and then hangs, holding the output pipe open; the tool hangs too.
SPAWNS_AND_HANGS = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c",
    "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)",
    sys.argv[1]])
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _pid_from(path: Path, within: float = 10.0) -> int:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"the grandchild never wrote {path}")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to see the processes")
def test_a_migration_command_that_times_out_takes_its_grandchildren_with_it(
    tmp_path: Path,
) -> None:
    script = tmp_path / "migrate.py"
    script.write_text(SPAWNS_AND_HANGS, encoding="utf-8")
    pidfile = tmp_path / "grandchild.pid"
    ctx = make_context(tmp_path, {}, timeout=1.5)
    started = time.monotonic()
    out = run_probe(
        "db.migration_head",
        ctx,
        tool="command",
        command=[sys.executable, str(script), str(pidfile)],
        expected="abc123",
    )
    assert time.monotonic() - started < 30
    assert out.status is Status.ERROR, out.message
    assert "timed out after 1.5s" in out.message
    grandchild = _pid_from(pidfile)
    end = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < end:
        time.sleep(0.05)
    if _alive(grandchild):  # clean up before failing: never leave it running
        os.kill(grandchild, 9)
        pytest.fail("the migration command's grandchild outlived the timeout")


def test_a_migration_command_that_prints_without_end_is_cut_off(tmp_path: Path) -> None:
    script = tmp_path / "chatty.py"
    script.write_text(
        "import sys, time\nsys.stdout.write('x' * 3_000_000)\nsys.stdout.flush()\n"
        "time.sleep(120)\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    out = run_probe(
        "db.migration_head",
        make_context(tmp_path, {}, timeout=60),
        tool="command",
        command=[sys.executable, str(script)],
        expected="abc123",
    )
    assert time.monotonic() - started < 30  # stopped at the cap, not at the timeout
    assert out.status is Status.ERROR
    assert "printed more than 1000000 bytes" in out.message


@pytest.mark.parametrize("command", ["alembic current | head -1", "alembic current > x.txt"])
def test_shell_syntax_in_a_migration_command_is_refused(tmp_path: Path, command: str) -> None:
    out = run_probe(
        "db.migration_head",
        make_context(tmp_path, {}),
        tool="command",
        command=command,
        expected="abc123",
    )
    assert out.status is Status.ERROR
    assert "is shell syntax, but commands run without a shell" in out.message
    assert not (tmp_path / "x.txt").exists()


def test_source_and_migration_commands_fail_in_the_same_words(tmp_path: Path) -> None:
    script = tmp_path / "slow.py"
    script.write_text("import time\ntime.sleep(120)\n", encoding="utf-8")
    argv = [sys.executable, str(script)]
    spec = SourceSpec(type="command", command=argv, timeout=0.5)
    with trust.allow_code(True), pytest.raises(SourceError) as source_error:
        read_source(spec, tmp_path)
    migration = run_probe(
        "db.migration_head",
        make_context(tmp_path, {}, timeout=0.5),
        tool="command",
        command=argv,
        expected="abc123",
    )
    assert "timed out after 0.5s" in str(source_error.value)
    assert "timed out after 0.5s" in migration.message
