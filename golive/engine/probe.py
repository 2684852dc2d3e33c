"""The probe interface: every checklist item's `probe:` block names one of these.

A probe is a small class with a pydantic `Params` model for its YAML block and one
method, `run`, that returns an `Outcome`. Findings are return values, never exceptions:
`run` returns fail/warn/pass; it raises `ProbeError` (or anything else) only when it
could not decide, and the runner turns that into `error` for that item alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from golive.core.errors import ProbeError
from golive.core.results import Outcome

__all__ = ["NoParams", "P", "Probe", "ProbeError", "ProbeParams"]

if TYPE_CHECKING:
    from golive.engine.context import ProbeContext


class ProbeParams(BaseModel):
    """Base of every probe's parameters: unknown keys are an error, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(ProbeParams):
    """For probes that take no parameters."""


P = TypeVar("P", bound=ProbeParams)


class Probe(ABC, Generic[P]):
    """One kind of automated check. Subclasses set `kind`, `Params`, `summary`."""

    #: the name used in checklist.yaml's `probe: {kind: ...}`
    kind: ClassVar[str]
    #: the pydantic model of the rest of the `probe:` block
    Params: ClassVar[type[ProbeParams]] = NoParams
    #: one line for `golive probes` and the JSON Schema
    summary: ClassVar[str] = ""
    #: True for probes that send traffic a deployment could notice (bursts): the runner
    #: and the report say so, and live environments must opt in
    sends_traffic: ClassVar[bool] = False
    #: True for probes that use up a limit of the app's (a burst to 429): the runner starts
    #: them after every other item, so the limiter they fill answers no other item
    fills_limits: ClassVar[bool] = False

    @abstractmethod
    def run(self, params: P, ctx: ProbeContext) -> Outcome:
        """Decide the item. Return an Outcome; raise ProbeError if undecidable."""
