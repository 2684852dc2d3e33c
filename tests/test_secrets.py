"""No planted secret reaches any output: formats, errors, progress, tracebacks."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from conftest import REPO, write_checklist

from golive.cli import main
from golive.core.secrets import Redactor, Secret, looks_secret, mask, redact_url
from golive.values.sources import parse_dotenv

SK = "sk_live_" + "PLANTEDsecretKEY" * 3
WH = "whsec_" + "PLANTEDwebhook" * 3
PW = "PLANTED-db-pass-9876"
TOKEN = "PLANTEDadminTOKEN123"
PLANTED = [SK, WH, PW, TOKEN, "PLANTEDsecretKEY", "PLANTEDwebhook"]


def assert_clean(text: str) -> None:
    for secret in PLANTED:
        assert secret not in text, f"secret leaked: {secret[:10]}…"


def test_mask_shows_prefix_and_short_hash_only() -> None:
    shown = mask(SK)
    assert shown.startswith("sk_live_…(sha256:") and len(shown) == len("sk_live_…(sha256:123456)")
    assert str(Secret(SK)) == shown and repr(Secret(SK)) == f"Secret({shown})"
    assert f"{Secret(SK)}" == shown and "%s" % Secret(SK) == shown  # noqa: UP031 - %-formatting must mask too
    assert Secret(SK).reveal() == SK
    with pytest.raises(TypeError):
        pickle.dumps(Secret(SK))


def test_url_passwords_are_masked() -> None:
    url = f"postgresql://app:{PW}@db.internal:5432/app"
    assert PW not in redact_url(url) and redact_url(url).endswith("@db.internal:5432/app")
    assert PW not in str(Secret(url))
    assert looks_secret("DATABASE_URL", url)


def test_redactor_scrubs_known_values_and_stripe_shaped_tokens() -> None:
    r = Redactor([TOKEN])
    text = r.text(f"token {TOKEN} and an unknown key sk_test_{'x' * 30}")
    assert TOKEN not in text and "x" * 30 not in text
    assert r.value({"a": [TOKEN, {"b": TOKEN}], TOKEN: 1}) == {
        "a": [mask(TOKEN), {"b": mask(TOKEN)}],
        mask(TOKEN): 1,
    }


@pytest.mark.parametrize(
    "name", ["STRIPE_SECRET_KEY", "X_TOKEN", "DB_PASSWORD", "APP_SECRET", "SIGNING_KEY"]
)
def test_secret_names(name: str) -> None:
    assert looks_secret(name, "plain")


def test_dotenv_errors_never_echo_the_line() -> None:
    from golive.core.errors import SourceError

    with pytest.raises(SourceError) as info:
        parse_dotenv(f"this is not a line {SK}", "x.env")
    assert SK not in str(info.value) and "x.env:1" in str(info.value)


ITEMS = """\
  - id: leak
    title: a careless probe
    section: s
    probe: {kind: test.leak, var: STRIPE_SECRET_KEY}
  - id: leak2
    title: a careless probe raising
    section: s
    probe: {kind: test.leak, var: CAREFUL_RAISE}
  - id: leak3
    title: token
    section: s
    probe: {kind: test.leak, var: ADMIN_TOKEN}
  - id: key
    title: key prefix
    section: s
    probe: {kind: env.key_prefix, var: STRIPE_SECRET_KEY}
  - id: wh
    title: whsec
    section: s
    probe: {kind: env.key_prefix, var: STRIPE_WEBHOOK_SECRET, key: webhook_secret, mode: test}
  - id: mode
    title: mode
    section: s
    probe: {kind: env.mode_consistent, key_vars: [STRIPE_SECRET_KEY, DATABASE_URL]}
"""


@pytest.mark.usefixtures("extra_probes")
@pytest.mark.parametrize("fmt", ["table", "json", "junit", "markdown", "html"])
def test_no_planted_secret_in_any_format(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = (
        f"STRIPE_SECRET_KEY={SK}\nSTRIPE_WEBHOOK_SECRET={WH}\nCAREFUL_RAISE={SK}\n"
        f"ADMIN_TOKEN={TOKEN}\nDATABASE_URL=postgresql://app:{PW}@localhost/app\n"
    )
    path = write_checklist(tmp_path, ITEMS, env=env)
    out_file = tmp_path / f"report.{fmt}"
    code = main(["check", "-c", str(path), "-e", "prod", "-f", f"{fmt}:{out_file}"])
    assert code == 1
    captured = capsys.readouterr()
    assert_clean(captured.out + captured.err)
    written = out_file.read_text(encoding="utf-8")
    assert_clean(written)
    assert "sk_live_…(sha256:" in written  # the probes did report the value, masked


@pytest.mark.usefixtures("extra_probes")
def test_no_secret_on_stdout_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = f"STRIPE_SECRET_KEY={SK}\nSTRIPE_WEBHOOK_SECRET={WH}\nCAREFUL_RAISE={SK}\nADMIN_TOKEN={TOKEN}\n"
    path = write_checklist(tmp_path, ITEMS, env=env)
    main(["check", "-c", str(path), "-e", "prod"])
    captured = capsys.readouterr()
    assert "could not use sk_live_…(sha256:" in captured.out
    assert_clean(captured.out + captured.err)


def test_internal_errors_are_redacted_and_have_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import golive.commands.check as check_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"exploded holding {SK}")

    monkeypatch.setattr(check_module, "execute", broken)
    code = main(["check", "-c", str(REPO / "checklist.yaml"), "-e", "prod", "-q"])
    assert code == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: exploded holding sk_live_…" in err
    assert "Traceback" not in err
    assert_clean(err)


def test_command_source_stderr_is_not_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "checklist.yaml"
    path.write_text(
        "environments:\n  prod:\n    mode: live\n    source:\n      command: [sh, -c, 'echo "
        + SK
        + " >&2; exit 3']\nsections: [{id: s, title: S}]\nitems:\n"
        "  - {id: a, title: A, section: s, probe: {kind: env.present, var: X}}\n",
        encoding="utf-8",
    )
    assert main(["check", "-c", str(path), "-e", "prod"]) == 2
    err = capsys.readouterr().err
    assert "source command 'sh' exited 3" in err
    assert_clean(err)


def test_command_source_reads_json_and_dotenv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "checklist.yaml"
    script = tmp_path / "secrets.sh"
    script.write_text('#!/bin/sh\necho \'{"DISABLE_AUTH": "true", "N": 3}\'\n', encoding="utf-8")
    script.chmod(0o755)
    path.write_text(
        "environments:\n  prod: {mode: live, source: {command: ./secrets.sh}}\n"
        "sections: [{id: s, title: S}]\nitems:\n"
        "  - {id: a, title: A, section: s, probe: {kind: env.not_truthy, var: DISABLE_AUTH}}\n"
        "  - {id: b, title: B, section: s, probe: {kind: env.equals, var: N, value: '3'}}\n",
        encoding="utf-8",
    )
    assert main(["check", "-c", str(path), "-e", "prod", "-f", "json"]) == 1
    results = {r["id"]: r["status"] for r in json.loads(capsys.readouterr().out)["results"]}
    assert results == {"a": "fail", "b": "pass"}
