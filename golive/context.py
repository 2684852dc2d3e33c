"""The plug-in API's import path for `ProbeContext` (docs/probe-api.md), kept stable;
the code is in golive/engine/context.py, which golive's own modules import."""

from golive.engine.context import ProbeContext

__all__ = ["ProbeContext"]
