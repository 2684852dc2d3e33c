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


def prod_demo(tmp_path: Path, extra: str = "", *args: str) -> tuple[int, dict[str, Any]]:
    """The prod demo with its two TLS findings disabled (the loopback demo has no TLS)."""
    overlay = tmp_path / "golive.yaml"
    overlay.write_text(
        f"extend: {REPO / 'checklist.yaml'}\n"
        "disable:\n"
        '  "4.1b": the loopback demo has no TLS\n'
        '  "H.5": the loopback demo has no TLS\n'
        '  "H.5b": the demo deployment names no public URL variable\n' + extra,
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    code = main(["demo", "--env", "prod", "-c", str(overlay), "-q", "-f", f"json:{out}", *args])
    return code, report_of(out)


def test_a_live_run_whose_traffic_items_were_not_run_is_inconclusive(tmp_path: Path) -> None:
    # Everything else holds, but the traffic guard kept three blocking items from running,
    # and nobody signed off (9.2, 9.3 gate in live environments).
    code, report = prod_demo(tmp_path)
    assert code == 4 and report["verdict"] == "inconclusive"
    assert held(report) == {
        "6.2": "skip",
        "7.1a": "skip",
        "H.10": "skip",
        "9.2": "manual",
        "9.3": "manual",
    }
    entry = next(d for d in report["decision"] if d["ids"] == ["7.1a"])
    assert "run it against staging" in entry["message"] and "allow_traffic" in entry["message"]
    kinds = {r["id"]: r.get("skip_kind") for r in report["results"] if r["status"] == "skip"}
    # A disabled item is the team's recorded decision: it holds nothing.
    assert kinds["4.1b"] == "not_applicable" and kinds["7.1a"] == "undecided"


def test_a_profile_may_relax_the_sign_off_and_every_report_says_so(tmp_path: Path) -> None:
    extra = (
        "environments:\n  prod:\n    allow_traffic: true\n"
        '    advisory: {"9.2": the first charge is made after launch}\n'
    )
    code, report = prod_demo(tmp_path, extra)
    # The traffic items ran (allow_traffic); 9.3 still waits for ops.
    assert code == 4 and held(report) == {"9.3": "manual"}
    (notice,) = [n for n in report["notices"] if "9.2" in n]
    assert "golive.yaml:" in notice and "the first charge is made after launch" in notice
    result = next(r for r in report["results"] if r["id"] == "9.2")
    assert result["severity"] == "advisory"


def test_a_profile_relaxing_an_unknown_item_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "golive.yaml"
    overlay.write_text(
        f"extend: {REPO / 'checklist.yaml'}\n"
        'environments:\n  prod:\n    advisory: {"9.33": typo}\n',
        encoding="utf-8",
    )
    assert main(["validate", str(overlay)]) == 2
    err = capsys.readouterr().err
    assert "golive.yaml:4" in err and "no item '9.33'" in err and "did you mean '9.3'?" in err


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
    assert held(report).get("H.6") == "skip"
    entry = next(d for d in report["decision"] if "H.6" in d["ids"])
    assert "nothing to search" in entry["message"]


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


@pytest.mark.usefixtures("extra_probes")
@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [((), 0), (("warn",), 1), (("skip",), 1), (("manual",), 1), (("warn", "manual"), 1)],
)
def test_fail_on_makes_the_gate_stricter(
    tmp_path: Path, fail_on: tuple[str, ...], expected: int
) -> None:
    from conftest import write_checklist

    from golive.reporters.json import report_from_dict

    def one(item_id: str, probe: str, extra: str = "") -> str:
        return (
            f"  - id: {item_id}\n    title: {item_id}\n    section: s\n{extra}    probe: {probe}\n"
        )

    status = fail_on[0] if fail_on else "warn"
    probe = (
        "{kind: manual, attested_by: ops}"
        if status == "manual"
        else f"{{kind: test.outcome, status: {status}, skip_kind: not_applicable}}"
    )
    items = one("a", "{kind: test.outcome, status: pass}") + one(
        "b", probe, "    severity: advisory\n"
    )
    path = write_checklist(tmp_path, items)
    out = tmp_path / "r.json"
    args = [a for s in fail_on for a in ("--fail-on", s)]
    code = main(["check", "-c", str(path), "-e", "prod", "-q", "-f", f"json:{out}", *args])
    report = report_of(out)
    assert code == expected and report["fail_on"] == list(fail_on)
    if expected:
        (entry,) = report["decision"]
        assert entry["ids"] == ["b"] and entry["status"] == status
    again = report_from_dict(report)  # a stored report keeps the same verdict
    assert int(again.exit_code) == expected


def test_fail_on_an_unknown_status_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = str(REPO / "checklist.yaml")
    assert main(["check", "-c", checklist, "-e", "prod", "--fail-on", "pass"]) == 2
    assert "--fail-on 'pass': choose from warn, skip, manual" in capsys.readouterr().err


def test_the_report_names_every_file_that_decided_it_and_clean_means_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    git = ["git", "-C", str(app), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    (app / "main.py").write_text("print('hi')\n", encoding="utf-8")
    subprocess.run([*git, "add", "main.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    overlay = app / "golive.yaml"
    overlay.write_text(f"extend: {REPO / 'checklist.yaml'}\n", encoding="utf-8")
    monkeypatch.chdir(app)
    out = tmp_path / "r.json"

    def run() -> dict[str, Any]:
        main(["check", "-e", "prod", "--only", "H.7", "-q", "-f", f"json:{out}"])
        return report_of(out)

    report = run()  # golive.yaml is not committed: the run is not of a clean app
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert files["golive.yaml"]["role"] == "checklist" and files["golive.yaml"]["tracked"] is False
    assert files["checklist.yaml"]["role"] == "extends"  # the checklist it extends, pinned
    assert len(files["checklist.yaml"]["sha256"]) == 64
    assert report["app"]["dirty"] is True
    subprocess.run([*git, "add", "golive.yaml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "gate"], check=True)
    assert run()["app"]["dirty"] is False
    (app / "waivers.yaml").write_text("waivers: []\n", encoding="utf-8")  # untracked again
    report = run()
    assert report["app"]["dirty"] is True
    assert {f["role"] for f in report["files"]} == {"checklist", "extends", "waivers"}


def test_demo_ignores_the_current_folders_golive_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A user's golive.yaml describes their own app; the demo's deployment is the packaged
    # checklist's reference app, so the demo must not read it (here it would not even load).
    (tmp_path / "golive.yaml").write_text("extend: default\ninputs: {nope: 1}\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.json"
    assert main(["demo", "-q", "-f", f"json:{out}"]) == 0
    assert report_of(out)["checklist"]["name"].endswith("(the packaged default)")
