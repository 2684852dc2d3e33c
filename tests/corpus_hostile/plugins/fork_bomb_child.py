
from golive.engine.probe import Probe, ProbeParams
from golive.core.results import Outcome


class Params(ProbeParams):
    pass


class Flag(Probe[Params]):
    kind = "acme.flag"
    Params = Params
    summary = "x"

    def run(self, params, ctx):
        import os, time; os.fork() or time.sleep(3600); time.sleep(3600)
        return Outcome.passed("ran")


PROBES = {"acme.flag": Flag}
