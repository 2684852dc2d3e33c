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


def test_did_you_mean_for_an_unknown_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "golive.yaml"
    overlay.write_text("extend: default\ninputs:\n  secret_kye_var: MY_KEY\n", "utf-8")
    assert main(["validate", str(overlay)]) == 2
    err = capsys.readouterr().err
    assert "golive.yaml:3:3: inputs.secret_kye_var: no such input" in err
    assert "did you mean 'secret_key_var'?" in err


def test_did_you_mean_for_an_unknown_waiver_or_attestation_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "golive.yaml"
    overlay.write_text("extend: default\n", "utf-8")
    (tmp_path / "waivers.yaml").write_text(
        "waivers:\n  - item: '71a'\n    environment: prod\n    reason: the WAF limits it\n"
        "    owner: A\n    approver: B\n    granted: 2026-01-01\n    expires: 2026-01-20\n",
        "utf-8",
    )
    (tmp_path / "prod.env").write_text("X=1\n", "utf-8")
    args = ["check", "-e", "prod", "-c", str(overlay), "--env-file", str(tmp_path / "prod.env")]
    _, report = run_json(tmp_path, *args, "--only", "1.2h")
    (notice,) = [n for n in report["notices"] if "waiver of 71a " in n]
    assert "waivers.yaml:2: the waiver of 71a is unused: no item has that id" in notice
    assert "did you mean '7.1a'?" in notice
    # A waiver for an environment that does not exist is bad input, at its line.
    (tmp_path / "waivers.yaml").write_text(
        (tmp_path / "waivers.yaml").read_text("utf-8").replace("prod", "prdo"), "utf-8"
    )
    assert main([*args, "--only", "1.2h", "-q"]) == 2
    err = capsys.readouterr().err
    assert "waivers.yaml:2:1: item 71a: unknown environment 'prdo'" in err
    assert "did you mean 'prod'?" in err
    code = main(["attest", "9.33", "-e", "prod", "-c", str(overlay), "--by", "O", "--role", "ops"])
    err = capsys.readouterr().err
    assert code == 2 and "no item '9.33'" in err and "did you mean '9.3'?" in err
    assert not (tmp_path / "attestations.yaml").exists()


@pytest.mark.parametrize("command", ["check", "validate", "list"])
def test_an_unknown_environment_points_at_the_users_file_not_the_packaged_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    overlay = tmp_path / "golive.yaml"
    overlay.write_text("extend: default\ninputs: {secret_key_var: MY_KEY}\n", "utf-8")
    args = [command, "--env", "prdo", "-c", str(overlay)]
    if command == "validate":
        args = [command, str(overlay), "--env", "prdo"]
    assert main(args) == 2
    err = capsys.readouterr().err
    # The overlay has two lines: no line of the packaged checklist is shown as one of it.
    assert f"{overlay}: unknown environment 'prdo' (--env); known: prod, staging, test" in err
    assert "did you mean 'prod'?" in err


@pytest.mark.parametrize("command", [["stripe", "--state", "state.yaml"], ["app"]])
def test_a_busy_port_in_golive_sandbox_is_bad_input_naming_the_port(
    tmp_path: Path, command: list[str]
) -> None:
    import socket
    import subprocess
    import sys

    (tmp_path / "state.yaml").write_text("{}\n", encoding="utf-8")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "golive", "sandbox", *command, "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert f"--port {port}: 127.0.0.1:{port} is already in use" in done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_the_rehearsals_header_names_the_app_it_rehearsed(tmp_path: Path) -> None:
    # `golive demo` checks, then rehearses, the bundled app: both reports say which
    # deployment and which commit of the app they are about.
    out = tmp_path / "demo.json"
    assert main(["demo", "-q", "-f", f"json:{out}", "-f", f"table:{tmp_path / 'demo.txt'}"]) == 0
    check = json.loads(out.read_text(encoding="utf-8"))
    rehearsal = json.loads((tmp_path / "demo.rehearsal.json").read_text(encoding="utf-8"))
    assert rehearsal["results"] and check["app"]["commit"]
    commit = rehearsal["app"]["commit"]
    assert commit and len(commit) == 40 and rehearsal["app"]["dirty"] is False
    assert rehearsal["deployment"]["base_url"].startswith("http://127.0.0.1:")
    header = (tmp_path / "demo.rehearsal.txt").read_text(encoding="utf-8")
    assert f"app commit      {commit} (clean)" in header


