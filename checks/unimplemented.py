"""A stand-in for a probe kind whose module is not there: it always says `error`."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from golive.context import ProbeContext
from golive.probe import Probe, ProbeParams
from golive.results import Outcome


class AnyParams(ProbeParams):
    model_config = ConfigDict(extra="allow", frozen=True)


def not_implemented(kind: str) -> Probe[Any]:
    """A probe for `kind` that reports `error: probe not implemented`, never pass."""

    class NotImplementedProbe(Probe[AnyParams]):
        Params = AnyParams
        summary = "not implemented in this version of golive"

        def run(self, params: AnyParams, ctx: ProbeContext) -> Outcome:
            return Outcome.error(f"probe not implemented: {kind}")

    NotImplementedProbe.kind = kind
    return NotImplementedProbe()
