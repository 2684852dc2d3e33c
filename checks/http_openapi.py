"""http.openapi_auth: every route in the app's OpenAPI document refuses anonymous callers,
except the routes the item declares public.

Real apps expose what nobody listed: an unauthenticated POST that resets a limiter, a
user list with password hashes. A sweep of the app's own route list finds them without
guessing names. It sends one anonymous request per route that cannot change state
(GET/HEAD for reads); a write is probed only where traffic is allowed, with a
deliberately invalid body: a protected route refuses it (401/403) before validating the
body, an open one answers 422/400 (or 2xx). Bounded in count and rate; a live
environment without `allow_traffic: true` is refused before anything is sent, the
document included.
"""

from __future__ import annotations

import fnmatch
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError, ProbeParams

from .http_client import (
    Patience,
    RoutePath,
    never_reached,
    refuse_live_traffic,
    send,
    status_text,
)

if TYPE_CHECKING:
    import httpx

READS = ("get", "head")
WRITES = ("post", "put", "patch", "delete")
#: A JSON body no request model accepts: an array holding one string. Valid JSON, so a
#: framework that parses JSON before authentication does not answer 422 for the syntax.
INVALID_BODY = ["golive: deliberately invalid body"]
PATH_PARAM = re.compile(r"\{[^}/]+\}")
PLACEHOLDER = "golive-probe-0"
LOGIN_PATTERN = re.compile(r"login|signin|sign-in|sign_in|accounts", re.I)


class OpenApiParams(ProbeParams):
    document_path: RoutePath | None = Field(
        None, description="Where the deployment serves its OpenAPI document (/openapi.json)."
    )
    document_file: str | None = Field(
        None, description="An OpenAPI document file (JSON or YAML), relative to the checklist."
    )
    public: list[str] = Field(
        default_factory=list,
        description="Routes meant to answer anonymous callers: `/health`, `POST /api/webhook`, "
        "globs (`/docs*`); as written in the document.",
    )
    writes: bool = Field(
        True,
        description="Also probe POST/PUT/PATCH/DELETE routes (with an invalid body) where "
        "traffic is allowed.",
    )
    max_routes: int = Field(100, ge=1, le=500, description="At most this many requests.")
    rate_per_s: float = Field(10.0, gt=0, le=50, description="At most this many requests a second.")

    @model_validator(mode="after")
    def _one_source(self) -> OpenApiParams:
        if self.document_path is not None and self.document_file is not None:
            raise ValueError("give document_path or document_file, not both")
        return self