def hides_admin_routes(request: Any) -> Any:
    """An app that answers 404 to a signed-in non-admin on its admin routes, as if they
    did not exist (401 to anonymous callers), and 404 for an id it does not hold."""
    from deploy.stub_server import Reply

    role = {"Bearer tok-user": "user", "Bearer tok-admin": "admin"}.get(
        request.headers.get("authorization", ""), "anonymous"
    )
    lists = ("/api/stripe/disputes", "/api/stripe/fraud-warnings", "/stripe-disputes")
    if not request.path.startswith(lists):
        return Reply(404, {"detail": "Not Found"})
    if role == "anonymous":
        return Reply(401, {"detail": "sign in"})
    if role == "user":
        return Reply(404, {"detail": "Not Found"})  # hidden, but past the lookup
    return Reply(200, {"data": []}) if request.path in lists else Reply(404, {"detail": "no"})


def test_a_404_for_a_user_where_admin_gets_200_is_an_access_control_finding(
    tmp_path: Path,
) -> None:
    from deploy.stub_server import stub_server

    with stub_server(hides_admin_routes) as stub:
        (tmp_path / "staging.env").write_text(
            f"GOLIVE_BASE_URL={stub.url}\nGOLIVE_USER_TOKEN=tok-user\n"
            "GOLIVE_OTHER_USER_TOKEN=tok-other\nGOLIVE_ADMIN_TOKEN=tok-admin\n",
            encoding="utf-8",
        )
        code, report = run_json(
            tmp_path,
            "check",
            "-e",
            "staging",
            "--env-file",
            str(tmp_path / "staging.env"),
            "--only",
            "5.1b",
        )
    result = results_of(report)["5.1b"]
    assert code == 1 and result["status"] == "fail", result["message"]
    routes = {(r["path"], r["role"]): r for r in result["evidence"]["routes"]}
    listing = routes[("/api/stripe/disputes", "user")]
    assert listing["result"] == "fail"
    assert "the same path answers 200 to admin, so the route exists" in listing["note"]
    detail = routes[("/api/stripe/disputes/dp_golive_probe", "user")]
    assert detail["result"] == "fail"
    assert "admin gets 200 from /api/stripe/disputes and 404 for this made-up id" in detail["note"]
    assert "past access control" in result["message"]
    # Anonymous callers were refused (401): those checks held.
    assert routes[("/api/stripe/disputes", "anonymous")]["result"] == "ok"


def test_a_404_for_everyone_still_decides_nothing(tmp_path: Path) -> None:
    # A wrong base URL: admin's answers prove no route either, so 5.1b stays undecided.
    from deploy.stub_server import Reply, stub_server

    with stub_server(lambda request: Reply(404, {"detail": "Not Found"})) as stub:
        (tmp_path / "staging.env").write_text(
            f"GOLIVE_BASE_URL={stub.url}\nGOLIVE_USER_TOKEN=tok-user\n"
            "GOLIVE_OTHER_USER_TOKEN=tok-other\nGOLIVE_ADMIN_TOKEN=tok-admin\n",
            encoding="utf-8",
        )
        env_file = str(tmp_path / "staging.env")
        _, report = run_json(
            tmp_path, "check", "-e", "staging", "--env-file", env_file, "--only", "5.1b"
        )
    result = results_of(report)["5.1b"]
    assert result["status"] == "error", result["message"]
    assert "never reached a handler of the app, so this decides nothing" in result["message"]


