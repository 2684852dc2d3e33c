"""The rough edges a new user hit (issue 17 point 7), each through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from golive.cli import main


def run_json(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "r.json"
    code = main([*args, "-q", "-f", f"json:{out}"])
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return code, data


def results_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["results"]}


@pytest.mark.parametrize(
    ("env", "default", "status"),
    [
        ("prod", '"true"', "pass"),  # unset, the app defaults to live: right for prod
        ("staging", '"true"', "fail"),  # ... and wrong for a test-mode deployment
        ("prod", None, "fail"),  # no default stated: unset says nothing
    ],
)
def test_mode_switch_takes_the_apps_default(
    tmp_path: Path, env: str, default: str | None, status: str
) -> None:
    stated = f", default: {default}" if default else ""
    (tmp_path / "golive.yaml").write_text(
        "extend: default\nenvironments:\n"
        f"  {env}:\n    mode_switch: {{var: STRIPE_LIVE_MODE, kind: boolean{stated}}}\n",
        encoding="utf-8",
    )
    (tmp_path / "app.env").write_text("SOMETHING_ELSE=1\n", encoding="utf-8")  # switch unset
    checklist, env_file = str(tmp_path / "golive.yaml"), str(tmp_path / "app.env")
    _, report = run_json(
        tmp_path, "check", "-e", env, "-c", checklist, "--env-file", env_file, "--only", "1.2c"
    )
    result = results_of(report)["1.2c"]
    assert result["status"] == status, result["message"]
    if default:
        assert "STRIPE_LIVE_MODE unset, the app's default true" in result["message"]
    else:
        assert "STRIPE_LIVE_MODE is not set" in result["message"]


def test_init_states_the_mode_switchs_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--yes", "--mode-switch", "STRIPE_LIVE_MODE:boolean=true"]) == 0
    (tmp_path / "app.env").write_text("SOMETHING_ELSE=1\n", encoding="utf-8")
    _, report = run_json(tmp_path, "check", "-e", "prod", "--env-file", "app.env", "--only", "1.2c")
    result = results_of(report)["1.2c"]
    assert result["status"] == "pass", result["message"]
    assert "STRIPE_LIVE_MODE unset, the app's default true" in result["message"]
