"""The Stripe sandbox's requests and reads: the key's mode, Stripe's error bodies, list
parameters and filters, injected faults' answers, and the GET routes over the state.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.core.stripe_keys import shape, visible_prefix
from golive.sandbox.stripe.kinds import (
    KIND_BY_PATH,
    Kind,
)
from golive.sandbox.stripe.state import (
    Fault,
    ModeStore,
    State,
)
from golive.sandbox.stripe.templates import (
    DOCS_URL,
    JsonObject,
)

# -- requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedRequest:
    """One request the sandbox received. The key is never kept, only its mode and type."""

    method: str
    path: str
    query: str
    params: Mapping[str, str]
    mode: str | None
    key_type: str | None  # "secret" | "restricted" | None
    status: int | None  # None while the sandbox has not answered yet
    at: float  # time.monotonic() when it arrived


class ApiError(Exception):
    """An answer in Stripe's error format."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: JsonObject = {"message": message, "type": type_}
        if code:
            self.body["code"] = code
            self.body["doc_url"] = f"{DOCS_URL}/error-codes/{code.replace('_', '-')}"
        if param:
            self.body["param"] = param
        self.headers = dict(headers or {})


def _masked(key: str) -> str:
    """How Stripe echoes a key in its messages: prefix, stars, last four."""
    prefix = re.match(r"^[a-z]+_(?:live_|test_)?", key)
    head = prefix.group(0) if prefix else ""
    return head + "*" * max(4, len(key) - len(head) - 4) + key[-4:]


def _authenticate(header: str | None, accepted: frozenset[str] | None) -> tuple[str, str]:
    """(mode, key type) for an Authorization header, or ApiError 401."""
    key = ""
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            key = value.strip()
        elif scheme.lower() == "basic":
            try:
                key = base64.b64decode(value.strip()).decode().split(":", 1)[0]
            except ValueError:
                key = ""
    if not key:
        raise ApiError(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
            "or we can help at https://support.stripe.com/.",
        )
    if shape(key).kind == "publishable":
        raise ApiError(
            401,
            "This API call cannot be made with a publishable API key. "
            "Please use a secret API key. You can find a list of your API keys at "
            "https://dashboard.stripe.com/account/apikeys.",
        )
    found = shape(key)  # golive/core/stripe_keys.py: the one place that knows key prefixes
    body = key[len(visible_prefix(key)) :]
    well_formed = found.kind in ("secret", "restricted") and body.isascii() and body.isalnum()
    if not well_formed or found.mode is None or (accepted is not None and key not in accepted):
        raise ApiError(401, f"Invalid API Key provided: {_masked(key)}")
    return found.mode, found.kind or "secret"


def _bool(name: str, value: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise ApiError(400, f"Invalid boolean: {value}", param=name)


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"Invalid integer: {value}", param=name) from None


_BRACKET = re.compile(r"^(?P<base>[a-z_]+)(?:\[(?P<sub>[a-z_0-9]*)\])?$")


@dataclass
class Query:
    """A list request's parameters, parsed and checked as Stripe does."""

    limit: int = 10
    starting_after: str | None = None
    ending_before: str | None = None
    created: dict[str, int] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)


def parse_query(pairs: list[tuple[str, str]], allowed: Mapping[str, str], listing: bool) -> Query:
    query = Query()
    for name, value in pairs:
        match = _BRACKET.match(name)
        if not match:
            raise ApiError(400, f"Received unknown parameter: {name}", param=name)
        base, sub = match.group("base"), match.group("sub")
        if base == "expand":
            continue
        if not listing:
            raise ApiError(400, f"Received unknown parameter: {name}", param=name)
        if base == "limit" and sub is None:
            query.limit = _int(name, value)
            if not 1 <= query.limit <= 100:
                raise ApiError(
                    400, "Invalid limit: must be between 1 and 100 (inclusive).", param=name
                )
        elif base in ("starting_after", "ending_before") and sub is None:
            setattr(query, base, value)
        elif base == "created":
            if sub is None:
                query.created["eq"] = _int(name, value)
            elif sub in ("gt", "gte", "lt", "lte"):
                query.created[sub] = _int(name, value)
            else:
                raise ApiError(400, f"Received unknown parameter: {name}", param=name)
        elif base in allowed:
            kind = allowed[base]
            if kind == "list":
                query.filters.setdefault(base, []).append(value)
            elif sub is not None:
                raise ApiError(400, f"Received unknown parameter: {name}", param=name)
            elif kind == "bool":
                query.filters[base] = _bool(name, value)
            else:
                query.filters[base] = value
        else:
            raise ApiError(400, f"Received unknown parameter: {name}", param=name)
    if query.starting_after and query.ending_before:
        raise ApiError(
            400,
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
        )
    return query


_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "eq": lambda created, bound: created == bound,
    "gt": lambda created, bound: created > bound,
    "gte": lambda created, bound: created >= bound,
    "lt": lambda created, bound: created < bound,
    "lte": lambda created, bound: created <= bound,
}