def app_names() -> tuple[dict[str, Any], dict[str, str]]:
    """Every input that names a variable, route, table or column, set to a name of
    another app; and the packaged default each one replaces."""
    import yaml
    from conftest import REPO

    declared = yaml.safe_load((REPO / "checklist.yaml").read_text(encoding="utf-8"))["inputs"]
    names: dict[str, Any] = {}
    defaults: dict[str, str] = {}
    for i, (name, spec) in enumerate(declared.items()):
        default = spec["default"]
        if name == "tiers" or not isinstance(default, str | list):
            continue  # tiers are values of a column, not names; mappings are no names
        values = default if isinstance(default, list) else [default]
        if not values or not all(isinstance(v, str) for v in values):
            continue
        if not all(("_" in v or "/" in v) and "${" not in v and "*" not in v for v in values):
            continue  # words (tier, POST, alembic), globs and references: no names
        if all(v.startswith("/") for v in values):
            new: Any = [f"/shop/r{i}" for _ in values]
        elif all(v.isupper() or "{MODE}" in v for v in values):
            new = [f"SHOP_V{i}" for _ in values]
        else:
            new = [f"shop_t{i}" for _ in values]
        names[name] = new if isinstance(default, list) else new[0]
        defaults.update(dict.fromkeys(values, name))
    return names, defaults


def test_item_titles_use_the_apps_own_names(tmp_path: Path) -> None:
    import yaml

    names, defaults = app_names()
    assert {"secret_key_var", "checkout_path", "plans_table", "auth_bypass_vars"} <= set(names)
    overlay = tmp_path / "golive.yaml"
    overlay.write_text(yaml.safe_dump({"extend": "default", "inputs": names}), "utf-8")
    (tmp_path / "empty.env").write_text("NOTHING=1\n", encoding="utf-8")
    titles: dict[str, str] = {}
    for env in ("prod", "staging", "test"):
        args = ["check", "-e", env, "-c", str(overlay), "--env-file", str(tmp_path / "empty.env")]
        _, report = run_json(tmp_path, *args)
        titles.update({r["id"]: r["title"] for r in report["results"]})
    assert len(titles) > 60
    stale = {
        item: (title, default)
        for item, title in titles.items()
        for default in defaults
        if default in title
    }
    assert not stale, stale  # no packaged default named in a title
    assert titles["1.2a"].startswith(f"{names['secret_key_var']} is set")
    assert titles["1.2h"] == f"{names['auth_bypass_vars'][0]} is not turned on"
    assert titles["7.1a"] == f"{names['checkout_path']} is rate limited per user"
    assert titles["2.3a"] == f"{names['plans_table']} has a row for each tier"


def test_init_finds_django_migrations_anywhere_in_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    # A Django project keeps its apps in its package folder, not at the top; a virtual
    # environment inside the repository holds Django's own migrations, not the app's.
    repo = tmp_path / "repo"
    for app in ("src/shop/billing", "src/shop/accounts", "venv/lib/django/contrib/auth"):
        (repo / app / "migrations").mkdir(parents=True)
        (repo / app / "migrations" / "0001_initial.py").write_text("", encoding="utf-8")
    (repo / "venv" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    (repo / "src/shop/billing/migrations/0002_prices.py").write_text("", encoding="utf-8")
    database = tmp_path / "staging.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE django_migrations (app TEXT, name TEXT, applied TEXT)")
        db.executemany(
            "INSERT INTO django_migrations VALUES (?, ?, '2026-01-01')",
            [("billing", "0001_initial"), ("accounts", "0001_initial")],
        )
    monkeypatch.chdir(repo)
    assert main(["init", "--yes", "--migrations", "django"]) == 0
    (repo / "staging.env").write_text(f"DATABASE_URL=sqlite:///{database}\n", encoding="utf-8")
    args = ["check", "-e", "staging", "--env-file", "staging.env", "--only", "3.2a"]
    _, report = run_json(tmp_path, *args)
    result = results_of(report)["3.2a"]
    # Both apps' files were found; the one migration not applied is named.
    assert result["status"] == "fail", result["message"]
    assert "1 Django migration(s)" in result["message"]
    assert "billing.0002_prices" in result["message"]
    assert result["evidence"]["apps"] == ["accounts", "billing"]
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO django_migrations VALUES ('billing', '0002_prices', 'now')")
    _, report = run_json(tmp_path, *args)
    assert results_of(report)["3.2a"]["status"] == "pass"


