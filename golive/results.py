"""The plug-in API's import path for `Outcome` and the statuses (docs/probe-api.md), kept
stable; the code is in golive/core/results.py, which golive's own modules import."""

from golive.core.results import Evidence, Outcome, SkipKind, Status

__all__ = ["Evidence", "Outcome", "SkipKind", "Status"]
