"""Probes of the deployment's HTTP surface, seen from outside as Stripe and attackers see it.

Every request goes to the environment's base URL with the shared httpx client (no
redirects followed, no proxies from the environment). A 5xx the item does not expect, a
timeout or a refused connection is `error`, never `pass`: the probe could not see the
behaviour it was asked about. Credentials come from the environment's roles and are
revealed only into the request's headers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import ssl
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator, Field, model_validator

from golive.context import ProbeContext
from golive.probe import Probe, ProbeError, ProbeParams
from golive.results import Outcome
from golive.secrets import mask, secret_parts

if TYPE_CHECKING:
    import httpx

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
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
STRIPE_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
RATE_LIMIT_HARD_CAP = 100
ROTATING_IP_HEADERS = frozenset(
    {"x-forwarded-for", "x-real-ip", "true-client-ip", "cf-connecting-ip", "x-client-ip"}
)


def _path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError("a path on the deployment, starting with '/'")
    return value


RoutePath = Annotated[str, AfterValidator(_path)]


# -- sending -----------------------------------------------------------------------------


def role_headers(ctx: ProbeContext, role: str) -> dict[str, str]:
    """The role's credentials as request headers (cookies as one Cookie header)."""
    creds = ctx.role(role)
    headers = {name: value.reveal() for name, value in creds.headers.items()}
    if creds.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v.reveal()}" for k, v in creds.cookies.items())
    return headers


