"""Items only a person can confirm: they stay `manual` until someone attests them."""

from __future__ import annotations

from pydantic import Field

from golive.context import ProbeContext
from golive.probe import Probe, ProbeParams
from golive.results import Outcome, Status


class ManualParams(ProbeParams):
    attested_by: str = Field(description="Who must attest it (a role or a name).")
    evidence: str | None = Field(None, description="What the attestation should point to.")


class Manual(Probe[ManualParams]):
    kind = "manual"
    Params = ManualParams
    summary = "A person confirms it; `manual` until attested."

    def run(self, params: ManualParams, ctx: ProbeContext) -> Outcome:

        wanted = f" with evidence: {params.evidence}" if params.evidence else ""
        return Outcome(Status.MANUAL, f"awaiting attestation by {params.attested_by}{wanted}")
