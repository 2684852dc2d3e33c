"""`golive vars --env-file F` and `golive check --env-file F` read the same values: F in
place of the profile's variable sources, its `sql` sources still read after it, and
`{MODE}` names of the environment's mode (issue 19). Before, `vars` read F alone and
called a variable the database holds missing while `check` found it set."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from golive.cli import main

CHECKLIST = """\
environments:
  prod:
    mode: live
    source:
      - dotenv: base.env
      - sql: "SELECT name, value FROM settings"
        database_url: "sqlite:///{db}"
sections: [{{id: s, title: S}}]
items:
  - {{id: a, title: A, section: s, probe: {{kind: env.present, var: FROM_FILE}}}}
  - {{id: b, title: B, section: s, probe: {{kind: env.present, var: FROM_DATABASE}}}}
  - {{id: c, title: C, section: s, probe: {{kind: env.present, var: "KEY_{{MODE}}"}}}}
  - {{id: d, title: D, section: s, probe: {{kind: env.present, var: NOWHERE}}}}
  - {{id: e, title: E, section: s, probe: {{kind: env.present, var: ONLY_IN_BASE}}}}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "app.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE settings (name TEXT, value TEXT)")
        conn.execute("INSERT INTO settings VALUES ('FROM_DATABASE', 'whsec_fromthedatabase')")
    (tmp_path / "golive.yaml").write_text(CHECKLIST.format(db=db), encoding="utf-8")
    (tmp_path / "base.env").write_text("ONLY_IN_BASE=1\n", encoding="utf-8")
    (tmp_path / "prod.env").write_text("FROM_FILE=x\nKEY_LIVE=sk_live_abc\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def vars_states(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    main(["vars", "--env", "prod", "--env-file", "prod.env"])
    out = capsys.readouterr().out
    return {
        name: state
        for state, name in re.findall(r"^(set|missing)\s+(\S+)", out, re.MULTILINE)
    }


def check_states(project: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    main(["check", "--env", "prod", "--env-file", "prod.env", "-q", "-f", "json:r.json"])
    capsys.readouterr()
    report = json.loads((project / "r.json").read_text(encoding="utf-8"))
    names = {"a": "FROM_FILE", "b": "FROM_DATABASE", "c": "KEY_LIVE", "d": "NOWHERE", "e": "ONLY_IN_BASE"}
    return {
        names[r["id"]]: "set" if r["status"] == "pass" else "missing" for r in report["results"]
    }


def test_vars_and_check_agree_on_what_is_set_with_an_env_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen_by_vars = vars_states(capsys)
    seen_by_check = check_states(project, capsys)
    assert seen_by_vars == seen_by_check
    # Not vacuous: each way a variable is found or not is in the comparison.
    assert seen_by_vars == {
        "FROM_FILE": "set",  # in the --env-file
        "FROM_DATABASE": "set",  # the sql source, still read after the --env-file
        "KEY_LIVE": "set",  # KEY_{MODE} in a live environment
        "NOWHERE": "missing",
        "ONLY_IN_BASE": "missing",  # the dotenv source the --env-file replaces
    }


def test_vars_never_prints_a_value(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["vars", "--env", "prod", "--env-file", "prod.env"])
    out = capsys.readouterr().out
    assert "whsec_fromthedatabase" not in out and "sk_live_abc" not in out
    assert "missing in " in out and "prod.env" in out and "sql source" in out