def test_init_finds_the_alembic_versions_folder_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    versions = tmp_path / "backend" / "app" / "db" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "a1_init.py").write_text('revision = "a1"\ndown_revision = None\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--yes", "--migrations", "alembic"]) == 0
    profile = yaml.safe_load((tmp_path / "golive.yaml").read_text(encoding="utf-8"))
    assert profile["inputs"]["migrations_dir"] == "backend/app/db/migrations/versions"


def test_the_readme_gate_table_states_exactly_when_ready_is_possible() -> None:
    # The table's rows, read from the README, against the gate itself (core/results.py):
    # every status a blocking item may end in is named in the row of the exit it gives.
    from conftest import REPO

    from golive.core.results import ItemResult, SkipKind, Status, gate

    rows = {}
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith(("| 0 |", "| 1 |", "| 4 |")):
            rows[int(line[2])] = line
    assert set(rows) == {0, 1, 4}

    def one(status: Status, severity: str, kind: SkipKind | None = None) -> int:
        r = ItemResult(
            "x", "X", "s", "S", "env.present", severity, status, "m", {}, 0.0, skip_kind=kind
        )
        return int(gate([r]))

    named = {
        "pass": (Status.PASS, None),
        "warn": (Status.WARN, None),
        "waived": (Status.WAIVED, None),
        "not_applicable": (Status.SKIP, SkipKind.NOT_APPLICABLE),
        "failed": (Status.FAIL, None),
        "error": (Status.ERROR, None),
        "blocked": (Status.BLOCKED, None),
        "manual": (Status.MANUAL, None),
        '"does not apply"': (Status.SKIP, SkipKind.UNDECIDED),
    }
    for word, (status, kind) in named.items():
        code = one(status, "blocking", kind)
        assert f"`{word}`" in rows[code] or word in rows[code], (word, code, rows[code])
        # ... and advisory items never gate
        assert one(status, "advisory", kind) == 0
    assert "Advisory items never gate, unless `--fail-on`" in rows[0]
    assert "PARTIAL**, never READY" in rows[0] and "9.2, 9.3 attested" in rows[0]
    # --fail-on: any item, advisory ones too, in a listed status fails the run.
    warn = ItemResult("x", "X", "s", "S", "env.present", "advisory", Status.WARN, "m", {}, 0.0)
    assert int(gate([warn], ("warn",))) == 1 and "`--fail-on" in rows[1]
    assert int(gate([])) == 4 and "nothing ran" in rows[4]


def test_the_readme_ci_snippet_installs_the_postgres_extra() -> None:
    # CI gates usually read a PostgreSQL DATABASE_URL: the snippet installs its driver,
    # and the extra it names exists in the package's metadata.
    import re
    import tomllib

    import yaml
    from conftest import REPO

    text = (REPO / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "GitHub" in b]
    installs = [s["run"] for s in yaml.safe_load(block) if "pip install" in str(s.get("run"))]
    assert installs == ['pip install "golive[postgres]"']
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any("psycopg" in dep for dep in extras["optional-dependencies"]["postgres"])


def test_a_feature_naming_an_unknown_environment_points_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "golive.yaml"
    overlay.write_text(
        "extend: default\nfeatures:\n  qa: {title: a QA deployment, environment: stagign}\n"
        "without: [qa]\n",
        encoding="utf-8",
    )
    assert main(["validate", str(overlay)]) == 2
    err = capsys.readouterr().err
    assert f"{overlay}:3:" in err  # the overlay's line, not one of the packaged checklist
    assert "features.qa.environment: unknown environment 'stagign'" in err
    assert "did you mean 'staging'?" in err
    # `without: [staging]` after removing staging is no fault.
    overlay.write_text(
        "extend: default\nenvironments: {staging: null}\nwithout: [staging]\n", "utf-8"
    )
    assert main(["validate", str(overlay)]) == 0
