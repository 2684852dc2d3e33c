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
from urllib.parse import unquote

from golive.core.stripe_keys import SECRET_PREFIXES, TOKEN_IN_TEXT

# Parts of variable names that mark a value as secret.
SECRET_NAME_PARTS = ("SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "PRIVATE", "CREDENTIAL")
SECRET_NAME_SUFFIXES = ("_KEY", "_PWD", "_DSN")
# Query parameters of a URL whose value is a credential (libpq's `password`,
# `sslpassword`, drivers' `token`, `api_key`, ...): matched case-insensitively as parts.
SECRET_QUERY_PARTS = ("PASS", "PWD", "SECRET", "TOKEN", "KEY", "AUTH", "CREDENTIAL", "SIGNATURE")
# A URL with a scheme anywhere in free text, up to whitespace or a quote.
_URL_TOKEN = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>`]+")
# Stripe-shaped tokens anywhere in free text, in any letter case (a value shown
# lower-cased is still a key).
_STRIPE_TOKEN = re.compile(TOKEN_IN_TEXT.pattern, re.IGNORECASE)
_MIN_SCRUB_LEN = 6  # shorter "secrets" would scrub ordinary words


def short_hash(value: str) -> str:
    """The first 6 hex digits of the value's SHA-256: enough to tell two values apart."""
    return hashlib.sha256(value.encode()).hexdigest()[:6]


def visible_prefix(value: str) -> str:
    """The part of a secret that may be shown: its well-known prefix, nothing of its body."""
    for prefix in SECRET_PREFIXES:
        if value.startswith(prefix) and len(value) > len(prefix):  # a bare prefix is all body
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
    return bool(url_credentials(value))


def secret_query_name(name: str) -> bool:
    """Whether a URL query parameter carries a credential (`password`, `sslkey`, `token`)."""
    upper = name.upper()
    return any(part in upper for part in SECRET_QUERY_PARTS)


def _split_authority(url: str) -> tuple[str, str, str, str] | None:
    """`scheme://`, userinfo, the rest up to the query, and the query ("" when absent).

    The userinfo ends at the *last* `@` before the query: a password holding an unencoded
    `@` (`app:p@ss@host`) stays one password instead of leaking its tail as the host.
    """
    head, sep, rest = url.partition("://")
    if not sep:
        return None
    before_query, qsep, query = rest.partition("?")
    userinfo, at, hostpart = before_query.rpartition("@")
    if not at:
        userinfo, hostpart = "", before_query
    return head + sep, userinfo, hostpart, (qsep + query)


def normalize_url(url: str) -> str:
    """The URL with `@` inside its userinfo percent-encoded, so any URL parser (SQLAlchemy's
    `make_url` splits at the first `@`) sees the user, password and host the user meant."""
    parts = _split_authority(url)
    if parts is None or "@" not in parts[1]:
        return url
    head, userinfo, hostpart, query = parts
    return f"{head}{userinfo.replace('@', '%40')}@{hostpart}{query}"


def url_credentials(value: str) -> list[str]:
    """The credentials a URL carries: user name, password, secret-named query values.

    Parsed with SQLAlchemy's URL object (imported here, on first use) after
    `normalize_url`; a value that is no URL has none.
    """
    fields = _url_fields(value)
    if fields is None:
        return []
    user, secrets = fields
    return [f for f in (user, *secrets) if f]


def _url_fields(value: str) -> tuple[str, list[str]] | None:
    """(user name, [password, secret query values]) of a URL, or None for no URL."""
    value = value.strip()
    if "://" not in value or any(c.isspace() for c in value):
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(normalize_url(value))
    except (ArgumentError, ValueError):
        parts = _split_authority(value)
        if parts is None or not parts[1]:
            return None
        user, _, password = parts[1].partition(":")
        return user, [password] if password else []
    secrets = [str(url.password)] if url.password else []
    for key, val in url.query.items():
        if secret_query_name(key):
            secrets.extend([val] if isinstance(val, str) else list(val))
    # The forms as written too (percent-encoded), which text may quote.
    raw = _split_authority(value)
    if raw is not None and raw[1]:
        raw_user, _, raw_password = raw[1].partition(":")
        secrets.append(raw_password)
        if raw_user != (url.username or ""):
            secrets.append(raw_user)
    if raw is not None and raw[3]:
        for pair in raw[3][1:].split("&"):
            key, _, val = pair.partition("=")
            if secret_query_name(unquote(key)):
                secrets.append(val)
    return str(url.username or ""), list(dict.fromkeys(s for s in secrets if s))


def _mask_url_token(token: str) -> str:
    parts = _split_authority(token)
    if parts is None:
        return token
    head, userinfo, hostpart, query = parts
    if userinfo:
        # Hash the decoded value: a URL rendered with `%40` shows the same mask as typed.
        user, colon, password = (unquote(p) for p in userinfo.partition(":"))
        shown = (mask(user) if user else "") + (colon + mask(password) if colon else "")
        userinfo = shown + "@"
    if query:
        pairs = []
        for pair in query[1:].split("&"):
            key, eq, val = pair.partition("=")
            secret = eq and secret_query_name(unquote(key))
            pairs.append(f"{key}={mask(unquote(val))}" if secret else pair)
        query = "?" + "&".join(pairs)
    return f"{head}{userinfo}{hostpart}{query}"


def redact_url(text: str) -> str:
    """Every URL in `text` with its credentials masked: user name, password (up to the
    last `@`) and secret-named query parameters: `postgresql://…(sha256:1a2b3c):…(sha256:
    4d5e6f)@db/app?sslmode=require&password=…(sha256:…)`. Host, port, path stay readable."""
    if "://" not in text:
        return text
    return _URL_TOKEN.sub(lambda m: _mask_url_token(m.group(0)), text)


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
        if url_credentials(self._value):
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
    """The substrings of a value that must never appear: a URL's credentials (the rest of
    a database URL, host and path, stays readable), else the whole value."""
    parts = url_credentials(value) or [value]
    return [p for p in parts if len(p) >= _MIN_SCRUB_LEN]


def _split_parts(value: str) -> tuple[list[str], list[str]]:
    """(parts scrubbed wherever they occur, parts scrubbed as whole words): a URL's user
    name is a word (user `postgres` must not break `postgresql://`)."""
    fields = _url_fields(value)
    if fields is None or not (fields[0] or fields[1]):
        return secret_parts(value), []
    user, secrets = fields
    words = [user] if len(user) >= _MIN_SCRUB_LEN else []
    return [s for s in secrets if len(s) >= _MIN_SCRUB_LEN], words


# Every secret any Redactor of this process has learnt: an internal error (a bug, shown
# as one line or, with GOLIVE_DEBUG=1, a traceback) is scrubbed with all of them.
_RUN_SECRETS: set[str] = set()


_RUN_WORDS: set[str] = set()


def remember(value: str) -> None:
    """Note a secret the moment it is read, for `Redactor.of_run()`."""
    parts, words = _split_parts(value)
    _RUN_SECRETS.update(parts)
    _RUN_WORDS.update(words)


class Redactor:
    """Scrubs every known secret value (and anything Stripe-token-shaped) out of text.

    Matching ignores letter case: a secret pasted into a variable that a probe shows
    lower-cased (a mode, a tier) is still found.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: dict[str, str] = {}  # lower-cased -> as read
        self._words: set[str] = set()  # lower-cased, matched as whole words
        self._pattern: re.Pattern[str] | None = None
        for value in secrets:
            self.add(value)

    @classmethod
    def of_run(cls) -> Redactor:
        """A redactor knowing every secret read so far in this process."""
        redactor = cls(_RUN_SECRETS)
        for word in _RUN_WORDS:
            redactor._add_part(word, word=True)
        return redactor

    def add(self, value: str) -> None:
        parts, words = _split_parts(value)
        _RUN_SECRETS.update(parts)
        _RUN_WORDS.update(words)
        for part in parts:
            self._add_part(part, word=False)
        for part in words:
            self._add_part(part, word=True)

    def _add_part(self, part: str, word: bool) -> None:
        key = part.lower()
        if key not in self._secrets:
            self._secrets[key] = part
            self._pattern = None
        if word:
            self._words.add(key)
            self._pattern = None
        else:
            self._words.discard(key)

    def _compiled(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._secrets:
            # Longest first, so a secret containing another is replaced whole.
            ordered = sorted(self._secrets, key=len, reverse=True)
            alternatives = [
                rf"(?<![A-Za-z0-9_]){re.escape(s)}(?![A-Za-z0-9_])"
                if s in self._words
                else re.escape(s)
                for s in ordered
            ]
            self._pattern = re.compile("|".join(alternatives), re.IGNORECASE)
        return self._pattern

    def text(self, text: str) -> str:
        pattern = self._compiled()
        if pattern is not None:
            known = self._secrets
            text = pattern.sub(lambda m: mask(known.get(m.group(0).lower(), m.group(0))), text)
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
