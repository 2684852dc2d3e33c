"""Guess an app's routes from its OpenAPI document, for `golive init --from-openapi`.

Every guess comes with the reason it was made (the path's words, a tag, a security
requirement), printed for a person to confirm: a guess is a starting point, never
silently judged as the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from golive.commands.openapi_doc import (
    Operation,
    example_body,
    operations,
    properties,
)


@dataclass(frozen=True)
class Guess:
    """One input the document suggests: its value and why."""

    input: str
    value: Any
    why: str


@dataclass
class Guesses:
    found: list[Guess] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    #: how roles log in (not inputs): `login` (path), `login_form` (user,password
    #: field names), `login_json` (True: a JSON body), `csrf` (True)
    auth: list[Guess] = field(default_factory=list)

    def auth_value(self, name: str) -> Any:
        return next((g.value for g in self.auth if g.input == name), None)

    def inputs(self) -> dict[str, Any]:
        return {g.input: g.value for g in self.found}


#: Path words of the route that starts a purchase, in order of preference.
CHECKOUT_WORDS = ("checkout", "subscribe", "subscription", "purchase", "billing/session")


def guess(doc: dict[str, Any]) -> Guesses:
    """The routes golive's items need, from the document's paths, tags and security."""
    ops = operations(doc)
    out = Guesses()

    def pick(
        name: str,
        method: str,
        words: tuple[str, ...],
        *,
        templated: bool = False,
        unless: tuple[str, ...] = (),
    ) -> None:
        taken = {g.value for g in out.found if isinstance(g.value, str)}
        for word in words:  # in order of preference
            for op in ops:
                if (
                    op.method == method
                    and ("{" in op.path) == templated
                    and word in op.words
                    and op.path not in taken
                    and not any(u in op.words for u in unless)
                ):
                    why = f"{op.method} route whose path has {word!r}"
                    out.found.append(Guess(name, op.path, why))
                    return
        out.missing.append(name)

    pick("webhook_path", "POST", ("webhook", "hook"))
    pick("checkout_path", "POST", CHECKOUT_WORDS, unless=("hook", "portal", "cancel"))
    checkout = next((g.value for g in out.found if g.input == "checkout_path"), None)
    if checkout:
        op = next(o for o in ops if o.path == checkout and o.method == "POST")
        body = example_body(op.spec, doc)
        if body is not None:
            content = (op.spec.get("requestBody") or {}).get("content") or {}
            form = "application/json" not in content  # then the example is of the form
            out.found.append(
                Guess(
                    "checkout_form" if form else "checkout_body",
                    body,
                    f"an example of its {'form' if form else 'JSON'} request schema (for the "
                    "burst)",
                )
            )
    pick("portal_path", "POST", ("portal",))

    admin = [(op, reason) for op in ops if (reason := op.admin_reason(doc))]
    for name, words, api in (
        ("disputes_api", ("dispute",), True),
        ("fraud_warnings_api", ("fraud", "early_fraud", "efw"), True),
        ("admin_page", ("dispute", "admin"), False),
    ):
        # An API answers JSON, a page HTML: by the documented response type where the
        # document gives one, else by an /api prefix.
        found = next(
            (
                (op, reason, served)
                for op, reason in admin
                if op.method == "GET"
                and "{" not in op.path
                and any(w in op.words for w in words)
                and ((served := _served(op))[0] == ("api" if api else "page"))
            ),
            None,
        )
        if found is None and not api:
            # A page by another name: the one admin-only GET the document says is HTML.
            pages = [
                (op, reason, ("page", "serves HTML, the only admin-only HTML page"))
                for op, reason in admin
                if op.method == "GET" and "{" not in op.path and op.serves() == "page"
            ]
            found = pages[0] if len(pages) == 1 else None
        if found is None:
            out.missing.append(name)
        else:
            op, reason, served = found
            has = next((w for w in words if w in op.words), None)
            where = f", path has {has!r}" if has else ""
            out.found.append(
                Guess(name, op.path, f"GET, admin-only ({reason}){where}, {served[1]}")
            )
    guess_user_routes(doc, ops, out)
    guess_login(doc, ops, out)
    return out


#: how many user routes H.12 is given at most (the first in the document's order)
MAX_USER_ROUTES = 5


def guess_user_routes(doc: dict[str, Any], ops: list[Operation], out: Guesses) -> None:
    """The routes a signed-in plain user reads (H.12 examines what they return): GET,
    no path parameter, a security requirement of their own or the document's, nothing
    admin-only about them, and JSON (or unsaid) as their answer."""
    routes = [
        op.path
        for op in ops
        if op.method == "GET"
        and "{" not in op.path
        and op.spec.get("security", doc.get("security"))
        and op.admin_reason(doc) is None
        and op.serves() != "page"
    ][:MAX_USER_ROUTES]
    if routes:
        out.found.append(
            Guess(
                "user_routes",
                routes,
                "GET routes without parameters that require a signed-in caller and are not "
                "admin-only",
            )
        )
    else:
        out.missing.append("user_routes")


#: Path words of a login route, in order of preference.
LOGIN_WORDS = ("login", "signin", "sign-in", "sign_in")
USER_FIELDS = ("username", "email", "login", "user", "name")
PASSWORD_FIELDS = ("password", "passwd", "pass", "secret")


def guess_login(doc: dict[str, Any], ops: list[Operation], out: Guesses) -> None:
    """The login route and its fields, and whether the app guards forms with CSRF.

    A session app's login route is often not in its document (Django's auth views are
    not in drf-spectacular's); the session cookie scheme still says how roles get in."""
    login = next(
        (
            (op, word)
            for word in LOGIN_WORDS
            for op in ops
            if op.method == "POST" and "{" not in op.path and word in op.words
        ),
        None,
    )
    if login is None:
        out.missing.append("login route")
    else:
        op, word = login
        out.auth.append(Guess("login", op.path, f"POST route whose path has {word!r}"))
        content = (op.spec.get("requestBody") or {}).get("content") or {}
        json_body = "application/json" in content
        media = content.get("application/json") or content.get("application/x-www-form-urlencoded")
        schema = media.get("schema") if isinstance(media, dict) else None
        props = properties(schema, doc) if isinstance(schema, dict) else {}
        user = next((f for f in USER_FIELDS if f in props), None)
        password = next((f for f in PASSWORD_FIELDS if f in props), None)
        if user and password:
            out.auth.append(
                Guess("login_form", f"{user},{password}", "the fields of its request schema")
            )
        if json_body:
            out.auth.append(Guess("login_json", True, "its request body is JSON"))
        token = token_field(op, doc)
        if token is not None:
            out.auth.append(
                Guess("token_field", token, "the field of its response schema holding a token")
            )
    schemes = ((doc.get("components") or {}).get("securitySchemes")) or {}
    cookies = {
        str(name): str(s.get("name", ""))
        for name, s in schemes.items()
        if isinstance(s, dict) and s.get("type") == "apiKey" and s.get("in") == "cookie"
    }
    if not cookies:
        return
    forms = [
        o.path
        for o in ops
        if o.method in ("POST", "PUT", "PATCH", "DELETE")
        and "application/x-www-form-urlencoded"
        in ((o.spec.get("requestBody") or {}).get("content") or {})
    ]
    django = [c for c in cookies.values() if c == "sessionid"]
    if forms or django:
        scheme, cookie = next(iter(cookies.items()))
        reasons = [f"security scheme {scheme} is a session cookie ({cookie or 'unnamed'})"]
        if django:
            reasons.append("sessionid is Django's session cookie")
        if forms:
            reasons.append(f"form posts ({', '.join(forms[:3])})")
        out.auth.append(
            Guess(
                "csrf",
                True,
                "; ".join(reasons)
                + ": a session app guards its forms with a CSRF token (Django: csrftoken "
                "cookie, X-CSRFToken header)",
            )
        )


