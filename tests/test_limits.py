"""Endless, blocking, huge and hostile inputs end at once with exit 2, bounded; internal
errors keep exit 3 under GOLIVE_DEBUG=1; a timed-out source command dies with its
children. Property tests: the checklist loader, the env parser and the redactor."""

from __future__ import annotations

import os
import string
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.checklist.yamlpos import parse_yaml
from golive.cli import main
from golive.core.errors import ChecklistError, SourceError
from golive.core.secrets import Redactor
from golive.values.sources import parse_dotenv, parse_dotenv_lines

CORPUS = Path(__file__).parent / "corpus"


def run_guarded(argv: list[str]) -> int:
    """main(argv), failing the test (instead of hanging it) if it does not return."""
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main(argv)), daemon=True)
    thread.start()
    thread.join(30)
    assert result, f"golive {' '.join(argv)} did not return"
    return result[0]


def test_fifo_without_writer_as_checklist_and_env_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert run_guarded(["validate", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err
    ok = str(CORPUS / "ok.yaml")
    assert run_guarded(["check", "-c", ok, "-e", "prod", "--env-file", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_oversized_checklist_is_refused_before_parsing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w", encoding="utf-8") as handle:
        handle.write("items:\n")
        for i in range(400_000):  # ~15 MB
            handle.write(f"  - {{id: i{i}, title: t, section: s}}\n")
    assert main(["validate", str(big)]) == 2
    assert "file too large" in capsys.readouterr().err


def test_debug_keeps_exit_3_and_redacts_the_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import golive.commands.check as check_module

    secret = "Zq9SecretValueForDebug7"
    (tmp_path / "prod.env").write_text(f"APP_TOKEN={secret}\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        (CORPUS / "ok.yaml")
        .read_text(encoding="utf-8")
        .replace("{mode: live}", "{mode: live, source: {dotenv: prod.env}}"),
        encoding="utf-8",
    )

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError(f"bug near {secret}")

    monkeypatch.setattr(check_module, "run_plan", broken)
    monkeypatch.setenv("GOLIVE_DEBUG", "1")
    assert main(["check", "-c", str(tmp_path / "c.yaml"), "-e", "prod", "-q"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "KeyError" in err and secret not in err


def test_timed_out_command_ends_with_its_children(tmp_path: Path) -> None:
    """The source command starts a grandchild that would outlive it; on timeout the
    whole process group is ended, so the grandchild never writes its file."""
    marker = tmp_path / "grandchild-ran"
    pid_file = tmp_path / "grandchild.pid"
    script = tmp_path / "slow.sh"
    script.write_text(
        f"#!/bin/sh\n(sleep 1.5; touch {marker}) &\necho $! > {pid_file}\nsleep 30\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    (tmp_path / "c.yaml").write_text(
        (CORPUS / "ok.yaml")
        .read_text(encoding="utf-8")
        .replace("{mode: live}", "{mode: live, source: {command: [./slow.sh], timeout: 0.5}}"),
        encoding="utf-8",
    )
    assert main(["check", "-c", str(tmp_path / "c.yaml"), "-e", "prod", "-q"]) == 2
    pid = int(pid_file.read_text(encoding="utf-8"))
    time.sleep(2.0)  # past the moment the grandchild would have written
    assert not marker.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_debug_shows_command_stderr_redacted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "sk_test_" + "Dbg4StderrCanary" * 2
    (tmp_path / "emit.py").write_text(
        f"import sys\nprint('STRIPE_SECRET_KEY={secret}')\n"
        f"print('logged in; key {secret}', file=sys.stderr)\n",
        encoding="utf-8",
    )
    (tmp_path / "c.yaml").write_text(
        (CORPUS / "ok.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "{mode: live}", f"{{mode: live, source: {{command: [{sys.executable}, emit.py]}}}}"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("GOLIVE_DEBUG", "1")
    main(["check", "-c", str(tmp_path / "c.yaml"), "-e", "prod", "-q"])
    err = capsys.readouterr().err
    assert "logged in; key sk_test_…(sha256:" in err and "Dbg4StderrCanary" not in err


# -- property tests ------------------------------------------------------------------

yaml_text = st.lists(
    st.sampled_from(
        [*string.printable, "<<", "é", "!!python/object:x ", "!vault ", "&a ", "*a", "\n  - "]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_text)
def test_checklist_loader_accepts_or_locates(text: str) -> None:
    """Any text either loads or is a ChecklistError with a FILE:LINE:COL: never another
    exception (which would be exit 3)."""
    try:
        parse_yaml(text, "f.yaml")
    except ChecklistError as exc:
        assert exc.problems and all(str(p).startswith("f.yaml:") for p in exc.problems)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*string.printable, "é", "\u2028"]), max_size=300))
def test_env_parser_accepts_or_locates(text: str) -> None:
    """Any text either parses or is a SourceError naming ORIGIN:LINE."""
    try:
        parse_dotenv(text, "x.env")
    except SourceError as exc:
        assert str(exc).startswith("x.env:")


keys = st.from_regex(r"[A-Z_][A-Z0-9_]{0,12}", fullmatch=True)
plain = st.text(alphabet=string.ascii_letters + string.digits + " -_./:@", max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, plain.map(str.strip), max_size=8))
def test_env_parser_round_trips_quoted_values(values: dict[str, str]) -> None:
    text = "".join(f'{k}="{v}"  # a comment\n' for k, v in values.items())
    assert parse_dotenv(text, "x.env") == values
    lines = parse_dotenv_lines(text, "x.env")
    assert [line for _, line in lines.values()] == list(range(1, len(values) + 1))


secret_text = st.text(
    alphabet=string.ascii_letters + string.digits + "-_+/=@%", min_size=8, max_size=40
)


@settings(max_examples=300, deadline=None)
@given(
    secret=secret_text,
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    case=st.sampled_from(["same", "lower", "upper"]),
)
def test_no_planted_secret_survives_the_redactor(
    secret: str, before: str, after: str, case: str
) -> None:
    shown = {"same": secret, "lower": secret.lower(), "upper": secret.upper()}[case]
    out = Redactor([secret]).text(before + shown + after)
    assert shown not in out and secret not in out


@settings(max_examples=200, deadline=None)
@given(
    user=secret_text.filter(lambda s: ":" not in s),
    password=secret_text,
    query=secret_text.filter(lambda s: "&" not in s and "=" not in s),
    before=st.text(max_size=30),
)
def test_no_database_credential_survives(user: str, password: str, query: str, before: str) -> None:
    from urllib.parse import quote

    url = f"postgresql://{quote(user, safe='')}:{password}@db:5432/app?password={quote(query, safe='')}"
    redactor = Redactor([url])
    out = redactor.text(f"{before} {url} {password} {query}")
    assert password not in out and query not in out
