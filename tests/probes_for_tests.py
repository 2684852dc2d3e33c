"""Probe kinds that only the tests register: slow, broken, leaky, fixed outcomes."""

from __future__ import annotations

import threading
import time

from golive.core.results import Outcome, SkipKind, Status
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeParams


class SleepParams(ProbeParams):
    seconds: float


class Sleep(Probe[SleepParams]):
    kind = "test.sleep"
    Params = SleepParams

    def run(self, params: SleepParams, ctx: ProbeContext) -> Outcome:
        time.sleep(params.seconds)
        return Outcome.passed(f"slept {params.seconds}s")


class BoomParams(ProbeParams):
    message: str = "boom"


class Boom(Probe[BoomParams]):
    kind = "test.boom"
    Params = BoomParams

    def run(self, params: BoomParams, ctx: ProbeContext) -> Outcome:
        raise RuntimeError(params.message)


_barrier: dict[str, threading.Barrier] = {}
_lock = threading.Lock()


class RendezvousParams(ProbeParams):
    group: str
    parties: int


class Rendezvous(Probe[RendezvousParams]):
    """Passes only if `parties` probes of the group run at the same time."""

    kind = "test.rendezvous"
    Params = RendezvousParams

    def run(self, params: RendezvousParams, ctx: ProbeContext) -> Outcome:
        with _lock:
            barrier = _barrier.setdefault(params.group, threading.Barrier(params.parties))
        try:
            barrier.wait(timeout=2)
        except threading.BrokenBarrierError:
            return Outcome.failed("the other probes of the group did not run alongside")
        return Outcome.passed("met the others")


class LeakParams(ProbeParams):
    var: str


class Leak(Probe[LeakParams]):
    """A careless probe: puts a secret's raw value in its message, evidence and error."""

    kind = "test.leak"
    Params = LeakParams

    def run(self, params: LeakParams, ctx: ProbeContext) -> Outcome:
        value = ctx.require_var(params.var).reveal()
        if params.var.endswith("RAISE"):
            raise ValueError(f"could not use {value}")
        return Outcome.failed(f"the value is {value}", raw=value, nested={"v": [value]})


class FixedParams(ProbeParams):
    status: Status
    message: str = "fixed"
    skip_kind: SkipKind | None = None


class Fixed(Probe[FixedParams]):
    kind = "test.outcome"
    Params = FixedParams

    def run(self, params: FixedParams, ctx: ProbeContext) -> Outcome:
        return Outcome(params.status, params.message, {}, params.skip_kind)
