"""Hostile inputs (issue 20) end with the right exit code and message, in bounded time and
memory: each case of tests/corpus_hostile/INDEX.tsv runs `golive` in a subprocess of its
own, untrusted unless it says --trust, in a writable copy of the corpus; the exit code,
a fragment of its output, a wall time under 5 s and a peak RSS under 300 MB are asserted.
tests/corpus_hostile/make_corpus.py wrote the files.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus_hostile"
CASES = [
    line.split("\t")
    for line in (CORPUS / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]
MAX_SECONDS = 5.0
MAX_RSS_MB = 300


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "c"
    shutil.copytree(CORPUS, folder)
    os.mkfifo(folder / "fifo")
    (folder / "loop1").symlink_to("loop2")  # a symlink loop: stat fails with ELOOP
    (folder / "loop2").symlink_to("loop1")
    (folder / "signoff_loop" / "attestations.yaml").symlink_to("../loop1")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run([*git, *args], cwd=folder / "repo", check=True)
    return folder


def test_corpus_is_large_and_its_files_exist() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("name", "args", "code", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_hostile_input(corpus: Path, name: str, args: str, code: str, fragment: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "STRIPE_"))}
    env |= {"NO_COLOR": "1", "GOLIVE_TRUST_FILE": str(corpus / f"trusted-{name}")}
    work = corpus / "runs" / name
    work.mkdir(parents=True)
    argv = [sys.executable, "-m", "golive", *shlex.split(args.replace("{dir}", str(corpus)))]
    before = _files(corpus)
    start = time.monotonic()
    with (work / "out").open("w") as out_file, (work / "err").open("w") as err_file:
        proc = subprocess.Popen(argv, cwd=work, env=env, stdout=out_file, stderr=err_file)
        status, usage = _wait(proc, start + 30)
    took = time.monotonic() - start
    text = (work / "out").read_text(errors="replace") + (work / "err").read_text(errors="replace")
    assert os.WIFEXITED(status), f"ended by signal: {text[-2000:]}"
    assert os.WEXITSTATUS(status) == int(code), f"exit {os.WEXITSTATUS(status)}: {text[-2000:]}"
    assert fragment in text, text[-2000:]
    assert "Traceback" not in text
    assert took < MAX_SECONDS, f"took {took:.1f}s"
    assert usage.ru_maxrss / 1024 < MAX_RSS_MB, f"peak RSS {usage.ru_maxrss / 1024:.0f} MB"
    if "--trust" not in args:  # no checklist code ran
        assert not (work / "imported").exists()
        assert not (corpus / "commanded").exists()
    if args.split()[0] in READ_ONLY:  # created no file at all (not even a __pycache__)
        assert _files(corpus) == before


READ_ONLY = {"validate", "list", "vars", "report", "diff", "verify"}


def _files(corpus: Path) -> set[str]:
    """Every path under the corpus copy but the runs' own output folders."""
    return {
        str(p.relative_to(corpus))
        for p in corpus.rglob("*")
        if p.parts[len(corpus.parts)] != "runs"
    }


def _wait(proc: subprocess.Popen[bytes], end: float) -> tuple[int, os.struct_rusage]:
    """The exit status and resource usage of `proc` (os.wait4), killing it at `end`."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = status  # reaped here: Popen must not wait for it again
            return status, usage
        if time.monotonic() > end:
            proc.kill()
        time.sleep(0.02)
