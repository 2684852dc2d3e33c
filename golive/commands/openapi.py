"""Guess an app's routes from its OpenAPI document, for `golive init --from-openapi`.

Every guess comes with the reason it was made (the path's words, a tag, a security
requirement), printed for a person to confirm: a guess is a starting point, never
silently judged as the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.core.errors import UsageError

METHODS = ("get", "post", "put", "patch", "delete")


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


def load_document(source: str) -> dict[str, Any]:
    """An OpenAPI document from a URL (GET, JSON) or a file (JSON or YAML)."""
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            response = httpx.get(source, timeout=15, follow_redirects=True, trust_env=False)
        except httpx.HTTPError as exc:
            raise UsageError(f"--from-openapi {source}: {type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise UsageError(f"--from-openapi {source}: HTTP {response.status_code}")
        text = response.text
    else:
        from golive.core.inputfiles import MAX_REPORT_BYTES, InputFileError, read_input

        try:
            text = read_input(Path(source), MAX_REPORT_BYTES)
        except InputFileError as exc:
            raise UsageError(f"--from-openapi {source}: {exc}") from None
    from golive.core.inputfiles import InputFileError, parse_json

    try:
        data = parse_json(text)
    except InputFileError as exc:
        if "not JSON" not in str(exc):
            raise UsageError(f"--from-openapi {source}: {exc}") from None
        import yaml

        try:
            data = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError):
            data = None
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        raise UsageError(f"--from-openapi {source}: not an OpenAPI document (no `paths`)")
    return data


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    spec: dict[str, Any]

    @property
    def words(self) -> str:
        return self.path.lower()

    @property
    def tags(self) -> list[str]:
        return [str(t).lower() for t in self.spec.get("tags") or []]

    def serves(self) -> str | None:
        """'page' when its success response is HTML, 'api' when JSON; None when the
        document does not say."""
        kinds: set[str] = set()
        for status, response in (self.spec.get("responses") or {}).items():
            if str(status).startswith("2") and isinstance(response, dict):
                kinds.update(str(media).lower() for media in response.get("content") or {})
        if any("html" in k for k in kinds):
            return "page"
        if any("json" in k for k in kinds):
            return "api"
        return None

    def admin_reason(self, doc: dict[str, Any]) -> str | None:
        """Why this operation looks admin-only, or None."""
        for word in ADMIN_WORDS:
            if word in self.tags:
                return f"tagged {word}"
        for requirement in self.spec.get("security", doc.get("security")) or []:
            for scheme, scopes in (requirement or {}).items():
                named = [str(s).lower() for s in scopes or []] + [str(scheme).lower()]
                if any(word in n for n in named for word in ADMIN_WORDS):
                    return f"security requirement {scheme}: {scopes}"
        for word in ADMIN_WORDS:
            if f"/{word}" in self.words:
                return f"path contains /{word}"
        if not declares_security(doc):
            # Nothing in the document says who may call what: the path is all there is.
            for word in ADMIN_PATH_WORDS:
                if f"/{word}" in self.words:
                    return f"path contains /{word} and the document declares no security"
        return None


#: Words that mark an admin-only operation ("staff" is Django's word for it).
ADMIN_WORDS = ("admin", "staff")
#: Path words of admin routes, read only when the document declares no security at all.
ADMIN_PATH_WORDS = ("office", "dashboard", "users", "internal")
#: Path words of the route that starts a purchase, in order of preference.
CHECKOUT_WORDS = ("checkout", "subscribe", "subscription", "purchase", "billing/session")


def declares_security(doc: dict[str, Any]) -> bool:
    """Whether the document says anything about authentication: schemes or requirements."""
    if ((doc.get("components") or {}).get("securitySchemes")) or doc.get("security"):
        return True
    return any(op.spec.get("security") for op in operations(doc))


def operations(doc: dict[str, Any]) -> list[Operation]:
    return [
        Operation(str(path), method.upper(), item[method])
        for path, item in doc["paths"].items()
        if isinstance(item, dict)
        for method in METHODS
        if isinstance(item.get(method), dict)
    ]


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
        props = _properties(schema, doc) if isinstance(schema, dict) else {}
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
        props = _properties(schema, doc) if isinstance(schema, dict) else {}
        for prefix, fields in [("", props)] + [
            (f"{name}.", _properties(sub, doc))
            for name, sub in props.items()
            if isinstance(sub, dict)
        ]:
            lowered = {str(f).lower(): str(f) for f in fields}
            for want in TOKEN_FIELDS:
                if want in lowered:
                    return prefix + lowered[want]
    return None


def _properties(schema: dict[str, Any], doc: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and depth < 8:
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return _properties(target, doc, depth + 1) if isinstance(target, dict) else {}
    props = schema.get("properties")
    return props if isinstance(props, dict) else {}


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


def example_body(spec: dict[str, Any], doc: dict[str, Any]) -> Any:
    """A valid example of an operation's JSON (or form) request body, or None."""
    content = (spec.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json") or content.get("application/x-www-form-urlencoded")
    if not isinstance(media, dict):
        return None
    if "example" in media:
        return media["example"]
    schema = media.get("schema")
    return _example(schema, doc, 0) if isinstance(schema, dict) else None


def _example(schema: dict[str, Any], doc: dict[str, Any], depth: int) -> Any:
    if depth > 8:
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return _example(target, doc, depth + 1)
    for key in ("example", "default", "const"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("allOf", "anyOf", "oneOf"):
        if schema.get(key):
            return _example(schema[key][0], doc, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        required = schema.get("required") or list(props)
        return {k: _example(props[k], doc, depth + 1) for k in required if k in props}
    if kind == "array":
        items = schema.get("items")
        return [_example(items, doc, depth + 1)] if isinstance(items, dict) else []
    return {"integer": 1, "number": 1, "boolean": True}.get(str(kind), "golive-probe")
