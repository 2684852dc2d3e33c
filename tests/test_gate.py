"""A green gate never lies (issue 17): each case that once said READY, through the CLI on
the sandboxes, now says INCONCLUSIVE (exit 4) and names what holds the gate."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from golive.cli import main
from golive.sandbox.stripe.demo import demo_state
from golive.sandbox.stripe.server import StripeSandbox
from golive.sandbox.stripe.templates import DEFAULT_API_VERSION

RESTRICTED_LIVE_KEY = "rk_live_51GoLiveSandboxKeyQRSTUVWXYZ"  # golive:allow-secret


def report_of(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def held(report: dict[str, Any]) -> dict[str, str]:
    """What holds the gate: id -> status of its decision entry."""
    return {i: d["status"] for d in report["decision"] for i in d["ids"]}


def test_a_live_run_whose_traffic_items_were_not_run_is_inconclusive(tmp_path: Path) -> None:
    # The prod demo with its two TLS findings disabled (the loopback demo has no TLS):
    # everything else holds, but the traffic guard kept three blocking items from running.
    overlay = tmp_path / "golive.yaml"
    overlay.write_text(
        f"extend: {REPO / 'checklist.yaml'}\n"
        "disable:\n"
        '  "4.1b": the loopback demo has no TLS\n'
        '  "H.5": the loopback demo has no TLS\n',
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    code = main(["demo", "--env", "prod", "-c", str(overlay), "-q", "-f", f"json:{out}"])
    report = report_of(out)
    assert code == 4 and report["verdict"] == "inconclusive"
    assert held(report) == {"6.2": "skip", "7.1a": "skip", "H.10": "skip"}
    entry = next(d for d in report["decision"] if d["ids"] == ["7.1a"])
    assert "run it against staging" in entry["message"] and "allow_traffic" in entry["message"]
    kinds = {r["id"]: r.get("skip_kind") for r in report["results"] if r["status"] == "skip"}
    # A disabled item is the team's recorded decision: it holds nothing.
    assert kinds["4.1b"] == "not_applicable" and kinds["7.1a"] == "undecided"


def test_rehearse_with_nothing_to_run_is_not_ready(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    checklist = str(REPO / "checklist.yaml")
    code = main(["rehearse", "--env", "prod", "-c", checklist, "-q", "-f", f"json:{out}"])
    report = report_of(out)
    assert code == 4 and report["verdict"] == "inconclusive" and report["results"] == []
    assert any("no rehearsal applies to environment 'prod'" in n for n in report["notices"])
    assert "staging, test" in " ".join(report["notices"])
    assert report["decision"][0]["message"].startswith("no item was run")


def test_nothing_to_search_in_the_repository_is_undecided(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty repository: H.6 finds no file to search, which proves nothing.
    app = tmp_path / "app"
    app.mkdir()
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    monkeypatch.chdir(app)
    out = tmp_path / "r.json"
    checklist = str(REPO / "checklist.yaml")
    code = main(
        ["check", "--env", "prod", "-c", checklist, "--only", "H.6", "-q", "-f", f"json:{out}"]
    )
    report = report_of(out)
    assert code == 4 and report["verdict"] == "inconclusive"
    assert held(report) == {"H.6": "skip"}
    assert "nothing to search" in report["decision"][0]["message"]


def test_a_restricted_key_that_cannot_read_the_account_is_undecided(tmp_path: Path) -> None:
    # The README recommends a restricted key; one without Account read access cannot tell
    # whether the account takes payments (1.1b, blocking): error naming the permission.
    with StripeSandbox(demo_state("https://app.example.com/api/subscription/webhook")) as sandbox:
        env = tmp_path / "prod.env"
        env.write_text(
            f"STRIPE_API_BASE={sandbox.url}\nSTRIPE_API_VERSION={DEFAULT_API_VERSION}\n"
            f"STRIPE_SECRET_KEY={RESTRICTED_LIVE_KEY}\n",
            encoding="utf-8",
        )
        out = tmp_path / "r.json"
        code = main(
            ["check", "--env", "prod", "-c", str(REPO / "checklist.yaml"), "--env-file",
             str(env), "--only", "1.1b", "-q", "-f", f"json:{out}"]
        )  # fmt: skip
    report = report_of(out)
    result = next(r for r in report["results"] if r["id"] == "1.1b")
    assert result["status"] == "error", result
    assert "lacks the permission to read the account" in result["message"]
    assert code == 4 and held(report).get("1.1b") == "error"
    assert "WXYZ" not in out.read_text(encoding="utf-8")  # the key never shows
