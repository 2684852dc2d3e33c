"""Signing and verifying reports, against the real ssh-keygen in both directions."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO, write_checklist

from golive.cli import main

pytestmark = pytest.mark.usefixtures("extra_probes")

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen not installed")

READY_ITEMS = (
    "  - id: a\n    title: Item A\n    section: s\n"
    "    probe: {kind: test.outcome, status: pass, message: all good}\n"
    "  - id: b\n    title: Item B\n    section: t\n    severity: advisory\n"
    "    probe: {kind: test.outcome, status: fail, message: 'advisory: found x'}\n"
)
FAILING_ITEMS = (
    "  - id: a\n    title: Item A\n    section: s\n"
    "    probe: {kind: test.outcome, status: fail, message: broken}\n"
)


def keygen(folder: Path, name: str, kind: str = "ed25519", passphrase: str = "") -> Path:
    key = folder / name
    args = ["-t", kind] + (["-b", "2048"] if kind == "rsa" else [])
    subprocess.run(
        [SSH_KEYGEN or "ssh-keygen", "-q", *args, "-N", passphrase, "-C", name, "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return key


def allowed(folder: Path, *entries: tuple[str, Path]) -> Path:
    path = folder / "allowed_signers"
    lines = []
    for principal, key in entries:
        pub = key.with_name(key.name + ".pub").read_text().split()
        lines.append(f'{principal} namespaces="golive" {pub[0]} {pub[1]}')
    path.write_text("\n".join(lines) + "\n")
    return path


def make_report(folder: Path, items: str = READY_ITEMS, expect: int = 0) -> Path:
    folder.mkdir(exist_ok=True)
    checklist = write_checklist(folder, items)
    out = folder / "report.json"
    assert main(["check", "-c", str(checklist), "-e", "prod", "-q", "-f", f"json:{out}"]) == expect
    return out


@pytest.fixture
def report(tmp_path: Path) -> Path:
    return make_report(tmp_path / "run")


def sign(report: Path, key: Path, by: str, role: str, *extra: str) -> int:
    return main(["sign", str(report), "--key", str(key), "--by", by, "--role", role, *extra])


def verify(report: Path, signers: Path) -> int:
    return main(["verify", str(report), "--allowed-signers", str(signers)])


@needs_ssh_keygen
@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_golive_sign_then_golive_verify_lists_the_signer(
    tmp_path: Path, report: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key = keygen(tmp_path, "ops", kind)
    assert sign(report, key, "ops@example.com", "ops") == 0
    capsys.readouterr()
    assert verify(report, allowed(tmp_path, ("ops@example.com", key))) == 0
    out = capsys.readouterr().out
    assert "ops@example.com as ops at " in out and ": valid" in out
    signature = json.loads(report.read_text())["signatures"][0]
    assert signature["key"].startswith("SHA256:") and signature["accept_risk"] is None
    # The report stays a report: everything else is untouched.
    assert json.loads(report.read_text())["verdict"] == "ready"


@needs_ssh_keygen
def test_two_signers_each_verified(
    tmp_path: Path, report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eng, ops = keygen(tmp_path, "eng"), keygen(tmp_path, "ops")
    assert sign(report, eng, "eng@example.com", "engineer") == 0
    assert sign(report, ops, "ops@example.com", "ops") == 0
    signers = allowed(tmp_path, ("eng@example.com", eng), ("ops@example.com", ops))
    capsys.readouterr()
    assert verify(report, signers) == 0
    out = capsys.readouterr().out
    assert "1. eng@example.com as engineer" in out and "2. ops@example.com as ops" in out
    assert "2 signature(s), all valid" in out
    # A signed report still matches the documented schema.
    schema = json.loads((REPO / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(report.read_text()), schema)
    # Only ops allowed: the engineer's signature is reported as not allowed, exit 1.
    only_ops = allowed(tmp_path, ("ops@example.com", ops))
    assert verify(report, only_ops) == 1
    out = capsys.readouterr().out
    assert "eng@example.com as engineer" in out and "NOT ALLOWED" in out


@needs_ssh_keygen
def test_a_signer_not_in_allowed_signers_fails(
    tmp_path: Path, report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, other = keygen(tmp_path, "ops"), keygen(tmp_path, "other")
    assert sign(report, key, "ops@example.com", "ops") == 0
    # Same name, another key: not allowed.
    assert verify(report, allowed(tmp_path, ("ops@example.com", other))) == 1
    # Right key, another name: not allowed either (principals are matched, as ssh-keygen does).
    assert verify(report, allowed(tmp_path, ("someone@example.com", key))) == 1
    # A namespace restriction that excludes golive.
    pub = key.with_name("ops.pub").read_text().split()
    ns = tmp_path / "ns_signers"
    ns.write_text(f'ops@example.com namespaces="git" {pub[0]} {pub[1]}\n')
    assert verify(report, ns) == 1
    assert "NOT ALLOWED" in capsys.readouterr().out


def test_an_unsigned_report_does_not_verify(
    tmp_path: Path, report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signers = tmp_path / "allowed_signers"
    signers.write_text("")
    assert verify(report, signers) == 1
    assert "not signed" in capsys.readouterr().out


@needs_ssh_keygen
def test_ssh_keygen_verifies_a_golive_signature(tmp_path: Path, report: Path) -> None:
    key = keygen(tmp_path, "ops")
    assert sign(report, key, "ops@example.com", "ops") == 0
    signers = allowed(tmp_path, ("ops@example.com", key))
    out = tmp_path / "extracted"
    assert (
        main(["verify", str(report), "--allowed-signers", str(signers), "--extract", str(out)]) == 0
    )
    payload = (out / "signature-1.payload").read_bytes()

    def ssh_verify(data: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [
                SSH_KEYGEN or "ssh-keygen",
                "-Y",
                "verify",
                "-n",
                "golive",
                "-f",
                str(signers),
                "-I",
                "ops@example.com",
                "-s",
                str(out / "signature-1.sig"),
            ],
            input=data,
            capture_output=True,
            check=False,
        )

    good = ssh_verify(payload)
    assert good.returncode == 0, good.stderr
    assert b'Good "golive" signature for ops@example.com' in good.stdout + good.stderr
    # The payload is the report: ssh-keygen sees a change to it too.
    assert ssh_verify(payload.replace(b'"status":"pass"', b'"status":"fail"')).returncode != 0


@needs_ssh_keygen
@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_ssh_keygen_signature_attached_then_golive_verifies(
    tmp_path: Path, report: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key = keygen(tmp_path, "ops", kind)
    payload = tmp_path / "payload.json"
    pub = key.with_name(key.name + ".pub")
    assert (
        main(
            [
                "sign",
                str(report),
                "--key",
                str(pub),
                "--by",
                "ops@example.com",
                "--role",
                "ops",
                "--payload-out",
                str(payload),
            ]
        )
        == 0
    )
    assert "ssh-keygen -Y sign -n golive" in capsys.readouterr().err
    subprocess.run(
        [SSH_KEYGEN or "ssh-keygen", "-Y", "sign", "-n", "golive", "-f", str(key), str(payload)],
        check=True,
        capture_output=True,
    )
    assert main(["sign", str(report), "--attach", f"{payload}.sig"]) == 0
    capsys.readouterr()
    assert verify(report, allowed(tmp_path, ("ops@example.com", key))) == 0
    assert "ops@example.com as ops" in capsys.readouterr().out


@needs_ssh_keygen
def test_attach_refuses_a_signature_of_another_namespace_or_report(
    tmp_path: Path, report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = keygen(tmp_path, "ops")
    payload = tmp_path / "payload.json"
    assert (
        main(
            [
                "sign",
                str(report),
                "--key",
                str(key),
                "--by",
                "ops@example.com",
                "--role",
                "ops",
                "--payload-out",
                str(payload),
            ]
        )
        == 0
    )
    subprocess.run(
        [SSH_KEYGEN or "ssh-keygen", "-Y", "sign", "-n", "git", "-f", str(key), str(payload)],
        check=True,
        capture_output=True,
    )
    assert main(["sign", str(report), "--attach", f"{payload}.sig"]) == 2
    assert "namespace 'git'" in capsys.readouterr().err
    assert "signatures" not in json.loads(report.read_text())


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "x" if value else "x"
    if isinstance(value, dict):
        return {"added": 1}
    if isinstance(value, list):
        return ["added"]
    return "x"  # None


@needs_ssh_keygen
def test_changing_any_field_of_a_signed_report_fails_verify(tmp_path: Path, report: Path) -> None:
    data = json.loads(report.read_text())
    # Fields that reports carry when known (digest of the checklist); signed like the rest.
    data["checklist"]["sha256"] = "0" * 64
    report.write_text(json.dumps(data))
    eng, ops = keygen(tmp_path, "eng"), keygen(tmp_path, "ops")
    assert sign(report, eng, "eng@example.com", "engineer") == 0
    assert sign(report, ops, "ops@example.com", "ops", "--accept-risk", "none really") == 0
    signers = allowed(tmp_path, ("eng@example.com", eng), ("ops@example.com", ops))
    assert verify(report, signers) == 0
    signed = json.loads(report.read_text())
    paths = [p for p in _leaves(signed) if p[0] != "signatures"]
    paths += [
        ("signatures", i, f)
        for i in (0, 1)
        for f in ("by", "role", "signed_at", "accept_risk", "key")
    ]
    # The ones the issue names are among them.
    for must in [
        ("results", 0, "status"),
        ("results", 0, "message"),
        ("started_at",),
        ("duration_s",),
        ("checklist", "sha256"),
        ("checklist", "path"),
        ("signatures", 1, "by"),
        ("signatures", 1, "role"),
    ]:
        assert must in paths
    tampered = tmp_path / "tampered.json"
    for path in paths:
        doc = copy.deepcopy(signed)
        node = doc
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = _changed(node[path[-1]])
        tampered.write_text(json.dumps(doc))
        assert verify(tampered, signers) == 1, f"a change to {path} went unnoticed"
    # An added field is a change too.
    doc = copy.deepcopy(signed)
    doc["extra"] = "x"
    tampered.write_text(json.dumps(doc))
    assert verify(tampered, signers) == 1


@needs_ssh_keygen
def test_a_not_ready_report_needs_accept_risk_and_the_reason_is_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = make_report(tmp_path / "run", FAILING_ITEMS, expect=1)
    key = keygen(tmp_path, "ops")
    before = report.read_text()
    assert sign(report, key, "ops@example.com", "ops") == 2
    err = capsys.readouterr().err
    assert "refusing to sign" in err and "'not ready'" in err and "--accept-risk" in err
    assert report.read_text() == before
    reason = "hotfix for incident 42; Stripe support confirmed"
    assert sign(report, key, "ops@example.com", "ops", "--accept-risk", reason) == 0
    signers = allowed(tmp_path, ("ops@example.com", key))
    capsys.readouterr()
    assert verify(report, signers) == 0
    assert f"accepted risk: {reason}" in capsys.readouterr().out
    # The reason is signed: changing or removing it breaks the signature.
    data = json.loads(report.read_text())
    for value in ("another reason", None):
        data["signatures"][0]["accept_risk"] = value
        report.write_text(json.dumps(data))
        assert verify(report, signers) == 1


@needs_ssh_keygen
def test_a_partial_report_needs_accept_risk(
    tmp_path: Path, report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(report.read_text())
    data["partial"] = True
    report.write_text(json.dumps(data))
    key = keygen(tmp_path, "ops")
    assert sign(report, key, "ops@example.com", "ops") == 2
    assert "partial" in capsys.readouterr().err
    assert sign(report, key, "ops@example.com", "ops", "--accept-risk", "only config changed") == 0
    assert verify(report, allowed(tmp_path, ("ops@example.com", key))) == 0


@needs_ssh_keygen
def test_passphrase_keys_need_the_variable_and_nothing_secret_is_printed(
    tmp_path: Path,
    report: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passphrase = "correct horse battery"
    key = keygen(tmp_path, "ops", passphrase=passphrase)
    assert sign(report, key, "ops@example.com", "ops") == 2
    err = capsys.readouterr().err
    assert "passphrase" in err and "--passphrase-env" in err
    monkeypatch.setenv("OPS_PASSPHRASE", "wrong")
    assert sign(report, key, "ops@example.com", "ops", "--passphrase-env", "OPS_PASSPHRASE") == 2
    monkeypatch.setenv("OPS_PASSPHRASE", passphrase)
    assert sign(report, key, "ops@example.com", "ops", "--passphrase-env", "OPS_PASSPHRASE") == 0
    out = capsys.readouterr()
    text = out.out + out.err + report.read_text()
    assert passphrase not in text, text
    assert "PRIVATE KEY" not in text
    private_body = "".join(key.read_text().splitlines()[1:-1])
    assert private_body[:40] not in text


def test_malformed_inputs_are_exit_2_with_file_and_line(
    tmp_path: Path, report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signers = tmp_path / "allowed_signers"
    signers.write_text("# team\nops@example.com ssh-ed25519 not-base64!\n")
    assert verify(report, signers) == 2
    assert f"{signers}:2:" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "golive.report/v1",\n  "verdict": }')
    signers.write_text("")
    assert verify(broken, signers) == 2
    assert f"{broken}:2:" in capsys.readouterr().err
