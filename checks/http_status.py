"""http.status: each route answers each role (anonymous, user, admin) as expected.

Besides the status, an answer may have to carry JSON fields (`data[].fraud_type`) and
must not carry forbidden ones (password hashes) or a secret of the deployment. A 5xx the
item does not expect is `error`: the route fails, so its access control is not proven.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from golive.context import ProbeContext
from golive.probe import Probe, ProbeError, ProbeParams
from golive.results import Outcome
from golive.secrets import mask, secret_parts

from .http_client import (
    HttpMethod,
    RoutePath,
    role_headers,
    send,
    status_text,
)

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
STRIPE_SECRET = re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{6,}|\bwhsec_[A-Za-z0-9+/=]{6,}")


# -- JSON fields -------------------------------------------------------------------------

_SEGMENT = re.compile(r"^(?P<key>[^\[\]]*)(?:\[(?P<index>\d*)\])?$")


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
        match = _SEGMENT.match(segment)
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


def _json(response: httpx.Response) -> Any:
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


# -- http.status ---------------------------------------------------------------------------


class RouteSpec(ProbeParams):
    """One request and what it must get back."""

    path: RoutePath = Field(description="Path on the deployment; `{id}` is filled from id_from.")
    method: HttpMethod = "GET"
    role: str = Field("anonymous", description="A role of the environment, or anonymous.")
    expect: list[int] = Field(
        default_factory=lambda: [200], min_length=1, description="Statuses that pass."
    )
    body: dict[str, Any] | list[Any] | None = Field(None, description="A JSON request body.")
    headers: dict[str, str] = Field(default_factory=dict)
    require_fields: list[str] = Field(
        default_factory=list,
        description="JSON fields the answer must carry: `url`, `data[].fraud_type`.",
    )
    forbid_fields: list[str] | None = Field(
        None, description="Key names the answer must not carry anywhere (default: the item's)."
    )
    id_from: RoutePath | None = Field(
        None, description="A list route (GET, same role) whose first item's id fills {id}."
    )

    @model_validator(mode="after")
    def _id(self) -> RouteSpec:
        if ("{id}" in self.path) != (self.id_from is not None):
            raise ValueError("a path with {id} needs id_from, and id_from needs {id} in path")
        for path in self.require_fields:
            for segment in path.split("."):
                if not _SEGMENT.match(segment):
                    raise ValueError(f"bad field path {path!r}")
        return self

    def label(self) -> str:
        return f"{self.method} {self.path} as {self.role}"


class StatusParams(ProbeParams):
    routes: list[RouteSpec] = Field(min_length=1)
    forbid_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FORBIDDEN_FIELDS),
        description="Key names no answer may carry (password hashes, secrets).",
    )
    forbid_secrets: bool = Field(
        True, description="Fail if an answer carries a secret of this deployment or a Stripe key."
    )


@dataclass
class RouteResult:
    verdict: Literal["ok", "fail", "error", "unproven"]
    line: str
    evidence: dict[str, Any]


def _advice(route: RouteSpec, status: int, location: str | None) -> str:
    expected_ok = any(200 <= s < 300 for s in route.expect)
    if 200 <= status < 300 and 401 in route.expect:
        return "it answers without credentials: require authentication on this route"
    if 200 <= status < 300 and 403 in route.expect:
        return (
            f"role {route.role} is let in: allow only admins (ADMIN_EMAILS / "
            "ADMIN_EMAIL_DOMAIN) on this route"
        )
    if status == 401 and expected_ok:
        return (
            f"the credentials of role {route.role} were refused: check its token and the auth setup"
        )
    if status == 403 and expected_ok:
        return (
            f"role {route.role} is refused: add its e-mail to ADMIN_EMAILS or its domain "
            "to ADMIN_EMAIL_DOMAIN"
        )
    if status == 403 and route.expect == [401]:
        return "an anonymous request gets 403, not 401 (add 403 to expect if that is intended)"
    if status == 404 and set(route.expect) <= {401, 403}:
        return (
            "the request got past access control to the lookup (404) instead of being "
            "refused: check authentication and admin rights before anything else"
        )
    if status == 404:
        return "not found: is the route deployed at this path?"
    if 300 <= status < 400:
        target = f" to {location}" if location else ""
        return f"it redirects{target} (add {status} to expect if that is how it refuses)"
    return f"expected {', '.join(map(str, route.expect))}"


class StatusByRole(Probe[StatusParams]):
    kind = "http.status"
    Params = StatusParams
    summary = (
        "Each route answers each role (anonymous, user, admin) with the expected status, "
        "carrying the required JSON fields and no forbidden ones or secrets."
    )

    def run(self, params: StatusParams, ctx: ProbeContext) -> Outcome:
        base = ctx.base_url()
        results = [self._route(route, params, ctx, base) for route in params.routes]
        evidence = {"base_url": base, "routes": [r.evidence for r in results]}
        failed = [r.line for r in results if r.verdict == "fail"]
        errors = [r.line for r in results if r.verdict == "error"]
        unproven = [r.line for r in results if r.verdict == "unproven"]
        if failed:
            also = f" (and could not check: {'; '.join(errors)})" if errors else ""
            return Outcome.failed(
                f"{len(failed)} of {len(results)} route check(s) failed: {'; '.join(failed)}{also}",
                **evidence,
            )
        if errors:
            return Outcome.error(
                f"could not check {len(errors)} of {len(results)} route(s): {'; '.join(errors)}",
                **evidence,
            )
        if unproven:
            return Outcome.warn(
                f"nothing failed, but not everything could be checked: {'; '.join(unproven)}",
                **evidence,
            )
        return Outcome.passed("; ".join(r.line for r in results), **evidence)

    def _route(
        self, route: RouteSpec, params: StatusParams, ctx: ProbeContext, base: str
    ) -> RouteResult:
        label = route.label()
        evidence: dict[str, Any] = {
            "method": route.method,
            "path": route.path,
            "role": route.role,
            "expected": route.expect,
        }

        def result(verdict: Literal["ok", "fail", "error", "unproven"], line: str) -> RouteResult:
            evidence["result"] = verdict
            evidence["note"] = line
            return RouteResult(verdict, line, evidence)

        try:
            headers = {**role_headers(ctx, route.role), **route.headers}
            path = route.path
            if route.id_from is not None:
                picked = self._pick_id(route, ctx, base, headers)
                if picked is None:
                    return result(
                        "unproven",
                        f"{label}: {route.id_from} lists no item to open, so "
                        f"{route.path} was not checked",
                    )
                path = route.path.replace("{id}", picked)
                evidence["path"] = path
                label = f"{route.method} {path} as {route.role}"
            response = send(ctx, route.method, base + path, headers=headers, json_body=route.body)
        except ProbeError as exc:
            return result("error", f"{label}: {exc}")
        status = response.status_code
        evidence["status"] = status
        if status >= 500 and status not in route.expect:
            return result(
                "error",
                f"{label}: {status_text(response)}: the route fails; see the deployment's logs",
            )
        if status not in route.expect:
            advice = _advice(route, status, response.headers.get("location"))
            return result(
                "fail",
                f"{label}: got {status}, expected {'/'.join(map(str, route.expect))}; {advice}",
            )
        document = _json(response)
        problems: list[str] = []
        unproven: list[str] = []
        if route.require_fields:
            if document is None:
                problems.append(
                    "the answer is not JSON, so it lacks " + ", ".join(route.require_fields)
                )
            else:
                for path_spec in route.require_fields:
                    check = check_field(document, path_spec)
                    if check.missing:
                        problems.append(f"lacks {', '.join(check.missing[:5])}")
                    elif check.empty_lists and not check.checked:
                        unproven.append(f"{path_spec} (empty list at {check.empty_lists[0]})")
        forbidden = {
            n.lower()
            for n in (
                route.forbid_fields if route.forbid_fields is not None else params.forbid_fields
            )
        }
        if forbidden and document is not None:
            leaks = list(find_keys(document, forbidden))
            if leaks:
                problems.append(
                    f"carries {', '.join(leaks[:5])}: remove these fields from the response"
                )
        if params.forbid_secrets:
            secrets_found = leaked_secrets(ctx, document, response.text)
            if secrets_found:
                problems.append(
                    f"carries {'; '.join(secrets_found[:3])}: remove it from the response and "
                    "rotate that secret"
                )
        if problems:
            return result("fail", f"{label}: {status} but {'; '.join(problems)}")
        if unproven:
            return result(
                "unproven", f"{label}: {status}, but no element to check {', '.join(unproven)}"
            )
        return result("ok", f"{label}: {status}")

    def _pick_id(
        self, route: RouteSpec, ctx: ProbeContext, base: str, headers: Mapping[str, str]
    ) -> str | None:
        assert route.id_from is not None
        response = send(ctx, "GET", base + route.id_from, headers=headers)
        if not 200 <= response.status_code < 300:
            raise ProbeError(
                f"listing {route.id_from} as {route.role} to pick an id got {status_text(response)}"
            )
        items = list_items(_json(response))
        if items is None:
            raise ProbeError(f"{route.id_from} did not answer a JSON list")
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str | int):
                return str(item["id"])
        return None
