"""Features an app lacks, declared once (`without:`), and `disable:` by section or tag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.checklist.features import selected
from golive.checklist.merged import packaged_checklist
from golive.checklist.overlay import load_merged
from golive.cli import main
from golive.core.errors import ChecklistError
from golive.engine.loader import load_checklist

REASON = "the app has no {} (golive.yaml without:)"


def profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "golive.yaml"
    path.write_text("extend: default\n" + text, encoding="utf-8")
    return path


def test_every_packaged_feature_names_items_or_an_environment() -> None:
    data = load_merged(packaged_checklist()).data
    features = data["features"]
    assert {"mode_switch", "plans_table", "dispute_tools", "openapi", "staging"} <= set(features)
    for name, spec in features.items():
        assert spec.get("covers") or spec.get("environment"), name
        for key in spec.get("covers") or []:
            assert selected(key, data), f"feature {name}: {key!r} selects no item"
        if spec.get("environment"):
            assert spec["environment"] in data["environments"], name


def test_items_of_a_missing_feature_are_skipped_saying_so_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = profile(tmp_path, "without: [plans_table, openapi]\n")
    checklist = load_checklist(path).checklist
    disabled = {i.id: i.disabled for i in checklist.items if i.disabled}
    assert disabled == {
        "2.2d": REASON.format("plans_table"),
        "2.3a": REASON.format("plans_table"),
        "2.3b": REASON.format("plans_table"),
        "H.10": REASON.format("openapi"),
    }
    junit = tmp_path / "report.xml"
    md = tmp_path / "report.md"
    args = ["check", "-c", str(path), "-e", "prod", "--only", "2.3a,H.10,1.2g", "-q"]
    main([*args, "-f", "json", "-f", f"junit:{junit}", "-f", f"markdown:{md}"])
    report = json.loads(capsys.readouterr().out)
    results = {r["id"]: r for r in report["results"]}
    assert results["2.3a"]["status"] == "skip"
    assert REASON.format("plans_table") in results["2.3a"]["message"]
    assert results["H.10"]["status"] == "skip"
    assert results["1.2g"]["status"] != "skip"  # an item of another feature still runs
    for text in (junit.read_text(encoding="utf-8"), md.read_text(encoding="utf-8")):
        assert REASON.format("plans_table") in text
        assert REASON.format("openapi") in text


def test_an_environment_feature_removes_the_environment(tmp_path: Path) -> None:
    path = profile(tmp_path, "without: [staging]\n")
    checklist = load_checklist(path).checklist
    assert "staging" not in checklist.environments
    by_id = {i.id: i for i in checklist.items}
    assert "no such environment" in str(by_id["3.2a"].disabled)
    assert "no staging to compare with" in str(by_id["3.2b"].disabled)


def test_without_adds_to_what_the_extended_profile_lacks(tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text(
        "extend: default\nwithout: [billing_portal]\n", encoding="utf-8"
    )
    path = tmp_path / "golive.yaml"
    path.write_text("extend: team.yaml\nwithout: [mode_switch]\n", encoding="utf-8")
    by_id = {i.id: i for i in load_checklist(path).checklist.items}
    assert by_id["6.2"].disabled == "the app has no billing_portal (team.yaml without:)"
    assert by_id["1.2c"].disabled == REASON.format("mode_switch")


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("without:\n  - plans_table\n  - plan_tables\n", 4, "did you mean 'plans_table'?"),
        ("without: plans_table\n", 2, "expected a list of feature names"),
        ("disable:\n  hardning: not ours\n", 3, "did you mean 'hardening'?"),
    ],
)
def test_an_unknown_feature_section_or_tag_is_an_error_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, expected: str
) -> None:
    path = profile(tmp_path, text)
    with pytest.raises(ChecklistError) as exc:
        load_checklist(path)
    assert any(
        p.file == str(path) and p.line == line and expected in p.message for p in exc.value.problems
    ), [str(p) for p in exc.value.problems]
    assert main(["validate", str(path)]) == 2
    assert f"{path}:{line}:" in capsys.readouterr().err


def test_disable_takes_a_section_or_a_tag(tmp_path: Path) -> None:
    path = profile(tmp_path, "disable:\n  admin: no admin tools\n  rehearsal: not rehearsed\n")
    checklist = load_checklist(path).checklist
    for item in checklist.items:
        if item.section == "admin":
            assert item.disabled == "no admin tools", item.id
        elif "rehearsal" in item.tags:
            assert item.disabled == "not rehearsed", item.id
        else:
            assert item.disabled is None, item.id
