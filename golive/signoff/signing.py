"""Sign-off: SSH signatures (SSHSIG, namespace `golive`) over a canonical JSON report.

Why SSHSIG: ops already have SSH keys (in files, in ssh-agent, on hardware tokens) and
`ssh-keygen -Y sign/verify` already speaks this format, so a golive signature can be
made or checked without golive, and golive checks one made by ssh-keygen.

What is signed: the *payload*, RFC 8785 canonical JSON of

    {"statement": "golive.signoff/v1",
     "report": <the JSON report without its "signatures" list>,
     "signer": {"by", "role", "signed_at", "accept_risk", "key"}}

so every signature covers the whole report plus its own signer's fields, and several
people can sign one report independently (engineer, then ops). `golive verify`
rebuilds each payload from the report and the signature's fields: any change to either
breaks that signature.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.core.errors import UsageError
from golive.signoff.sshsig import (
    NAMESPACE,
    SigningError,
    bounded_bytes,
    bounded_text,
    fingerprint,
    load_private_key,
    parse_armored,
    public_blob_from_file,
    public_key_blob,
    sshsig_sign,
    sshsig_verify,
)

STATEMENT = "golive.signoff/v1"
SIGNER_FIELDS = ("by", "role", "signed_at", "accept_risk", "key")


# -- the report and its payload ---------------------------------------------------------


def load_report(path: Path) -> dict[str, Any]:
    """A stored JSON report; malformed input is exit 2 with FILE:LINE."""
    from golive.core.inputfiles import MAX_REPORT_BYTES, InputFileError, load_json

    try:
        data = load_json(path, MAX_REPORT_BYTES)
    except InputFileError as exc:
        raise UsageError(f"{path}:{exc}" if str(exc)[:1].isdigit() else f"{path}: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("schema", "")).startswith("golive.report/"):
        raise UsageError(f"{path}:1:1: not a golive JSON report (no schema golive.report/...)")
    signatures = data.get("signatures", [])
    if not isinstance(signatures, list) or not all(isinstance(s, dict) for s in signatures):
        raise UsageError(f"{path}: 'signatures' must be a list of objects")
    return data


def save_report(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def content(report: dict[str, Any]) -> dict[str, Any]:
    """What every signature covers: the report without its signatures."""
    return {k: v for k, v in report.items() if k != "signatures"}


def payload(report: dict[str, Any], signer: dict[str, Any]) -> bytes:
    """The exact bytes a signature signs (and `ssh-keygen -Y verify` reads)."""
    import rfc8785

    fields = {k: signer.get(k) for k in SIGNER_FIELDS}
    return rfc8785.dumps({"statement": STATEMENT, "report": content(report), "signer": fields})


def risky(report: dict[str, Any]) -> str | None:
    """Why signing this report needs --accept-risk, or None."""
    verdict = report.get("verdict")
    if report.get("partial") is True:
        return "the run was partial (blocking items were left out by --only/--skip)"
    if verdict != "ready":
        return f"its verdict is {verdict!r}, not 'ready'"
    return None


# -- signing --------------------------------------------------------------------------------


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_signer(
    report: dict[str, Any], key_blob: bytes, by: str, role: str, accept_risk: str | None
) -> dict[str, Any]:
    """The signer's fields; refuses a not-ready or partial report without a reason."""
    if not by.strip() or not role.strip():
        raise UsageError("--by and --role must not be empty")
    why = risky(report)
    if why and not (accept_risk and accept_risk.strip()):
        raise SigningError(
            f"refusing to sign: {why}; to sign anyway, say why with --accept-risk REASON "
            "(the reason becomes part of the signed content)"
        )
    return {
        "by": by,
        "role": role,
        "signed_at": now(),
        "accept_risk": accept_risk.strip() if accept_risk and accept_risk.strip() else None,
        "key": fingerprint(key_blob),
    }


