"""Items only a person can confirm: they stay `manual` until someone attests them.

The attestation itself is applied after the run (golive/signoff/attestations.py), from the
attestations file: this probe only says who must attest and with what evidence.
"""

from __future__ import annotations

from pydantic import Field

from golive.core.results import Outcome, Status
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeParams


class ManualParams(ProbeParams):
    attested_by: str = Field(
        "a named person", description="Who is expected to attest it (a role or a name)."
    )
    evidence: str | None = Field(None, description="What the attestation should point to.")
    role: str | None = Field(
        None,
        description="Only an attestation made with this role counts (`golive attest --role`); "
        "any role when absent.",
    )


class Manual(Probe[ManualParams]):
    kind = "manual"
    Params = ManualParams
    summary = "A person confirms it (`golive attest`); `manual` until attested."

    def run(self, params: ManualParams, ctx: ProbeContext) -> Outcome:
        wanted = f" with evidence: {params.evidence}" if params.evidence else ""
        role = f" (role {params.role})" if params.role else ""
        return Outcome(Status.MANUAL, f"awaiting attestation by {params.attested_by}{role}{wanted}")