def routes_of(document: Any) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation in an OpenAPI document."""
    paths = document.get("paths") if isinstance(document, dict) else None
    if not isinstance(paths, dict):
        raise ProbeError("the OpenAPI document has no `paths` object")
    found: list[tuple[str, str]] = []
    for path, operations in paths.items():
        if not isinstance(operations, dict) or not str(path).startswith("/"):
            continue
        found.extend(
            (method.upper(), str(path)) for method in operations if method.lower() in READS + WRITES
        )
    return found


def is_public(method: str, path: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        want_method, _, want_path = pattern.strip().rpartition(" ")
        if want_method and want_method.upper() != method:
            continue
        if fnmatch.fnmatchcase(path, want_path):
            return True
    return False


class OpenApiAuth(Probe[OpenApiParams]):
    kind = "http.openapi_auth"
    Params = OpenApiParams
    summary = (
        "Every route of the app's OpenAPI document, except the declared public ones, refuses "
        "an anonymous request (401/403)."
    )
    sends_traffic = True

    def run(self, params: OpenApiParams, ctx: ProbeContext) -> Outcome:
        refused = refuse_live_traffic(
            ctx, f"this sweep sends an anonymous request to up to {params.max_routes} routes"
        )
        if refused:
            return refused
        base = ctx.base_url()
        document, source = self._document(params, ctx, base)
        routes = routes_of(document)
        evidence: dict[str, Any] = {"document": source, "routes_listed": len(routes)}
        open_routes: list[str] = []
        protected: list[str] = []
        undecided: list[str] = []
        public = [f"{m} {p}" for m, p in routes if is_public(m, p, params.public)]
        writes_skipped = [
            f"{m} {p}" for m, p in routes if m.lower() in WRITES and not params.writes
        ]
        todo = [
            (m, p)
            for m, p in routes
            if f"{m} {p}" not in public and f"{m} {p}" not in writes_skipped
        ]
        if len(todo) > params.max_routes:
            raise ProbeError(
                f"the document lists {len(todo)} routes to probe, more than max_routes "
                f"({params.max_routes}): raise max_routes or declare more routes public"
            )
        patience = Patience(ctx)
        interval = 1.0 / params.rate_per_s
        seen: list[httpx.Response] = []
        for i, (method, path) in enumerate(todo):
            if i:
                time.sleep(interval)
            concrete = PATH_PARAM.sub(PLACEHOLDER, path)
            body = INVALID_BODY if method.lower() in WRITES else None
            response = patience.send(ctx, method, base + concrete, json_body=body)
            seen.append(response)
            status = response.status_code
            name = f"{method} {path}"
            location = response.headers.get("location", "")
            if status in (401, 403) or (
                300 <= status < 400 and LOGIN_PATTERN.search(location) is not None
            ):
                protected.append(name)
            elif 200 <= status < 300 or (method.lower() in WRITES and status in (400, 422)):
                open_routes.append(f"{name} ({status})")
            elif status == 404 and PATH_PARAM.search(path):
                open_routes.append(
                    f"{name} (404 for a made-up id: the lookup ran before any access control)"
                )
            else:
                undecided.append(f"{name} ({status_text(response)})")
        evidence.update(
            open=open_routes, protected=len(protected), public=public, undecided=undecided
        )
        if writes_skipped:
            evidence["writes_not_probed"] = writes_skipped
        counts = (
            f"{len(routes)} route(s) in {source}: {len(protected)} refused anonymous callers, "
            f"{len(public)} public by the item's list"
            + (f", {len(writes_skipped)} write(s) not probed" if writes_skipped else "")
        )
        unreached = never_reached("each listed method", "each route", seen)
        if unreached:
            # Routing answered every request, not a handler: the sweep judged nothing.
            answered = "/".join(sorted({str(r.status_code) for r in seen}))
            raise ProbeError(
                f"every probed route answered {answered} ({counts}): the requests never reached "
                "a handler of the app, so the sweep "
                f"decides nothing: the document's paths are not at {base}: check base_url (a "
                "path prefix?)"
            )
        if open_routes:
            also = f"; could not judge: {', '.join(undecided)}" if undecided else ""
            return Outcome.failed(
                f"{len(open_routes)} route(s) answer anonymous callers: {', '.join(open_routes)} "
                f"({counts}){also}: require authentication on them, or add them to the item's "
                "public list if they are meant to be public",
                **evidence,
            )
        if undecided:
            return Outcome.error(
                f"could not judge {len(undecided)} route(s): {', '.join(undecided)} ({counts}); "
                "see the deployment's logs, or declare them public",
                **evidence,
            )
        return Outcome.passed(counts, **evidence)

    def _document(self, params: OpenApiParams, ctx: ProbeContext, base: str) -> tuple[Any, str]:
        """The document, read as every input is (golive/core/inputfiles.py): a file at
        most MAX_REPORT_BYTES, regular, UTF-8; an answer at most as long, nested at most
        MAX_JSON_DEPTH deep; else ProbeError (the item's error) naming where it came from."""
        from golive.core.inputfiles import MAX_REPORT_BYTES, InputFileError, read_input

        if params.document_file is not None:
            path = Path(params.document_file)
            path = path if path.is_absolute() else ctx.root / path
            try:
                text = read_input(path, MAX_REPORT_BYTES)
            except InputFileError as exc:
                raise ProbeError(f"cannot read the OpenAPI document {path}: {exc}") from None
            return _parse(text, str(path)), str(params.document_file)
        where = params.document_path or "/openapi.json"
        response = send(ctx, "GET", base + where, max_bytes=MAX_REPORT_BYTES)
        if response.status_code != 200:
            raise ProbeError(
                f"GET {where} got {status_text(response)}: the OpenAPI document is not served "
                "there (give document_path, or document_file)"
            )
        try:
            text = response.content.decode("utf-8")
        except UnicodeDecodeError:
            raise ProbeError(f"GET {where} did not answer JSON (not UTF-8)") from None
        from golive.core.inputfiles import parse_json

        try:
            return parse_json(text), where
        except InputFileError as exc:
            raise ProbeError(f"GET {where} did not answer JSON golive reads: {exc}") from None


def _parse(text: str, where: str) -> Any:
    """A JSON or YAML document, nested at most MAX_JSON_DEPTH deep (JSON) or as deep as
    the YAML parser gets; ProbeError naming `where` else."""
    import yaml

    from golive.core.inputfiles import InputFileError, parse_json

    try:
        return parse_json(text)
    except InputFileError as exc:
        if "not JSON" not in str(exc):
            raise ProbeError(f"{where}: {exc}") from None
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        raise ProbeError(f"{where} is not JSON or YAML: {type(exc).__name__}") from None
