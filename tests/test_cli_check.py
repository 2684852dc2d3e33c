"""`golive check` end to end in-process: the gate, selections, formats, progress."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, write_checklist

from golive.cli import main

BROKEN = """\
STRIPE_MODE=live
STRIPE_SECRET_KEY=sk_test_{k}
STRIPE_WEBHOOK_SECRET=whsec_{w}
DISABLE_AUTH=TRUE
STRIPE_PLAN_PRICE_MAPPING_LIVE={{"basic": {{"monthly": "price_basic"}}}}
ADMIN_EMAILS=ops@example.com
""".format(k="T" * 30, w="W" * 30)
GOOD = """\
STRIPE_MODE=live
STRIPE_SECRET_KEY=sk_live_{k}
STRIPE_WEBHOOK_SECRET=whsec_{w}
DISABLE_AUTH=false
STRIPE_PLAN_PRICE_MAPPING_LIVE={{"basic": {{"monthly": "price_basic"}}, "pro": {{"monthly": "price_pro"}}}}
ADMIN_EMAILS=ops@example.com
""".format(k="L" * 30, w="W" * 30)
ENV_ITEMS = ["1.2a", "1.2b", "1.2c", "1.2d", "1.2e", "1.2f", "1.2g", "1.2h"]


def check(tmp_path: Path, env_text: str, *extra: str) -> tuple[int, dict]:
    env_file = tmp_path / "prod.env"
    env_file.write_text(env_text, encoding="utf-8")
    out = tmp_path / "report.json"
    code = main(
        [
            "check",
            "-c",
            str(REPO / "checklist.yaml"),
            "--env",
            "prod",
            "--env-file",
            str(env_file),
            "-f",
            f"json:{out}",
            "-q",
            *extra,
        ]
    )
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_broken_configuration_exits_1_and_names_each_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = check(tmp_path, BROKEN, "--only", ",".join(ENV_ITEMS), "-f", "table")
    assert code == 1
    status = {r["id"]: r["status"] for r in report["results"]}
    assert status["1.2a"] == "fail"  # sk_test_ key in prod
    assert status["1.2c"] == "pass"  # STRIPE_MODE=live: the test key is 1.2a's finding alone
    assert status["1.2d"] == "fail"  # no pro.monthly
    assert status["1.2h"] == "fail"  # DISABLE_AUTH=TRUE
    out = capsys.readouterr().out
    assert "NOT READY" in out
    assert "turned on: DISABLE_AUTH=TRUE" in out
    assert "missing required key: pro.monthly" in out
    assert "test-mode key" in out


def test_the_configuration_section_fails_on_the_broken_file(tmp_path: Path) -> None:
    code, report = check(tmp_path, BROKEN, "--only", "config")
    assert code == 1
    assert {r["section"] for r in report["results"]} == {"config"}


def test_correct_configuration_passes(tmp_path: Path) -> None:
    # --only 1.2a selects its split 1.2a.api too (a Stripe probe), 1.2b the webhook
    # POST of 4.3a that refers to it: those need a deployment, so skip them here.
    code, report = check(tmp_path, GOOD, "--only", ",".join(ENV_ITEMS), "--skip", "stripe,http")
    assert code == 0, report
    status = {r["id"]: r["status"] for r in report["results"]}
    assert {status[i] for i in ENV_ITEMS} == {"pass"}
    assert status["1.2a.api"] == "skip"
    # The selected items hold (exit 0), but the other blocking items were not looked at.
    assert report["verdict"] == "partial" and report["partial"] is True


def test_json_report_matches_its_documented_schema(tmp_path: Path) -> None:
    _, report = check(tmp_path, BROKEN, "--only", "config")
    schema = json.loads((REPO / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)
    assert report["schema"] == "golive.report/v1"
    assert report["exit_code"] == 1 and report["verdict"] == "not ready"
    assert sum(report["counts"].values()) == len(report["results"])


def test_junit_is_valid_and_maps_statuses(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    code, report = check(tmp_path, BROKEN, "--only", "config", "-f", f"junit:{junit}")
    assert code == 1
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(report["results"])
    by_name = {c.get("name", "").split(" ")[0]: c for c in cases}
    assert by_name["1.2h"].find("failure") is not None
    assert by_name["1.3b.attest"].find("skipped") is not None
    assert by_name["1.2g"].find("failure") is None and by_name["1.2g"].find("error") is None
    blocking = [r for r in report["results"] if r["severity"] == "blocking"]
    assert int(root.get("failures", "0")) == sum(r["status"] == "fail" for r in blocking)
    # undecided blocking items (error, blocked by a failed prerequisite, manual) are errors
    undecided = sum(r["status"] in ("error", "blocked", "manual") for r in blocking)
    assert undecided > 0 and int(root.get("errors", "0")) == undecided
    for case in cases:
        assert float(case.get("time", "x")) >= 0


def test_markdown_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(tmp_path, BROKEN, "--only", "1.2h", "-f", "markdown")
    out = capsys.readouterr().out
    assert out.startswith("# golive: NOT READY")
    assert "| ✗ fail | 1.2h |" in out


def test_only_one_format_may_go_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            ["check", "-c", str(REPO / "checklist.yaml"), "-e", "prod", "-f", "json", "-f", "junit"]
        )
        == 2
    )
    assert "only one format can go to stdout" in capsys.readouterr().err


def test_unknown_format_and_selector_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "-c", str(REPO / "checklist.yaml"), "-e", "prod", "-f", "yaml"]) == 2
    assert "unknown format 'yaml'" in capsys.readouterr().err
    assert main(["check", "-c", str(REPO / "checklist.yaml"), "-e", "prod", "--only", "9.9z"]) == 2
    assert "'9.9z' matches no item" in capsys.readouterr().err


def test_missing_env_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "check",
            "-c",
            str(REPO / "checklist.yaml"),
            "-e",
            "prod",
            "--env-file",
            str(tmp_path / "x.env"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "x.env: env file not found" in err and "Traceback" not in err


def test_no_env_names_the_known_environments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-c", str(REPO / "checklist.yaml")]) == 2
    assert "choose an environment with --env" in capsys.readouterr().err


def test_skip_keeps_items_in_the_report_as_skip(tmp_path: Path) -> None:
    _, report = check(tmp_path, GOOD, "--only", "1.2h,1.2g", "--skip", "1.2g")
    status = {r["id"]: (r["status"], r["message"]) for r in report["results"]}
    assert status == {"1.2g": ("skip", "skipped by --skip"), "1.2h": status["1.2h"]}
    assert status["1.2h"][0] == "pass"


def test_selection_by_tag_and_section_and_repeats(tmp_path: Path) -> None:
    _, by_tag = check(tmp_path, GOOD, "--only", "auth")
    assert {r["id"] for r in by_tag["results"]} == {"1.2h", "5.1b", "H.1"}
    _, repeated = check(tmp_path, GOOD, "--only", "1.2h", "--only", "1.2g")
    assert [r["id"] for r in repeated["results"]] == ["1.2g", "1.2h"]


def test_plain_progress_lines_when_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "prod.env"
    env_file.write_text(GOOD, encoding="utf-8")
    main(
        [
            "check",
            "-c",
            str(REPO / "checklist.yaml"),
            "-e",
            "prod",
            "--env-file",
            str(env_file),
            "--only",
            "1.2h,1.2g",
        ]
    )
    err = capsys.readouterr().err
    assert "golive: [1/2]" in err and "golive: [2/2]" in err


def test_blocking_manual_items_make_the_gate_inconclusive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_checklist(
        tmp_path,
        "  - id: m\n    title: M\n    section: s\n    probe: {kind: manual, attested_by: ops}\n"
        "  - id: a\n    title: A\n    section: s\n    severity: advisory\n"
        "    probe: {kind: manual, attested_by: ops}\n",
    )
    assert main(["check", "-c", str(path), "-e", "prod", "-q"]) == 4
    assert "INCONCLUSIVE" in capsys.readouterr().out


def test_list_shows_the_plan_without_running(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "-c", str(REPO / "checklist.yaml"), "--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert "items for environment staging" in out
    assert "3.2a" in out and "1.1b" not in out  # 1.1b is prod-only
    assert "stripe.key_mode" in out


def test_schema_validates_the_default_checklist(capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    data = yaml.safe_load((REPO / "checklist.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    item = next(i for i in data["items"] if i["id"] == "1.2h")
    item["probe"]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_committed_schema_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    current = capsys.readouterr().out
    committed = (REPO / "docs" / "checklist.schema.json").read_text(encoding="utf-8")
    assert committed == current, "run: golive schema -o docs/checklist.schema.json"


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("golive ")
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--env-file" in out and "deploy gate" in out


def test_help_summaries_fill_their_lines_at_80_columns() -> None:
    # A docstring wrapped at 88 columns in the source used to keep its line breaks in
    # `golive --help`: at 80 columns a summary came out as short ragged lines ("... does
    # not run (traffic)" then the rest). Each row continued on the next is now filled.
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
    out = subprocess.run(
        [sys.executable, "-m", "golive", "--help"], capture_output=True, text=True, env=env
    ).stdout
    panel = out[out.index("Commands") :].splitlines()[1:]
    rows = [line.strip("│ ").rstrip() for line in panel if line.startswith("│")]
    raw = [line for line in panel if line.startswith("│")]
    assert len(rows) > 15, out
    for here, following, text in zip(raw, raw[1:], rows, strict=False):
        continued = following[1:12].strip() == ""  # the next row has no command name
        if continued:
            assert len(text) >= 55, f"a ragged summary line: {here!r}"
    assert "Items no probe can prove are manual" in " ".join(out.split())


def test_a_remedy_names_the_price_mapping_variable_of_this_mode_and_app(tmp_path: Path) -> None:
    # 1.2d's remedy named STRIPE_PLAN_PRICE_MAPPING_LIVE whatever the app called it.
    code, report = check(tmp_path, BROKEN, "--only", "1.2d")
    assert code == 1
    remedy = {r["id"]: r["remediation"] for r in report["results"]}["1.2d"]
    assert "STRIPE_PLAN_PRICE_MAPPING_LIVE" in remedy and "{MODE}" not in remedy
    overlay = tmp_path / "golive.yaml"
    overlay.write_text(
        f"extend: {REPO / 'checklist.yaml'}\ninputs:\n  price_mapping_var: PLANS_{{MODE}}\n",
        encoding="utf-8",
    )
    env_file = tmp_path / "prod.env"
    env_file.write_text(BROKEN.replace("STRIPE_PLAN_PRICE_MAPPING_LIVE", "PLANS_LIVE"), "utf-8")
    out = tmp_path / "mine.json"
    args = ["check", "-c", str(overlay), "-e", "prod", "--env-file", str(env_file), "-q"]
    assert main([*args, "--only", "1.2d", "-f", f"json:{out}"]) == 1
    result = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert result["status"] == "fail" and "PLANS_LIVE" in result["remediation"], result
    assert "STRIPE_PLAN_PRICE_MAPPING" not in result["remediation"]


def test_importing_the_cli_loads_no_heavy_library() -> None:
    # `golive --help` stays fast: Stripe's SDK, SQLAlchemy, httpx, pydantic, rich, YAML
    # and JSON load when a command runs, never when the CLI is imported.
    import subprocess
    import sys

    code = "import sys, golive.cli; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        .stdout.split()
    )
    heavy = {"stripe", "sqlalchemy", "httpx", "pydantic", "rich", "yaml", "json", "ssl"}
    assert not heavy & loaded, sorted(heavy & loaded)
