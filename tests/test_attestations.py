"""Attestations: `golive attest`, and what they do to later checks (issue 9.1)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO, write_checklist

from golive.cli import main

pytestmark = pytest.mark.usefixtures("extra_probes")


def signoff_checklist(folder: Path) -> Path:
    """The default checklist with its sign-off items 9.2 and 9.3 made blocking."""
    text = (REPO / "checklist.yaml").read_text(encoding="utf-8")
    for item in ('"9.2"', '"9.3"'):
        start = text.index(f"  - id: {item}\n")
        end = text.index("\n\n", start)
        block = text[start:end].replace("    severity: advisory\n", "")
        assert "advisory" not in block
        text = text[:start] + block + text[end:]
    path = folder / "checklist.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def demo(checklist: Path, out: Path) -> tuple[int, dict[str, dict]]:
    code = main(["demo", "-c", str(checklist), "-q", "-f", f"json:{out}"])
    report = json.loads(out.read_text(encoding="utf-8"))
    return code, {r["id"]: r for r in report["results"]}


def test_demo_sign_off_gates_until_attested_and_again_once_expired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = signoff_checklist(tmp_path)
    code, results = demo(checklist, tmp_path / "before.json")
    assert code == 4  # inconclusive: the blocking sign-off items await attestation
    assert results["9.2"]["status"] == "manual" and results["9.3"]["status"] == "manual"
    report = json.loads((tmp_path / "before.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "inconclusive"
    assert {i for d in report["decision"] for i in d["ids"]} == {"9.2", "9.3"}

    # 9.3 needs role ops: another role is refused, with what to do.
    capsys.readouterr()
    attest = ["attest", "-c", str(checklist), "--env", "staging"]
    assert main([*attest, "9.3", "--by", "Dev Eloper", "--role", "dev"]) == 2
    err = capsys.readouterr().err
    assert "must be attested by role 'ops'" in err and "--role dev cannot attest it" in err
    assert not (tmp_path / "attestations.yaml").exists()

    assert (
        main([*attest, "9.2", "--by", "Rel Engineer", "--evidence", "ch_123 refunded as re_456"])
        == 0
    )
    assert main([*attest, "9.3", "--by", "Olga Ops", "--role", "ops", "--expires", "30d"]) == 0
    assert "9.3 attested for staging by Olga Ops as ops" in capsys.readouterr().out
    code, results = demo(checklist, tmp_path / "after.json")
    assert code == 0
    assert results["9.3"]["status"] == "pass"
    assert results["9.3"]["attestation"]["by"] == "Olga Ops"
    assert results["9.3"]["attestation"]["role"] == "ops"
    assert results["9.3"]["attestation"]["applied"] is True
    assert "attested by Olga Ops as ops at " in results["9.3"]["message"]
    assert "evidence: ch_123 refunded as re_456" in results["9.2"]["message"]
    assert json.loads((tmp_path / "after.json").read_text(encoding="utf-8"))["verdict"] == "ready"

    # The same attestation expired: inconclusive again, and the item says why.
    path = tmp_path / "attestations.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in data["attestations"]:
        entry["at"] = "2020-01-01T00:00:00Z"
        entry["expires"] = "2020-02-01T00:00:00Z"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, results = demo(checklist, tmp_path / "expired.json")
    assert code == 4
    assert results["9.3"]["status"] == "manual"
    assert "does not count: it expired at 2020-02-01T00:00:00Z" in results["9.3"]["message"]
    assert results["9.3"]["attestation"]["applied"] is False


def test_a_changed_item_needs_a_new_attestation(tmp_path: Path) -> None:
    items = (
        "  - id: ok\n    title: Ops signed off\n    section: s\n"
        "    probe: {kind: manual, attested_by: ops lead}\n"
    )
    checklist = write_checklist(tmp_path, items)
    assert main(["attest", "ok", "-c", str(checklist), "-e", "prod", "--by", "Olga"]) == 0
    out = tmp_path / "r.json"
    check = ["check", "-c", str(checklist), "-e", "prod", "-q", "-f", f"json:{out}"]
    assert main(check) == 0
    checklist.write_text(
        checklist.read_text(encoding="utf-8").replace(
            "Ops signed off", "Ops signed off, with the runbook"
        ),
        encoding="utf-8",
    )
    assert main(check) == 4
    result = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert result["status"] == "manual"
    assert "made for another definition of this item" in result["message"]
    assert "attest it again" in result["message"]
    # Spelling out a default changes nothing a person vouched for.
    checklist.write_text(
        checklist.read_text(encoding="utf-8").replace(
            "Ops signed off, with the runbook", "Ops signed off"
        )
        + "    severity: blocking\n",
        encoding="utf-8",
    )
    assert main(check) == 0


def test_role_is_enforced_when_checking_too(tmp_path: Path) -> None:
    items = (
        "  - id: so\n    title: Sign-off\n    section: s\n"
        "    probe: {kind: manual, attested_by: ops lead, role: ops}\n"
    )
    checklist = write_checklist(tmp_path, items)
    assert (
        main(["attest", "so", "-c", str(checklist), "-e", "prod", "--by", "O", "--role", "ops"])
        == 0
    )
    path = tmp_path / "attestations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("role: ops", "role: dev"), "utf-8")
    out = tmp_path / "r.json"
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q", "-f", f"json:{out}"]) == 4
    result = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert "needs role ops, the attestation is by role dev" in result["message"]


def test_an_attestation_counts_only_in_its_environment(tmp_path: Path) -> None:
    items = "  - id: m\n    title: M\n    section: s\n    probe: {kind: manual}\n"
    checklist = write_checklist(tmp_path, items)
    assert main(["attest", "m", "-c", str(checklist), "-e", "test", "--by", "Q"]) == 0
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q", "-f", "json"]) == 4
    assert main(["check", "-c", str(checklist), "-e", "test", "-q", "-f", "json"]) == 0


def test_only_manual_items_can_be_attested(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = "  - id: auto\n    title: A\n    section: s\n    probe: {kind: test.outcome, status: fail}\n"
    checklist = write_checklist(tmp_path, items)
    assert main(["attest", "auto", "-c", str(checklist), "-e", "prod", "--by", "X"]) == 2
    err = capsys.readouterr().err
    assert "checked by the probe test.outcome, not manual" in err
    assert main(["attest", "nope", "-c", str(checklist), "-e", "prod", "--by", "X"]) == 2
    assert "no item 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "attestations.yaml").exists()


def test_expires_must_be_a_future_date_time_or_duration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = "  - id: m\n    title: M\n    section: s\n    probe: {kind: manual}\n"
    checklist = write_checklist(tmp_path, items)
    base = ["attest", "m", "-c", str(checklist), "-e", "prod", "--by", "X", "--expires"]
    assert main([*base, "soon"]) == 2
    assert "a duration (12h, 30d, 2w)" in capsys.readouterr().err
    assert main([*base, "2001-01-01"]) == 2
    assert "is not in the future" in capsys.readouterr().err
    assert main([*base, "2999-01-01"]) == 0
    entry = yaml.safe_load((tmp_path / "attestations.yaml").read_text("utf-8"))["attestations"][0]
    assert entry["expires"] == "2999-01-01T00:00:00Z"


def test_appending_keeps_earlier_entries_and_comments(tmp_path: Path) -> None:
    items = "".join(
        f"  - id: m{i}\n    title: M{i}\n    section: s\n    probe: {{kind: manual}}\n"
        for i in range(3)
    )
    checklist = write_checklist(tmp_path, items)
    for i in range(3):
        assert main(["attest", f"m{i}", "-c", str(checklist), "-e", "prod", "--by", f"P{i}"]) == 0
        if i == 0:
            path = tmp_path / "attestations.yaml"
            path.write_text(
                path.read_text("utf-8") + "  # reviewed in PR 42, keep\n", encoding="utf-8"
            )
    text = (tmp_path / "attestations.yaml").read_text("utf-8")
    assert text.startswith("# golive attestations")
    assert "# reviewed in PR 42, keep" in text
    entries = yaml.safe_load(text)["attestations"]
    assert [e["by"] for e in entries] == ["P0", "P1", "P2"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", e["item_sha256"]) for e in entries)
    assert all(e["environment"] == "prod" and e["at"].endswith("Z") for e in entries)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".attestations")]


def test_a_malformed_attestations_file_is_exit_2_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = "  - id: m\n    title: M\n    section: s\n    probe: {kind: manual}\n"
    checklist = write_checklist(tmp_path, items)
    (tmp_path / "attestations.yaml").write_text(
        "attestations:\n"
        "  - item: m\n    environment: prod\n    by: X\n    at: 2025-01-01T00:00:00Z\n"
        "    item_sha256: nothex\n",
        encoding="utf-8",
    )
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q"]) == 2
    err = capsys.readouterr().err
    assert re.search(r"attestations\.yaml:6:\d+: item m: item_sha256: ", err), err
    assert main(["attest", "m", "-c", str(checklist), "-e", "prod", "--by", "X"]) == 2


def test_an_attestation_for_an_environment_the_checklist_lacks_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A hand-edited `environment: prd` could never count: silently ignoring it would
    # leave the item manual with no word about why (waivers already refuse this).
    items = "  - id: m\n    title: M\n    section: s\n    probe: {kind: manual}\n"
    checklist = write_checklist(tmp_path, items)
    (tmp_path / "attestations.yaml").write_text(
        "attestations:\n"
        "  - item: m\n    environment: prd\n    by: X\n    at: 2025-01-01T00:00:00Z\n"
        f"    item_sha256: '{'0' * 64}'\n",
        encoding="utf-8",
    )
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q"]) == 2
    err = capsys.readouterr().err
    assert "attestations.yaml:2:" in err and "unknown environment 'prd'" in err, err
    assert "did you mean 'prod'?" in err
    # and nothing is appended to a file with a record that could never count
    before = (tmp_path / "attestations.yaml").read_text(encoding="utf-8")
    assert main(["attest", "m", "-c", str(checklist), "-e", "prod", "--by", "X"]) == 2
    assert (tmp_path / "attestations.yaml").read_text(encoding="utf-8") == before
