"""Local plug-in probe kinds named by a checklist's `plugins:`: read (never run) at
validate, run in a child process at check, resolved against the folder of the checklist
that names them; a plug-in whose source cannot be used is a checklist error (exit 2)
naming it, one that fails when it runs is its items' error. The example of docs/probe-api.md
is copied out of the page and run against the reference deployment."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

from golive.cli import main
from golive.engine import registry
from golive.sandbox.app.config import AppConfig
from golive.sandbox.app.database import seed_database
from golive.sandbox.app.server import ReferenceApp

HEAD = """\
environments:
  prod:
    mode: live
    source: {dotenv: prod.env}
    base_url: ${GOLIVE_BASE_URL}
sections:
  - {id: http, title: HTTP}
"""

FLAG = """\
from golive.engine.probe import Probe, ProbeParams
from golive.core.results import Outcome


class FlagParams(ProbeParams):
    name: str


class Flag(Probe[FlagParams]):
    kind = "acme.flag"
    Params = FlagParams
    summary = "A variable is set to yes."

    def run(self, params: FlagParams, ctx) -> Outcome:
        value = ctx.require_var(params.name)
        if value.reveal() == "yes":
            return Outcome.passed(f"{params.name} is yes")
        return Outcome.failed(f"{params.name} is {value}")


PROBES = {"acme.flag": Flag}
"""

FLAG_ITEM = """\
items:
  - id: f.1
    section: http
    title: The flag is on
    probe: {kind: acme.flag, name: ACME_FLAG}
