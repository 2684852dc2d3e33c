"""golive's User-Agent: the deployment's logs show who sent the probes (and the logins)."""

from __future__ import annotations


def user_agent() -> str:
    """golive's User-Agent: the deployment's logs show who sent the probes."""
    from golive import __version__

    return f"golive/{__version__} (+go-live checklist probe)"
