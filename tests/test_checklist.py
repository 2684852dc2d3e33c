"""checklist.yaml: the default file, and every kind of bad input, located exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import REPO, SHARED

from golive.cli import main
from golive.core.errors import ChecklistError
from golive.engine.loader import load_checklist
from golive.engine.registry import BUILTIN_PROBES


def seed_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [row["id"] for row in csv.DictReader(f, delimiter="\t")]


def test_default_checklist_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(REPO / "checklist.yaml")]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "10 sections" in out


def test_every_seed_item_is_in_the_default_checklist() -> None:
    checklist = load_checklist(REPO / "checklist.yaml").checklist
    covered = {item.id for item in checklist.items} | {r for i in checklist.items for r in i.refs}
    ids = seed_ids(REPO / "docs" / "seed-items.tsv")
    assert len(ids) == 57
    assert set(ids) <= covered, sorted(set(ids) - covered)


def test_bundled_seed_copy_matches_shared_seed() -> None:
    shared = SHARED / "seed" / "items.tsv"
    if not shared.exists():
        pytest.skip(f"{shared} is absent: nothing to compare with")
    assert seed_ids(shared) == seed_ids(REPO / "docs" / "seed-items.tsv")


def test_items_marked_manual_in_the_seed_are_manual_items() -> None:
    checklist = load_checklist(REPO / "checklist.yaml").checklist
    by_id = {i.id: i for i in checklist.items}
    with (REPO / "docs" / "seed-items.tsv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))[1:]
    manual = [row[0] for row in rows if row[3].startswith("manual")]
    assert manual == ["5.4", "7.2", "8.1", "9.2", "9.3"]
    for item_id in manual:
        assert by_id[item_id].probe.kind == "manual"


def test_every_probe_kind_of_the_default_checklist_is_registered() -> None:
    checklist = load_checklist(REPO / "checklist.yaml").checklist
    assert {i.probe.kind for i in checklist.items} <= set(BUILTIN_PROBES)


BAD_INPUTS = {
    "syntax": (
        "  - id: a\n    title: [unclosed\n    section: s\n    probe: {kind: manual}\n",
        r":14:12: YAML syntax",
    ),
    "unknown key": (
        "  - id: a\n    title: A\n    section: s\n    colour: red\n"
        "    probe: {kind: manual, attested_by: ops}\n",
        r":15:5: item a: unknown key 'colour'",
    ),
    "unknown probe kind": (
        "  - id: a\n    title: A\n    section: s\n    probe: {kind: env.presnt, var: X}\n",
        r":15:13: item a: unknown probe kind 'env.presnt'; known kinds: ",
    ),
    "wrong type": (
        "  - id: a\n    title: A\n    section: s\n    timeout: soon\n"
        "    probe: {kind: manual, attested_by: ops}\n",
        r":15:5: item a: timeout: Input should be a valid number",
    ),
    "probe parameter": (
        "  - id: a\n    title: A\n    section: s\n    probe: {kind: env.present, varr: X}\n",
        r"item a: probe.var: Field required",
    ),
    "duplicate id": (
        "  - id: a\n    title: A\n    section: s\n    probe: {kind: manual, attested_by: ops}\n"
        "  - id: a\n    title: B\n    section: s\n    probe: {kind: manual, attested_by: ops}\n",
        r":16:5: item a: duplicate item id (first defined on line 12)",
    ),
    "duplicate key": (
        "  - id: a\n    title: A\n    title: B\n    section: s\n"
        "    probe: {kind: manual, attested_by: ops}\n",
        r":14:5: duplicate key 'title'",
    ),
    "unknown section": (
        "  - id: a\n    title: A\n    section: nope\n    probe: {kind: manual, attested_by: ops}\n",
        r":14:5: item a: unknown section 'nope'",
    ),
    "unknown environment": (
        "  - id: a\n    title: A\n    section: s\n    environments: [prd]\n"
        "    probe: {kind: manual, attested_by: ops}\n",
        r":15:20: item a: unknown environment 'prd'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
@pytest.mark.parametrize("command", ["validate", "check", "list"])
def test_bad_checklist_exits_2_with_file_line_and_no_traceback(
    case: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import write_checklist

    items, expected = BAD_INPUTS[case]
    path = write_checklist(tmp_path, items)
    argv = (
        [command, str(path)] if command == "validate" else [command, "-c", str(path), "-e", "prod"]
    )
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert f"{path}" in captured.err
    assert expected.lstrip(":") in captured.err.replace(str(path), ""), captured.err
    if expected.startswith(":"):
        assert f"{path}{expected}" in captured.err, captured.err


def test_unknown_probe_kind_lists_the_known_ones(tmp_path: Path) -> None:
    from conftest import write_checklist

    path = write_checklist(
        tmp_path, "  - id: a\n    title: A\n    section: s\n    probe: {kind: x}\n"
    )
    with pytest.raises(ChecklistError) as info:
        load_checklist(path)
    assert "env.present" in str(info.value) and "stripe.prices" in str(info.value)


def test_unknown_env_exits_2_naming_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import write_checklist

    path = write_checklist(
        tmp_path,
        "  - id: a\n    title: A\n    section: s\n    probe: {kind: manual, attested_by: ops}\n",
    )
    assert main(["check", "-c", str(path), "--env", "production"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1:1: unknown environment 'production' (--env); known: prod, test" in err


def test_missing_file_and_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml:1:1: file not found" in capsys.readouterr().err
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert main(["validate", str(empty)]) == 2
    assert "empty.yaml:1:1: the checklist must be a mapping" in capsys.readouterr().err


def test_several_problems_are_all_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import write_checklist

    path = write_checklist(
        tmp_path,
        "  - id: a\n    title: A\n    section: nope\n    probe: {kind: manual, attested_by: ops}\n"
        "  - id: b\n    title: B\n    section: s\n    probe: {kind: nope}\n",
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "item a: unknown section" in err and "item b: unknown probe kind" in err


@pytest.mark.parametrize(
    ("target", "cause"),
    [
        ("golive.checks.no_such_module:Probe", "ModuleNotFoundError"),
        ("golive.checks.env:NoSuchClass", "AttributeError"),
        ("golive.core.results:Outcome", "is not a golive Probe class"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "check"])
def test_a_probe_that_fails_to_load_is_a_checklist_error_naming_its_kind(
    target: str,
    cause: str,
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from conftest import write_checklist

    from golive.engine import registry

    monkeypatch.setitem(registry.BUILTIN_PROBES, "broken.kind", target)
    registry.load_probe.cache_clear()
    path = write_checklist(
        tmp_path, "  - id: a\n    title: A\n    section: s\n    probe: {kind: broken.kind}\n"
    )
    argv = (
        [command, str(path)] if command == "validate" else [command, "-c", str(path), "-e", "prod"]
    )
    try:
        assert main(argv) == 2
    finally:
        registry.load_probe.cache_clear()
    err = capsys.readouterr().err
    assert "item a: probe kind 'broken.kind'" in err and cause in err, err
    assert "Traceback" not in err
