"""Signed attestations (issue 17): an attestation is text in a YAML file, so anyone who can
write the file could attest as anyone. `golive attest --key` signs it (SSHSIG, namespace
`golive`) over the item's digest, the environment, who, the role, the time, the evidence
and the expiry; `--allowed-signers` then accepts only signed attestations whose
signature holds and whose key an allowed_signers line gives to the person named."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from golive.signoff.attestations import Attestation
    from golive.signoff.signing import AllowedSigner

#: what the signed bytes say they are, so that a report signature can never pass for one
STATEMENT = "golive attestation v1"
SIGNED_FIELDS = ("item", "environment", "by", "role", "at", "evidence", "expires", "item_sha256")


def payload(entry: dict[str, Any]) -> bytes:
    """The exact bytes an attestation's signature signs (RFC 8785 canonical JSON)."""
    import rfc8785

    return rfc8785.dumps(
        {"statement": STATEMENT, "attestation": {k: entry.get(k) for k in SIGNED_FIELDS}}
    )


def sign_entry(entry: dict[str, Any], key: Path, passphrase_env: str | None) -> dict[str, Any]:
    """The entry with `key` (fingerprint) and `signature` (armored SSHSIG) added."""
    from golive.signoff import signing

    private = signing.load_private_key(key, passphrase_env)
    return {
        **entry,
        "key": signing.fingerprint(signing.public_key_blob(private)),
        "signature": signing.sshsig_sign(private, payload(entry)),
    }


def entry_of(a: Attestation) -> dict[str, Any]:
    """The fields as `golive attest` wrote them (times as YYYY-MM-DDTHH:MM:SSZ)."""
    from golive.signoff.records import show_time

    return {
        "item": a.item,
        "environment": a.environment,
        "by": a.by,
        "role": a.role,
        "at": show_time(a.at),
        "evidence": a.evidence,
        "expires": show_time(a.expires) if a.expires else None,
        "item_sha256": a.item_sha256,
    }


def signature_problem(a: Attestation, allowed: list[AllowedSigner] | None) -> str | None:
    """Why a (signed or not) attestation does not count under this signer policy; None
    when it does. Without `allowed`, an unsigned one counts (shown as unsigned) and a
    signed one must still hold: a tampered attestation never counts."""
    from golive.signoff import signing

    if not a.signature:
        if allowed is None:
            return None
        return (
            "it is not signed, and --allowed-signers accepts only signed attestations "
            f"(golive attest {a.item} --env {a.environment} --by {a.by} --key KEY)"
        )
    try:
        sig = signing.parse_armored(a.signature)
    except ValueError as exc:
        return f"its signature is unreadable: {exc}"
    if a.key and signing.fingerprint(sig.key_blob) != a.key:
        return f"it was signed with key {signing.fingerprint(sig.key_blob)}, not {a.key}"
    problem = signing.sshsig_verify(sig, payload(entry_of(a)))
    if problem:
        return f"its signature does not hold ({problem}): it was changed after signing"
    if allowed is not None and not any(
        s.key_blob == sig.key_blob and s.allows(a.by, signing.NAMESPACE, entry_of(a)["at"])
        for s in allowed
    ):
        return f"no line of the allowed signers gives its key to {a.by!r}"
    return None
