"""Paths: command-line paths start at the current folder, checklist paths at the
checklist's folder; repo and secret probes examine the profile's `repo:` (default: the
current folder), name it, and are `error` outside a git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from golive.cli import main

CHECKLIST = """\
environments:
  prod: {mode: live, source: {dotenv: prod.env}%s}
sections: [{id: s, title: S}]
items:
  - {id: var, title: APP_SECRET set, section: s, probe: {kind: env.present, var: APP_SECRET}}
  - {id: scan, title: No keys committed, section: s, probe: {kind: secrets.repo_scan}}
  - {id: envfiles, title: No env files, section: s, probe: {kind: secrets.tracked_env_files}}
  - {id: pinned, title: stripe pinned, section: s, probe: {kind: repo.dependency_pinned}}
"""


def git_repo(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "requirements.txt").write_text("stripe==16.1.0\n", encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)
    return folder


def results(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, str]]:
    main([*args, "-f", "json", "-q"])
    return {r["id"]: r for r in json.loads(capsys.readouterr().out)["results"]}


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "checklist.yaml").write_text(CHECKLIST % "", encoding="utf-8")
    (conf / "prod.env").write_text("APP_SECRET=from-the-checklist-folder\n", encoding="utf-8")
    return tmp_path


def test_env_file_on_the_command_line_starts_at_the_current_folder(
    layout: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = git_repo(layout / "work")
    (work / "mine.env").write_text("OTHER=1\n", encoding="utf-8")
    monkeypatch.chdir(work)
    got = results(
        capsys, "check", "-c", "../conf/checklist.yaml", "-e", "prod", "--env-file", "mine.env"
    )
    # APP_SECRET is only in conf/prod.env: golive read ./mine.env, as typed.
    assert got["var"]["status"] == "fail"
    assert str(work / "mine.env") in got["var"]["message"]
    # Without --env-file, the profile's `dotenv: prod.env` starts at the checklist's folder.
    assert (
        results(capsys, "check", "-c", "../conf/checklist.yaml", "-e", "prod")["var"]["status"]
        == "pass"
    )


def test_repo_probes_examine_the_current_folder_and_name_it(
    layout: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = git_repo(layout / "app")
    monkeypatch.chdir(app)
    got = results(capsys, "check", "-c", str(layout / "conf" / "checklist.yaml"), "-e", "prod")
    for item in ("scan", "envfiles", "pinned"):
        assert got[item]["status"] == "pass", got[item]
        assert str(app) in got[item]["message"]


def test_repo_setting_is_relative_to_the_checklist(
    layout: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = git_repo(layout / "app")
    (layout / "conf" / "checklist.yaml").write_text(CHECKLIST % ", repo: ../app", "utf-8")
    elsewhere = layout / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    got = results(capsys, "check", "-c", str(layout / "conf" / "checklist.yaml"), "-e", "prod")
    assert got["scan"]["status"] == "pass"
    assert str(app) in got["scan"]["message"]


def test_outside_a_git_repository_repo_probes_are_error_never_pass(
    layout: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = layout / "empty"
    empty.mkdir()
    (empty / "requirements.txt").write_text("stripe==16.1.0\n", encoding="utf-8")
    monkeypatch.chdir(empty)
    got = results(capsys, "check", "-c", str(layout / "conf" / "checklist.yaml"), "-e", "prod")
    for item in ("scan", "envfiles", "pinned"):
        assert got[item]["status"] == "error", got[item]
        assert f"{empty} is not inside a git repository" in got[item]["message"]
