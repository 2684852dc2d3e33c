"""golive diff, the GitHub annotations format, step-summary appends, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, ctrl_c_reaches_the_child, write_checklist

from golive.cli import main
from golive.reporters.github import escape_data, escape_property

pytestmark = pytest.mark.usefixtures("extra_probes")


def item(
    id_: str, status: str, message: str = "m", severity: str = "blocking", title: str = ""
) -> str:
    return (
        f"  - id: {id_}\n    title: '{title or 'Item ' + id_}'\n    section: s\n"
        f"    severity: {severity}\n    remediation: Fix {id_}.\n"
        f"    probe: {{kind: test.outcome, status: {status}, message: '{message}'}}\n"
    )


def run(folder: Path, items: str, *formats: str) -> tuple[int, Path]:
    folder.mkdir(exist_ok=True)
    checklist = write_checklist(folder, items)
    out = folder / "report.json"
    code = main(["check", "-c", str(checklist), "-e", "prod", "-q", "-f", f"json:{out}", *formats])
    return code, out


def test_diff_of_a_worse_run_exits_1_and_names_what_got_worse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, old = run(
        tmp_path / "old",
        item("a", "pass") + item("b", "fail", severity="advisory") + item("c", "pass"),
    )
    _, new = run(
        tmp_path / "new",
        item("a", "fail", "now broken")
        + item("b", "pass", severity="advisory")
        + item("d", "pass"),
    )
    capsys.readouterr()
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "verdict: ready → not ready (worse)" in out
    assert "New failures:\n  a [blocking] Item a: pass → fail  ← worse\n      now broken" in out
    assert "Fixed:\n  b [advisory] Item b: fail → pass" in out
    assert "Items added:\n  d [blocking]" in out and "Items removed:\n  c [blocking]" in out
    assert "NEW is worse: verdict ready → not ready; blocking item a: pass → fail (exit 1)" in out

    assert main(["diff", str(old), str(new), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["worse"] is True and data["checklist"]["added"] == ["d"]
    assert {(c["id"], c["kind"]) for c in data["changes"]} == {
        ("a", "new failure"),
        ("b", "fixed"),
        ("c", "removed"),
        ("d", "added"),
    }


def test_diff_of_a_better_run_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, old = run(tmp_path / "old", item("a", "fail") + item("b", "warn", severity="advisory"))
    _, new = run(tmp_path / "new", item("a", "pass") + item("b", "fail", severity="advisory"))
    capsys.readouterr()
    # An advisory item getting worse does not make NEW worse; the blocking fix counts.
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "verdict: not ready → ready\n" in out and "Fixed:\n  a [blocking]" in out
    assert "New failures:\n  b [advisory] Item b: warn → fail\n" in out
    assert "NEW is not worse than OLD (exit 0)" in out
    # The same report against itself: nothing changed.
    assert main(["diff", str(new), str(new)]) == 0
    assert "no changes in results" in capsys.readouterr().out


def test_diff_shows_checklist_digest_waiver_and_attestation_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, old = run(tmp_path / "old", item("a", "fail") + item("m", "pass"))
    _, new = run(tmp_path / "new", item("a", "waived") + item("m", "pass"))
    o, n = json.loads(old.read_text()), json.loads(new.read_text())
    o["checklist"]["sha256"], n["checklist"]["sha256"] = "a" * 64, "b" * 64
    n["results"][0]["waiver"] = {"reason": "vendor outage", "owner": "eng", "approver": "ops"}
    o["results"][1]["attestation"] = {"by": "ops@example.com", "role": "ops"}
    old.write_text(json.dumps(o))
    new.write_text(json.dumps(n))
    capsys.readouterr()
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert f"checklist sha256: {'a' * 64} → {'b' * 64}" in out
    assert "Waiver changes:\n  a [blocking] Item a: none → {" in out and "vendor outage" in out
    assert "Attestation changes:\n  m [blocking] Item m: {" in out and "→ none" in out


def test_diff_of_something_that_is_not_a_report_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    assert main(["diff", str(bad), str(bad)]) == 2
    assert f"{bad}:1:" in capsys.readouterr().err


def test_escaping_follows_githubs_workflow_command_rules() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("1.2a: a, b%\n") == "1.2a%3A a%2C b%25%0A"


def test_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = (
        item("1.2a", "fail", "key is a test key: 100%", title="Key, mode: live")
        + item("adv", "fail", "50% of deliveries failed", severity="advisory")
        + item("w", "warn", "soon")
        + item("m", "manual", "awaiting ops")
        + item("ok", "pass")
    )
    code, _ = run(tmp_path, items, "-f", "github")
    assert code == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "::error title=1.2a Key%2C mode%3A live::[fail] key is a test key: 100%25%0A→ Fix 1.2a."
    )
    assert (
        lines[1]
        == "::warning title=adv Item adv::[advisory, fail] 50%25 of deliveries failed%0A→ Fix adv."
    )
    # a warning carries its remedy; an item awaiting attestation has none to give
    assert lines[2] == "::warning title=w Item w::[warn] soon%0A→ Fix w."
    assert lines[3] == "::warning title=m Item m::[awaiting attestation] awaiting ops"
    assert len(lines) == 5 and lines[4].startswith("golive: NOT READY — prod (live mode)")


def test_markdown_appends_to_the_step_summary_and_with_append(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("# Earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run(tmp_path / "r1", item("a", "pass"), "-f", f"markdown:{summary}")
    run(tmp_path / "r2", item("a", "fail"), "-f", f"markdown:{summary}")
    text = summary.read_text()
    assert text.startswith("# Earlier step\n")
    assert "golive: READY" in text and "golive: NOT READY" in text
    assert "appended markdown report" in capsys.readouterr().err
    # Any other file is truncated, unless asked to append.
    other = tmp_path / "other.md"
    other.write_text("keep me\n")
    run(tmp_path / "r3", item("a", "pass"), "-f", f"markdown:{other}")
    assert "keep me" not in other.read_text()
    other.write_text("keep me\n")
    run(tmp_path / "r4", item("a", "pass"), "-f", f"markdown:append:{other}")
    assert other.read_text().startswith("keep me\n# golive: READY")
    # JSON cannot be appended to: a usage error, nothing written.
    assert (
        main(
            [
                "check",
                "-c",
                str(tmp_path / "r4" / "checklist.yaml"),
                "-e",
                "prod",
                "-q",
                "-f",
                f"json:append:{other}",
            ]
        )
        == 2
    )
    assert "append:" in capsys.readouterr().err


def test_ctrl_c_prints_a_partial_report_and_exits_130(tmp_path: Path) -> None:
    items = (
        item("fast", "pass", "quick one")
        + "  - id: slow\n    title: Slow item\n    section: t\n    timeout: 100\n"
        "    probe: {kind: test.sleep, seconds: 60}\n"
    )
    checklist = write_checklist(tmp_path, items)
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(REPO / 'tests')!r})\n"
        "from golive.engine import registry\n"
        "registry.BUILTIN_PROBES['test.sleep'] = 'probes_for_tests:Sleep'\n"
        "registry.BUILTIN_PROBES['test.outcome'] = 'probes_for_tests:Fixed'\n"
        "from golive.cli import main\n"
        f"sys.exit(main(['check', '-c', {str(checklist)!r}, '-e', 'prod']))\n"
    )
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=ctrl_c_reaches_the_child,
    )
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the fast item has finished
        line = proc.stderr.readline()
        seen.append(line)
        if "fast pass" in line or not line:
            break
    assert any("fast pass" in line for line in seen), seen
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.rstrip().endswith("golive: interrupted")
    assert "fast" in err and "quick one" in err  # what finished
    assert "not finished: slow" in err  # and what did not, never counted as a pass
    assert "INCONCLUSIVE" in err and "READY —" not in err.replace("INCONCLUSIVE", "")
    assert out == ""  # the report on stdout is not written: it would look complete


def test_the_github_action_runs_the_gate_and_uploads_the_report() -> None:
    import yaml

    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["environment"]["required"] is True
    assert {"checklist", "env-file", "formats"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    check = next(s for s in steps if s.get("id") == "check")
    assert 'golive "${args[@]}"' in check["run"] and "--env-file" in check["run"]
    assert "markdown:$GITHUB_STEP_SUMMARY" in check["run"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "${{ inputs.report }}"
    # Inputs reach the script through env, never pasted into it (no script injection).
    assert "${{" not in check["run"]
    assert steps[-1]["run"] == 'exit "${GOLIVE_EXIT:-3}"'


def test_the_actions_check_script_writes_report_summary_and_exit_code(tmp_path: Path) -> None:
    import yaml

    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    script = next(s for s in action["runs"]["steps"] if s.get("id") == "check")["run"]
    checklist = write_checklist(
        tmp_path,
        "  - id: auth\n    title: Auth on\n    section: s\n"
        "    probe: {kind: env.not_truthy, vars: [DISABLE_AUTH]}\n",
        env="DISABLE_AUTH=true\n",
    )
    summary, gh_output = tmp_path / "summary.md", tmp_path / "output.txt"
    summary.write_text("earlier\n")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(gh_output),
        "GOLIVE_INPUT_ENVIRONMENT": "prod",
        "GOLIVE_INPUT_CHECKLIST": str(checklist),
        "GOLIVE_INPUT_ENV_FILE": str(tmp_path / "prod.env"),
        "GOLIVE_INPUT_FORMATS": "github",
        "GOLIVE_INPUT_REPORT": str(tmp_path / "golive-report.json"),
    }
    proc = subprocess.run(
        ["bash", "-e", "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr  # the gate is a later step
    assert gh_output.read_text() == "exit-code=1\n"
    assert proc.stdout.startswith("::error title=auth Auth on::")
    assert summary.read_text().startswith("earlier\n# golive: NOT READY")
    assert json.loads((tmp_path / "golive-report.json").read_text())["verdict"] == "not ready"