def _created_ok(created: int, bounds: Mapping[str, int]) -> bool:
    return all(_COMPARE[op](created, bound) for op, bound in bounds.items())


def _filter_ok(kind: Kind, obj: JsonObject, hidden: JsonObject, filters: Mapping[str, Any]) -> bool:
    for name, wanted in filters.items():
        if name == "delivery_success":
            if hidden.get("delivery_success", True) is not wanted:
                return False
        elif name == "types":
            if obj["type"] not in wanted:
                return False
        elif name == "ids":
            if obj["id"] not in wanted:
                return False
        elif name == "lookup_keys":
            if obj.get("lookup_key") not in wanted:
                return False
        elif obj.get(name) != wanted:
            return False
    return True


def raise_fault(fault: Fault | None) -> None:
    if fault is None or fault.status is None:
        return
    headers = {}
    if fault.should_retry is not None:
        headers["Stripe-Should-Retry"] = "true" if fault.should_retry else "false"
    if fault.status == 429:
        raise ApiError(
            429,
            fault.message
            or "Too many requests hit the API too quickly. We recommend an "
            "exponential backoff of your requests.",
            code="rate_limit",
            headers=headers,
        )
    if fault.status >= 500:
        raise ApiError(
            fault.status,
            fault.message
            or "An unknown error occurred. Please retry your request or contact support.",
            type_="api_error",
            headers=headers,
        )
    raise ApiError(fault.status, fault.message or "Injected error.", headers=headers)


def read(
    state: State, path: str, pairs: list[tuple[str, str]], mode: str, key_type: str
) -> JsonObject:
    store = state.modes[mode]
    if key_type == "restricted" and any(
        fnmatch.fnmatchcase(path, pattern) for pattern in state.restricted_denied
    ):
        raise ApiError(
            403,
            f"The provided key 'rk_{mode}_*****' does not have the required permissions "
            f"for this endpoint on account '{store.account['id']}'. Having the "
            "'rak_accounts_kyc_basic_read' permission would allow this request to continue.",
        )
    if path == "/v1/balance":
        parse_query(pairs, {}, listing=False)
        return copy.deepcopy(store.balance)
    if path == "/v1/account":
        parse_query(pairs, {}, listing=False)
        return copy.deepcopy(store.account)
    kind = KIND_BY_PATH.get(path)
    if kind is not None:
        return _page(state, kind, store, parse_query(pairs, kind.filters, listing=True))
    head, _, object_id = path.rpartition("/")
    kind = KIND_BY_PATH.get(head)
    if kind is not None and object_id:
        parse_query(pairs, {}, listing=False)
        return _retrieve(state, kind, store, object_id)
    raise ApiError(
        404,
        f"Unrecognized request URL (GET: {path}). Please see {DOCS_URL} or we can help at "
        "https://support.stripe.com/.",
    )


def _retrieve(state: State, kind: Kind, store: ModeStore, object_id: str) -> JsonObject:
    obj = store.by_id[kind.name].get(object_id)
    if obj is not None:
        return copy.deepcopy(obj)
    raise _missing(state, kind, store.mode, object_id, param="id")


def _missing(state: State, kind: Kind, mode: str, object_id: str, param: str) -> ApiError:
    message = f"No such {kind.noun}: '{object_id}'"
    other = "test" if mode == "live" else "live"
    if object_id in state.modes[other].by_id[kind.name]:
        message += (
            f"; a similar object exists in {other} mode, but a {mode} mode key was used "
            "to make this request."
        )
    return ApiError(404, message, code="resource_missing", param=param)


def _page(state: State, kind: Kind, store: ModeStore, query: Query) -> JsonObject:
    hidden = store.hidden[kind.name]
    items = [
        obj
        for obj in store.objects[kind.name]
        if _created_ok(obj["created"], query.created)
        and _filter_ok(kind, obj, hidden.get(obj["id"], {}), query.filters)
    ]
    cursor = query.starting_after or query.ending_before
    if cursor is not None:
        ids = [obj["id"] for obj in items]
        if cursor not in ids:
            param = "starting_after" if query.starting_after else "ending_before"
            if cursor not in store.by_id[kind.name]:
                raise _missing(state, kind, store.mode, cursor, param=param)
            # An object outside the filters: position it by its place in the whole list.
            order = [obj["id"] for obj in store.objects[kind.name]]
            position = order.index(cursor)
            before = sum(1 for obj in items if order.index(obj["id"]) < position)
            index = before if query.ending_before else before - 1
        else:
            index = ids.index(cursor)
        if query.starting_after:
            items = items[index + 1 :]
            page, has_more = items[: query.limit], len(items) > query.limit
        else:
            items = items[: max(0, index)]
            page, has_more = items[-query.limit :], len(items) > query.limit
    else:
        page, has_more = items[: query.limit], len(items) > query.limit
    return {
        "object": "list",
        "data": copy.deepcopy(page),
        "has_more": has_more,
        "url": kind.path,
    }
