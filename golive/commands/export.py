"""`golive report`: render a stored JSON report again, in any format, without re-running.

The HTML page gets a sign-off block whose verification status is the one at export
time (with --allowed-signers: who may sign, too); the JSON format writes the stored
document itself, signatures and all, so nothing a later golive added is lost.
"""

from __future__ import annotations

import json
from pathlib import Path

from golive.commands import output
from golive.core.errors import UsageError
from golive.core.results import Report
from golive.reporters import Format
from golive.reporters.html import SignoffEntry
from golive.reporters.json import report_from_dict
from golive.signoff import signing, verification


def signoff_entries(checks: list[verification.Check]) -> list[SignoffEntry]:
    entries = []
    for c in checks:
        if not c.valid or (c.problem and c.allowed is not False):
            status = f"INVALID: {c.problem}"
        elif c.allowed is False:
            status = "NOT ALLOWED by the allowed signers file"
        elif c.allowed is None:
            status = "valid signature (signer not checked: no --allowed-signers)"
        else:
            status = "valid, allowed signer"
        entries.append(
            SignoffEntry(
                by=c.by,
                role=c.role,
                signed_at=c.signed_at,
                key=c.key,
                accept_risk=c.accept_risk,
                status=status,
                ok=c.ok,
            )
        )
    return entries


def export(
    path: Path, outputs: list[output.Output], allowed_signers: Path | None, *, color: bool
) -> Report:
    data = signing.load_report(path)
    try:
        report = report_from_dict(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise UsageError(f"{path}: not a report golive can render: {exc}") from None
    allowed = verification.parse_allowed_signers(allowed_signers) if allowed_signers else None
    entries = signoff_entries(verification.check_signatures(data, allowed))
    texts = {Format.JSON: json.dumps(data, indent=2, ensure_ascii=False) + "\n"}
    output.write_outputs(report, outputs, color=color, signoff=entries, texts=texts)
    return report
