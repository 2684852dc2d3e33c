"""Attestations that prove who (issue 17): `golive attest --key` signs; `check
--allowed-signers` counts only signed attestations of allowed signers, and a changed one
never counts. Real ssh-keygen keys, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import write_checklist
from test_signing import allowed, keygen, needs_ssh_keygen

from golive.cli import main

pytestmark = needs_ssh_keygen

SIGNOFF = (
    "  - id: '9.3'\n    title: Ops sign-off\n    section: s\n"
    "    probe: {kind: manual, attested_by: ops lead, role: ops}\n"
)


def check(path: Path, *args: str) -> tuple[int, dict[str, str]]:
    import json

    out = path.parent / "r.json"
    code = main(["check", "-c", str(path), "-e", "prod", "-q", "-f", f"json:{out}", *args])
    report = json.loads(out.read_text(encoding="utf-8"))
    return code, {r["id"]: r["message"] for r in report["results"]}


def attest(path: Path, *args: str) -> int:
    return main(["attest", "9.3", "-c", str(path), "--env", "prod", "--role", "ops", *args])


def test_a_signed_attestation_of_an_allowed_signer_counts(tmp_path: Path) -> None:
    path = write_checklist(tmp_path, SIGNOFF)
    key = keygen(tmp_path, "ops")
    signers = allowed(tmp_path, ("ops@example.com", key))
    assert attest(path, "--by", "ops@example.com", "--key", str(key)) == 0
    code, messages = check(path, "--allowed-signers", str(signers))
    assert code == 0 and "attested by ops@example.com as ops" in messages["9.3"]
    assert "signed with SHA256:" in messages["9.3"]


def test_an_unsigned_attestation_is_refused_under_allowed_signers(tmp_path: Path) -> None:
    path = write_checklist(tmp_path, SIGNOFF)
    key = keygen(tmp_path, "ops")
    signers = allowed(tmp_path, ("ops@example.com", key))
    assert attest(path, "--by", "ops@example.com") == 0
    code, messages = check(path)  # without a signer policy it counts, shown as unsigned
    assert code == 0 and "(unsigned)" in messages["9.3"]
    code, messages = check(path, "--allowed-signers", str(signers))
    assert code == 4 and "it is not signed" in messages["9.3"]


@pytest.mark.parametrize("field", ["by", "evidence"])
def test_a_tampered_attestation_never_counts(tmp_path: Path, field: str) -> None:
    path = write_checklist(tmp_path, SIGNOFF)
    key = keygen(tmp_path, "ops")
    signers = allowed(tmp_path, ("ops@example.com", key), ("mallory@example.com", key))
    assert attest(path, "--by", "ops@example.com", "--key", str(key), "--evidence", "INC-1") == 0
    records = tmp_path / "attestations.yaml"
    data = yaml.safe_load(records.read_text(encoding="utf-8"))
    data["attestations"][0][field] = "mallory@example.com" if field == "by" else "INC-2"
    records.write_text(yaml.safe_dump(data), encoding="utf-8")
    for args in ((), ("--allowed-signers", str(signers))):
        code, messages = check(path, *args)
        assert code == 4 and "changed after signing" in messages["9.3"], messages


def test_a_signer_the_file_does_not_allow_does_not_count(tmp_path: Path) -> None:
    path = write_checklist(tmp_path, SIGNOFF)
    key, other = keygen(tmp_path, "ops"), keygen(tmp_path, "other")
    signers = allowed(tmp_path, ("ops@example.com", other))
    assert attest(path, "--by", "ops@example.com", "--key", str(key)) == 0
    code, messages = check(path, "--allowed-signers", str(signers))
    assert code == 4 and "no line of the allowed signers gives its key" in messages["9.3"]
