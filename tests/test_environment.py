"""Where a deployment's values come from, and ${VAR} interpolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.checklist.profiles import EnvironmentProfile
from golive.core.errors import SourceError
from golive.values.environment import interpolate, resolve
from golive.values.sources import parse_dotenv, parse_dotenv_lines


def test_dotenv_syntax() -> None:
    text = (
        "# comment\n\nexport A=1\nB = two words  # trailing comment\nC='single # kept'\n"
        'D="line\\nbreak"\nE=\nF={"json": {"a": "b"}}\n'
    )
    assert parse_dotenv(text, "x") == {
        "A": "1",
        "B": "two words",
        "C": "single # kept",
        "D": "line\nbreak",
        "E": "",
        "F": '{"json": {"a": "b"}}',
    }


def test_interpolation() -> None:
    lookup = {"HOST": "https://api.example.com", "EMPTY": ""}
    assert interpolate("${HOST}/hook", lookup).value == "https://api.example.com/hook"
    assert interpolate("${NOPE:-fallback}", lookup).value == "fallback"
    assert interpolate("${NOPE:-}", lookup).value is None
    missing = interpolate("${HOST}/${NOPE}", lookup)
    assert missing.value is None and missing.missing == ("NOPE",)
    assert interpolate("${EMPTY}", lookup).missing == ("EMPTY",)


def test_resolve_reads_the_profile_and_wraps_role_tokens(tmp_path: Path) -> None:
    (tmp_path / "prod.env").write_text(
        "GOLIVE_BASE_URL=http://127.0.0.1:8000\nUSER_TOKEN=tok-user-123456\n", encoding="utf-8"
    )
    profile = EnvironmentProfile.model_validate(
        {
            "mode": "live",
            "source": {"dotenv": "prod.env"},
            "base_url": "${GOLIVE_BASE_URL}",
            "database_url": "${DATABASE_URL}",
            "stripe": {"webhook_url": "${GOLIVE_BASE_URL}/api/subscription/webhook"},
            "roles": {"user": {"bearer": "${USER_TOKEN}"}, "admin": {"bearer": "${ADMIN_TOKEN}"}},
        }
    )
    env = resolve("prod", profile, tmp_path)
    assert env.base_url.value == "http://127.0.0.1:8000"
    assert env.database_url.missing == ("DATABASE_URL",)
    assert env.stripe.webhook_url == "http://127.0.0.1:8000/api/subscription/webhook"
    auth = env.roles["user"].headers["Authorization"]
    assert auth.reveal() == "Bearer tok-user-123456" and "tok-user" not in str(auth)
    assert env.roles["admin"].missing == ("ADMIN_TOKEN",)
    assert env.config["USER_TOKEN"].secret and not env.config["GOLIVE_BASE_URL"].secret


def test_env_file_overrides_the_source(tmp_path: Path) -> None:
    other = tmp_path / "other.env"
    other.write_text("A=from-file\n", encoding="utf-8")
    profile = EnvironmentProfile.model_validate({"mode": "test", "source": "env"})
    assert resolve("t", profile, tmp_path, env_file=other).config["A"].reveal() == "from-file"


def test_process_environment_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOLIVE_SOME_VALUE", "x")
    profile = EnvironmentProfile.model_validate({"mode": "test"})
    env = resolve("t", profile, tmp_path)
    assert env.config["GOLIVE_SOME_VALUE"].reveal() == "x"
    assert env.config.origin == "the process environment"


def test_failing_and_missing_commands(tmp_path: Path) -> None:
    profile = EnvironmentProfile.model_validate(
        {"mode": "live", "source": {"command": "no-such-command-golive"}}
    )
    with pytest.raises(SourceError, match="not found"):
        resolve("p", profile, tmp_path)
    slow = EnvironmentProfile.model_validate(
        {"mode": "live", "source": {"command": ["sleep", "5"], "timeout": 0.2}}
    )
    with pytest.raises(SourceError, match=r"timed out after 0\.2s"):
        resolve("p", slow, tmp_path)


def test_python_dotenv_edge_cases() -> None:
    text = (
        'A="quoted" # a trailing comment\n'
        "B='single # not a comment'\n"
        'C="tab\\there \\"quoted\\" \\\\ back"\n'
        'D="first line\nsecond line"\n'
        "E=unquoted value # comment\n"
        "export F=exported\n"
        "G=${NOT_EXPANDED}\n"
    )
    lines = parse_dotenv_lines(text, "x.env")
    assert {k: v for k, (v, _) in lines.items()} == {
        "A": "quoted",
        "B": "single # not a comment",
        "C": 'tab\there "quoted" \\ back',
        "D": "first line\nsecond line",
        "E": "unquoted value",
        "F": "exported",
        "G": "${NOT_EXPANDED}",
    }
    assert lines["E"][1] == 6 and lines["G"][1] == 8  # lines count the multi-line value


def test_duplicate_keys_name_both_lines() -> None:
    with pytest.raises(SourceError, match=r"x\.env:3: A is set twice \(lines 1 and 3\)"):
        parse_dotenv("A=1\nB=2\nA=3\n", "x.env")


def test_did_you_mean_names_the_near_miss_and_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import write_checklist

    from golive.cli import main

    items = (
        "  - {id: a, title: A, section: s, probe: {kind: env.present, var: STRIPE_SECRET_KEY}}\n"
    )
    path = write_checklist(tmp_path, items, env="OTHER=1\nSTRIPE_SECRT_KEY=sk_test_x\n")
    assert main(["check", "-c", str(path), "-e", "prod", "-f", "json"]) == 1
    out = capsys.readouterr().out
    assert f"did you mean STRIPE_SECRT_KEY ({tmp_path / 'prod.env'}:2)?" in out


def test_several_sources_merge_in_order_and_remember_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    (tmp_path / "base.env").write_text("A=from-dotenv\nB=from-dotenv\nC=from-dotenv\n", "utf-8")
    (tmp_path / "emit.py").write_text("print('B=from-command')\nprint('D=4')\n", "utf-8")
    monkeypatch.setenv("C", "from-env")
    profile = EnvironmentProfile.model_validate(
        {
            "mode": "test",
            "source": [{"dotenv": "base.env"}, {"command": [sys.executable, "emit.py"]}, "env"],
        }
    )
    config = resolve("t", profile, tmp_path).config
    assert config["A"].reveal() == "from-dotenv" and config["A"].origin == f"{tmp_path}/base.env:1"
    assert config["B"].reveal() == "from-command"
    assert config["B"].origin.startswith("the output of") and config["B"].origin.endswith("line 1")
    assert config["C"].reveal() == "from-env" and config["C"].origin == "the process environment"
    assert "then the process environment" in config.origin


def test_sql_source_reads_name_value_rows_read_only(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE settings (name TEXT, value TEXT)")
        conn.executemany(
            "INSERT INTO settings VALUES (?, ?)",
            [("STRIPE_WEBHOOK_SECRET", "whsec_fromthedatabase123"), ("WEBHOOK_URL", "https://x")],
        )
    (tmp_path / "base.env").write_text(f"DATABASE_URL=sqlite:///{db}\n", "utf-8")
    profile = EnvironmentProfile.model_validate(
        {
            "mode": "test",
            "source": [
                {"dotenv": "base.env"},
                {"sql": "SELECT name, value FROM settings"},
            ],
        }
    )
    config = resolve("t", profile, tmp_path).config
    assert config["STRIPE_WEBHOOK_SECRET"].reveal() == "whsec_fromthedatabase123"
    assert config["STRIPE_WEBHOOK_SECRET"].secret
    assert config["WEBHOOK_URL"].origin == "the sql source"
    writer = EnvironmentProfile.model_validate(
        {
            "mode": "test",
            "source": {"sql": "DELETE FROM settings", "database_url": f"sqlite:///{db}"},
        }
    )
    with pytest.raises(SourceError, match="sql source"):
        resolve("t", writer, tmp_path)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM settings").fetchone() == (2,)


def test_env_file_replaces_variable_sources_but_keeps_the_apps_sql_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    import sys

    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE settings (name TEXT, value TEXT)")
        conn.execute("INSERT INTO settings VALUES ('WEBHOOK_PATH', '/hooks/stripe')")
    monkeypatch.setenv("FROM_CI", "process environment")
    (tmp_path / "emit.py").write_text("print('FROM_VAULT=command')\n", "utf-8")
    (tmp_path / "local.env").write_text(f"DATABASE_URL=sqlite:///{db}\nLOCAL=1\n", "utf-8")
    profile = EnvironmentProfile.model_validate(
        {
            "mode": "test",
            "source": [
                "env",
                {"command": [sys.executable, "emit.py"]},
                {"sql": "SELECT name, value FROM settings"},
            ],
        }
    )
    config = resolve("t", profile, tmp_path, env_file=tmp_path / "local.env").config
    assert config["LOCAL"].reveal() == "1"
    assert config["WEBHOOK_PATH"].reveal() == "/hooks/stripe"  # the sql source still ran
    assert "FROM_CI" not in config and "FROM_VAULT" not in config  # the file replaced them


def test_validate_env_passes_when_every_reference_is_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from golive.cli import main

    path = tmp_path / "c.yaml"
    path.write_text(
        "environments:\n  prod:\n    mode: live\n    base_url: ${BASE_URL}\n"
        "    database_url: ${DATABASE_URL:-sqlite://}\n"
        "sections: [{id: s, title: S}]\n"
        "items: [{id: a, title: A, section: s, probe: {kind: env.present, var: X}}]\n",
        encoding="utf-8",
    )
    (tmp_path / "p.env").write_text("BASE_URL=http://x\n", encoding="utf-8")
    assert (
        main(["validate", str(path), "--env", "prod", "--env-file", str(tmp_path / "p.env")]) == 0
    )
    (tmp_path / "p.env").write_text("BASE_URLL=http://x\n", encoding="utf-8")
    assert (
        main(["validate", str(path), "--env", "prod", "--env-file", str(tmp_path / "p.env")]) == 2
    )
    err = capsys.readouterr().err
    assert f"{path}:4:5: ${{BASE_URL}} is not set in " in err
    assert "did you mean BASE_URLL (" in err
