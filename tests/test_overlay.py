"""Overlays: `extend`, `inputs`, `override`, `disable`, added items, `when: {mode: live}`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.checklist.merged import packaged_checklist
from golive.cli import main
from golive.core.errors import ChecklistError
from golive.engine.loader import load_checklist

BASE = """\
inputs:
  secret_var: {default: APP_SECRET, description: Variable that holds the app secret.}
  flags: {default: [DEBUG], description: Switches that must be off.}
environments:
  prod: {mode: live, source: {dotenv: prod.env}}
  production: {mode: live, source: {dotenv: prod.env}}
  staging: {mode: test, source: {dotenv: prod.env}}
sections:
  - {id: s, title: Section S}
items:
  - id: a
    title: "${inputs.secret_var} is set"
    section: s
    probe: {kind: env.present, var: "${inputs.secret_var}"}
  - id: b
    title: Flags off
    section: s
    probe: {kind: env.not_truthy, vars: "${inputs.flags}"}
  - id: live-only
    title: Only in live mode
    section: s
    when: {mode: live}
    probe: {kind: env.present, var: LIVE_THING}
  - id: prod-by-name
    title: Only in the environment named prod
    section: s
    environments: [prod]
    probe: {kind: env.present, var: LIVE_THING}
"""


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str]]:
    code = main([*args, "-f", "json", "-q"])
    report = json.loads(capsys.readouterr().out)
    return code, {r["id"]: r for r in report["results"]}


@pytest.fixture
def base(tmp_path: Path) -> Path:
    (tmp_path / "base").mkdir()
    path = tmp_path / "base" / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    (tmp_path / "base" / "prod.env").write_text(
        "APP_SECRET=x\nMY_SECRET=y\nDEBUG=false\nLIVE_THING=1\n", encoding="utf-8"
    )
    return path


def overlay(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "golive.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_inputs_override_disable_and_added_items(
    tmp_path: Path, base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = overlay(
        tmp_path,
        "extend: base/base.yaml\n"
        "inputs: {secret_var: MY_SECRET}\n"
        "override: {b: {severity: advisory, probe: {vars: [DEBUG, SQL_ECHO]}}}\n"
        "disable: {prod-by-name: we have no such thing}\n"
        "environments: {prod: {source: {dotenv: base/prod.env}}}\n"
        "items:\n"
        "  - {id: mine, title: Mine, section: s, probe: {kind: env.present, var: APP_SECRET}}\n",
    )
    checklist = load_checklist(path).checklist
    items = {i.id: i for i in checklist.items}
    assert items["a"].probe.params == {"var": "MY_SECRET"}
    assert items["a"].title == "MY_SECRET is set"
    assert items["b"].severity == "advisory"
    assert items["b"].probe.params == {"vars": ["DEBUG", "SQL_ECHO"]}
    assert items["mine"].section == "s"

    # Paths written in the overlay start at its folder; --env-file at the current one.
    _, results = run_json(["check", "-c", str(path), "-e", "prod"], capsys)
    assert results["a"]["status"] == "pass"
    assert results["prod-by-name"]["status"] == "skip"
    assert "disabled: we have no such thing" in results["prod-by-name"]["message"]
    assert results["mine"]["status"] == "pass"


def test_list_says_where_each_value_came_from(
    tmp_path: Path, base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = overlay(
        tmp_path,
        "extend: base/base.yaml\n\ninputs:\n  secret_var: MY_SECRET\ndisable: {b: not ours}\n",
    )
    assert main(["list", "-c", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path} extends {base}" in out
    assert f"{path}:4" in out  # secret_var set on line 4 of the overlay
    assert f"{base}:3" in out  # flags keeps its default from the base, line 3
    assert f"disabled at {path}:5: not ours" in out


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("inputs: {secret_vra: X}\n", 2, "no such input"),
        ("override:\n  bb: {title: x}\n", 3, "did you mean 'b'?"),
        ("disable:\n  a: ''\n", 3, "give the reason"),
        ("items:\n  - {id: a, title: x, section: s, probe: {kind: manual}}\n", 3, "already exists"),
        ("override:\n  a: {probe: {vra: X}}\n", 3, "unknown key 'vra'"),
        (
            "items:\n  - {id: c, title: x, section: s, probe: {kind: env.present, var: '${inputs.nope}'}}\n",
            3,
            "unknown input ${inputs.nope}",
        ),
        ("overide: {a: {}}\n", 2, "unknown key 'overide'"),
    ],
)
def test_overlay_errors_name_the_overlays_file_and_line(
    tmp_path: Path, base: Path, text: str, line: int, expected: str
) -> None:
    path = overlay(tmp_path, "extend: base/base.yaml\n" + text)
    with pytest.raises(ChecklistError) as exc:
        load_checklist(path)
    problems = exc.value.problems
    assert any(
        p.file == str(path) and p.line == line and expected in p.message for p in problems
    ), [str(p) for p in problems]


def test_an_error_in_the_base_names_the_base(tmp_path: Path, base: Path) -> None:
    base.write_text(BASE.replace("kind: env.present, var: LIVE_THING", "kind: env.nope"), "utf-8")
    path = overlay(tmp_path, "extend: base/base.yaml\n")
    with pytest.raises(ChecklistError) as exc:
        load_checklist(path)
    assert exc.value.problems[0].file == str(base)
    assert exc.value.problems[0].line == 23  # the first env.nope


def test_extend_cycle_and_missing_base(tmp_path: Path) -> None:
    a = overlay(tmp_path, "extend: golive.yaml\n")
    with pytest.raises(ChecklistError, match="extends itself"):
        load_checklist(a)
    overlay(tmp_path, "extend: nowhere.yaml\n")
    with pytest.raises(ChecklistError, match=r"nowhere\.yaml not found"):
        load_checklist(a)


def test_when_mode_live_applies_to_an_environment_named_production(
    tmp_path: Path, base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, results = run_json(["check", "-c", str(base), "-e", "production"], capsys)
    assert results["live-only"]["status"] == "pass"
    assert "prod-by-name" not in results  # restricted by name: production is not prod
    _, results = run_json(["check", "-c", str(base), "-e", "staging"], capsys)
    assert "live-only" not in results


def test_extend_default_is_the_packaged_checklist(tmp_path: Path) -> None:
    path = overlay(tmp_path, "extend: default\n")
    merged = load_checklist(path).checklist
    packaged = load_checklist(packaged_checklist()).checklist
    assert [i.id for i in merged.items] == [i.id for i in packaged.items]
    assert len(merged.items) > 50
