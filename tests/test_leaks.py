"""No canary planted in any source reaches any output (issue 10 §1).

Distinct canaries are planted in every place a value can come from: the process
environment, a dotenv file, a source command's output (and its stderr), a database URL's
user, password (with an unencoded `@`) and query string, a role token, a secret pasted
into a variable that a probe shows lower- or upper-cased, and an unknown variable. Then
every output of every format, the error paths and GOLIVE_DEBUG=1 runs are searched for
each canary and for every 12-character substring of it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from golive.cli import main
from golive.engine import registry

CANARIES = {
    "env": "sk_live_EnvQ7xKp2Wm9Rt4Lb8Vn3Zc6Hd1Jf5",  # golive:allow-secret
    "dotenv": "whsec_DotG4hYw8Ne2Ps6Uq1Mx5Bk9Tr3Vz7",  # golive:allow-secret
    "command": "CmdTokJ3uXe7Ga1Lo5Wi9Ry2Fn6Qb4Kd8",
    "db_user": "DbUsrM5kPq8Zt2Ce6Vy1Hg4Ns9Lw3",
    "db_password": "DbPwdR2@nVx6Ko9Ub3Fe7Ja1Yt5Gm8",
    "db_query": "DbQryW8sLc3Hn6Ep1Tz5Mu9Bv2Kx4",
    "role": "RoleTkB6tFw1Xq4Nz8Jd2Gs7Pa5Ur3",
    "lower": "sk_live_LowAa9Cz3Ek7Gm1Io5Kq8Sw2",  # golive:allow-secret
    "upper": "rk_test_UppYb4Dx8Fv2Ht6Jr1Lp5Nn9",  # golive:allow-secret
    "unknown": "UnkVarP7cRb3Te9Yg5Wk1Ad6Qh2Zm",
    "stderr_only": "ErrOnlyS4jNc8Vh2Xb6Mf1Rk9Tg3",
}
FORMATS = ("table", "json", "junit", "markdown", "html")


def pieces(canary: str) -> set[str]:
    return {canary[i : i + 12] for i in range(len(canary) - 11)}


def assert_clean(text: str, where: str) -> None:
    for name, canary in CANARIES.items():
        for piece in pieces(canary):
            assert piece not in text, f"canary {name} leaked in {where}: …{piece}…"


ITEMS = """\
  - {id: key, title: key, section: s, probe: {kind: env.key_prefix, var: STRIPE_SECRET_KEY, mode: test}}
  - {id: wh, title: wh, section: s, probe: {kind: env.key_prefix, var: STRIPE_WEBHOOK_SECRET, key: webhook_secret, mode: live}}
  - {id: cmd, title: cmd, section: s, probe: {kind: test.leak, var: APP_TOKEN}}
  - {id: lower, title: lower, section: s, probe: {kind: test.show, var: STRIPE_MODE, how: lower}}
  - {id: upper, title: upper, section: s, probe: {kind: test.show, var: PLAN_TIER, how: upper}}
  - {id: raise, title: raise, section: s, probe: {kind: test.show, var: STRIPE_SECRET_KEY, how: raise}}
  - {id: db, title: db, section: s, probe: {kind: db.tables, tables: [x]}}
  - {id: mode, title: mode, section: s, probe: {kind: env.mode_consistent, key_vars: [STRIPE_SECRET_KEY, DATABASE_URL]}}
  - {id: http, title: http, section: s, probe: {kind: http.status, routes: [{path: /me, role: user, expect: [200]}]}}
