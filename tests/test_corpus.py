"""Bad inputs end with the right exit code and a message that says what is wrong.

tests/corpus/ holds one file per bad input; INDEX.tsv gives, for each, how it is run
(validate FILE, check -c FILE, check --env-file FILE, or a command line), the exit code
expected and a fragment of the expected message. tests/corpus/make_corpus.py wrote them.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from golive.cli import main

CORPUS = Path(__file__).parent / "corpus"
CASES = [
    line.rstrip("\n").split("\t")
    for line in (CORPUS / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]


def argv(name: str, run: str) -> list[str]:
    path = str(CORPUS / name)
    if run == "validate":
        return ["validate", path]
    if run == "check":
        return ["check", "-c", path, "-e", "prod", "-q"]
    if run == "envfile":
        return [
            "check",
            "-c",
            str(CORPUS / "_env_checklist.yaml"),
            "-e",
            "prod",
            "-q",
            "--env-file",
            path,
        ]
    assert run == "args", run
    text = (CORPUS / name).read_text(encoding="utf-8").replace("{dir}", str(CORPUS))
    return shlex.split(text)


def test_corpus_is_large_and_indexed() -> None:
    assert len(CASES) >= 100
    listed = {c[0] for c in CASES}
    assert all((CORPUS / name).is_file() for name in listed)


@pytest.mark.parametrize(("name", "run", "code", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(
    name: str, run: str, code: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    got = main(argv(name, run))
    captured = capsys.readouterr()
    err = captured.err
    assert got == int(code), f"exit {got}, stderr: {err}"
    assert fragment in err, err
    assert "Traceback" not in err + captured.out