def send(
    ctx: ProbeContext,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    content: bytes | None = None,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """One request; no answer, a refused connection or a broken exchange is ProbeError."""
    import httpx

    shown = _shown_url(url)
    try:
        return (client or ctx.http()).request(
            method,
            url,
            headers=dict(headers or {}),
            json=json_body if content is None else None,
            content=content,
        )
    except httpx.TimeoutException:
        raise ProbeError(
            f"{method} {shown}: no answer within {ctx.timeout:g}s; is the deployment up "
            "and healthy?"
        ) from None
    except httpx.ConnectError as exc:
        raise ProbeError(
            f"{method} {shown}: cannot connect ({_reason(exc)}); is the deployment running "
            "at this base URL?"
        ) from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{method} {shown}: {type(exc).__name__}: {_reason(exc)}") from None


def _shown_url(url: str) -> str:
    """The URL without user info or query (they may carry credentials)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _status_text(response: httpx.Response) -> str:
    phrase = response.reason_phrase
    return f"{response.status_code} {phrase}".strip()


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
                f"{label}: {_status_text(response)}: the route fails; see the deployment's logs",
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
                f"listing {route.id_from} as {route.role} to pick an id got "
                f"{_status_text(response)}"
            )
        items = list_items(_json(response))
        if items is None:
            raise ProbeError(f"{route.id_from} did not answer a JSON list")
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str | int):
                return str(item["id"])
        return None


# -- http.rate_limit ---------------------------------------------------------------------


class RateLimitParams(ProbeParams):
    path: RoutePath = Field(description="The rate-limited route, e.g. create-checkout-session.")
    method: HttpMethod = "POST"
    role: str = Field("user", description="The role whose burst must be limited.")
    other_role: str | None = Field(
        None, description="A second user who must still be served after the first is limited."
    )
    body: dict[str, Any] | list[Any] | None = Field(
        None, description="JSON body; one the deployment rejects cheaply is fine."
    )
    headers: dict[str, str] = Field(default_factory=dict)
    max_requests: int = Field(
        30,
        ge=1,
        le=RATE_LIMIT_HARD_CAP,
        description=f"Burst cap: the probe stops at the first 429 or here (at most "
        f"{RATE_LIMIT_HARD_CAP}).",
    )
    rotate_headers: list[str] = Field(
        default_factory=list,
        description="Headers given a fresh made-up value on each request (X-Forwarded-For, "
        "Authorization...): a limiter keyed on them lets the burst through, and fails.",
    )
    require_retry_after: bool = Field(True, description="Warn when a 429 has no Retry-After.")


def rotated_value(header: str, i: int, salt: str) -> str:
    """A made-up value for a header on request `i` (documentation IPs, fake tokens)."""
    name = header.lower()
    ip = f"198.51.100.{(i % 254) + 1}"  # TEST-NET-2: never a real client
    if name in ROTATING_IP_HEADERS:
        return ip
    if name == "forwarded":
        return f"for={ip}"
    if name == "authorization":
        return f"Bearer golive-rotating-{salt}-{i}"
    return f"golive-{salt}-{i}"


class RateLimit(Probe[RateLimitParams]):
    kind = "http.rate_limit"
    Params = RateLimitParams
    summary = (
        "A bounded burst as one user reaches 429 (with Retry-After), and a second user is "
        "still served: the limit is per user, not global nor keyed on a spoofable header."
    )
    sends_traffic = True

    def run(self, params: RateLimitParams, ctx: ProbeContext) -> Outcome:
        if ctx.mode == "live" and not ctx.env.profile.allow_traffic:
            return Outcome.skip(
                f"not run: {ctx.env.name} is a live environment and this probe sends a burst "
                f"of up to {params.max_requests} requests to {params.path}; run it against "
                f"staging, or set allow_traffic: true in the {ctx.env.name} profile"
            )
        url = ctx.base_url() + params.path
        salt = secrets.token_hex(3)
        base_headers = {**role_headers(ctx, params.role), **params.headers}
        statuses: Counter[int] = Counter()
        rotating = ", ".join(params.rotate_headers)
        limited_at: int | None = None
        limited: httpx.Response | None = None
        evidence: dict[str, Any] = {"path": params.path, "role": params.role}
        for i in range(1, params.max_requests + 1):
            headers = {
                **base_headers,
                **{h: rotated_value(h, i, salt) for h in params.rotate_headers},
            }
            response = send(ctx, params.method, url, headers=headers, json_body=params.body)
            statuses[response.status_code] += 1
            evidence["statuses"] = dict(statuses)
            evidence["requests_sent"] = i
            if response.status_code == 429:
                limited_at, limited = i, response
                break
            self._check_served(response, params.role, i, params, evidence)
        label = f"{params.method} {params.path} as {params.role}"
        if limited is None or limited_at is None:
            counts = ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
            if params.rotate_headers:
                return Outcome.failed(
                    f"{label}: no 429 after {params.max_requests} requests with {rotating} "
                    f"changed on each request ({counts}): the limiter trusts an unverified "
                    "header; key it on the authenticated user (or the connection's address)",
                    **evidence,
                )
            return Outcome.failed(
                f"{label}: no 429 after {params.max_requests} requests ({counts}); add a "
                "per-user rate limit (e.g. 10 per minute) that answers 429 with Retry-After",
                **evidence,
            )
        retry_after = limited.headers.get("retry-after")
        evidence["limited_at"] = limited_at
        evidence["retry_after"] = retry_after
        found = f"429 at request {limited_at} of at most {params.max_requests}"
        found += f" (Retry-After: {retry_after})" if retry_after else " (no Retry-After)"
        other_note = ""
        if params.other_role is not None:
            headers = {
                **role_headers(ctx, params.other_role),
                **params.headers,
                **{h: rotated_value(h, 0, salt + "o") for h in params.rotate_headers},
            }
            other = send(ctx, params.method, url, headers=headers, json_body=params.body)
            evidence["other_role"] = params.other_role
            evidence["other_role_status"] = other.status_code
            if other.status_code == 429:
                return Outcome.failed(
                    f"{label}: {found}, but {params.other_role} was refused too (429) right "
                    "after: the limit is global or per address, not per user; key it on the "
                    "authenticated user",
                    **evidence,
                )
            self._check_served(other, params.other_role, 1, params, evidence)
            other_note = f"; {params.other_role} still served ({other.status_code})"
        if retry_after is None and params.require_retry_after:
            return Outcome.warn(
                f"{label}: {found}{other_note}; add a Retry-After header to the 429 so "
                "clients know when to retry",
                **evidence,
            )
        return Outcome.passed(f"{label}: {found}{other_note}", **evidence)

    def _check_served(
        self,
        response: httpx.Response,
        role: str,
        i: int,
        params: RateLimitParams,
        evidence: dict[str, Any],
    ) -> None:
        status = response.status_code
        if status >= 500:
            raise ProbeError(
                f"request {i} as {role} got {_status_text(response)}: the route fails, so the "
                "burst proves nothing; see the deployment's logs"
            )
        if (
            status in (401, 403)
            and role != "anonymous"
            and "authorization" not in {h.lower() for h in params.rotate_headers}
        ):
            raise ProbeError(
                f"request {i} as {role} got {status}: the role's credentials were refused, so "
                "the burst proves nothing; check its token"
            )


# -- http.webhook_signature -----------------------------------------------------------


class WebhookParams(ProbeParams):
    path: RoutePath | None = Field(
        None, description="Webhook path on the deployment; default the profile's webhook_url."
    )
    secret_var: str = Field(
        "STRIPE_WEBHOOK_SECRET", description="Variable with the endpoint's signing secret."
    )
    event_type: str = Field(
        "golive.probe.ping", description="Type of the harmless synthetic event sent."
    )
    stale_age_s: int = Field(
        600, gt=300, description="Age of the stale event, beyond Stripe's 5-minute tolerance."
    )


def stripe_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """`Stripe-Signature` exactly as Stripe computes it (scheme v1)."""
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def synthetic_event(event_type: str, livemode: bool, created: int) -> bytes:
    """A harmless event in Stripe's envelope, with an id no real event has."""
    token = secrets.token_hex(8)
    event = {
        "id": f"evt_golive_{token}",
        "object": "event",
        "api_version": None,
        "created": created,
        "data": {"object": {"id": f"golive_probe_{token}", "object": "golive_probe"}},
        "livemode": livemode,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    return json.dumps(event, separators=(",", ":")).encode()


@dataclass(frozen=True)
class WebhookCase:
    name: str
    what: str  # for messages: "an event with a forged signature"
    accept: bool
    if_wrong: str


WEBHOOK_CASES = (
    WebhookCase(
        "signed",
        "an event signed with {var} ({secret})",
        True,
        "the deployment's signing secret is not {var}: set it to the signing secret of this "
        "endpoint (Developers > Webhooks) and redeploy",
    ),
    WebhookCase(
        "forged",
        "an event signed with a made-up secret",
        False,
        "the deployment does not verify Stripe-Signature: verify every event with {var} "
        "(stripe.Webhook.construct_event) and answer 400 when it fails",
    ),
    WebhookCase(
        "unsigned",
        "an event without a Stripe-Signature header",
        False,
        "the deployment does not require Stripe-Signature: verify every event and answer 400 "
        "without one",
    ),
    WebhookCase(
        "stale",
        "a correctly signed event timestamped {age} ago",
        False,
        "the deployment accepts old signatures (replays): keep the default 5-minute tolerance "
        "of construct_event",
    ),
    WebhookCase(
        "tampered",
        "an event whose body was changed after signing",
        False,
        "the deployment does not verify the signature against the raw body: verify the bytes "
        "as received, before parsing",
    ),
)


class WebhookSignature(Probe[WebhookParams]):
    kind = "http.webhook_signature"
    Params = WebhookParams
    summary = (
        "An event signed with STRIPE_WEBHOOK_SECRET is accepted (2xx); forged, unsigned, "
        "stale and tampered ones are refused (4xx)."
    )

    def run(self, params: WebhookParams, ctx: ProbeContext) -> Outcome:
        var = ctx.expand(params.secret_var)
        secret = ctx.require_var(var)
        if params.path is not None:
            url = ctx.base_url() + params.path
        elif ctx.env.stripe.webhook_url:
            url = ctx.env.stripe.webhook_url
        else:
            raise ProbeError("give the item a path, or the environment a stripe.webhook_url")
        now = int(time.time())
        lines: dict[str, str] = {}
        failed: list[str] = []
        errors: list[str] = []
        evidence: dict[str, Any] = {"url": _shown_url(url), "statuses": {}}
        age = f"{params.stale_age_s // 60} minutes"
        for case in WEBHOOK_CASES:
            body = synthetic_event(params.event_type, ctx.mode == "live", now)
            headers = {"Content-Type": "application/json; charset=utf-8"}
            headers["User-Agent"] = STRIPE_USER_AGENT
            if case.name == "signed":
                headers["Stripe-Signature"] = stripe_signature(body, secret.reveal(), now)
            elif case.name == "forged":
                fake = "whsec_" + secrets.token_hex(16)
                headers["Stripe-Signature"] = stripe_signature(body, fake, now)
            elif case.name == "stale":
                then = now - params.stale_age_s
                body = synthetic_event(params.event_type, ctx.mode == "live", then)
                headers["Stripe-Signature"] = stripe_signature(body, secret.reveal(), then)
            elif case.name == "tampered":
                headers["Stripe-Signature"] = stripe_signature(body, secret.reveal(), now)
                body = body.replace(b'"pending_webhooks":1', b'"pending_webhooks":2')
            response = send(ctx, "POST", url, headers=headers, content=body)
            status = response.status_code
            evidence["statuses"][case.name] = status
            what = case.what.format(var=var, secret=secret, age=age)
            if status >= 500:
                errors.append(
                    f"{what} got {_status_text(response)}: the handler fails; see the "
                    "deployment's logs"
                )
            elif case.accept and not 200 <= status < 300:
                hint = (
                    "Stripe does not follow redirects: point the endpoint at the final URL"
                    if 300 <= status < 400
                    else case.if_wrong.format(var=var)
                )
                failed.append(f"{what} was refused ({status}): {hint}")
            elif not case.accept and not 400 <= status < 500:
                failed.append(f"{what} was answered {status}: {case.if_wrong.format(var=var)}")
            lines[case.name] = f"{case.name} {status}"
        if failed:
            return Outcome.failed("; ".join(failed + errors), **evidence)
        if errors:
            return Outcome.error("; ".join(errors), **evidence)
        refused = ", ".join(lines[c.name] for c in WEBHOOK_CASES if not c.accept)
        return Outcome.passed(
            f"accepted the event signed with {var} ({lines['signed']}) and refused the "
            f"others ({refused})",
            **evidence,
        )


# -- http.https ----------------------------------------------------------------------------


class HttpsParams(ProbeParams):
    path: RoutePath = "/"
    ca_bundle: str | None = Field(
        None, description="CA file (PEM) to trust instead of the system's: private CAs."
    )
    plain_http_port: int = Field(80, ge=1, le=65535, description="Where plain HTTP is tried.")
    hsts: Literal["ignore", "warn", "require"] = Field(
        "warn", description="What a missing Strict-Transport-Security header is."
    )


def _ssl_problem(exc: BaseException) -> str | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return current.verify_message or str(current)
        if isinstance(current, ssl.SSLError):
            return current.reason or str(current)
        current = current.__cause__ or current.__context__
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return _reason(exc)
    return None


class Https(Probe[HttpsParams]):
    kind = "http.https"
    Params = HttpsParams
    summary = (
        "The base URL is https with a certificate that validates, and plain http "
        "redirects to https or is refused."
    )

    def run(self, params: HttpsParams, ctx: ProbeContext) -> Outcome:
        import httpx

        base = ctx.base_url()
        parts = urlsplit(base)
        evidence: dict[str, Any] = {"base_url": base}
        if parts.scheme != "https":
            return Outcome.failed(
                f"the base URL {base} is not https: serve the deployment over HTTPS with a "
                "valid certificate and use the https:// URL",
                **evidence,
            )
        verify: ssl.SSLContext | bool = True
        if params.ca_bundle:
            cafile = Path(params.ca_bundle)
            cafile = cafile if cafile.is_absolute() else ctx.root / cafile
            if not cafile.is_file():
                raise ProbeError(f"ca_bundle {cafile} is not a file")
            verify = ssl.create_default_context(cafile=str(cafile))
        timeout = httpx.Timeout(ctx.timeout)
        with httpx.Client(verify=verify, timeout=timeout, trust_env=False) as client:
            try:
                response = client.get(base + params.path)
            except httpx.TimeoutException:
                raise ProbeError(
                    f"GET {base}{params.path}: no answer within {ctx.timeout:g}s"
                ) from None
            except httpx.HTTPError as exc:
                problem = _ssl_problem(exc)
                if problem is None:
                    raise ProbeError(
                        f"GET {base}{params.path}: cannot connect ({_reason(exc)})"
                    ) from None
                return Outcome.failed(
                    f"the certificate of {parts.hostname} does not validate or TLS fails "
                    f"({problem}): install a certificate from a public CA (or give ca_bundle "
                    "for a private one) covering this host name, with its full chain",
                    **evidence,
                )
        evidence["https_status"] = response.status_code
        if response.status_code >= 500:
            raise ProbeError(
                f"GET {base}{params.path} over HTTPS got {_status_text(response)}: TLS works "
                "but the deployment fails; see its logs"
            )
        plain_ok, plain_note = self._plain(params, ctx, parts.hostname or "", evidence)
        if not plain_ok:
            return Outcome.failed(
                f"TLS is valid, but {plain_note}: redirect plain HTTP to https (301/308) or "
                "do not serve it",
                **evidence,
            )
        hsts = response.headers.get("strict-transport-security")
        evidence["hsts"] = hsts
        message = f"https with a valid certificate; plain HTTP {plain_note}"
        if hsts is None and params.hsts != "ignore":
            advice = (
                f"{message}; but no Strict-Transport-Security header: add "
                "`Strict-Transport-Security: max-age=31536000` so browsers never use http"
            )
            if params.hsts == "require":
                return Outcome.failed(advice, **evidence)
            return Outcome.warn(advice, **evidence)
        return Outcome.passed(message, **evidence)

    def _plain(
        self, params: HttpsParams, ctx: ProbeContext, host: str, evidence: dict[str, Any]
    ) -> tuple[bool, str]:
        import httpx

        netloc = host if params.plain_http_port == 80 else f"{host}:{params.plain_http_port}"
        url = f"http://{netloc}{params.path}"
        timeout = httpx.Timeout(min(ctx.timeout, 5.0))
        with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False) as client:
            try:
                response = client.get(url)
            except httpx.ConnectError:
                evidence["plain_http"] = "refused"
                return True, f"is refused on port {params.plain_http_port}"
            except httpx.TimeoutException:
                evidence["plain_http"] = "no answer"
                return True, f"gets no answer on port {params.plain_http_port}"
            except httpx.HTTPError as exc:
                evidence["plain_http"] = type(exc).__name__
                return True, f"is not served on port {params.plain_http_port} ({_reason(exc)})"
        status = response.status_code
        evidence["plain_http"] = status
        location = response.headers.get("location", "")
        if 300 <= status < 400:
            if location.startswith("https://"):
                return True, f"redirects to https ({status})"
            return False, f"{url} redirects to {location or 'nowhere'} ({status}), not https"
        if 200 <= status < 300:
            return False, f"{url} serves content over plain HTTP ({status})"
        return True, f"is refused with {status}"
