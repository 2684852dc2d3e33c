"""Prerequisites: an item whose `needs` did not hold is `blocked by ID`, never judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_checklist

from golive.cli import main
from golive.core.results import ExitCode

pytestmark = pytest.mark.usefixtures("extra_probes")


def item(item_id: str, status: str, extra: str = "", severity: str = "blocking") -> str:
    return (
        f"  - id: {item_id}\n    title: t{item_id}\n    section: s\n    severity: {severity}\n"
        f"    remediation: fix {item_id}\n{extra}"
        f"    probe: {{kind: test.outcome, status: {status}, message: 'saw {item_id}'}}\n"
    )


def run(tmp_path: Path, items: str, *args: str) -> tuple[int, dict[str, dict[str, object]]]:
    path = write_checklist(tmp_path, items)
    out = tmp_path / "r.json"
    code = main(["check", "-c", str(path), "-e", "prod", "-q", "-f", f"json:{out}", *args])
    report = json.loads(out.read_text(encoding="utf-8"))
    return code, {r["id"]: r for r in report["results"]}


def test_failed_prerequisite_blocks_the_dependant(tmp_path: Path) -> None:
    code, r = run(tmp_path, item("key", "fail") + item("price", "pass", "    needs: [key]\n"))
    assert code == ExitCode.NOT_READY
    assert r["key"]["status"] == "fail"
    assert r["price"]["status"] == "blocked"
    assert r["price"]["message"] == "blocked by key: saw key"
    assert r["price"]["blocked_by"] == ["key"]
    # no advice of its own: the fix is the prerequisite's
    assert r["price"]["remediation"] == ""
    assert r["key"]["remediation"] == "fix key"


def test_prerequisite_that_holds_lets_the_item_run(tmp_path: Path) -> None:
    code, r = run(tmp_path, item("key", "pass") + item("price", "fail", "    needs: [key]\n"))
    assert r["price"]["status"] == "fail"
    assert code == ExitCode.NOT_READY


def test_error_in_prerequisite_blocks_and_chains(tmp_path: Path) -> None:
    items = (
        item("key", "error")
        + item("price", "pass", "    needs: [key]\n")
        + item("plan", "pass", "    needs: [price]\n")
    )
    code, r = run(tmp_path, items)
    assert code == ExitCode.INCONCLUSIVE
    assert r["price"]["status"] == "blocked"
    assert r["plan"]["status"] == "blocked"
    assert r["plan"]["message"].startswith("blocked by price (itself blocked by key")


def test_advisory_prerequisite_failure_makes_blocking_dependant_inconclusive(
    tmp_path: Path,
) -> None:
    items = item("key", "fail", severity="advisory") + item("price", "pass", "    needs: [key]\n")
    code, r = run(tmp_path, items)
    assert r["price"]["status"] == "blocked"
    assert code == ExitCode.INCONCLUSIVE  # blocked is never ready


def test_needs_by_probe_kind_from_defaults(tmp_path: Path) -> None:
    path = write_checklist(
        tmp_path,
        item("key", "fail") + item("price", "pass") + item("own", "pass", "    needs: []\n"),
    )
    text = path.read_text(encoding="utf-8")
    path.write_text("defaults:\n  needs: {'test.*': [key]}\n" + text, encoding="utf-8")
    out = tmp_path / "r.json"
    main(["check", "-c", str(path), "-e", "prod", "-q", "-f", f"json:{out}"])
    r = {x["id"]: x for x in json.loads(out.read_text())["results"]}
    assert r["key"]["status"] == "fail"  # an item never needs itself
    assert r["price"]["status"] == "blocked"
    assert r["own"]["status"] == "pass"  # its own `needs: []` replaces the default


def test_only_runs_the_prerequisites_too(tmp_path: Path) -> None:
    items = item("key", "fail") + item("price", "pass", "    needs: [key]\n") + item("x", "pass")
    _code, r = run(tmp_path, items, "--only", "price")
    assert set(r) == {"key", "price"}
    assert r["price"]["status"] == "blocked"


def test_unknown_and_cyclic_needs_are_checklist_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_checklist(tmp_path, item("a", "pass", "    needs: [nope]\n"))
    assert main(["validate", str(path)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "item a" in err and "needs 'nope': no item has that id" in err
    path = write_checklist(
        tmp_path, item("a", "pass", "    needs: [b]\n") + item("b", "pass", "    needs: [a]\n")
    )
    assert main(["validate", str(path)]) == ExitCode.BAD_INPUT
    assert "needs form a cycle: a -> b -> a" in capsys.readouterr().err
