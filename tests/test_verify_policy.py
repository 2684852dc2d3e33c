"""`golive verify` with a policy (issue 17): a valid signature is not enough for a deploy;
the report must also be ready, about the commit deployed, recent, and signed by the
roles and number of people the policy names. Real ssh-keygen keys, real CLI."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_signing import FAILING_ITEMS, allowed, keygen, make_report, needs_ssh_keygen, sign

from golive.cli import main

pytestmark = [pytest.mark.usefixtures("extra_probes"), needs_ssh_keygen]


def verify(
    report: Path, signers: Path, capsys: pytest.CaptureFixture[str], *policy: str
) -> tuple[int, str]:
    code = main(["verify", str(report), "--allowed-signers", str(signers), *policy])
    return code, capsys.readouterr().out


def test_a_signed_not_ready_report_fails_require_verdict_ready(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = make_report(tmp_path / "run", FAILING_ITEMS, expect=1)
    key = keygen(tmp_path, "ops")
    assert sign(report, key, "ops@example.com", "ops", "--accept-risk", "hotfix INC-42") == 0
    signers = allowed(tmp_path, ("ops@example.com", key))
    code, _ = verify(report, signers, capsys)
    assert code == 0  # the signature itself is valid
    code, out = verify(report, signers, capsys, "--require-verdict", "ready")
    assert code == 1
    assert "policy not met: verdict: the report says 'not ready', not 'ready'" in out


def test_roles_and_signers_count_only_valid_allowed_signatures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = make_report(tmp_path / "run")
    eng, ops, stranger = (keygen(tmp_path, n) for n in ("eng", "ops", "stranger"))
    signers = allowed(tmp_path, ("eng@example.com", eng), ("ops@example.com", ops))
    assert sign(report, eng, "eng@example.com", "engineer") == 0
    assert sign(report, stranger, "ops@example.com", "ops") == 0  # a key nobody allowed
    policy = ("--require-verdict", "ready", "--require-role", "ops", "--require-signers", "2")
    code, out = verify(report, signers, capsys, *policy)
    assert code == 1
    assert "policy not met: role: no valid signature by an allowed signer as 'ops'" in out
    assert "policy not met: signers: 1 allowed signer(s) with a valid signature, 2 required" in out
    # The stranger's signature is removed and ops signs: every requirement holds.
    data = json.loads(report.read_text(encoding="utf-8"))
    data["signatures"] = data["signatures"][:1]
    report.write_text(json.dumps(data), encoding="utf-8")
    assert sign(report, ops, "ops@example.com", "ops") == 0
    code, out = verify(report, signers, capsys, *policy, "--max-age", "24h")
    assert code == 0, out
    assert "policy: every requirement holds" in out


def test_the_report_must_be_about_the_commit_being_deployed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    git = ["git", "-C", str(app), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    (app / "main.py").write_text("print('hi')\n", encoding="utf-8")
    subprocess.run([*git, "add", "main.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    monkeypatch.chdir(app)
    report = make_report(tmp_path / "run")
    key = keygen(tmp_path, "ops")
    assert sign(report, key, "ops@example.com", "ops") == 0
    signers = allowed(tmp_path, ("ops@example.com", key))
    assert verify(report, signers, capsys, "--commit", head[:10])[0] == 0
    code, out = verify(report, signers, capsys, "--commit", "0" * 40)
    assert code == 1 and f"commit: the report is about {head[:12]}, not {'0' * 40}" in out


def test_a_report_older_than_max_age_is_refused(tmp_path: Path) -> None:
    from golive.signoff.verify_policy import make_policy, verify_with_policy

    report = make_report(tmp_path / "run")
    key = keygen(tmp_path, "ops")
    assert sign(report, key, "ops@example.com", "ops") == 0
    signers = allowed(tmp_path, ("ops@example.com", key))
    policy = make_policy(None, None, "24h", None, None)
    later = datetime.now(UTC) + timedelta(days=2)
    lines, ok = verify_with_policy(report, signers, policy, now=later)
    assert not ok
    assert any(line.startswith("policy not met: age: the run finished at") for line in lines)
    assert "at most 1.0d" in lines[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--require-verdict", "green"), "--require-verdict 'green': choose from ready"),
        (("--max-age", "soon"), "--max-age 'soon': give a duration such as 24h"),
        (("--commit", "main"), "--commit 'main': give the commit's hash"),
    ],
)
def test_a_bad_policy_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, str], message: str
) -> None:
    report = make_report(tmp_path / "run")
    key = keygen(tmp_path, "ops")
    signers = allowed(tmp_path, ("ops@example.com", key))
    assert main(["verify", str(report), "--allowed-signers", str(signers), *args]) == 2
    assert message in capsys.readouterr().err
