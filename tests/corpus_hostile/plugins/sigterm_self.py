
from golive.engine.probe import Probe, ProbeParams
from golive.core.results import Outcome


class Params(ProbeParams):
    pass


class Flag(Probe[Params]):
    kind = "acme.flag"
    Params = Params
    summary = "x"

    def run(self, params, ctx):
        import os, signal; os.kill(os.getpid(), signal.SIGTERM)
        return Outcome.passed("ran")


PROBES = {"acme.flag": Flag}
