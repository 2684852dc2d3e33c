"""http.status: each route answers each role (anonymous, user, admin) as expected.

Besides the status, an answer may have to carry JSON fields (`data[].fraud_type`) and
must not carry forbidden ones (password hashes) or a secret of the deployment. A 5xx the
item does not expect is `error`: the route fails, so its access control is not proven.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from golive.core.results import Outcome
from golive.engine.context import ProbeContext
from golive.engine.probe import Probe, ProbeError

from .http_client import (
    NOT_REACHED,
    Patience,
    login_redirect,
    never_reached,
    refuse_live_traffic,
    role_headers,
    status_text,
)
from .http_content import (
    check_field,
    find_keys,
    json_of,
    leaked_secrets,
    list_items,
)
from .http_routes import CREDENTIAL_HEADER, RouteResult, RouteSpec, StatusParams, advice_for

if TYPE_CHECKING:
    import httpx

# -- http.status ---------------------------------------------------------------------------


class StatusByRole(Probe[StatusParams]):
    kind = "http.status"
    Params = StatusParams
    summary = (
        "Each route answers each role (anonymous, user, admin) with the expected status, "
        "carrying the required JSON fields and no forbidden ones or secrets."
    )

    def run(self, params: StatusParams, ctx: ProbeContext) -> Outcome:
        writes = [r for r in params.routes if r.changes_state]
        if writes:
            shown = ", ".join(f"{r.method} {r.path}" for r in writes)
            refused = refuse_live_traffic(
                ctx,
                f"this item sends a request that may change the app's state ({shown})",
                tail=" (or state_changing: false on a route that only reads)",
            )
            if refused:
                return refused
        base = ctx.base_url()
        patience = Patience(ctx)
        results = [self._route(route, params, ctx, base, patience) for route in params.routes]
        self._judge_not_found(results, params, ctx, base, patience)
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
        self,
        route: RouteSpec,
        params: StatusParams,
        ctx: ProbeContext,
        base: str,
        patience: Patience,
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
            return RouteResult(verdict, line, evidence, route, base + evidence["path"])

        try:
            credentials = role_headers(ctx, route.role)
            headers = {**credentials, **route.headers}
            sent_credentials = bool(credentials) or any(
                CREDENTIAL_HEADER.search(name) for name in route.headers
            )
            path = route.path
            if route.id_from is not None:
                picked = self._pick_id(route, ctx, base, headers, patience)
                if picked is None:
                    return result(
                        "unproven",
                        f"{label}: {route.id_from} lists no item to open, so "
                        f"{route.path} was not checked",
                    )
                path = route.path.replace("{id}", picked)
                evidence["path"] = path
                label = f"{route.method} {path} as {route.role}"
            response = patience.send(
                ctx,
                route.method,
                base + path,
                headers=headers,
                json_body=route.body,
                form=route.form,
            )
        except ProbeError as exc:
            return result("error", f"{label}: {exc}")
        status = response.status_code
        evidence["status"] = status
        expected = "/".join(map(str, route.expect))
        if status >= 500 and status not in route.expect:
            return result(
                "error",
                f"{label}: {status_text(response)}: the route fails; see the deployment's logs",
            )
        if 300 <= status < 400 and status not in route.expect:
            return result(*self._redirect(route, params, response, label, sent_credentials))
        if status == 404 and status not in route.expect:
            evidence["not_found"] = True  # judged once every route has answered
            return result("error", f"{label}: got 404, expected {expected}")
        if status in NOT_REACHED and status not in route.expect:
            unreached = never_reached(route.method, path, [response], role=route.role)
            return result("error", f"{label}: got {status}, expected {expected}; {unreached}")
        if status not in route.expect:
            advice = advice_for(route, status, sent_credentials)
            return result("fail", f"{label}: got {status}, expected {expected}; {advice}")
        return result(*self._content(route, params, ctx, response, label))

    def _redirect(
        self,
        route: RouteSpec,
        params: StatusParams,
        response: httpx.Response,
        label: str,
        credentials: bool,
    ) -> tuple[Literal["ok", "fail", "error"], str]:
        status = response.status_code
        location = response.headers.get("location", "")
        target = urlsplit(location).path or location
        to_login = login_redirect(response, params.login_pattern) is not None
        refusal = set(route.expect) & {401, 403}
        if to_login and refusal:
            return "ok", f"{label}: {status} to the login page {target} (refused)"
        if to_login:
            # Stopped at the login: the route's handler never ran, so nothing is decided.
            who = f"the credentials of role {route.role}" if credentials else "no credentials"
            return "error", (
                f"{label}: got {status} to the login page {target}, expected "
                f"{'/'.join(map(str, route.expect))}; the request stopped at the login and never "
                f"reached the route's handler: {who} were not accepted: give the route a role "
                "whose token (or cookie) the app accepts"
            )
        return "fail", (
            f"{label}: got {status} to {location or 'nowhere'}, expected "
            f"{'/'.join(map(str, route.expect))}; a redirect that is not to a login page "
            f"(login_pattern {params.login_pattern!r}) is neither an answer nor a refusal (add "
            f"{status} to expect if that is intended)"
        )

    def _content(
        self,
        route: RouteSpec,
        params: StatusParams,
        ctx: ProbeContext,
        response: httpx.Response,
        label: str,
    ) -> tuple[Literal["ok", "fail", "unproven"], str]:
        status = response.status_code
        document = json_of(response)
        problems: list[str] = []
        unproven: list[str] = []
        wants_json = bool(route.json_answer) or bool(route.require_fields)
        if wants_json and document is None and 200 <= status < 300:
            ctype = response.headers.get("content-type", "no Content-Type").split(";")[0]
            wanted = f", so it lacks {', '.join(route.require_fields)}" * bool(route.require_fields)
            problems.append(
                f"the answer is not JSON ({ctype}){wanted}: an HTML page (a login or "
                "maintenance page?) answered instead of the API"
            )
        elif route.json_answer == "list" and list_items(document) is None:
            problems.append("the JSON answer holds no list")
        elif document is not None:
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
            return "fail", f"{label}: {status} but {'; '.join(problems)}"
        if unproven:
            return "unproven", f"{label}: {status}, but no element to check {', '.join(unproven)}"
        return "ok", f"{label}: {status}"

    def _judge_not_found(
        self,
        results: list[RouteResult],
        params: StatusParams,
        ctx: ProbeContext,
        base: str,
        patience: Patience,
    ) -> None:
        """A 404 means "no such route at this URL" unless something proves the route exists.

        The same path answered 2xx to other credentials in this item: then this role got
        past access control to the lookup. Only the control route answered: the base URL
        is right, but the path may still be wrong; both causes are named.
        """
        pending = [r for r in results if r.evidence.get("not_found")]
        if not pending:
            return
        control: str | None = None
        if params.control_path is not None:
            try:
                answer = patience.send(ctx, "GET", base + params.control_path)
            except ProbeError:
                answer = None
            if answer is not None and answer.status_code != 404 and answer.status_code < 500:
                control = f"GET {params.control_path} answered {answer.status_code}"
        asked: dict[str, int | None] = {}
        for r in pending:
            assert r.route is not None
            r.evidence.pop("not_found")
            served = sorted(
                {
                    o.evidence["role"]
                    for o in results
                    if o is not r
                    and o.evidence["path"] == r.evidence["path"]
                    and o.evidence["method"] == r.evidence["method"]
                    and 200 <= int(o.evidence.get("status", 0)) < 300
                }
            )
            refusal = set(r.route.expect) <= {401, 403}
            allowed = None
            if not served and refusal and r.route.method == "GET":
                allowed = self._allowed_answers(r, params, ctx, base, patience, asked)
            if served and refusal:
                advice = (
                    f"the same path answered 2xx to {', '.join(served)}, so the route exists: "
                    "the request got past access control to the lookup instead of being "
                    "refused: check authentication and rights before looking anything up"
                )
            elif allowed is not None:
                served = [params.allowed_role or ""]
                advice = (
                    f"{allowed}, so the route exists: the request got past access control to "
                    "the lookup instead of being refused (as H.10 reads a 404 for a made-up "
                    "id): check authentication and rights before looking anything up"
                )
            elif control is not None:
                advice = (
                    f"route not found at {r.url}; the base URL is right ({control}), so either "
                    "the item's path is wrong, or (for a path with an id) the request got past "
                    "access control to the lookup of a missing id: compare the same path as a "
                    "role that may open it; undecided until one of them is ruled out"
                )
            else:
                advice = (
                    f"route not found at {r.url}: the request never reached a handler of the "
                    "app, so this decides nothing: check base_url and the item's path"
                )
            if served and refusal:
                r.verdict = "fail"
                r.evidence["result"] = "fail"
            r.line = f"{r.line}; {advice}"
            r.evidence["note"] = r.line

    def _allowed_answers(
        self,
        r: RouteResult,
        params: StatusParams,
        ctx: ProbeContext,
        base: str,
        patience: Patience,
        asked: dict[str, int | None],
    ) -> str | None:
        """What proves, from `allowed_role`'s answers, that the 404 came from the lookup:
        a 2xx for the same path, or (a made-up id) a 404 there too and a 2xx for the path
        above it; None when nothing does (or the role could not be used)."""
        role = params.allowed_role
        if role is None or role == r.evidence["role"]:
            return None

        def status_of(path: str) -> int | None:
            if path not in asked:
                try:
                    headers = role_headers(ctx, role)
                    asked[path] = patience.send(
                        ctx, "GET", base + path, headers=headers
                    ).status_code
                except ProbeError:
                    asked[path] = None
            return asked[path]

        path = str(r.evidence["path"])
        same = status_of(path)
        if same is not None and 200 <= same < 300:
            return f"the same path answers {same} to {role}"
        parent = path.rstrip("/").rsplit("/", 1)[0]
        if same == 404 and parent and parent != path:
            above = status_of(parent)
            if above is not None and 200 <= above < 300:
                return (
                    f"{role} gets {above} from {parent} and 404 for this made-up id, as this "
                    "role did"
                )
        return None

    def _pick_id(
        self,
        route: RouteSpec,
        ctx: ProbeContext,
        base: str,
        headers: Mapping[str, str],
        patience: Patience,
    ) -> str | None:
        assert route.id_from is not None
        response = patience.send(ctx, "GET", base + route.id_from, headers=headers)
        if not 200 <= response.status_code < 300:
            raise ProbeError(
                f"listing {route.id_from} as {route.role} to pick an id got {status_text(response)}"
            )
        items = list_items(json_of(response))
        if items is None:
            raise ProbeError(f"{route.id_from} did not answer a JSON list")
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str | int):
                return str(item["id"])
        return None
