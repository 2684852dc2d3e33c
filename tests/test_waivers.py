"""Waivers (issue 9.2): valid, expired, self-approved, over-long, malformed; every format."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, write_checklist

from golive.cli import main

pytestmark = pytest.mark.usefixtures("extra_probes")

ITEMS = (
    "  - id: bad\n    title: A failing item\n    section: s\n    remediation: Fix it.\n"
    "    probe: {kind: test.outcome, status: fail, message: the thing is broken}\n"
    "  - id: good\n    title: A passing item\n    section: s\n"
    "    probe: {kind: test.outcome, status: pass, message: fine}\n"
)


def day(offset: int) -> str:
    return (datetime.now(UTC) + timedelta(days=offset)).strftime("%Y-%m-%d")


def waiver(**fields: str) -> str:
    base = {
        "item": "bad",
        "environment": "prod",
        "reason": "vendor fix due next sprint (TICKET-7)",
        "owner": "Alice Owner",
        "approver": "Bob Approver",
        "granted": day(-1),
        "expires": day(10),
    }
    base.update(fields)
    lines = [f"  - item: {base.pop('item')}"] + [f"    {k}: {v}" for k, v in base.items()]
    return "waivers:\n" + "\n".join(lines) + "\n"


def run_all_formats(tmp_path: Path, waivers: str) -> tuple[int, dict[str, str]]:
    checklist = write_checklist(tmp_path, ITEMS)
    (tmp_path / "waivers.yaml").write_text(waivers, encoding="utf-8")
    outs = {f: tmp_path / f"report.{f}" for f in ("table", "json", "junit", "markdown", "html")}
    args = ["check", "-c", str(checklist), "-e", "prod", "-q"]
    for fmt, path in outs.items():
        args += ["-f", f"{fmt}:{path}"]
    code = main(args)
    return code, {f: p.read_text(encoding="utf-8") for f, p in outs.items()}


def test_a_valid_waiver_waives_the_failure_in_every_format(tmp_path: Path) -> None:
    code, out = run_all_formats(tmp_path, waiver())
    assert code == 0
    report = json.loads(out["json"])
    jsonschema.validate(report, json.loads((REPO / "docs/report.schema.json").read_text("utf-8")))
    bad = report["results"][0]
    assert bad["status"] == "waived" and bad["message"] == "the thing is broken"
    assert bad["waiver"] == {
        "reason": "vendor fix due next sprint (TICKET-7)",
        "owner": "Alice Owner",
        "approver": "Bob Approver",
        "expires": f"{day(10)}T00:00:00Z",
        "granted": f"{day(-1)}T00:00:00Z",
        "applied": True,
    }
    assert report["verdict"] == "ready" and report["decision"] == []
    shown = f"waived until {day(10)}T00:00:00Z (owner Alice Owner, approved by Bob Approver)"
    for fmt in ("table", "markdown", "html"):
        assert shown in out[fmt], fmt
        assert "vendor fix due next sprint (TICKET-7)" in out[fmt], fmt
    case = _case(out["junit"], "bad")
    assert case.find("failure") is None and case.find("error") is None
    skipped = case.find("skipped")
    assert skipped is not None and shown in (skipped.text or "")
    assert "Accepted by waiver" in out["markdown"]


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"granted": day(-40), "expires": day(-1)}, f"it expired at {day(-1)}T00:00:00Z"),
        (
            {"approver": "alice owner"},
            "it is self-approved (Alice Owner is both owner and approver)",
        ),
        ({"expires": day(200)}, "longer than the checklist's maximum of 30"),
        (
            {"approver": "ALICE\u00a0owner"},  # a no-break space, another case
            "it is self-approved",
        ),
        ({"approver": "Ａｌｉｃｅ \u200bOwner"}, "it is self-approved"),  # full-width, zero-width
        ({"granted": day(5), "expires": day(20)}, "is in the future"),
        # a granted date cannot stretch the maximum: counted from today, too
        ({"granted": day(60), "expires": day(80)}, "is in the future"),
    ],
    ids=["expired", "self-approved", "over-long", "nbsp", "full-width", "future", "future-long"],
)
def test_a_waiver_that_does_not_hold_leaves_the_failure_and_says_why(
    tmp_path: Path, fields: dict[str, str], why: str
) -> None:
    code, out = run_all_formats(tmp_path, waiver(**fields))
    assert code == 1
    report = json.loads(out["json"])
    jsonschema.validate(report, json.loads((REPO / "docs/report.schema.json").read_text("utf-8")))
    bad = report["results"][0]
    assert bad["status"] == "fail"
    assert bad["waiver"]["applied"] is False and why in bad["waiver"]["why_not"]
    assert "(waiver not applied: " in bad["message"] and why in bad["message"]
    assert any("waivers.yaml:2: the waiver of bad has no effect" in n for n in report["notices"])
    assert report["decision"][0]["ids"] == ["bad"]
    for fmt in ("table", "markdown", "html"):
        assert "waiver not applied" in out[fmt], fmt
        assert why in re.sub(r"\s+", " ", html.unescape(out[fmt])), fmt
    case = _case(out["junit"], "bad")
    failure = case.find("failure")
    assert failure is not None and why in (failure.text or "")
    assert "NOT READY" in out["table"] and "NOT READY" in out["markdown"]


def test_the_maximum_length_is_a_checklist_setting(tmp_path: Path) -> None:
    checklist = write_checklist(tmp_path, ITEMS)
    text = checklist.read_text(encoding="utf-8")
    checklist.write_text("defaults: {max_waiver_days: 365}\n" + text, encoding="utf-8")
    (tmp_path / "waivers.yaml").write_text(waiver(expires=day(200)), encoding="utf-8")
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q", "-f", "json"]) == 0


def test_a_waiver_for_another_environment_does_not_apply(tmp_path: Path) -> None:
    code, out = run_all_formats(tmp_path, waiver(environment="test"))
    assert code == 1
    assert json.loads(out["json"])["results"][0]["status"] == "fail"


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        (waiver().replace("    owner: Alice Owner\n", ""), r":2:\d+: item bad: ", "owner"),
        (waiver(expires="someday"), r":8:\d+: item bad: ", "expires"),
        (waiver().replace("reason:", "excuse:"), r":4:\d+: item bad: ", "unknown key 'excuse'"),
        (waiver(environment="prdo"), r":2:1: item bad: ", "unknown environment 'prdo'"),
        ("waivers:\n  - item: [bad\n", r":\d+:\d+: ", "YAML syntax"),
    ],
    ids=["missing-owner", "bad-date", "unknown-key", "unknown-env", "syntax"],
)
def test_a_malformed_waivers_file_is_exit_2_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, what: str
) -> None:
    checklist = write_checklist(tmp_path, ITEMS)
    (tmp_path / "waivers.yaml").write_text(text, encoding="utf-8")
    for fmt in ("table", "json", "junit", "markdown", "html"):
        assert main(["check", "-c", str(checklist), "-e", "prod", "-q", "-f", fmt]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""  # no report of any format from a run that did not start
        assert re.search(re.escape(str(tmp_path / "waivers.yaml")) + where, captured.err), (
            captured.err
        )
        assert what in captured.err


def test_the_waivers_path_is_a_checklist_setting(tmp_path: Path) -> None:
    checklist = write_checklist(tmp_path, ITEMS)
    text = checklist.read_text(encoding="utf-8")
    checklist.write_text("defaults: {waivers_file: ops/accepted.yaml}\n" + text, encoding="utf-8")
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "accepted.yaml").write_text(waiver(), encoding="utf-8")
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q", "-f", "json"]) == 0


def _case(junit: str, item_id: str) -> ET.Element:
    root = ET.fromstring(junit)
    for case in root.iter("testcase"):
        if case.get("name", "").split(" ")[0] == item_id:
            return case
    raise AssertionError(item_id)


def test_a_waiver_that_expires_before_it_was_granted_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = write_checklist(tmp_path, ITEMS)
    (tmp_path / "waivers.yaml").write_text(
        waiver(granted=day(-1), expires=day(-3)), encoding="utf-8"
    )
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q"]) == 2
    assert "waivers.yaml:2:" in capsys.readouterr().err