"""


def doc_block(marker: str) -> str:
    """The fenced block that follows `<!-- example: MARKER -->` in docs/probe-api.md."""
    text = (REPO / "docs" / "probe-api.md").read_text(encoding="utf-8")
    found = re.search(
        rf"<!-- example: {re.escape(marker)} -->\n```\w+\n(.*?)\n```", text, re.DOTALL
    )
    assert found, f"docs/probe-api.md has no example {marker!r}"
    return found.group(1) + "\n"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[ReferenceApp]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    seed_database(url)
    with ReferenceApp(AppConfig(database_url=url)) as running:
        yield running


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> int:
    return main([*args])


def report_of(path: Path) -> dict[str, dict[str, object]]:
    return {r["id"]: r for r in json.loads(path.read_text(encoding="utf-8"))["results"]}


def test_the_documented_example_runs_against_the_reference_app(
    tmp_path: Path, app: ReferenceApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "project"
    write(folder, "probes/headers.py", doc_block("probes/headers.py"))
    checklist = write(folder, "checklist.yaml", HEAD + doc_block("checklist items"))
    write(folder, "prod.env", f"GOLIVE_BASE_URL={app.url}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # plug-in paths follow the checklist, not the cwd
    assert run("validate", str(checklist)) == 0
    out = tmp_path / "report.json"
    code = run("check", "-c", str(checklist), "--env", "prod", "-f", f"json:{out}", "-q")
    results = report_of(out)
    assert results["acme.1"]["status"] == "pass", results["acme.1"]
    assert "Content-Type: application/json" in str(results["acme.1"]["message"])
    assert results["acme.2"]["status"] == "fail"
    assert "without Strict-Transport-Security" in str(results["acme.2"]["message"])
    assert code == 1  # acme.2 is blocking by default
    assert {"/health"} == {r.path for r in app.requests}


def test_a_kind_given_as_file_and_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "local/flags.py", FLAG.replace('PROBES = {"acme.flag": Flag}\n', ""))
    body = "plugins:\n  - {kind: acme.flag, probe: ./local/flags.py:Flag}\n" + FLAG_ITEM
    checklist = write(tmp_path, "checklist.yaml", HEAD + body)
    write(tmp_path, "prod.env", "GOLIVE_BASE_URL=http://127.0.0.1:9\nACME_FLAG=no\n")
    out = tmp_path / "report.json"
    code = run("check", "-c", str(checklist), "--env", "prod", "-f", f"json:{out}", "-q")
    assert code == 1
    assert report_of(out)["f.1"]["message"] == "ACME_FLAG is no"


def test_a_plugin_of_the_checklist_an_overlay_extends_resolves_from_that_checklist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "base/probes/flags.py", FLAG)
    write(tmp_path, "base/checklist.yaml", HEAD + "plugins: [./probes/flags.py]\n" + FLAG_ITEM)
    overlay = write(tmp_path, "app/golive.yaml", "extend: ../base/checklist.yaml\n")
    write(tmp_path, "app/prod.env", "GOLIVE_BASE_URL=http://127.0.0.1:9\nACME_FLAG=yes\n")
    assert run("validate", str(overlay)) == 0
    out = tmp_path / "report.json"
    code = run("check", "-c", str(overlay), "--env", "prod", "-f", f"json:{out}", "-q")
    assert code == 0, capsys.readouterr().err
    assert report_of(out)["f.1"]["status"] == "pass"


def test_an_importable_module_with_probes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "site/acme_golive_flags.py", FLAG)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    checklist = write(
        tmp_path, "checklist.yaml", HEAD + "plugins: [acme_golive_flags]\n" + FLAG_ITEM
    )
    write(tmp_path, "prod.env", "GOLIVE_BASE_URL=http://127.0.0.1:9\nACME_FLAG=yes\n")
    try:
        assert run("validate", str(checklist)) == 0
    finally:
        sys.modules.pop("acme_golive_flags", None)


@pytest.mark.parametrize(
    ("plugin", "files", "expected"),
    [
        ("./probes/missing.py", {}, "plug-in .*missing.py: cannot load: FileNotFoundError"),
        (
            "./probes/computed.py",
            {"probes/computed.py": FLAG.replace('PROBES = {"acme.flag": Flag}', "PROBES = dict()")},
            "computed.py: cannot load: ValueError: its PROBES is not a literal mapping",
        ),
        (
            "./probes/empty.py",
            {"probes/empty.py": "X = 1\n"},
            "empty.py: cannot load: ValueError: it defines no PROBES mapping",
        ),
        (
            "./probes/shadow.py",
            {"probes/shadow.py": FLAG.replace('{"acme.flag"', '{"env.present"')},
            "kind 'env.present' is a built-in kind",
        ),
        (
            "{kind: acme.flag, probe: ./probes/flags.py:Nope}",
            {"probes/flags.py": FLAG},
            "probe kind 'acme.flag': cannot load .*flags.py:Nope: AttributeError: .*flags.py has no 'Nope'",
        ),
    ],
)
def test_a_plugin_that_fails_to_load_is_a_checklist_error_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    plugin: str,
    files: dict[str, str],
    expected: str,
) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    checklist = write(tmp_path, "checklist.yaml", HEAD + f"plugins:\n  - {plugin}\n" + FLAG_ITEM)
    write(tmp_path, "prod.env", "GOLIVE_BASE_URL=http://127.0.0.1:9\n")
    assert run("validate", str(checklist)) == 2
    err = capsys.readouterr().err
    assert f"{checklist}:{HEAD.count(chr(10)) + 2}:" in err  # the line of the plugins entry
    assert re.search(expected, err), err
    out = tmp_path / "report.json"
    assert run("check", "-c", str(checklist), "--env", "prod", "-f", f"json:{out}") == 2
    assert not out.exists()


@pytest.mark.parametrize(
    ("plugin", "source", "item", "expected"),
    [
        (
            "./probes/flags.py",
            "import acme_not_installed_anywhere\n" + FLAG,
            FLAG_ITEM,
            "ModuleNotFoundError: No module named 'acme_not_installed_anywhere'",
        ),
        (
            "{kind: acme.flag, probe: ./probes/flags.py:FlagParams}",
            FLAG,
            FLAG_ITEM,
            "FlagParams is not a golive Probe class",
        ),
        (
            "./probes/flags.py",
            FLAG,
            FLAG_ITEM.replace("name: ACME_FLAG", "nmae: ACME_FLAG"),
            "nmae",
        ),
    ],
)
def test_what_only_running_a_plugin_shows_is_its_items_error_at_check(
    tmp_path: Path, plugin: str, source: str, item: str, expected: str
) -> None:
    """validate never runs a plug-in, so an import failure, a class that is not a probe
    or a bad parameter shows when check runs it: that item's error, nothing else's."""
    write(tmp_path, "probes/flags.py", source)
    checklist = write(tmp_path, "checklist.yaml", HEAD + f"plugins:\n  - {plugin}\n" + item)
    write(tmp_path, "prod.env", "GOLIVE_BASE_URL=http://127.0.0.1:9\nACME_FLAG=yes\n")
    assert run("validate", str(checklist)) == 0
    out = tmp_path / "report.json"
    code = run("check", "-c", str(checklist), "--env", "prod", "-f", f"json:{out}", "-q")
    result = report_of(out)["f.1"]
    assert result["status"] == "error"
    assert expected in str(result["message"])
    assert code == 4  # the only blocking item is undecided: inconclusive


def test_an_entry_point_kind_that_fails_to_load_is_a_checklist_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed distribution's `golive.probes` entry point, to a module that is gone."""
    dist = tmp_path / "site" / "acme_golive-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-golive\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[golive.probes]\nacme.gone = acme_golive_gone.probes:Gone\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    registry._third_party.cache_clear()
    registry.load_probe.cache_clear()
    try:
        body = FLAG_ITEM.replace("{kind: acme.flag, name: ACME_FLAG}", "{kind: acme.gone}")
        checklist = write(tmp_path, "checklist.yaml", HEAD + body)
        assert run("validate", str(checklist)) == 2
        err = capsys.readouterr().err
        assert "probe kind 'acme.gone': cannot load acme_golive_gone.probes:Gone" in err
        assert "ModuleNotFoundError" in err
    finally:
        monkeypatch.undo()
        registry._third_party.cache_clear()
        registry.load_probe.cache_clear()
    assert "acme.gone" not in registry.known_kinds()
    assert os.environ.get("GOLIVE_DEBUG") is None
