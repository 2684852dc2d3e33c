"""golive: the Stripe go-live checklist as code."""

__version__ = "0.1.0"
