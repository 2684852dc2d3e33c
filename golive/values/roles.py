"""A role's credentials as resolved from its profile: fixed headers and cookies, and how
to obtain the rest (a login request or a command), filled in but not yet used."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from golive.core.secrets import Secret, looks_secret

if TYPE_CHECKING:
    from golive.checklist.profiles import LoginSpec


@dataclass(frozen=True)
class ResolvedLogin:
    """A role's login request with its `${VAR}`s filled in (values stay in memory only)."""

    spec: LoginSpec
    form: dict[str, str] | None = None
    json_body: Any = None

    def secret_values(self) -> list[str]:
        """The values of fields named like secrets (password, token), for redaction."""
        body = self.form if self.form is not None else self.json_body
        return [value for key, value in leaves(body) if looks_secret(key, value)]


@dataclass(frozen=True)
class RoleCommand:
    """A command (argv, no shell) printing a bearer token or a cookie NAME=VALUE."""

    argv: tuple[str, ...]
    prints: Literal["token", "cookie"] = "token"
    timeout: float = 30.0


@dataclass(frozen=True)
class Role:
    """Resolved credentials of one role; the header values are secrets.

    A role that logs in (`login`) or runs a command (`command`) gets its credentials on
    first use (golive/values/login.py); until then headers and cookies hold the fixed ones only.
    """

    name: str
    headers: Mapping[str, Secret]
    cookies: Mapping[str, Secret]
    missing: tuple[str, ...] = ()
    login: ResolvedLogin | None = None
    command: RoleCommand | None = None

    @property
    def logs_in(self) -> bool:
        return self.login is not None or self.command is not None


def leaves(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(field name, text) of every non-empty string in a JSON-like value."""
    if isinstance(value, str):
        if value:
            yield key, value
    elif isinstance(value, dict):
        for name, sub in value.items():
            yield from leaves(sub, str(name))
    elif isinstance(value, list):
        for sub in value:
            yield from leaves(sub, key)
