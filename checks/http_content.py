"""What an answer of the deployment carries: JSON fields it must have, and fields or
secrets it must not (password hashes, this deployment's secrets, Stripe secret keys).
Shared by http.status and the probes that read answers' content."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from golive.core.secrets import mask, secret_parts
from golive.core.stripe_keys import SECRET_IN_TEXT
from golive.engine.context import ProbeContext

if TYPE_CHECKING:
    import httpx

DEFAULT_FORBIDDEN_FIELDS = (
    "password",
    "password_hash",
    "hashed_password",
    "passwd",
    "secret_key",
    "api_key",
    "stripe_secret_key",
    "webhook_secret",
    "signing_secret",
    "access_token",
    "refresh_token",
)
# Stripe secret keys and signing secrets, wherever they appear (publishable keys are public).
STRIPE_SECRET = SECRET_IN_TEXT  # golive/core/stripe_keys.py: the one home of key shapes


# -- JSON fields -------------------------------------------------------------------------

SEGMENT = re.compile(r"^(?P<key>[^\[\]]*)(?:\[(?P<index>\d*)\])?$")


@dataclass
class FieldCheck:
    missing: list[str] = field(default_factory=list)
    empty_lists: list[str] = field(default_factory=list)
    checked: int = 0


def check_field(document: Any, path: str) -> FieldCheck:
    """Whether `path` (`a.b`, `data[].fraud_type`, `data[0].id`) exists in `document`.

    `[]` applies the rest of the path to every element of a list; an empty list there is
    reported in `empty_lists` (nothing could be checked).
    """
    result = FieldCheck()
    current: list[tuple[Any, str]] = [(document, "")]
    for segment in path.split("."):
        match = SEGMENT.match(segment)
        if match is None:
            raise ValueError(f"bad field path {path!r}")
        key, index = match.group("key"), match.group("index")
        following: list[tuple[Any, str]] = []
        for value, where in current:
            if key:
                where = f"{where}.{key}" if where else key
                if not isinstance(value, dict) or key not in value:
                    result.missing.append(where)
                    continue
                value = value[key]
            if index is None:
                following.append((value, where))
            elif not isinstance(value, list):
                result.missing.append(f"{where}[] (not a list)")
            elif index == "":
                if not value:
                    result.empty_lists.append(where or "(body)")
                following.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
            elif int(index) < len(value):
                following.append((value[int(index)], f"{where}[{index}]"))
            else:
                result.missing.append(f"{where}[{index}]")
        current = following
    result.checked = len(current)
    return result


def find_keys(document: Any, names: set[str], where: str = "") -> Iterator[str]:
    """Locations of keys named like `names` (case-insensitive), anywhere in `document`."""
    if isinstance(document, dict):
        for key, value in document.items():
            here = f"{where}.{key}" if where else str(key)
            if str(key).lower() in names:
                yield here
            yield from find_keys(value, names, here)
    elif isinstance(document, list):
        for i, value in enumerate(document):
            yield from find_keys(value, names, f"{where}[{i}]")


def find_strings(document: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON document with its location."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from find_strings(value, f"{where}.{key}" if where else str(key))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            yield from find_strings(value, f"{where}[{i}]")
    elif isinstance(document, str):
        yield where or "(body)", document


def leaked_secrets(ctx: ProbeContext, document: Any, text: str) -> list[str]:
    """Where a response carries a secret of this deployment or a Stripe secret key."""
    known: dict[str, str] = {}
    for name, config_value in ctx.env.config.items():
        if config_value.secret:
            for part in secret_parts(config_value.reveal()):
                known.setdefault(part, f"the value of {name}")
    for role in ctx.env.roles.values():
        for credential in role.headers.values():
            for part in secret_parts(credential.reveal().removeprefix("Bearer ")):
                known.setdefault(part, f"role {role.name}'s credential")
    strings = list(find_strings(document)) if document is not None else [("(body)", text)]
    found: list[str] = []
    for where, string in strings:
        for part, what in known.items():
            if part in string:
                found.append(f"{what} ({mask(part)}) at {where}")
        found.extend(
            f"a Stripe secret ({mask(token)}) at {where}"
            for token in STRIPE_SECRET.findall(string)
            if token not in known
        )
    return found


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def list_items(document: Any) -> list[Any] | None:
    """The list in a list answer: the body itself, or its `data`/`items`/`results`."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in ("data", "items", "results"):
            if isinstance(document.get(key), list):
                return list(document[key])
        lists = [v for v in document.values() if isinstance(v, list)]
        if len(lists) == 1:
            return list(lists[0])
    return None
