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

import base64
import fnmatch
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.core.errors import GoliveError, UsageError

NAMESPACE = "golive"
STATEMENT = "golive.signoff/v1"
MAGIC = b"SSHSIG"
ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"
SIGNER_FIELDS = ("by", "role", "signed_at", "accept_risk", "key")


class SigningError(GoliveError):
    """A report cannot be signed as asked (exit 2: nothing was written)."""


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


def bounded_bytes(path: Path, what: str = "") -> bytes:
    """A file golive reads (key, payload), through the bounded reader: exit 2 else."""
    from golive.core.inputfiles import InputFileError, read_input_bytes

    try:
        return read_input_bytes(path)
    except InputFileError as exc:
        raise UsageError(f"{what}{path}: {exc}") from None


def bounded_text(path: Path) -> str:
    """A text file golive reads (allowed signers, signature), strict UTF-8: exit 2 else."""
    from golive.core.inputfiles import InputFileError, read_input

    try:
        return read_input(path)
    except InputFileError as exc:
        raise UsageError(f"{path}: {exc}") from None


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


# -- SSH wire format --------------------------------------------------------------------


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def uint32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.uint32())


def fingerprint(key_blob: bytes) -> str:
    """OpenSSH's SHA256 fingerprint of a public key blob, as `ssh-keygen -l` prints it."""
    digest = base64.b64encode(hashlib.sha256(key_blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def key_blob_from_openssh(line: str) -> bytes:
    parts = line.split()
    if len(parts) < 2:
        raise ValueError("not an OpenSSH public key")
    blob = base64.b64decode(parts[1], validate=True)
    if _Reader(blob).string().decode() != parts[0]:
        raise ValueError("key type and key data disagree")
    return blob


def _public_key(blob: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    kind = _Reader(blob).string()
    return load_ssh_public_key(kind + b" " + base64.b64encode(blob))


@dataclass(frozen=True)
class SshSig:
    """A parsed SSHSIG blob."""

    key_blob: bytes
    namespace: str
    hash_alg: str
    sig_type: str
    sig: bytes

    @property
    def key_type(self) -> str:
        return _Reader(self.key_blob).string().decode()


def armor(blob: bytes) -> str:
    b64 = base64.b64encode(blob).decode()
    lines = [b64[i : i + 70] for i in range(0, len(b64), 70)]
    return "\n".join([ARMOR_BEGIN, *lines, ARMOR_END]) + "\n"


def parse_armored(text: str) -> SshSig:
    text = text.strip()
    if not (text.startswith(ARMOR_BEGIN) and text.endswith(ARMOR_END)):
        raise ValueError("not an armored SSH signature (-----BEGIN SSH SIGNATURE-----)")
    body = "".join(text[len(ARMOR_BEGIN) : -len(ARMOR_END)].split())
    r = _Reader(base64.b64decode(body, validate=True))
    if r.take(6) != MAGIC:
        raise ValueError("not an SSHSIG blob")
    if r.uint32() != 1:
        raise ValueError("unsupported SSHSIG version")
    key_blob = r.string()
    namespace = r.string().decode()
    r.string()  # reserved
    hash_alg = r.string().decode()
    sig = _Reader(r.string())
    return SshSig(key_blob, namespace, hash_alg, sig.string().decode(), sig.string())


def _signed_data(message: bytes, namespace: str, hash_alg: str) -> bytes:
    digest = (hashlib.sha512 if hash_alg == "sha512" else hashlib.sha256)(message).digest()
    return (
        MAGIC
        + _string(namespace.encode())
        + _string(b"")
        + _string(hash_alg.encode())
        + _string(digest)
    )


def sshsig_sign(private_key: Any, message: bytes, namespace: str = NAMESPACE) -> str:
    """An armored SSHSIG signature, byte for byte what `ssh-keygen -Y sign` makes."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

    blob = public_key_blob(private_key)
    data = _signed_data(message, namespace, "sha512")
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        sig_type, raw = b"ssh-ed25519", private_key.sign(data)
    elif isinstance(private_key, rsa.RSAPrivateKey):
        sig_type, raw = b"rsa-sha2-512", private_key.sign(data, padding.PKCS1v15(), hashes.SHA512())
    else:
        raise SigningError(
            f"unsupported key type {type(private_key).__name__}: use an Ed25519 or RSA "
            "key, or sign with ssh-keygen (--payload-out, then --attach)"
        )
    sshsig = (
        MAGIC
        + struct.pack(">I", 1)
        + _string(blob)
        + _string(namespace.encode())
        + _string(b"")
        + _string(b"sha512")
        + _string(_string(sig_type) + _string(raw))
    )
    return armor(sshsig)


def sshsig_verify(sig: SshSig, message: bytes, namespace: str = NAMESPACE) -> str | None:
    """None when `sig` is a valid signature of `message`, else why not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

    if sig.namespace != namespace:
        return f"made for namespace {sig.namespace!r}, not {namespace!r}"
    if sig.hash_alg not in ("sha512", "sha256"):
        return f"unsupported hash {sig.hash_alg!r}"
    try:
        key = _public_key(sig.key_blob)
    except (ValueError, TypeError) as exc:
        return f"unreadable public key: {exc}"
    data = _signed_data(message, namespace, sig.hash_alg)
    try:
        if isinstance(key, ed25519.Ed25519PublicKey) and sig.sig_type == "ssh-ed25519":
            key.verify(sig.sig, data)
        elif isinstance(key, rsa.RSAPublicKey) and sig.sig_type in ("rsa-sha2-512", "rsa-sha2-256"):
            alg = hashes.SHA512() if sig.sig_type == "rsa-sha2-512" else hashes.SHA256()
            key.verify(sig.sig, data, padding.PKCS1v15(), alg)
        else:
            return f"unsupported signature type {sig.sig_type} for key {sig.key_type}"
    except InvalidSignature:
        return "the signature does not match the signed content"
    return None


# -- keys ---------------------------------------------------------------------------------


def public_key_blob(key: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = key.public_key() if hasattr(key, "public_key") else key
    line = public.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    return key_blob_from_openssh(line)


def load_private_key(path: Path, passphrase_env: str | None) -> Any:
    """An OpenSSH (or PEM) private key; never echoes any of its material."""
    from cryptography.hazmat.primitives.serialization import (
        load_pem_private_key,
        load_ssh_private_key,
    )

    data = bounded_bytes(path, "key ")
    password: bytes | None = None
    if passphrase_env:
        value = os.environ.get(passphrase_env)
        if value is None:
            raise UsageError(f"--passphrase-env {passphrase_env}: that variable is not set")
        password = value.encode()
    from cryptography.exceptions import UnsupportedAlgorithm

    loader = load_ssh_private_key if b"OPENSSH PRIVATE KEY" in data else load_pem_private_key
    try:
        return loader(data, password)
    except UnsupportedAlgorithm as exc:
        raise SigningError(f"cannot load key {path}: unsupported ({exc})") from None
    except TypeError:
        if password is None:
            raise SigningError(
                f"key {path} is protected by a passphrase: give --passphrase-env VAR "
                "(the name of a variable holding it), or sign with ssh-keygen / ssh-agent "
                "(--payload-out, then --attach)"
            ) from None
        raise SigningError(f"key {path} is not protected by a passphrase") from None
    except ValueError:
        # cryptography's message can quote the file; say only what is true for any key.
        why = "wrong passphrase, or not a private key" if password else "not a private key"
        raise SigningError(f"cannot load key {path}: {why} (Ed25519 or RSA)") from None


def public_blob_from_file(path: Path, passphrase_env: str | None) -> bytes:
    """The public key of KEY: from KEY.pub, an OpenSSH public key file, or the private key."""
    text = bounded_bytes(path, "key ").decode("utf-8", "replace")
    if "PRIVATE KEY" not in text:
        try:
            return key_blob_from_openssh(text.strip())
        except ValueError as exc:
            raise UsageError(f"{path}:1: not an OpenSSH public key: {exc}") from None
    pub = path.with_name(path.name + ".pub")
    if pub.is_file():
        try:
            return key_blob_from_openssh(pub.read_text(encoding="utf-8").strip())
        except ValueError:
            pass
    return public_key_blob(load_private_key(path, passphrase_env))


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


# -- allowed signers and verification -------------------------------------------------------


@dataclass(frozen=True)
class AllowedSigner:
    principals: tuple[str, ...]
    key_blob: bytes
    namespaces: tuple[str, ...] | None
    valid_after: str | None
    valid_before: str | None
    where: str

    def allows(self, principal: str, namespace: str, at: str) -> bool:
        if not any(fnmatch.fnmatchcase(principal, p) for p in self.principals):
            return False
        if self.namespaces is not None and not any(
            fnmatch.fnmatchcase(namespace, n) for n in self.namespaces
        ):
            return False
        stamp = "".join(ch for ch in at if ch.isdigit())[:14]
        if self.valid_after and stamp < self.valid_after.ljust(14, "0"):
            return False
        return not (self.valid_before and stamp >= self.valid_before.ljust(14, "0"))


def _field(line: str) -> tuple[str, str]:
    """The first whitespace-separated field (double quotes group), and the rest."""
    line = line.lstrip()
    out, quoted, i = [], False, 0
    while i < len(line):
        ch = line[i]
        if ch == '"':
            quoted = not quoted
        elif ch in " \t" and not quoted:
            break
        else:
            out.append(ch)
        i += 1
    if quoted:
        raise ValueError("unterminated quote")
    return "".join(out), line[i:].lstrip()


def parse_allowed_signers(path: Path) -> list[AllowedSigner]:
    """ssh-keygen's allowed_signers: `principals [options] keytype base64 [comment]`."""
    lines = bounded_text(path).splitlines()
    signers = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        try:
            principals, rest = _field(line)
            options: dict[str, str | None] = {}
            if rest and not rest.startswith(("ssh-", "ecdsa-", "sk-")):
                opts, rest = _field(rest)
                for opt in opts.split(","):
                    name, eq, value = opt.partition("=")
                    options[name.lower()] = value if eq else None
            key_blob = key_blob_from_openssh(rest)
        except ValueError as exc:
            raise UsageError(f"{where}: not an allowed_signers line: {exc}") from None
        if "cert-authority" in options:
            raise UsageError(f"{where}: cert-authority lines are not supported by golive verify")
        namespaces = options.get("namespaces")
        signers.append(
            AllowedSigner(
                principals=tuple(p for p in principals.split(",") if p),
                key_blob=key_blob,
                namespaces=tuple(namespaces.split(",")) if namespaces else None,
                valid_after=options.get("valid-after"),
                valid_before=options.get("valid-before"),
                where=where,
            )
        )
    return signers


@dataclass(frozen=True)
class Check:
    """What verification found about one signature."""

    index: int
    by: str
    role: str
    signed_at: str
    accept_risk: str | None
    key: str
    valid: bool  # the signature matches the report and the signer's fields
    allowed: bool | None  # None: no allowed_signers given
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.valid and self.allowed is not False and self.problem is None


def check_signatures(report: dict[str, Any], allowed: list[AllowedSigner] | None) -> list[Check]:
    """Check every signature of `report`; with `allowed`, also who may sign."""
    checks = []
    for index, entry in enumerate(report.get("signatures", []), 1):
        fields = {k: entry.get(k) for k in SIGNER_FIELDS}
        problem: str | None = None
        sig: SshSig | None = None
        try:
            sig = parse_armored(str(entry.get("signature", "")))
        except ValueError as exc:
            problem = f"unreadable signature: {exc}"
        if sig is not None:
            if fingerprint(sig.key_blob) != fields["key"]:
                problem = f"signed with key {fingerprint(sig.key_blob)}, not {fields['key']}"
            else:
                problem = sshsig_verify(sig, payload(report, fields))
        valid = problem is None
        if valid and risky(report) and not fields["accept_risk"]:
            problem = f"signed without --accept-risk although {risky(report)}"
        is_allowed: bool | None = None
        if allowed is not None and sig is not None:
            is_allowed = any(
                a.key_blob == sig.key_blob
                and a.allows(str(fields["by"]), NAMESPACE, str(fields["signed_at"] or ""))
                for a in allowed
            )
        checks.append(
            Check(
                index=index,
                by=str(fields["by"]),
                role=str(fields["role"]),
                signed_at=str(fields["signed_at"]),
                accept_risk=fields["accept_risk"],
                key=str(fields["key"]),
                valid=valid,
                allowed=is_allowed,
                problem=problem,
            )
        )
    return checks


def describe(check: Check) -> str:
    """One line for a person: who signed, as what, when, and whether it holds."""
    if check.ok:
        state = "valid" if check.allowed else "valid signature (signer not checked)"
    elif not check.valid or check.problem:
        state = f"INVALID: {check.problem}"
    else:
        state = "NOT ALLOWED: no line of the allowed signers has this key for this name"
    risk = f" · accepted risk: {check.accept_risk}" if check.accept_risk else ""
    return f"{check.by} as {check.role} at {check.signed_at} ({check.key}): {state}{risk}"


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


def verify_report(path: Path, allowed_signers: Path) -> tuple[list[str], bool]:
    """`golive verify`: one line per signature, and whether they all hold."""
    allowed = parse_allowed_signers(allowed_signers)
    report = load_report(path)
    checks = check_signatures(report, allowed)
    head = f"{path}: {report.get('environment', '?')} · verdict {report.get('verdict', '?')}" + (
        " · PARTIAL" if report.get("partial") is True else ""
    )
    if not checks:
        return [head, "not signed: no signatures"], False
    lines = [head] + [f"  {c.index}. {describe(c)}" for c in checks]
    ok = all(c.ok for c in checks)
    bad = sum(1 for c in checks if not c.ok)
    lines.append(
        f"{len(checks)} signature(s), all valid"
        if ok
        else f"{bad} of {len(checks)} signature(s) failed"
    )
    return lines, ok


def extract(path: Path, folder: Path) -> list[str]:
    """Each signature's payload and armored signature as files, for `ssh-keygen -Y verify`."""
    report = load_report(path)
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, entry in enumerate(report.get("signatures", []), 1):
        stem = folder / f"signature-{index}"
        stem.with_suffix(".payload").write_bytes(payload(report, entry))
        stem.with_suffix(".sig").write_text(str(entry.get("signature", "")), encoding="utf-8")
        lines.append(
            f"ssh-keygen -Y verify -n {NAMESPACE} -f ALLOWED_SIGNERS -I {entry.get('by')} "
            f"-s {stem}.sig < {stem}.payload"
        )
    return lines
