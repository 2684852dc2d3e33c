"""`golive combine staging.json prod.json` (issue 17): the items a live environment does not
run come from a staging report of the same app commit and checklist, marked so, and the
combination is signed and verified like any report. Both runs are real demo runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from test_signing import allowed, keygen, needs_ssh_keygen, sign

from golive.cli import main

TRAFFIC_ITEMS = {"6.2", "7.1a", "H.10"}


@pytest.fixture
def same_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each demo run commits its app anew: fixed dates make it the same commit both times.
    for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(name, "2026-01-01T00:00:00+0000")


def runs(tmp_path: Path, relax: bool = True) -> tuple[Path, Path]:
    overlay = tmp_path / "golive.yaml"
    overlay.write_text(
        f"extend: {REPO / 'checklist.yaml'}\n"
        "disable:\n"
        '  "4.1b": the loopback demo has no TLS\n'
        '  "H.5": the loopback demo has no TLS\n'
        '  "H.5b": the demo deployment names no public URL variable\n'
        + (
            'environments:\n  prod:\n    advisory: {"9.2": after launch, "9.3": signed below}\n'
            if relax
            else ""
        ),
        encoding="utf-8",
    )
    out = {}
    for env in ("staging", "prod"):
        out[env] = tmp_path / f"{env}.json"
        main(["demo", "--env", env, "-c", str(overlay), "-q", "-f", f"json:{out[env]}"])
    return out["staging"], out["prod"]


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@needs_ssh_keygen
@pytest.mark.usefixtures("same_commit")
def test_staging_and_prod_combine_into_one_signed_ready_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staging, prod = runs(tmp_path)
    assert load(prod)["verdict"] == "inconclusive"  # the traffic items were not run
    combined = tmp_path / "combined.json"
    assert main(["combine", str(staging), str(prod), "-o", str(combined)]) == 0
    report = load(combined)
    assert report["verdict"] == "ready" and report["exit_code"] == 0
    assert report["environment"] == "prod"
    results = {r["id"]: r for r in report["results"]}
    for item_id in TRAFFIC_ITEMS:
        assert results[item_id]["status"] == "pass"
        assert results[item_id]["message"].startswith("[from the staging report of ")
        assert results[item_id]["evidence"]["from_report"]["environment"] == "staging"
    assert set(report["combined_from"][0]["items"]) == TRAFFIC_ITEMS
    assert "taken from staging" in capsys.readouterr().out
    key = keygen(tmp_path, "ops")
    assert sign(combined, key, "ops@example.com", "ops") == 0
    signers = allowed(tmp_path, ("ops@example.com", key))
    code = main(
        ["verify", str(combined), "--allowed-signers", str(signers), "--require-verdict",
         "ready", "--require-role", "ops"]
    )  # fmt: skip
    assert code == 0


@pytest.mark.usefixtures("same_commit")
def test_reports_of_other_commits_do_not_combine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staging, prod = runs(tmp_path)
    data = load(staging)
    data["app"]["commit"] = "0" * 40
    staging.write_text(json.dumps(data), encoding="utf-8")
    assert main(["combine", str(staging), str(prod), "-o", str(tmp_path / "c.json")]) == 2
    err = capsys.readouterr().err
    assert "is about app commit 000000000000" in err
    assert not (tmp_path / "c.json").exists()
