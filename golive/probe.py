"""The plug-in API's import path (docs/probe-api.md): a probe subclasses `Probe`, takes
`ProbeParams`, raises `ProbeError` when it cannot decide. Kept here, stable, while the
engine (golive/engine/probe.py) holds the code; golive's own modules import the engine."""

from golive.engine.probe import NoParams, P, Probe, ProbeError, ProbeParams

__all__ = ["NoParams", "P", "Probe", "ProbeError", "ProbeParams"]
