"""What a report says it checked, and the decision first (issue 9.3 and 9.4)."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, write_checklist

from golive.cli import main

pytestmark = pytest.mark.usefixtures("extra_probes")

SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text(encoding="utf-8"))

ITEMS = (
    "  - id: a\n    title: First door is locked\n    section: s\n    remediation: Lock it.\n"
    "    probe: {kind: test.outcome, status: fail, message: the shared cause}\n"
    "  - id: b\n    title: Second door is locked\n    section: s\n"
    "    probe: {kind: test.outcome, status: fail, message: the shared cause}\n"
    "  - id: c\n    title: Someone signed\n    section: t\n    probe: {kind: manual}\n"
    "  - id: adv\n    title: Nice to have\n    section: t\n    severity: advisory\n"
    "    remediation: Do the nice thing.\n"
    "    probe: {kind: test.outcome, status: fail, message: not so nice}\n"
    "  - id: ok\n    title: Fine\n    section: t\n"
    "    probe: {kind: test.outcome, status: pass, message: fine}\n"
)


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false",
         *args],
        cwd=folder, check=True, capture_output=True,
    )  # fmt: skip


def run(tmp_path: Path, *extra: str) -> tuple[int, dict[str, str]]:
    checklist = tmp_path / "checklist.yaml"
    outs = {f: tmp_path / f"report.{f}" for f in ("table", "json", "junit", "markdown", "html")}
    args = ["check", "-c", str(checklist), "-e", "prod", "-q", *extra]
    for fmt, path in outs.items():
        args += ["-f", f"{fmt}:{path}"]
    code = main(args)
    return code, {f: p.read_text(encoding="utf-8") for f, p in outs.items()}


def test_the_report_names_checklist_deployment_commit_operator_and_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the app's repository: the current folder (no `repo:`)
    checklist = write_checklist(tmp_path, ITEMS, env="GOLIVE_BASE_URL=https://api.example.test\n")
    checklist.write_text(
        checklist.read_text("utf-8").replace(
            "    source: {dotenv: prod.env}\n",
            "    source: {dotenv: prod.env}\n    base_url: ${GOLIVE_BASE_URL}\n",
            1,
        ),
        encoding="utf-8",
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "app")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    code, out = run(tmp_path, "--operator", "olga@release-laptop")
    assert code == 1
    report = json.loads(out["json"])
    jsonschema.validate(report, SCHEMA)
    import hashlib

    digest = hashlib.sha256(checklist.read_bytes()).hexdigest()
    assert report["checklist"]["sha256"] == digest
    assert report["deployment"] == {"base_url": "https://api.example.test", "stripe_account": None}
    assert report["app"] == {"commit": head, "dirty": False}
    assert report["operator"] == "olga@release-laptop"
    assert report["finished_at"] >= report["started_at"]
    assert report["selection"] == {"only": [], "skip": [], "unchecked_blocking": []}
    assert report["partial"] is False
    for fmt in ("table", "markdown", "html"):
        for text in (digest, "https://api.example.test", head, "olga@release-laptop"):
            assert text in out[fmt], (fmt, text)
    props = {
        p.get("name"): p.get("value")
        for p in ET.fromstring(out["junit"]).find("testsuite/properties") or []
    }
    assert digest in props["golive.checklist"] and props["golive.operator"] == "olga@release-laptop"


def test_a_commit_with_changes_is_dirty_and_no_repository_is_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_checklist(tmp_path, ITEMS)
    _, out = run(tmp_path)
    assert json.loads(out["json"])["app"] == {"commit": None, "dirty": None}
    assert "app commit      unknown" in out["table"]
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "checklist.yaml")
    git(tmp_path, "commit", "-q", "-m", "app")
    _, out = run(tmp_path)
    assert json.loads(out["json"])["app"]["dirty"] is False  # untracked reports do not count
    (tmp_path / "checklist.yaml").write_text(
        (tmp_path / "checklist.yaml").read_text("utf-8") + "\n", "utf-8"
    )
    _, out = run(tmp_path)
    assert json.loads(out["json"])["app"]["dirty"] is True
    assert "(with uncommitted changes)" in out["markdown"]


def test_default_operator_is_user_at_host(tmp_path: Path) -> None:
    import getpass
    import socket

    write_checklist(tmp_path, ITEMS)
    _, out = run(tmp_path)
    assert json.loads(out["json"])["operator"] == f"{getpass.getuser()}@{socket.gethostname()}"


def test_only_makes_a_partial_run_that_is_never_shown_as_ready(tmp_path: Path) -> None:
    write_checklist(tmp_path, ITEMS)
    code, out = run(tmp_path, "--only", "ok")
    assert code == 0  # the selected items hold: exit codes keep their documented meaning
    report = json.loads(out["json"])
    jsonschema.validate(report, SCHEMA)
    assert report["partial"] is True and report["verdict"] == "partial"
    assert report["selection"]["only"] == ["ok"]
    assert report["selection"]["unchecked_blocking"] == ["a", "b", "c"]
    for fmt in ("table", "markdown", "html", "junit"):
        assert "PARTIAL" in out[fmt], fmt
        assert "READY" not in out[fmt].replace("NOT READY", ""), fmt
    assert out["markdown"].startswith("# golive: PARTIAL")
    # --skip of a blocking item is partial too; an advisory one is not.
    _, out = run(tmp_path, "--skip", "a")
    assert json.loads(out["json"])["selection"]["unchecked_blocking"] == ["a"]
    _, out = run(tmp_path, "--skip", "adv")
    assert json.loads(out["json"])["partial"] is False


def test_the_decision_comes_first_with_shared_findings_once(tmp_path: Path) -> None:
    write_checklist(tmp_path, ITEMS)
    code, out = run(tmp_path)
    assert code == 1
    report = json.loads(out["json"])
    assert [(d["status"], d["ids"]) for d in report["decision"]] == [
        ("fail", ["a", "b"]),
        ("manual", ["c"]),
    ]
    assert report["decision"][0]["remediation"] == "Lock it."
    md = out["markdown"]
    decision = md.index("## What holds the gate")
    assert decision < md.index("## Section S")
    assert md.count("the shared cause") == 3  # once in the decision list, once per item row
    assert "`a`, `b` First door is locked; Second door is locked: the shared cause" in md
    assert "  - → Lock it." in md
    assert "| ✗ fail (advisory) | adv |" in md and "→ Do the nice thing." in md
    html = out["html"]
    assert html.index('id="decision"') < html.index("<h2>Section S</h2>")
    assert 'data-ids="a, b"' in html and 'data-ids="c"' in html
    table = out["table"]
    gate = table.index("What holds the gate")
    assert gate > table.index("Section T") and gate < table.index("NOT READY —")
    assert table.rstrip().splitlines()[-1].startswith("NOT READY")
    assert "a First door is locked; b Second door is locked" in table
    assert "(advisory: does not gate)" in table


def test_junit_advisory_failures_are_not_failures(tmp_path: Path) -> None:
    write_checklist(tmp_path, ITEMS)
    _, out = run(tmp_path)
    root = ET.fromstring(out["junit"])
    cases = {c.get("name", "").split(" ")[0]: c for c in root.iter("testcase")}
    assert cases["a"].find("failure") is not None
    assert cases["c"].find("error") is not None  # blocking and undecided: the gate is not green
    adv = cases["adv"]
    assert adv.find("failure") is None and adv.find("error") is None
    assert adv.find("skipped") is None
    assert "advisory fail (does not gate): not so nice" in (adv.findtext("system-out") or "")
    assert adv.find("properties/property[@name='golive.advisory']") is not None
    assert root.get("failures") == "2" and root.get("errors") == "1"
    props = [p.get("name") for p in root.find("testsuite/properties") or []]
    assert props[:3] == ["golive.verdict", "golive.decision.1", "golive.decision.2"]


def test_junit_is_all_green_when_only_advisory_items_fail(tmp_path: Path) -> None:
    items = (
        "  - id: adv\n    title: Nice\n    section: s\n    severity: advisory\n"
        "    probe: {kind: test.outcome, status: fail, message: meh}\n"
        "  - id: adv2\n    title: Nicer\n    section: s\n    severity: advisory\n"
        "    probe: {kind: test.outcome, status: error, message: could not tell}\n"
    )
    write_checklist(tmp_path, items)
    code, out = run(tmp_path)
    assert code == 0
    root = ET.fromstring(out["junit"])
    assert root.get("failures") == "0" and root.get("errors") == "0"
    assert not list(root.iter("failure")) and not list(root.iter("error"))


def test_the_demo_report_names_its_stripe_account_and_app_commit(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    main(["demo", "-e", "prod", "-c", str(REPO / "checklist.yaml"), "-q", "-f", f"json:{out}"])
    report = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(report, SCHEMA)
    account = next(r for r in report["results"] if r["probe"] == "stripe.account")
    assert report["deployment"]["stripe_account"] == account["evidence"]["account"]
    assert report["deployment"]["base_url"].startswith("http://127.0.0.1:")
    assert report["app"]["dirty"] is False and len(report["app"]["commit"]) == 40
