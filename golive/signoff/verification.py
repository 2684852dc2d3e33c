"""`golive verify`: allowed_signers (ssh-keygen's format: principals, namespaces, validity),
each signature of a report checked against its payload and who may sign, the lines
printed, and each payload extracted for `ssh-keygen -Y verify`."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.core.errors import UsageError
from golive.signoff.signing import SIGNER_FIELDS, load_report, payload, risky
from golive.signoff.sshsig import (
    NAMESPACE,
    SshSig,
    bounded_text,
    fingerprint,
    key_blob_from_openssh,
    parse_armored,
    sshsig_verify,
)


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
