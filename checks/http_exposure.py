"""http.no_credentials: what a plain user receives carries no credential material.

The JSON and HTML of the item's user routes (GET, as the role) must hold no password
hash (bcrypt, argon2, scrypt, pbkdf2 shapes), no field named like a password, hash or
secret with a value, and no Stripe secret key, restricted key or webhook signing secret
(sk_/rk_/whsec_). Values are never shown: a location and a masked prefix at most.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from golive.core.results import Outcome
from golive.core.secrets import mask
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams

from .http_client import Patience, RoutePath, never_reached, role_headers, status_text
from .http_content import json_of

#: Password-hash shapes (modular crypt and framework formats) and Stripe secrets.
SHAPES = {
    "a bcrypt hash": re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}"),
    "an argon2 hash": re.compile(r"\$argon2(?:id|i|d)\$[^\s\"'<]{20,}"),
    "a scrypt hash": re.compile(r"\$(?:scrypt|7)\$[^\s\"'<]{20,}|\bscrypt:\d+:\d+:\d+\$[^\s\"'<]+"),
    "a pbkdf2 hash": re.compile(
        r"\bpbkdf2[_:-]sha\d+[$:][^\s\"'<]{20,}|\$pbkdf2-sha\d+\$[^\s\"'<]+"
    ),
    "a Stripe secret key": re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{6,}"),
    "a webhook signing secret": re.compile(r"\bwhsec_[A-Za-z0-9+/=]{6,}"),
}
#: Field names that hold credentials (matched on the whole key, case-insensitive).
FIELD = re.compile(
    r"^(?:.*password.*|passwd|pass_?hash|.*_hash|hash|hashed_.*|.*secret.*|salt)$", re.I
)


class NoCredentialsParams(ProbeParams):
    routes: list[RoutePath] = Field(
        default_factory=list, description="User routes (GET) whose answers are examined."
    )
    role: str = Field("user", description="The plain user who receives them.")
    json_answer: bool = Field(
        True,
        alias="json",
        description="The routes answer JSON (false: HTML pages, searched as text); a "
        "non-JSON answer to a JSON route is a login or maintenance page: error.",
    )


def _fields(document: Any, where: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(document, dict):
        for key, value in document.items():
            here = f"{where}.{key}" if where else str(key)
            yield here, str(key), value
            yield from _fields(value, here)
    elif isinstance(document, list):
        for i, value in enumerate(document):
            yield from _fields(value, f"{where}[{i}]")


def findings(text: str, document: Any) -> list[str]:
    """What credential material an answer carries, values masked."""
    found: list[str] = []
    for what, shape in SHAPES.items():
        found.extend(f"{what} ({mask(m)})" for m in shape.findall(text)[:3])
    if document is not None:
        for where, key, value in _fields(document):
            if FIELD.match(key) and isinstance(value, str) and value:
                found.append(f"a field {where} ({mask(value)})")
    return found


class NoCredentials(Probe[NoCredentialsParams]):
    kind = "http.no_credentials"
    Params = NoCredentialsParams
    summary = (
        "The answers a plain user receives carry no password hash (bcrypt, argon2, scrypt, "
        "pbkdf2), no password/hash/secret field and no sk_/rk_/whsec_ value."
    )

    def run(self, params: NoCredentialsParams, ctx: ProbeContext) -> Outcome:
        if not params.routes:
            return Outcome.not_applicable(
                "not judged: the item names no user routes (set user_routes to the routes a "
                "signed-in user reads, such as /api/me)"
            )
        headers = role_headers(ctx, params.role)
        patience = Patience(ctx)
        base = ctx.base_url()
        leaks: list[str] = []
        looked: list[str] = []
        for path in params.routes:
            response = patience.send(ctx, "GET", base + path, headers=headers)
            unreached = never_reached("GET", path, [response], role=params.role)
            if unreached:
                raise ProbeError(unreached)
            if not 200 <= response.status_code < 300:
                raise ProbeError(
                    f"GET {path} as {params.role} got {status_text(response)}: the answer a "
                    "user receives could not be examined"
                )
            document = json_of(response)
            if params.json_answer and document is None:
                ctype = response.headers.get("content-type", "no Content-Type").split(";")[0]
                raise ProbeError(
                    f"GET {path} as {params.role} got {response.status_code} that is not JSON "
                    f"({ctype}): a login or maintenance page answered instead of the route, so "
                    "what a user receives could not be examined (json: false for HTML pages)"
                )
            found = findings(response.text, document)
            leaks.extend(f"GET {path}: {f}" for f in found[:5])
            looked.append(f"GET {path} {response.status_code}")
        evidence = {"routes": params.routes, "role": params.role}
        if leaks:
            return Outcome.failed(
                f"what {params.role} receives carries credential material: {'; '.join(leaks)}: "
                "remove these values from the response (serialise an explicit list of public "
                "fields), and rotate any secret that was exposed",
                **evidence,
            )
        return Outcome.passed(
            f"no credential material in {', '.join(looked)} as {params.role}", **evidence
        )
