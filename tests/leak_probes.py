"""Careless probe kinds for the leak tests: they print what they read, transformed."""

from __future__ import annotations

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeParams


class ShowParams(ProbeParams):
    var: str
    how: str = "lower"  # lower, upper, raise


class Show(Probe[ShowParams]):
    """Shows a variable's raw value lower- or upper-cased, or raises an error holding it."""

    kind = "test.show"
    Params = ShowParams

    def run(self, params: ShowParams, ctx: ProbeContext) -> Outcome:
        value = ctx.require_var(params.var).reveal()
        if params.how == "raise":
            raise RuntimeError(f"internal trouble with {value.upper()}")
        shown = value.lower() if params.how == "lower" else value.upper()
        return Outcome.failed(f"{params.var} is {shown}", shown=shown)