"""


def plant(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checklist whose prod environment reads a dotenv file, a command, the process
    environment, in that order, with a canary in each."""
    c = CANARIES
    db_url = (
        f"postgresql://{c['db_user']}:{c['db_password']}@127.0.0.1:1/app"
        f"?sslmode=disable&password={c['db_query']}"
    )
    (folder / "prod.env").write_text(
        f"STRIPE_WEBHOOK_SECRET={c['dotenv']}\nDATABASE_URL={db_url}\n"
        f"STRIPE_MODE={c['lower']}\nPLAN_TIER={c['upper']}\nZZ_UNUSED_SETTING={c['unknown']}\n",
        encoding="utf-8",
    )
    (folder / "emit.py").write_text(
        "import sys\n"
        f"print('APP_TOKEN={c['command']}')\n"
        f"print('GOLIVE_USER_TOKEN={c['role']}')\n"
        # A secret manager's CLI chatting on stderr, with secrets of the run in it.
        f"print('fetched {c['command']} and {c['dotenv']} {c['db_password']}', file=sys.stderr)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("STRIPE_SECRET_KEY", c["env"])
    checklist = folder / "checklist.yaml"
    checklist.write_text(
        "environments:\n"
        "  prod:\n"
        "    mode: live\n"
        "    base_url: http://127.0.0.1:1\n"
        "    database_url: ${DATABASE_URL}\n"
        "    roles: {user: {bearer: '${GOLIVE_USER_TOKEN}'}}\n"
        "    source:\n"
        "      - dotenv: prod.env\n"
        f"      - command: [{sys.executable}, emit.py]\n"
        "      - env\n"
        "defaults: {timeout: 5}\n"
        "sections: [{id: s, title: S}]\n"
        "items:\n" + ITEMS,
        encoding="utf-8",
    )
    return checklist


@pytest.fixture
def leaky(monkeypatch: pytest.MonkeyPatch, extra_probes: None) -> None:
    monkeypatch.setitem(registry.BUILTIN_PROBES, "test.show", "leak_probes:Show")
    registry.load_probe.cache_clear()


@pytest.mark.usefixtures("leaky")
@pytest.mark.parametrize("debug", [False, True])
def test_no_canary_in_any_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], debug: bool
) -> None:
    if debug:
        monkeypatch.setenv("GOLIVE_DEBUG", "1")
    checklist = plant(tmp_path, monkeypatch)
    args = ["check", "-c", str(checklist), "-e", "prod"]
    for fmt in FORMATS:
        args += ["-f", f"{fmt}:{tmp_path / ('report.' + fmt)}"]
    code = main([*args, "-f", "table"])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert_clean(captured.out, "stdout")
    assert_clean(captured.err, "stderr")
    for fmt in FORMATS:
        text = (tmp_path / f"report.{fmt}").read_text(encoding="utf-8")
        assert_clean(text, fmt)
    # The probes did see and report the values, masked.
    assert "sk_live_…(sha256:" in captured.out and "rk_test_…(sha256:" in captured.out
    if debug:  # the command's stderr was shown, redacted
        assert "stderr of source command" in captured.err and "fetched …(sha256:" in captured.err


@pytest.mark.usefixtures("leaky")
@pytest.mark.parametrize("debug", [False, True])
def test_no_canary_on_error_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], debug: bool
) -> None:
    import golive.engine.runner as runner_module

    if debug:
        monkeypatch.setenv("GOLIVE_DEBUG", "1")
    checklist = plant(tmp_path, monkeypatch)
    base = ["check", "-c", str(checklist), "-e", "prod", "-q"]

    # 1. An internal error whose message carries every value read (a bug in golive).
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("exploded: " + " ".join(c.lower() for c in CANARIES.values()))

    with monkeypatch.context() as m:
        m.setattr(runner_module, "run_plan", broken)
        m.setattr("golive.commands.check.run_plan", broken)
        assert main(base) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: exploded" in err
    assert ("Traceback" in err) is debug
    # The stderr-only canary was never read as a value: only what the run read is known.
    assert_clean(err.replace(CANARIES["stderr_only"].lower(), ""), "internal error")

    # 2. The source command fails, with secrets on its stderr.
    (tmp_path / "emit.py").write_text(
        f"import sys\nprint('{CANARIES['command']} {CANARIES['dotenv']}', file=sys.stderr)\n"
        "sys.exit(5)\n",
        encoding="utf-8",
    )
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "exited 5" in err
    assert_clean(err, "failing command")

    # 3. A dotenv line that cannot be parsed, holding a canary.
    (tmp_path / "prod.env").write_text(
        f'STRIPE_WEBHOOK_SECRET="{CANARIES["dotenv"]}\nOTHER=1\n', encoding="utf-8"
    )
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "prod.env:1: unterminated double quote" in err
    assert_clean(err, "dotenv syntax error")

    # 4. validate --env, with a reference to a variable no source sets.
    assert main(["validate", str(checklist), "--env", "prod"]) == 2
    captured = capsys.readouterr()
    assert_clean(captured.out + captured.err, "validate --env")
