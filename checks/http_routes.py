"""The items of http.status: the routes (request and expected answer), the item's
parameters, and the advice for a status other than the expected one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from golive.engine.probe import ProbeParams

from .http_client import DEFAULT_LOGIN_PATTERN, HttpMethod, RoutePath
from .http_content import DEFAULT_FORBIDDEN_FIELDS, SEGMENT

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Request headers that carry credentials (a route's own headers may add some).
CREDENTIAL_HEADER = re.compile(r"^(authorization|cookie)$|token|key|auth|session", re.I)


class RouteSpec(ProbeParams):
    """One request and what it must get back."""

    path: RoutePath = Field(description="Path on the deployment; `{id}` is filled from id_from.")
    method: HttpMethod = "GET"
    role: str = Field("anonymous", description="A role of the environment, or anonymous.")
    expect: list[int] = Field(
        default_factory=lambda: [200], min_length=1, description="Statuses that pass."
    )
    body: dict[str, Any] | list[Any] | None = Field(None, description="A JSON request body.")
    form: dict[str, str | int | float | bool] | None = Field(
        None, description="A form-encoded request body (instead of body)."
    )
    headers: dict[str, str] = Field(default_factory=dict)
    require_fields: list[str] = Field(
        default_factory=list,
        description="JSON fields the answer must carry: `url`, `data[].fraud_type`.",
    )
    json_answer: bool | Literal["list"] = Field(
        False,
        alias="json",
        description="The answer must be JSON (`list`: JSON holding a list); an HTML page "
        "(a login or maintenance page) does not pass.",
    )
    forbid_fields: list[str] | None = Field(
        None, description="Key names the answer must not carry anywhere (default: the item's)."
    )
    id_from: RoutePath | None = Field(
        None, description="A list route (GET, same role) whose first item's id fills {id}."
    )
    state_changing: bool | None = Field(
        None,
        description="Whether the request may change the app's state (default: any method but "
        "GET, HEAD, OPTIONS): such an item is refused on a live environment without "
        "allow_traffic.",
    )

    @model_validator(mode="after")
    def _id(self) -> RouteSpec:
        if ("{id}" in self.path) != (self.id_from is not None):
            raise ValueError("a path with {id} needs id_from, and id_from needs {id} in path")
        if self.body is not None and self.form is not None:
            raise ValueError("give body: (JSON) or form:, not both")
        for path in self.require_fields:
            for segment in path.split("."):
                if not SEGMENT.match(segment):
                    raise ValueError(f"bad field path {path!r}")
        return self

    def label(self) -> str:
        return f"{self.method} {self.path} as {self.role}"

    @property
    def changes_state(self) -> bool:
        if self.state_changing is not None:
            return self.state_changing
        return self.method not in SAFE_METHODS


class StatusParams(ProbeParams):
    routes: list[RouteSpec] = Field(min_length=1)
    forbid_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FORBIDDEN_FIELDS),
        description="Key names no answer may carry (password hashes, secrets).",
    )
    forbid_secrets: bool = Field(
        True, description="Fail if an answer carries a secret of this deployment or a Stripe key."
    )
    login_pattern: str = Field(
        DEFAULT_LOGIN_PATTERN,
        description="Regular expression (case-insensitive) on a redirect's Location path: a "
        "redirect to a login page counts as a refusal.",
    )
    allowed_role: str | None = Field(
        None,
        description="A role that may open these routes (admin): a 404 where a refusal was "
        "expected is compared with its answer to the same path (GET), or to the path above "
        "a made-up id; a 2xx there means the route exists and the request got past access "
        "control to the lookup.",
    )
    control_path: RoutePath | None = Field(
        None,
        description="A route every deployment of the app serves (GET, anonymous; e.g. /health): "
        "when it answers, a 404 elsewhere is not a wrong base URL.",
    )

    @model_validator(mode="after")
    def _pattern(self) -> StatusParams:
        try:
            re.compile(self.login_pattern)
        except re.error as exc:
            raise ValueError(f"login_pattern: {exc}") from None
        return self


@dataclass
class RouteResult:
    verdict: Literal["ok", "fail", "error", "unproven"]
    line: str
    evidence: dict[str, Any]
    route: RouteSpec | None = None
    url: str = ""


def advice_for(route: RouteSpec, status: int, credentials: bool) -> str:
    expected_ok = any(200 <= s < 300 for s in route.expect)
    refusal = set(route.expect) <= {401, 403}
    if 200 <= status < 300 and refusal and not credentials:
        return "it answers without credentials: require authentication on this route"
    if 200 <= status < 300 and refusal:
        return (
            f"the credentials of {route.role} are let in: allow only the users this route is "
            "for (for an admin route: only admins)"
        )
    if status == 401 and expected_ok:
        if not credentials:
            return "the route requires authentication: give the route a role"
        return f"the credentials of role {route.role} were refused: check its token"
    if status == 403 and expected_ok:
        return (
            f"role {route.role} is refused: give its user the rights this route needs (for an "
            "admin route: make it an admin), or check that its token is that user's"
        )
    if status == 403 and route.expect == [401]:
        return "an anonymous request gets 403, not 401 (add 403 to expect if that is intended)"
    if status == 401 and route.expect == [403]:
        return (
            f"the credentials of role {route.role} were not recognised (401, not 403): check "
            "its token (add 401 to expect if the app answers 401 to signed-in users too)"
        )
    return f"expected {'/'.join(map(str, route.expect))}"
