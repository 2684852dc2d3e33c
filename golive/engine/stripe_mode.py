"""Whether the environment's Stripe key reads this environment's mode (live or test):
by its prefix, then confirmed by the API (one GET /v1/balance per run)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from golive.core import stripe_keys
from golive.core.errors import ProbeError
from golive.core.secrets import mask
from golive.engine.stripe_client import describe

if TYPE_CHECKING:
    from golive.engine.context import ProbeContext


class KeyModeMismatch(ProbeError):
    """The key reads the other mode's data: nothing this environment owns was examined."""


@dataclass(frozen=True)
class ModeKey:
    """The API key a probe reads with, and the mode of the data it reads."""

    key: str
    mode: str  # 'live' or 'test': what the key's prefix says and the API confirmed
    confirmed: bool  # False when the key may not read the balance (a restricted key)

    def label(self) -> str:
        """How a message names the data it looked at: `live-mode data`."""
        return f"{self.mode}-mode data"


def key_in_mode(ctx: ProbeContext) -> ModeKey:
    """The environment's API key, once it is proven to read this environment's mode.

    Stripe answers every request in the key's mode: a test key in a live environment reads
    the test account, test prices and test events, so any verdict from them would be about
    the wrong data. The prefix decides first (no request); the API's `livemode` (one GET
    /v1/balance per run, shared by every item through the client's memory) confirms it.
    Raises `KeyModeMismatch` (the item is undecided, with no remedy of its own).
    """
    import stripe

    var = ctx.env.stripe.api_key_var
    key = ctx.require_var(var).reveal()
    shape = stripe_keys.shape(key)
    if shape.mode is None or shape.kind not in ("secret", "restricted"):
        raise ProbeError(
            f"{var} ({mask(key)}) is not a secret or restricted Stripe API key "
            "(sk_live_, sk_test_, rk_live_, rk_test_): no Stripe data was examined"
        )
    if shape.mode != ctx.mode:
        raise KeyModeMismatch(_mismatch(var, key, shape.mode, ctx))
    try:
        balance = ctx.stripe().v1.balance.retrieve()
    except stripe.PermissionError:
        return ModeKey(key, shape.mode, confirmed=False)  # a restricted key: the prefix says
    except stripe.StripeError as exc:
        raise ProbeError(f"GET /v1/balance (the key's mode): {describe(exc, key)}") from None
    reported = "live" if balance.livemode else "test"
    if reported != ctx.mode:
        raise KeyModeMismatch(_mismatch(var, key, reported, ctx, by_api=True))
    return ModeKey(key, reported, confirmed=True)


def _mismatch(var: str, key: str, mode: str, ctx: ProbeContext, *, by_api: bool = False) -> str:
    said = "Stripe reports" if by_api else "its prefix shows"
    return (
        f"{var} ({mask(key)}) is a {mode}-mode key ({said} {mode} mode); environment "
        f"{ctx.env.name!r} runs in {ctx.mode} mode, so its {ctx.mode}-mode data was not "
        f"examined (the key is the fault, see the key items)"
    )
