"""Signed attestations (issue 17): an attestation is text in a YAML file, so anyone who can
write the file could attest as anyone. `golive attest --key` signs it (SSHSIG, namespace
`golive`) over the item's digest, the environment, who, the role, the time, the evidence
and the expiry; `--allowed-signers` then accepts only signed attestations whose
signature holds and whose key an allowed_signers line gives to the person named."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from golive.signoff.verification import AllowedSigner

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
    from golive.signoff import sshsig

    private = sshsig.load_private_key(key, passphrase_env)
    return {
        **entry,
        "key": sshsig.fingerprint(sshsig.public_key_blob(private)),
        "signature": sshsig.sshsig_sign(private, payload(entry)),
    }


def signature_problem(
    entry: dict[str, Any],
    signature: str | None,
    key: str | None,
    allowed: list[AllowedSigner] | None,
) -> str | None:
    """Why a (signed or not) attestation, its fields as written (`entry`), does not count
    under this signer policy; None when it does. Without `allowed`, an unsigned one counts
    (shown as unsigned) and a signed one must still hold: a tampered one never counts."""
    from golive.signoff import sshsig

    if not signature:
        if allowed is None:
            return None
        return (
            "it is not signed, and --allowed-signers accepts only signed attestations "
            f"(golive attest {entry['item']} --env {entry['environment']} "
            f"--by {entry['by']} --key KEY)"
        )
    try:
        sig = sshsig.parse_armored(signature)
    except ValueError as exc:
        return f"its signature is unreadable: {exc}"
    if key and sshsig.fingerprint(sig.key_blob) != key:
        return f"it was signed with key {sshsig.fingerprint(sig.key_blob)}, not {key}"
    problem = sshsig.sshsig_verify(sig, payload(entry))
    if problem:
        return f"its signature does not hold ({problem}): it was changed after signing"
    if allowed is not None and not any(
        s.key_blob == sig.key_blob and s.allows(entry["by"], sshsig.NAMESPACE, entry["at"])
        for s in allowed
    ):
        return f"no line of the allowed signers gives its key to {entry['by']!r}"
    return None
