"""Secret values: wrapped from the moment they are read, shown only as prefix + short hash.

A deployment's configuration holds Stripe keys, webhook secrets, tokens and database
passwords. golive reads them to probe with, but no output may ever contain one. Two
layers make sure of it:

1. `Secret` is a type. Its `str()`/`repr()`/`format()` give the redacted form
   (`sk_live_…(sha256:1a2b3c)`); only `.reveal()` gives the value, and only a probe that
   sends it somewhere (an API key header, an HMAC) calls that.
2. `Redactor` knows every secret value of the run and scrubs any text (messages,
   evidence, error strings, log records) before it leaves a probe.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from golive.stripe_keys import SECRET_PREFIXES
from golive.stripe_keys import TOKEN_IN_TEXT as _STRIPE_TOKEN

# Parts of variable names that mark a value as secret.
SECRET_NAME_PARTS = ("SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "PRIVATE", "CREDENTIAL")
SECRET_NAME_SUFFIXES = ("_KEY", "_PWD", "_DSN")
# Database URLs carry a password between ':' and '@'.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]+)(?=@)")
_MIN_SCRUB_LEN = 6  # shorter "secrets" would scrub ordinary words


def short_hash(value: str) -> str:
    """The first 6 hex digits of the value's SHA-256: enough to tell two values apart."""
    return hashlib.sha256(value.encode()).hexdigest()[:6]


def visible_prefix(value: str) -> str:
    """The part of a secret that may be shown: its well-known prefix, nothing of its body."""
    for prefix in SECRET_PREFIXES:
        if value.startswith(prefix):
            return prefix
    return ""


def mask(value: str) -> str:
    """The redacted form of a secret: `sk_live_…(sha256:1a2b3c)`."""
    return f"{visible_prefix(value)}…(sha256:{short_hash(value)})"


def looks_secret(name: str, value: str) -> bool:
    """Whether a configuration value must be wrapped, by its name or by its prefix."""
    upper = name.upper()
    if any(part in upper for part in SECRET_NAME_PARTS):
        return True
    if upper.endswith(SECRET_NAME_SUFFIXES):
        return True
    if visible_prefix(value):
        return True
    return bool(_URL_PASSWORD.search(value))


def redact_url(url: str) -> str:
    """A URL with its password replaced by the mask: `postgresql://app:***@db/app`."""
    return _URL_PASSWORD.sub(lambda m: m.group("head") + mask(m.group("pw")), url)


class Secret:
    """A value that must never be shown. `str()` and `repr()` give the mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself: only for sending it where it belongs."""
        return self._value

    @property
    def prefix(self) -> str:
        return visible_prefix(self._value)

    def __str__(self) -> str:
        if _URL_PASSWORD.search(self._value):
            return redact_url(self._value)
        return mask(self._value)

    def __repr__(self) -> str:
        return f"Secret({self})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:  # pickling would carry the value out: refuse it
        raise TypeError("a Secret cannot be pickled")


def secret_parts(value: str) -> list[str]:
    """The substrings of a value that must never appear: a URL's password (the rest of a
    database URL, host and path, stays readable), else the whole value."""
    passwords = [m.group("pw") for m in _URL_PASSWORD.finditer(value)]
    parts = passwords or [value]
    return [p for p in parts if len(p) >= _MIN_SCRUB_LEN]


class Redactor:
    """Scrubs every known secret value (and anything Stripe-token-shaped) out of text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for value in secrets:
            self.add(value)

    def add(self, value: str) -> None:
        self._secrets.update(secret_parts(value))

    def text(self, text: str) -> str:
        # Longest first, so a secret containing another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, mask(secret))
        text = _STRIPE_TOKEN.sub(lambda m: mask(m.group(0)), text)
        return redact_url(text)

    def value(self, value: Any) -> Any:
        """Redacts a JSON-like value (evidence) recursively; Secrets become their mask."""
        if isinstance(value, Secret):
            return str(value)
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.value(v) for v in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.text(str(value))