#: Names of a login answer's token field, in order of preference.
TOKEN_FIELDS = ("access_token", "accesstoken", "token", "access", "id_token", "jwt", "auth_token")


def token_field(op: Operation, doc: dict[str, Any]) -> str | None:
    """The field of the login's 2xx JSON answer that holds a bearer token (`token`, or
    `data.token` one level down); None when the schema shows none (a cookie session)."""
    for status, response in (op.spec.get("responses") or {}).items():
        if not str(status).startswith("2") or not isinstance(response, dict):
            continue
        media = (response.get("content") or {}).get("application/json")
        schema = media.get("schema") if isinstance(media, dict) else None
        props = properties(schema, doc) if isinstance(schema, dict) else {}
        for prefix, fields in [("", props)] + [
            (f"{name}.", properties(sub, doc))
            for name, sub in props.items()
            if isinstance(sub, dict)
        ]:
            lowered = {str(f).lower(): str(f) for f in fields}
            for want in TOKEN_FIELDS:
                if want in lowered:
                    return prefix + lowered[want]
    return None


def _served(op: Operation) -> tuple[str, str]:
    """('api' or 'page', why)."""
    declared = op.serves()
    if declared == "page":
        return "page", "serves HTML"
    if declared == "api":
        return "api", "answers JSON"
    # no documented type: an `api` segment anywhere in the path (/api/x, /x/api/y)
    under_api = "api" in op.path.lower().strip("/").split("/")
    return ("api", "under an /api path") if under_api else ("page", "not under an /api path")
