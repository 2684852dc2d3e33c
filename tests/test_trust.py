"""A checklist's own code (plug-ins, commands) runs only in a trusted check, and a
plug-in's exit, signal or hang is its item's error, never the run's exit code.

Each checklist here names code that leaves a marker file when it runs, so that "it did
not run" is observed on disk, not inferred.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from golive.cli import main
from golive.core import codegate
from golive.engine import trust
from golive.engine.loader import load_checklist

HEAD = """\
environments:
  prod:
    mode: live
    source: {dotenv: prod.env}
    base_url: http://127.0.0.1:9
sections:
  - {id: s, title: S}
"""

PLUGIN = """\
from pathlib import Path
Path(__file__).with_name("imported").write_text("x")
from golive.engine.probe import Probe, ProbeParams
from golive.core.results import Outcome


class Params(ProbeParams):
    pass


class Flag(Probe[Params]):
    kind = "acme.flag"
    Params = Params
    summary = "x"

    def run(self, params, ctx):
        BODY
        return Outcome.passed("ran")


PROBES = {"acme.flag": Flag}
"""

PLUGIN_ITEM = """\
  - id: p.1
    section: s
    title: plug-in
    probe: {kind: acme.flag}
"""

FAILING_ITEM = """\
  - id: f.1
    section: s
    title: a variable the env file lacks
    probe: {kind: env.present, var: ACME_MISSING}
"""


def project(tmp_path: Path, body: str = "pass", command_source: bool = True) -> Path:
    (tmp_path / "probes").mkdir()
    (tmp_path / "probes" / "acme.py").write_text(PLUGIN.replace("BODY", body), encoding="utf-8")
    (tmp_path / "prod.env").write_text("A=1\n", encoding="utf-8")
    head = HEAD
    if command_source:
        marker = tmp_path / "commanded"
        script = f"open({str(marker)!r}, 'w').write('x'); print('B=2')"
        head = head.replace(
            "source: {dotenv: prod.env}",
            f"source: [{{dotenv: prod.env}}, {{command: [{sys.executable!r}, -c, {script!r}]}}]",
        )
    text = head + "plugins: [./probes/acme.py]\nitems:\n" + PLUGIN_ITEM + FAILING_ITEM
    path = tmp_path / "golive.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def ran(tmp_path: Path) -> set[str]:
    """Which markers exist: the plug-in's (beside it) and the command's."""
    markers = {"imported": tmp_path / "probes" / "imported", "commanded": tmp_path / "commanded"}
    return {name for name, path in markers.items() if path.exists()}


@pytest.fixture
def untrusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOLIVE_TRUST", raising=False)
    monkeypatch.setattr(codegate, "_allowed", False)


@pytest.mark.usefixtures("untrusted")
@pytest.mark.parametrize(
    "args",
    [
        ["validate", "{c}"],
        ["validate", "{c}", "--env", "prod"],
        ["list", "-c", "{c}"],
        ["vars", "-c", "{c}", "-e", "prod"],
        ["schema"],
        ["check", "-c", "{c}", "-e", "prod", "-q"],
    ],
)
def test_read_only_commands_and_an_untrusted_check_run_no_checklist_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    checklist = project(tmp_path)
    code = main([a.replace("{c}", str(checklist)) for a in args])
    out, err = capsys.readouterr()
    assert ran(tmp_path) == set(), (code, out, err)
    assert "Traceback" not in out + err
    if "--env" in args or args[0] == "vars":  # they would need the command's output
        assert code == 2
        assert "source command" in err and "not run" in err
    elif args[0] in ("validate", "list", "schema"):
        assert code == 0, err
    if args[0] == "check":
        assert code == 2
        assert "is not trusted" in err
        assert "plug-in" in err and "source command" in err
        assert f"golive trust {checklist}" in err


@pytest.mark.usefixtures("untrusted")
def test_a_recorded_digest_trusts_until_a_covered_file_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = project(tmp_path)
    loaded = load_checklist(checklist)
    assert not trust.is_trusted(loaded)
    where = trust.record(loaded)
    assert where == trust.trust_file() and where.is_file()
    assert trust.is_trusted(loaded)
    out = tmp_path / "r.json"
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q", "-f", f"json:{out}"]) == 1
    assert ran(tmp_path) == {"imported", "commanded"}
    # an edit to the plug-in file (not the checklist) withdraws the trust
    plugin = tmp_path / "probes" / "acme.py"
    plugin.write_text(plugin.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert not trust.is_trusted(load_checklist(checklist))
    capsys.readouterr()
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q"]) == 2
    assert "is not trusted" in capsys.readouterr().err


@pytest.mark.usefixtures("untrusted")
def test_the_packaged_checklist_is_trusted() -> None:
    from golive.checklist.merged import packaged_checklist

    assert trust.is_trusted(load_checklist(packaged_checklist()))


HOSTILE = {
    "sys.exit(0) at import": ("import sys\nsys.exit(0)\n", "pass"),
    "os._exit(0) at import": ("import os\nos._exit(0)\n", "pass"),
    "an import that never returns": ("while True:\n    pass\n", "pass"),
    "sys.exit(0) in run": ("", "import sys; sys.exit(0)"),
    "os._exit(0) in run": ("", "import os; os._exit(0)"),
    "a busy loop in run": ("", "while True: pass"),
    "a signal to itself": ("", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"),
}


@pytest.mark.parametrize(("head", "body"), HOSTILE.values(), ids=list(HOSTILE))
def test_a_hostile_plugin_is_its_items_error_and_the_run_ends_by_its_deadline(
    tmp_path: Path, head: str, body: str
) -> None:
    checklist = project(tmp_path, body, command_source=False)
    plugin = tmp_path / "probes" / "acme.py"
    plugin.write_text(head + plugin.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "r.json"
    start = time.monotonic()
    code = main(
        ["check", "-c", str(checklist), "-e", "prod", "-q", "--deadline", "2", "-f", f"json:{out}"]
    )
    took = time.monotonic() - start
    results = {r["id"]: r for r in json.loads(out.read_text(encoding="utf-8"))["results"]}
    assert results["f.1"]["status"] == "fail"  # the other item decides the run
    assert results["p.1"]["status"] == "error", results["p.1"]
    assert code == 1
    assert took < 5, took


@pytest.mark.usefixtures("untrusted")
def test_validate_says_what_would_run_and_golive_trust_or_flag_allows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = project(tmp_path)
    assert main(["validate", str(checklist)]) == 0
    err = capsys.readouterr().err
    assert "not run here" in err and "plug-in" in err and "source command" in err
    assert f"not trusted: `golive trust {checklist}`" in err
    # --trust runs it once, without recording anything
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q", "--trust"]) == 1
    assert ran(tmp_path) == {"imported", "commanded"}
    assert not trust.trust_file().exists()
    capsys.readouterr()
    assert main(["trust", str(checklist)]) == 0
    out = capsys.readouterr().out
    assert f"trusted {checklist}" in out and str(trust.trust_file()) in out
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q"]) == 1
    assert main(["validate", str(checklist)]) == 0
    assert "(trusted)" in capsys.readouterr().err