def sign(report: dict[str, Any], key: Any, signer: dict[str, Any]) -> dict[str, Any]:
    """The signature entry for `signer`, signed with `key`."""
    entry = dict(signer)
    entry["namespace"] = NAMESPACE
    entry["signature"] = sshsig_sign(key, payload(report, signer))
    return entry


def attach(report: dict[str, Any], payload_bytes: bytes, armored: str) -> dict[str, Any]:
    """The signature entry for a payload signed elsewhere (`ssh-keygen -Y sign -n golive`)."""
    try:
        stated = json.loads(payload_bytes)
    except ValueError:
        stated = None
    signer = stated.get("signer") if isinstance(stated, dict) else None
    if not isinstance(signer, dict) or stated.get("statement") != STATEMENT:
        raise UsageError("the payload is not one `golive sign --payload-out` wrote")
    if payload(report, signer) != payload_bytes:
        raise SigningError(
            "the payload is not about this report as it is now (the report, or the "
            "payload, changed since --payload-out): make a new payload"
        )
    try:
        sig = parse_armored(armored)
    except ValueError as exc:
        raise UsageError(f"the signature: {exc}") from None
    if fingerprint(sig.key_blob) != signer.get("key"):
        raise SigningError(
            f"the signature was made with key {fingerprint(sig.key_blob)}, the payload "
            f"names {signer.get('key')}"
        )
    problem = sshsig_verify(sig, payload_bytes)
    if problem:
        raise SigningError(f"the signature does not verify: {problem}")
    entry = {k: signer.get(k) for k in SIGNER_FIELDS}
    return {**entry, "namespace": NAMESPACE, "signature": armored.strip() + "\n"}


# -- the commands -------------------------------------------------------------------------


def sign_report(
    path: Path,
    *,
    key: Path | None,
    by: str | None,
    role: str | None,
    accept_risk: str | None,
    passphrase_env: str | None,
    output: Path | None,
) -> str:
    """`golive sign`: add a signature made with a private key file; returns a summary."""
    if key is None or not by or not role:
        raise UsageError("golive sign needs --key, --by and --role (or --attach SIG)")
    report = load_report(path)
    private = load_private_key(key, passphrase_env)
    signer = new_signer(report, public_key_blob(private), by, role, accept_risk)
    entry = sign(report, private, signer)
    report.setdefault("signatures", []).append(entry)
    save_report(output or path, report)
    return f"signed {output or path}: {by} as {role} with {signer['key']}"


def write_payload(
    path: Path,
    *,
    key: Path | None,
    by: str | None,
    role: str | None,
    accept_risk: str | None,
    passphrase_env: str | None,
    payload_out: Path,
) -> str:
    """`golive sign --payload-out`: the bytes to sign with ssh-keygen; returns how to."""
    if key is None or not by or not role:
        raise UsageError("--payload-out needs --key (a public key is enough), --by and --role")
    report = load_report(path)
    signer = new_signer(report, public_blob_from_file(key, passphrase_env), by, role, accept_risk)
    try:
        payload_out.write_bytes(payload(report, signer))
    except OSError as exc:
        raise UsageError(f"cannot write {payload_out}: {exc.strerror}") from None
    return (
        f"wrote the payload to sign to {payload_out}; sign it with the key, then attach:\n"
        f"  ssh-keygen -Y sign -n {NAMESPACE} -f {key} {payload_out}\n"
        f"  golive sign {path} --attach {payload_out}.sig"
    )


def attach_signature(
    path: Path, *, signature: Path, payload_file: Path | None, output: Path | None
) -> str:
    """`golive sign --attach SIG`: add a signature that ssh-keygen made."""
    if payload_file is None:
        if signature.suffix != ".sig":
            raise UsageError("--attach: name the payload with --payload (SIG has no .sig suffix)")
        payload_file = signature.with_suffix("")
    report = load_report(path)
    data, armored = bounded_bytes(payload_file), bounded_text(signature)
    entry = attach(report, data, armored)
    report.setdefault("signatures", []).append(entry)
    save_report(output or path, report)
    return f"signed {output or path}: {entry['by']} as {entry['role']} with {entry['key']}"
