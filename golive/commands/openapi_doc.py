"""An OpenAPI document read for `golive init --from-openapi`: loaded from a file or URL
(bounded), its operations with their words, tags and security, and the shapes of their
request and response schemas ($refs followed, depth-bounded)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.core.errors import UsageError

METHODS = ("get", "post", "put", "patch", "delete")


def _fetch(url: str) -> str:
    """The document at `url`, bounded as a file is (golive/core/inputfiles.py): at most
    MAX_REPORT_BYTES once decompressed, strict UTF-8; a server that sends more, or never
    stops, is refused at the cap (exit 2 naming the URL)."""
    import httpx

    from golive.core.inputfiles import MAX_REPORT_BYTES, InputFileError, read_capped

    try:
        with httpx.stream("GET", url, timeout=15, follow_redirects=True, trust_env=False) as got:
            if got.status_code != 200:
                raise UsageError(f"--from-openapi {url}: HTTP {got.status_code}")
            data = read_capped(
                got.iter_bytes(), MAX_REPORT_BYTES, got.headers.get("content-length")
            )
    except httpx.HTTPError as exc:
        raise UsageError(f"--from-openapi {url}: {type(exc).__name__}: {exc}") from None
    except InputFileError as exc:
        raise UsageError(f"--from-openapi {url}: the document is {exc}") from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise UsageError(f"--from-openapi {url}: not UTF-8 text (byte {exc.start})") from None


def load_document(source: str) -> dict[str, Any]:
    """An OpenAPI document from a URL (GET, JSON) or a file (JSON or YAML)."""
    if source.startswith(("http://", "https://")):
        text = _fetch(source)
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


#: Words that mark an admin-only operation ("staff" is Django's word for it).
ADMIN_WORDS = ("admin", "staff")
#: Path words of admin routes, read only when the document declares no security at all.
ADMIN_PATH_WORDS = ("office", "dashboard", "users", "internal")


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


def properties(schema: dict[str, Any], doc: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and depth < 8:
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return properties(target, doc, depth + 1) if isinstance(target, dict) else {}
    props = schema.get("properties")
    return props if isinstance(props, dict) else {}


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
