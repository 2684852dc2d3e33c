"""What a Stripe key looks like: the one place that knows its prefixes and modes.

A key's prefix names its kind (`sk_` secret, `rk_` restricted, `pk_` publishable,
`whsec_` webhook signing secret) and, for API keys, its mode (`live` or `test`).
The redactor, the env probes, the Stripe client and the Stripe probes all read keys
through this module, so that a new prefix is taught to golive once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Mode = Literal["live", "test"]
Kind = Literal["secret", "restricted", "publishable", "webhook_secret"]

MODES: tuple[Mode, ...] = ("live", "test")
#: API-key kinds by the two letters before the mode
API_KINDS: dict[str, Kind] = {"sk": "secret", "rk": "restricted", "pk": "publishable"}
WEBHOOK_SECRET_PREFIX = "whsec_"

#: Prefixes a value may show (and that make it secret whatever its variable is called),
#: longest first so that the shown prefix is as telling as possible.
SECRET_PREFIXES: tuple[str, ...] = (
    *(f"{letters}_{mode}_" for letters in ("sk", "rk") for mode in MODES),
    WEBHOOK_SECRET_PREFIX,
    *(f"pk_{mode}_" for mode in MODES),
    "sk_",
    "rk_",
)

_API_KEY = re.compile(r"^(?P<letters>sk|rk|pk)_(?P<mode>live|test)_")
#: a Stripe API key or webhook secret anywhere in free text (for scrubbing)
TOKEN_IN_TEXT = re.compile(
    r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{6,}|\bwhsec_[A-Za-z0-9+/=]{6,}"
)


def secret_pattern(min_body: int, *, posix: bool = False) -> str:
    """Regex text for a secret or restricted key (either mode) or a webhook signing secret
    whose body has at least `min_body` characters; publishable keys are public, so not
    matched. `posix`: the same as a POSIX ERE (for `git grep -E`: no `(?:`)."""
    group = "(" if posix else "(?:"
    return (
        rf"{group}sk|rk)_{group}live|test)_[A-Za-z0-9]{{{min_body},}}"
        rf"|whsec_[A-Za-z0-9+/=]{{{min_body},}}"
    )


#: a secret key or webhook secret anywhere in free text (what a response must not show)
SECRET_IN_TEXT = re.compile(rf"\b(?:{secret_pattern(6)})")
#: an API key as Stripe echoes it in an error message (partly starred)
ECHO_IN_TEXT = re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*]+")


@dataclass(frozen=True)
class KeyShape:
    """What a value's prefix says: kind and (for API keys) mode; None where it says nothing."""

    kind: Kind | None
    mode: Mode | None


def shape(value: str) -> KeyShape:
    """The kind and mode a value's prefix shows (`sk_live_...` -> secret, live)."""
    match = _API_KEY.match(value)
    if match:
        mode: Mode = "live" if match.group("mode") == "live" else "test"
        return KeyShape(API_KINDS[match.group("letters")], mode)
    if value.startswith(WEBHOOK_SECRET_PREFIX):
        return KeyShape("webhook_secret", None)
    return KeyShape(None, None)


def is_test_api_key(value: str) -> bool:
    """A secret or restricted key of test mode (`sk_test_`, `rk_test_`): what may write
    to Stripe's test mode; a live or publishable key is not one."""
    found = shape(value)
    return found.mode == "test" and found.kind in ("secret", "restricted")


def key_mode(value: str) -> Mode | None:
    """'live' or 'test' from an API key's prefix (sk_/rk_/pk_), else None."""
    return shape(value).mode


def prefixes(kind: Kind, mode: str) -> tuple[str, ...]:
    """The prefixes a value of `kind` has in `mode` (`secret`, live -> `sk_live_`)."""
    if kind == "webhook_secret":
        return (WEBHOOK_SECRET_PREFIX,)
    letters = next(k for k, v in API_KINDS.items() if v == kind)
    return (f"{letters}_{mode}_",)


def visible_prefix(value: str) -> str:
    """The part of a secret that may be shown: its well-known prefix, nothing of its body."""
    for prefix in SECRET_PREFIXES:
        if value.startswith(prefix):
            return prefix
    return ""
