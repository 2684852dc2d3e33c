"""README.md's GitHub Actions snippet works as written: its `golive check` line runs, as
GitHub runs a step (bash), in the app's repository, with only the `env:` block's
variables, pointed at the reference deployment and the Stripe sandbox, and gives the
result the README documents."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO

pytestmark = pytest.mark.slow

#: The reference deployment is served over plain http on 127.0.0.1, and its live Stripe
#: endpoint points there: the only blocking findings it really has.
EXPECTED_FAILURES = {"4.1b", "H.5"}


def ci_step() -> tuple[str, dict[str, str]]:
    """The snippet's `golive check` run line and its env block, parsed from README.md."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    (block,) = [b for b in blocks if b.startswith("# GitHub Actions")]
    steps = yaml.safe_load(block)
    (step,) = [s for s in steps if str(s.get("run", "")).startswith("golive check")]
    return str(step["run"]), {str(k): str(v) for k, v in step["env"].items()}


def test_the_readme_ci_snippet_works_as_written(tmp_path: Path) -> None:
    from golive.commands.demo import demo_deployment, demo_repository

    run, block = ci_step()
    assert "--env-file" not in run and "-c " not in run  # values from the environment only
    repo = demo_repository(tmp_path, "healthy")  # the app's checkout: no golive.yaml
    summary = tmp_path / "step_summary.md"
    with demo_deployment("healthy", tmp_path, "live") as (env_file, _staging):
        deployment = dict(
            line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines()
        )
        env: dict[str, str] = {}
        for name, value in block.items():
            # `${{ secrets.X }}` / `${{ vars.X }}` hold the deployment's value; so does the
            # base URL, which the snippet shows as https://api.example.com.
            if value.startswith("${{") or name == "GOLIVE_BASE_URL":
                env[name] = deployment[name]
            else:
                assert value == deployment[name], (name, value)  # literal and right as written
                env[name] = value
        env.update(
            {
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                "HOME": str(tmp_path),
                "GITHUB_STEP_SUMMARY": str(summary),
                # Where Stripe is: in real CI Stripe itself (the default); here the sandbox.
                "STRIPE_API_BASE": deployment["STRIPE_API_BASE"],
            }
        )
        vars_proc = subprocess.run(
            ["golive", "vars", "--env", "prod"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert vars_proc.returncode == 0, vars_proc.stdout  # the block sets every needed one
        proc = subprocess.run(
            ["bash", "-e", "-c", run],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        json_proc = subprocess.run(  # the same run, as JSON, to read each item
            ["bash", "-e", "-c", f"golive check --env prod -q -f json:{tmp_path / 'r.json'}"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # not ready: the deploy stops
    assert json_proc.returncode == 1
    report: dict[str, Any] = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    results = {r["id"]: r for r in report["results"]}
    failed = {i for i, r in results.items() if r["status"] in ("fail", "error", "blocked")}
    assert failed == EXPECTED_FAILURES, {i: results[i]["message"] for i in failed}
    assert report["checklist"]["name"].endswith("(the packaged default)")
    for item_id in ("3.2b", "4.3b"):
        assert results[item_id]["status"] == "skip", results[item_id]
        assert "read from the same place" in results[item_id]["message"]
    for item_id in ("1.2a", "1.2a.api", "2.1a", "2.2d", "4.1a", "4.3a", "5.1b", "5.2b", "1.3a"):
        assert results[item_id]["status"] == "pass", (item_id, results[item_id]["message"])
    # The three outputs the snippet asks for.
    assert "NOT READY" in proc.stdout and "4.1b" in proc.stdout
    cases = ET.parse(repo / "golive.xml").getroot().iter("testcase")
    assert len(list(cases)) == len(results)
    assert "NOT READY" in summary.read_text(encoding="utf-8")
