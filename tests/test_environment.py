"""Where a deployment's values come from, and ${VAR} interpolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.checklist import EnvironmentProfile
from golive.environment import interpolate, parse_dotenv, resolve
from golive.errors import SourceError


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
