"""Options several commands take are defined once (golive/cli/options.py): every command
that takes -c, --format or --color takes the same option, with the same help a user reads
in `golive CMD --help` (issue 19)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
import typer.main

from golive.cli import app, options


def _help(annotated: Any) -> str:
    return str(get_args(annotated)[1].help)


def _commands() -> dict[str, Any]:
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(cmd: Any, path: str) -> None:
        if hasattr(cmd, "commands"):  # a group (Typer's own click)
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found[path] = cmd

    walk(root, "")
    return found


def shared_option_drift() -> list[str]:
    wanted = {
        "--checklist": {_help(options.ChecklistOpt)},
        "--color": {_help(options.ColorOpt)},
        "--format": {_help(options.FormatOpt), _help(options.DiffFormatOpt)},
    }
    drift = []
    for path, cmd in _commands().items():
        for param in cmd.params:
            for flag in param.opts:
                helps = wanted.get(flag)
                if helps is not None and getattr(param, "help", None) not in helps:
                    drift.append(f"golive {path} {flag}")
            if "-c" in param.opts and "--checklist" not in param.opts:
                drift.append(f"golive {path} -c is not --checklist")
    return drift


def test_every_command_takes_the_shared_checklist_format_and_color_options() -> None:
    commands = _commands()
    assert {"check", "rehearse", "report", "demo"} <= set(commands)
    takes = {p for p, c in commands.items() for param in c.params if "--format" in param.opts}
    assert {"check", "rehearse", "report", "demo", "diff"} <= takes  # not vacuous
    assert not shared_option_drift()


def test_an_option_written_again_is_caught(monkeypatch: Any) -> None:
    monkeypatch.setattr(options, "ColorOpt", options.QuietOpt)  # another help text
    assert "golive check --color" in shared_option_drift()


def test_list_colours_only_when_asked_or_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from golive.cli import main

    assert main(["list", "--color", "always"]) == 0
    assert "\x1b[" in capsys.readouterr().out
    assert main(["list", "--color", "never"]) == 0
    plain = capsys.readouterr().out
    assert "\x1b[" not in plain and "1.1a" in plain
    assert main(["list"]) == 0  # auto, and the output is not a terminal
    assert "\x1b[" not in capsys.readouterr().out
    assert main(["list", "--color", "sometimes"]) == 2


#: The commands that read a checklist (every one takes -c; validate and trust also take it
#: as their argument).
READS_A_CHECKLIST = {"check", "rehearse", "list", "vars", "validate", "trust", "attest", "watch"}


def test_every_command_that_reads_a_checklist_takes_c() -> None:
    commands = _commands()
    lacking = {
        name
        for name in READS_A_CHECKLIST
        if not any("--checklist" in p.opts for p in commands[name].params)
    }
    assert not lacking, lacking


def test_validate_and_trust_read_the_checklist_given_with_c(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import write_checklist

    from golive.cli import main

    items = "  - {id: a, title: A, section: s, probe: {kind: env.present, var: A}}\n"
    path = write_checklist(tmp_path, items)
    monkeypatch.setenv("GOLIVE_TRUST_FILE", str(tmp_path / "trusted"))
    assert main(["validate", "-c", str(path)]) == 0
    assert f"{path}: valid — 1 items in 2 sections" in capsys.readouterr().out
    assert main(["trust", "-c", str(path)]) == 0
    assert f"trusted {path}" in capsys.readouterr().out
