"""Attestations: a named person confirms a manual item for one environment.

`golive attest` appends one to the attestations file (default `attestations.yaml` beside
the checklist; `defaults.attestations_file`), a YAML file reviewed in git. Each records
the sha256 of the item's definition as loaded, so that changing what the item asks
(its title, its probe, its role) needs a new attestation: a person vouched for the
question as it was worded then, not for whatever it says now.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from golive.checklist.loaded import LoadedChecklist
from golive.checklist.models import Item
from golive.core.errors import ChecklistError, UsageError
from golive.core.results import ItemResult, Status
from golive.core.secrets import Redactor
from golive.signoff.records import (
    Record,
    append_record,
    load_records,
    show_time,
    unknown_environment,
    utc,
)

if TYPE_CHECKING:
    from golive.signoff.verification import AllowedSigner

KEY = "attestations"
HEADER = """\
# golive attestations: who confirmed which manual item, for which environment.
# Written by `golive attest`; review changes like code. An entry counts while it has not
# expired and while the item's definition still has the recorded sha256.
"""


class Attestation(Record):
    """One person's confirmation of one manual item in one environment."""

    item: str = Field(min_length=1)
    environment: str = Field(min_length=1)
    by: str = Field(min_length=1)
    role: str | None = None
    at: datetime
    evidence: str | None = None
    expires: datetime | None = None
    item_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    #: `golive attest --key`: the signing key's fingerprint and the armored SSHSIG
    key: str | None = None
    signature: str | None = None

    @field_validator("at", "expires", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return utc(value)

    @field_validator("item", "environment", "by", "role", "evidence", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # YAML reads 9.3 as a float and yes as a bool: an id is text.
        return str(value) if isinstance(value, int | float) else value

    def summary(self) -> dict[str, Any]:
        """The attestation as a report shows it (JSON `attestation` object)."""
        return {
            "by": self.by,
            "role": self.role,
            "at": show_time(self.at),
            "evidence": self.evidence,
            "expires": show_time(self.expires) if self.expires else None,
            "item_sha256": self.item_sha256,
            "signed_with": self.key,
        }


def attestations_path(loaded: LoadedChecklist) -> Path:
    return loaded.records_folder / loaded.checklist.defaults.attestations_file


def item_digest(item: Item) -> str:
    """sha256 of the item as loaded, canonical: defaults left out, keys sorted, compact.

    Leaving defaults out means that spelling out a default (`severity: blocking`) or a
    golive upgrade that adds a field with a default does not invalidate attestations.
    """
    data = item.model_dump(mode="json", exclude_defaults=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def required_role(item: Item) -> str | None:
    role = item.probe.params.get("role")
    return str(role) if role else None


def load_attestations(loaded: LoadedChecklist) -> list[Attestation]:
    """The attestations file's records; a malformed file or an environment the checklist
    does not define is exit 2, every problem at its line."""
    path = attestations_path(loaded)
    records = load_records(path, KEY, Attestation)
    known = loaded.checklist.environments
    problems = [
        p
        for a, line in records
        if (p := unknown_environment(path, line, a.item, a.environment, known)) is not None
    ]
    if problems:
        raise ChecklistError(problems)
    return [a for a, _ in records]


def attest(
    loaded: LoadedChecklist,
    item_id: str,
    environment: str,
    by: str,
    now: datetime,
    *,
    role: str | None = None,
    evidence: str | None = None,
    expires: datetime | None = None,
    key: Path | None = None,
    passphrase_env: str | None = None,
) -> tuple[Attestation, Path]:
    """Record an attestation; refuse (UsageError, exit 2) what could never count."""
    checklist = loaded.checklist
    item = next((it for it in checklist.items if it.id == item_id), None)
    if item is None:
        import difflib

        near = difflib.get_close_matches(item_id, [it.id for it in checklist.items], n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise UsageError(f"no item {item_id!r} in {loaded.path}{hint}")
    if environment not in checklist.environments:
        known = ", ".join(sorted(checklist.environments))
        raise UsageError(f"--env {environment!r}: no such environment; known: {known}")
    if item.environments is not None and environment not in item.environments:
        raise UsageError(
            f"item {item_id} does not apply to {environment} "
            f"(its environments: {', '.join(item.environments)})"
        )
    if item.probe.kind != "manual":
        raise UsageError(
            f"item {item_id} is checked by the probe {item.probe.kind}, not manual: only "
            "manual items can be attested (a failing automated item can be waived, with an "
            "owner, an approver and an expiry, in the waivers file)"
        )
    if not by.strip():
        raise UsageError("--by: name the person who attests")
    wanted = required_role(item)
    if wanted and (role or "").casefold() != wanted.casefold():
        given = f"--role {role}" if role else "no --role"
        raise UsageError(
            f"item {item_id} must be attested by role {wanted!r}; {given} cannot attest it "
            f"(ask someone with role {wanted} to run: golive attest {item_id} --env "
            f"{environment} --by NAME --role {wanted})"
        )
    if expires is not None and expires <= now:
        raise UsageError(f"--expires {show_time(expires)} is not in the future")
    record = Attestation(
        item=item_id,
        environment=environment,
        by=by.strip(),
        role=role,
        at=now,
        evidence=evidence,
        expires=expires,
        item_sha256=item_digest(item),
    )
    entry: dict[str, Any] = {
        "item": record.item,
        "environment": record.environment,
        "by": record.by,
        "role": record.role,
        "at": show_time(record.at),
        "evidence": record.evidence,
        "expires": show_time(record.expires) if record.expires else None,
        "item_sha256": record.item_sha256,
    }
    if key is not None:
        from golive.signoff.attest_signing import sign_entry

        entry = sign_entry(entry, key, passphrase_env)
        record = record.model_copy(update={"key": entry["key"], "signature": entry["signature"]})
    path = attestations_path(loaded)
    load_attestations(loaded)  # a malformed file is reported, never appended to
    append_record(path, KEY, {k: v for k, v in entry.items() if v is not None}, HEADER)
    return record, path


def apply_attestations(
    loaded: LoadedChecklist,
    environment: str,
    results: list[ItemResult],
    attestations: list[Attestation],
    redactor: Redactor,
    now: datetime,
    allowed: list[AllowedSigner] | None = None,
) -> list[ItemResult]:
    """A manual result with a valid attestation becomes pass, showing who, as what, when.

    With `allowed` (--allowed-signers) only signed attestations by an allowed signer
    count; a signed attestation that was changed never counts (golive/signoff/attest_signing.py).

    When the newest attestation for the item does not hold (expired, made for another
    definition of the item, or by the wrong role), the item stays manual and says why.
    """
    items = {item.id: item for item in loaded.checklist.items}
    out = []
    for r in results:
        item = items.get(r.id)
        candidates = [a for a in attestations if a.item == r.id and a.environment == environment]
        if r.status is not Status.MANUAL or item is None or not candidates:
            out.append(r)
            continue
        digest = item_digest(item)
        wanted = required_role(item)
        judged = [
            (a, _why_not(a, digest, wanted, now) or signature_problem(a, allowed))
            for a in candidates
        ]
        valid = [a for a, why in judged if why is None]
        if valid:
            a = max(valid, key=lambda x: x.at)
            shown = {k: _clean(v, redactor) for k, v in a.summary().items()}
            role = f" as {shown['role']}" if shown["role"] else ""
            evidence = f"; evidence: {shown['evidence']}" if shown["evidence"] else ""
            until = f", until {shown['expires']}" if shown["expires"] else ""
            until += f", signed with {a.key}" if a.signature else " (unsigned)"
            out.append(
                replace(
                    r,
                    status=Status.PASS,
                    message=f"attested by {shown['by']}{role} at {shown['at']}{until}{evidence}",
                    attestation={**shown, "applied": True},
                )
            )
            continue
        a, why = max(judged, key=lambda x: x[0].at)
        shown = {k: _clean(v, redactor) for k, v in a.summary().items()}
        reason = str(why)
        out.append(
            replace(
                r,
                message=f"{r.message} (the attestation by {shown['by']} at {shown['at']} "
                f"does not count: {reason})",
                attestation={**shown, "applied": False, "why_not": reason},
            )
        )
    return out


def signature_problem(a: Attestation, allowed: list[AllowedSigner] | None) -> str | None:
    from golive.signoff.attest_signing import signature_problem as problem

    return problem(entry_of(a), a.signature, a.key, allowed)


def entry_of(a: Attestation) -> dict[str, Any]:
    """The fields as `golive attest` wrote them (times as YYYY-MM-DDTHH:MM:SSZ)."""
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


def _why_not(a: Attestation, digest: str, wanted: str | None, now: datetime) -> str | None:
    if a.item_sha256 != digest:
        return (
            f"it was made for another definition of this item (sha256 {a.item_sha256[:12]}…, "
            f"now {digest[:12]}…): the item changed since, attest it again"
        )
    if wanted and (a.role or "").casefold() != wanted.casefold():
        return f"this item needs role {wanted}, the attestation is by role {a.role or '(none)'}"
    if a.expires is not None and a.expires <= now:
        return f"it expired at {show_time(a.expires)}"
    return None


def _clean(value: Any, redactor: Redactor) -> Any:
    return redactor.text(value) if isinstance(value, str) else value
