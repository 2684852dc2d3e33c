"""checklist.yaml: its pydantic models, and loading with exact FILE:LINE:COL errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from golive.checklist.features import Feature
from golive.checklist.yamlpos import Positions
from golive.core.errors import ChecklistError, Problem
from golive.core.interpolation import malformed

if TYPE_CHECKING:
    from golive.checklist.overlay import Merged

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"
Severity = Literal["blocking", "advisory"]
Mode = Literal["live", "test"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(Model):
    """What this checklist is."""

    name: str = "go-live checklist"
    version: str = "1"
    description: str = ""
    owner: str = ""


class Defaults(Model):
    """Run settings that items and the command line may override."""

    timeout: float = Field(
        20.0, gt=0, le=3600, allow_inf_nan=False, description="Seconds one probe may take."
    )
    concurrency: int = Field(16, ge=1, le=64, description="Probes run at once.")
    deadline: float = Field(
        120.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds the whole run may take; unfinished items are then `error`.",
    )
    needs: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Prerequisites by probe kind: {'stripe.*': ['1.2a']} makes every Stripe "
        "item wait for 1.2a and report `blocked` when it failed. An item's own `needs` "
        "replaces these.",
    )
    attestations_file: str = Field(
        "attestations.yaml",
        description="Attestations of manual items (`golive attest`), relative to the checklist.",
    )
    waivers_file: str = Field(
        "waivers.yaml", description="Waivers of failing items, relative to the checklist."
    )
    max_waiver_days: int = Field(
        30, ge=1, le=366, description="The longest a waiver may run; a longer one has no effect."
    )


class SourceSpec(Model):
    """Where a deployment's configuration (its env vars) is read from.

    `env` (the process environment, as in CI), `{dotenv: PATH}`, `{command: ...}` whose
    standard output is dotenv or a JSON object (a secret manager's or platform's CLI),
    or `{sql: QUERY}` returning (name, value) rows from the app's database, read-only.
    A command runs without a shell: a list is the argv; a string is split like a shell
    would (shlex) but pipes, redirections and `$(...)` are refused: write
    `[sh, -c, "..."]` to use a shell.
    """

    type: Literal["env", "dotenv", "command", "sql"] = "env"
    path: str | None = None
    command: str | list[str] | None = None
    query: str | None = Field(None, description="sql: SELECT returning (name, value) rows.")
    database_url: str | None = Field(
        None, description="sql: the database; default the environment's database_url."
    )
    timeout: float = Field(30.0, gt=0, le=3600, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data == "env":
            return {"type": "env"}
        if isinstance(data, dict) and "type" not in data:
            if "dotenv" in data:
                rest = {k: v for k, v in data.items() if k != "dotenv"}
                return {"type": "dotenv", "path": data["dotenv"], **rest}
            if "command" in data:
                return {"type": "command", **data}
            if "sql" in data:
                rest = {k: v for k, v in data.items() if k != "sql"}
                return {"type": "sql", "query": data["sql"], **rest}
        return data

    @model_validator(mode="after")
    def _complete(self) -> SourceSpec:
        if self.type == "dotenv" and not self.path:
            raise ValueError("a dotenv source needs a path")
        if self.type == "command":
            self.argv()
        if self.type == "sql" and not (self.query or "").strip():
            raise ValueError("a sql source needs a query")
        return self

    def argv(self) -> list[str]:
        """The command's argv; ValueError (a checklist error at load) when it has none,
        an unbalanced quote, or shell syntax that only a shell could run."""
        if not self.command or (isinstance(self.command, str) and not self.command.strip()):
            raise ValueError("a command source needs a command")
        from golive.core.process import split_command

        return split_command(self.command)


class StripeSettings(Model):
    """How golive talks to Stripe for this environment (read-only, rate-capped)."""

    api_key_var: str = Field("STRIPE_SECRET_KEY", description="Variable holding the API key.")
    api_base: str | None = Field(
        None, description="Stripe-compatible base URL (a sandbox); default Stripe itself."
    )
    webhook_url: str | None = Field(None, description="The URL Stripe must deliver events to.")
    api_version: str | None = Field(None, description="API version the deployment expects.")
    max_rps: float = Field(20.0, gt=0, le=100, description="Requests per second to Stripe.")
    max_retries: int = Field(2, ge=0, le=5)
    timeout: float = Field(10.0, gt=0, le=3600, allow_inf_nan=False)


class CsrfSpec(Model):
    """Django-style CSRF: a cookie set by a page, echoed in a header and a form field."""

    cookie: str = Field("csrftoken", description="Cookie that carries the CSRF token.")
    header: str = Field("X-CSRFToken", description="Header the token is sent back in.")
    field: str | None = Field(
        "csrfmiddlewaretoken", description="Form field the token is sent back in (form logins)."
    )
    from_path: str | None = Field(
        None, description="Page GET first to obtain the cookie; default the login path."
    )


class LoginSpec(Model):
    """A login request whose answer sets the role's session (cookie) or gives a token."""

    path: str = Field(description="The login route, e.g. /accounts/login/.")
    method: Literal["POST"] = "POST"
    form: dict[str, str] | None = Field(
        None, description="Form fields (values may use ${VAR}), sent form-encoded."
    )
    json_body: dict[str, Any] | None = Field(
        None, alias="json", description="A JSON body instead of form (values may use ${VAR})."
    )
    token_field: str | None = Field(
        None,
        description="A field of the JSON answer holding a bearer token (`access`, "
        "`data.token`); default: the cookies the answer sets are the session.",
    )
    csrf: CsrfSpec | None = Field(
        None, description="Obtain a CSRF token first and send it back (Django: {} suffices)."
    )

    @model_validator(mode="after")
    def _body(self) -> LoginSpec:
        if (self.form is None) == (self.json_body is None):
            raise ValueError("a login has exactly one of form: or json:")
        if not self.path.startswith("/"):
            raise ValueError("login path: a path on the deployment, starting with '/'")
        if self.csrf and self.csrf.from_path and not self.csrf.from_path.startswith("/"):
            raise ValueError("csrf from_path: a path on the deployment, starting with '/'")
        return self


class RoleCredentials(Model):
    """How one role (anonymous, user, admin, ...) authenticates to the deployment.

    Fixed credentials (`bearer`, `headers`, `cookies`), or obtained once per run: a
    `login` request, or a `command` (no shell) that prints a token or a cookie."""

    bearer: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    cookies: dict[str, str] = Field(default_factory=dict)
    login: LoginSpec | None = None
    command: list[str] | None = Field(
        None,
        min_length=1,
        description="argv of a command (run without a shell) printing the role's credential.",
    )
    prints: Literal["token", "cookie"] = Field(
        "token",
        description="What the command prints: a bearer token, or a cookie NAME=VALUE.",
    )
    command_timeout: float = Field(30.0, gt=0, le=600, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_way(self) -> RoleCredentials:
        if self.login is not None and self.command is not None:
            raise ValueError("a role logs in with login: or command:, not both")
        if (self.login is not None or self.command is not None) and self.bearer is not None:
            raise ValueError(
                "a role that logs in (login: or command:) gets its token from it, so it has no "
                "bearer: write `bearer: null` to drop one a packaged profile gives it"
            )
        return self


class ModeSwitch(Model):
    """How the app itself is told to run live or test (item 1.2c judges it).

    `{var: STRIPE_MODE, kind: string}`: the value is `live` or `test`;
    `{var: STRIPE_LIVE_MODE, kind: boolean}`: true means live;
    `{kind: key, live: STRIPE_LIVE_SECRET_KEY, test: STRIPE_TEST_SECRET_KEY}`: the mode is
    implied by which of the two variables is set."""

    kind: Literal["string", "boolean", "key"] = "string"
    var: str | None = None
    live: str | None = Field(None, description="kind key: the variable set in live mode.")
    test: str | None = Field(None, description="kind key: the variable set in test mode.")
    default: str | None = Field(
        None,
        description="What the app reads when var is unset (its own default, e.g. true or "
        "live): an unset switch is judged as that value.",
    )

    @model_validator(mode="after")
    def _complete(self) -> ModeSwitch:
        if self.kind == "key":
            if not (self.live and self.test) or self.var:
                raise ValueError("mode_switch of kind key names live: and test: variables")
            if self.default is not None:
                raise ValueError("mode_switch of kind key has no default (it has no var:)")
        elif not self.var or self.live or self.test:
            raise ValueError(f"mode_switch of kind {self.kind} names one var:")
        return self


class EnvironmentProfile(Model):
    """One deployment golive can check: `golive check --env NAME`."""

    description: str = ""
    mode: Mode = Field(description="The Stripe mode this deployment must run in.")
    source: SourceSpec | list[SourceSpec] = Field(
        default_factory=SourceSpec,
        description="Where values come from; a list is merged in order, later ones winning.",
    )
    base_url: str | None = None
    public_url: str | None = Field(
        None,
        description="The URL users and Stripe reach (HTTPS, certificate), when golive probes "
        "the deployment at another one (`base_url`, e.g. behind the TLS proxy).",
    )
    repo: str | None = Field(
        None,
        description="The app's repository folder that repo and secret probes examine; "
        "relative to this checklist's folder. Default: the current folder.",
    )
    database_url: str | None = None
    databases: dict[Annotated[str, Field(pattern=ID_PATTERN)], str] = Field(
        default_factory=dict,
        description="More databases by name (per-tenant files, shards), each a URL that "
        "may use ${VAR}; table and row items examine database_url ('default') and each.",
    )
    stripe: StripeSettings = Field(default_factory=StripeSettings)
    mode_switch: ModeSwitch | None = Field(
        None,
        description="How the app's live/test switch is expressed; default {var: STRIPE_MODE, "
        "kind: string} (item 1.2c).",
    )
    roles: dict[str, RoleCredentials] = Field(default_factory=dict)
    allow_traffic: bool = Field(
        False,
        description="Allow probes that send bursts (rate-limit checks) when mode is live.",
    )
    advisory: dict[str, str] = Field(
        default_factory=dict,
        description="Items this environment does not gate on, each id with the reason: "
        "relaxes an item that would block here (a sign-off in live mode); every report "
        "names the item and the reason.",
    )
    vars: dict[str, str] = Field(
        default_factory=dict, description="Extra values probes can read as ${NAME}."
    )

    @property
    def sources(self) -> list[SourceSpec]:
        """The sources, in merge order."""
        return list(self.source) if isinstance(self.source, list) else [self.source]

    @field_validator("source")
    @classmethod
    def _some_source(cls, source: SourceSpec | list[SourceSpec]) -> Any:
        if isinstance(source, list) and not source:
            raise ValueError("list at least one source")
        return source

    @field_validator("databases")
    @classmethod
    def _database_names(cls, named: dict[str, str]) -> dict[str, str]:
        if "default" in named:
            raise ValueError("'default' names database_url; give this database another name")
        return named


class InputSpec(Model):
    """A named value items reference as `${inputs.NAME}`: a route, a table, a variable."""

    default: Any = Field(description="The value, unless an extending checklist sets another.")
    description: str = ""


class When(Model):
    """A trait of the environment an item needs (not its name)."""

    mode: Mode | None = Field(None, description="Only in environments of this Stripe mode.")


class Section(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)]
    title: str


class ProbeSpec(Model):
    """`probe:` of an item: `kind` names a probe; the other keys are its parameters."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Item(Model):
    """One checklist item."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    title: str
    section: str
    probe: ProbeSpec
    severity: Severity = "blocking"
    blocking_when: When | None = Field(
        None,
        description="Traits of the environments where this advisory item gates (is "
        "blocking), e.g. {mode: live} for a sign-off that production must have.",
    )
    environments: list[str] | None = Field(
        None, description="Environments this item applies to; all when absent."
    )
    when: When | None = Field(
        None, description="Traits an environment must have, e.g. {mode: live}; all when absent."
    )
    disabled: str | None = Field(
        None, description="Why this item does not apply (set by `disable:` in an overlay)."
    )
    tags: list[str] = Field(default_factory=list)
    refs: list[str] = Field(default_factory=list)
    remediation: str = ""
    timeout: float | None = Field(None, gt=0, le=3600, allow_inf_nan=False)
    needs: list[str] | None = Field(
        None,
        description="Ids of items that must hold before this one can be judged; when one "
        "fails (or errs, or is itself blocked) this item is `blocked by ID`, never pass.",
    )

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", tag):
                raise ValueError(f"tag {tag!r}: use lower-case letters, digits, - and _")
        return tags


class PluginKind(Model):
    """One probe kind a plug-in provides: `{kind: acme.flag, probe: ./probes/acme.py:Flag}`."""

    kind: str = Field(min_length=1, description="The kind items name in `probe.kind`.")
    probe: str = Field(
        min_length=3,
        description="FILE.py:Class (relative to this checklist) or module:Class (importable).",
    )


class Checklist(Model):
    """The whole checklist.yaml."""

    extend: str | None = Field(
        None,
        description="The checklist this one changes: 'default' (the packaged one) or a path "
        "relative to this file. Then `inputs`, `override`, `disable` and `items` apply on top.",
    )
    inputs: dict[str, InputSpec] = Field(
        default_factory=dict, description="Named values items reference as ${inputs.NAME}."
    )
    override: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Changes to items by id, merged into them."
    )
    disable: dict[str, str] = Field(
        default_factory=dict,
        description="Items turned off by id (or every item of a section or tag), with the "
        "reason shown.",
    )
    features: dict[str, Feature] = Field(
        default_factory=dict,
        description="Features an app may lack, each with the items about it; an overlay's "
        "`without: [NAME]` skips those items (docs/adapting.md).",
    )
    without: list[str] = Field(
        default_factory=list,
        description="The features (of `features:`) this app does not have: their items are "
        "skipped saying so, an environment feature removes the environment.",
    )
    plugins: list[str | PluginKind] = Field(
        default_factory=list,
        description="Probe kinds of your own: a Python file (relative to this checklist) or "
        "an importable module whose PROBES mapping lists kind -> Probe class, or "
        "{kind, probe: FILE.py:Class | module:Class}. See docs/probe-api.md.",
    )
    metadata: Metadata = Field(default_factory=Metadata)
    defaults: Defaults = Field(default_factory=Defaults)
    environments: dict[str, EnvironmentProfile] = Field(min_length=1)
    sections: list[Section]
    items: list[Item]

    def applies(self, item: Item, environment: str) -> bool:
        """Whether an item belongs to an environment: by name (`environments:`) and by
        trait (`when: {mode: live}`), so a profile called `production` gets live items."""
        if item.environments is not None and environment not in item.environments:
            return False
        profile = self.environments.get(environment)
        return not (
            item.when is not None
            and item.when.mode is not None
            and (profile is None or profile.mode != item.when.mode)
        )

    def severity_in(self, item: Item, environment: str) -> Severity:
        """An item's severity in one environment: `blocking_when` makes an advisory item
        gate in the environments that have the traits; a profile's `advisory:` relaxes it."""
        profile = self.environments.get(environment)
        if profile is not None and item.id in profile.advisory:
            return "advisory"
        when = item.blocking_when
        if when is not None and (when.mode is None or (profile and profile.mode == when.mode)):
            return "blocking"
        return item.severity

    def needs_of(self, item: Item) -> list[str]:
        """The prerequisites of an item: its own `needs`, else those of its probe kind."""
        if item.needs is not None:
            return list(item.needs)
        from fnmatch import fnmatchcase

        found: list[str] = []
        for pattern, ids in self.defaults.needs.items():
            if fnmatchcase(item.probe.kind, pattern):
                found.extend(i for i in ids if i != item.id and i not in found)
        return found

    def probe_target(self, kind: str) -> str | None:
        """Where this checklist's plug-ins put `kind` (None: a built-in or entry-point kind).

        After `load_checklist`, `plugins` holds one resolved {kind, probe} per kind."""
        for plugin in self.plugins:
            if isinstance(plugin, PluginKind) and plugin.kind == kind:
                return plugin.probe
        return None

    def section_title(self, section_id: str) -> str:
        for section in self.sections:
            if section.id == section_id:
                return section.title
        return section_id


class LoadedChecklist:
    """A validated checklist with where it came from, for error messages."""

    def __init__(
        self, path: Path, checklist: Checklist, positions: Positions, merged: Merged | None = None
    ) -> None:
        self.path = path
        self.checklist = checklist
        self.positions = positions
        self.merged = merged

    def where(self, *loc: str | int) -> str:
        line, col = self.positions.find(loc)
        return f"{_file_of(self.positions, loc, self.path)}:{line}:{col}"

    @property
    def is_packaged(self) -> bool:
        """True when this is the packaged default itself (no checklist of the user's)."""
        from golive.checklist.overlay import packaged_checklist

        # absolute(), not resolve(): in a source checkout the packaged file is a symlink
        # to ./checklist.yaml, which is the user's own file when given with -c.
        return self.path.absolute() == packaged_checklist()

    @property
    def records_folder(self) -> Path:
        """Where files kept "beside the checklist" live (attestations, waivers): the
        checklist's folder, or the current folder for the packaged default, which sits
        inside site-packages where nothing of a team's should be written."""
        return Path.cwd() if self.is_packaged else self.path.parent

    @property
    def folder(self) -> Path:
        """Where paths written in this checklist start (the folder of the file given)."""
        return self.path.parent

    def item_index(self, item_id: str) -> int:
        for i, item in enumerate(self.checklist.items):
            if item.id == item_id:
                return i
        raise KeyError(item_id)


def load_checklist(path: Path) -> LoadedChecklist:
    """Load and validate a checklist (merged onto what it `extend`s, inputs filled in);
    raise ChecklistError listing every problem, each at the file and line that wrote it."""
    from golive.checklist.overlay import load_merged

    merged = load_merged(path)
    data, positions = merged.data, merged.positions
    for key in ("extend", "override", "disable"):
        data.pop(key, None)  # applied by the merge
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        raise ChecklistError(
            [_problem(path, positions, data, err) for err in exc.errors()]
        ) from None
    checklist, problems = _load_plugins(path, positions, checklist)
    if not problems:
        problems = _cross_check(path, positions, checklist)
    problems += _unclosed_refs(path, positions, data)
    if problems:
        raise ChecklistError(problems)
    return LoadedChecklist(path, checklist, positions, merged)


def _load_plugins(
    path: Path, positions: Positions, checklist: Checklist
) -> tuple[Checklist, list[Problem]]:
    """Resolve `plugins:` against the folder of the file that wrote each entry, load every
    kind it names (read from its source, never run: a plug-in that cannot be used is a
    checklist error naming it), and keep one {kind, probe} per kind with absolute paths,
    so that the run does not depend on the current folder."""
    from golive.engine.registry import PluginError, is_file_target, resolve_plugins

    entries: list[tuple[str | None, str]] = []
    for i, plugin in enumerate(checklist.plugins):
        folder = Path(_file_of(positions, ("plugins", i), path)).parent
        kind, target = (None, plugin) if isinstance(plugin, str) else (plugin.kind, plugin.probe)
        module, colon, attr = target.rpartition(":") if kind else (target, "", "")
        if is_file_target(module) and not Path(module).expanduser().is_absolute():
            module = str((folder / Path(module).expanduser()).resolve())
        entries.append((kind, f"{module}{colon}{attr}"))
    if not entries:
        return checklist, []
    try:
        kinds = resolve_plugins(entries)
    except PluginError as exc:
        line, col = positions.find(("plugins", exc.index))
        file = _file_of(positions, ("plugins", exc.index), path)
        return checklist, [Problem(file, line, col, None, str(exc))]
    resolved = [PluginKind(kind=k, probe=t) for k, t in kinds.items()]
    return checklist.model_copy(update={"plugins": resolved}), []


def _file_of(positions: Positions, loc: tuple[Any, ...], path: Path) -> str:
    """The file a value was written in: an overlay's, or the checklist it extends."""
    from golive.checklist.overlay import SourcedPositions

    if isinstance(positions, SourcedPositions):
        return positions.file_of(loc)
    return str(path)


def _unclosed_refs(path: Path, positions: Positions, data: Any) -> list[Problem]:
    """`${VAR` without its `}` (or with a bad name) in an environment: would be sent
    literally; say where instead."""
    problems: list[Problem] = []

    def walk(value: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, (*loc, key))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                walk(sub, (*loc, i))
        elif isinstance(value, str) and malformed(value):
            line, col = positions.find(loc)
            problems.append(
                Problem(
                    _file_of(positions, loc, path),
                    line,
                    col,
                    None,
                    "'${' without a matching '}' or a valid variable name: "
                    "write ${NAME} or ${NAME:-default}",
                )
            )

    environments = data.get("environments") if isinstance(data, dict) else None
    if isinstance(environments, dict):
        walk(environments, ("environments",))
    return problems


def _item_id(data: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        try:
            item = data["items"][loc[1]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(item, dict) and isinstance(item.get("id"), str | int | float):
            return str(item["id"])
    return None


def _loc_text(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        loc = loc[2:]
    return ".".join(str(p) for p in loc)


def _problem(path: Path, positions: Positions, data: Any, err: Any) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
    line, col = positions.find(loc)
    msg = err["msg"]
    where = _loc_text(loc)
    if err["type"] == "extra_forbidden":
        msg, where = f"unknown key {loc[-1]!r}", _loc_text(loc[:-1])
    return Problem(
        _file_of(positions, loc, path),
        line,
        col,
        _item_id(data, loc),
        f"{where}: {msg}" if where else msg,
    )


def _cross_check(path: Path, positions: Positions, checklist: Checklist) -> list[Problem]:
    """What pydantic cannot see alone: duplicate ids, unknown sections, environments,
    probe kinds, and each probe's own parameters."""
    from golive.engine.registry import ProbeLoadError, known_kinds, load_probe

    problems: list[Problem] = []
    section_ids = {s.id for s in checklist.sections}
    seen_sections: set[str] = set()
    for i, section in enumerate(checklist.sections):
        if section.id in seen_sections:
            line, col = positions.find(("sections", i, "id"))
            file = _file_of(positions, ("sections", i), path)
            problems.append(Problem(file, line, col, None, f"duplicate section id {section.id!r}"))
        seen_sections.add(section.id)
    seen: dict[str, int] = {}
    for i, item in enumerate(checklist.items):

        def add(loc: tuple[str | int, ...], message: str, item: Item = item, i: int = i) -> None:
            line, col = positions.find(("items", i, *loc))
            file = _file_of(positions, ("items", i, *loc), path)
            problems.append(Problem(file, line, col, item.id, message))

        if item.id in seen:
            first, _ = positions.find(("items", seen[item.id], "id"))
            add(("id",), f"duplicate item id (first defined on line {first})")
        else:
            seen[item.id] = i
        if item.section not in section_ids:
            add(
                ("section",),
                f"unknown section {item.section!r}; known: {', '.join(sorted(section_ids))}",
            )
        for j, env in enumerate(item.environments or []):
            if env not in checklist.environments:
                known = ", ".join(sorted(checklist.environments))
                add(("environments", j), f"unknown environment {env!r}; known: {known}")
        all_ids = {it.id for it in checklist.items}
        for j, need in enumerate(item.needs or []):
            if need not in all_ids:
                add(("needs", j), f"needs {need!r}: no item has that id")
            elif need == item.id:
                add(("needs", j), "an item cannot need itself")
        kinds = {*known_kinds(), *_plugin_kinds(checklist)}
        if item.probe.kind not in kinds:
            add(
                ("probe", "kind"),
                f"unknown probe kind {item.probe.kind!r}; known kinds: {', '.join(sorted(kinds))}",
            )
            continue
        if checklist.probe_target(item.probe.kind) is not None:
            continue  # a local plug-in: its code runs only in a trusted check (trust.py)
        try:
            probe = load_probe(item.probe.kind)
        except ProbeLoadError as exc:
            add(("probe", "kind"), str(exc))
            continue
        try:
            probe.Params.model_validate(item.probe.params)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                msg, shown = err["msg"], loc
                if err["type"] == "extra_forbidden":
                    msg, shown = f"unknown key {loc[-1]!r}", loc[:-1]
                where = ".".join(str(p) for p in ("probe", *shown))
                add(("probe", *loc), f"{where}: {msg}")
    problems.extend(_needs_problems(path, positions, checklist))
    problems.extend(_advisory_problems(path, positions, checklist))
    return problems


def _advisory_problems(path: Path, positions: Positions, checklist: Checklist) -> list[Problem]:
    """A profile's `advisory:` that names no item would relax nothing, silently."""
    import difflib

    ids = [item.id for item in checklist.items]
    problems: list[Problem] = []
    for name, profile in checklist.environments.items():
        for item_id in profile.advisory:
            if item_id in ids:
                continue
            loc = ("environments", name, "advisory", item_id)
            line, col = positions.find(loc)
            near = difflib.get_close_matches(item_id, ids, n=1)
            problems.append(
                Problem(
                    _file_of(positions, loc, path),
                    line,
                    col,
                    None,
                    f"environments.{name}.advisory: no item {item_id!r}"
                    + (f"; did you mean {near[0]!r}?" if near else ""),
                )
            )
    return problems


def _plugin_kinds(checklist: Checklist) -> list[str]:
    return [p.kind for p in checklist.plugins if isinstance(p, PluginKind)]


def _needs_problems(path: Path, positions: Positions, checklist: Checklist) -> list[Problem]:
    """Unknown ids in `defaults.needs`, and prerequisite cycles (which would never run)."""
    problems: list[Problem] = []
    ids = {item.id for item in checklist.items}
    for pattern, needed in checklist.defaults.needs.items():
        for j, need in enumerate(needed):
            if need not in ids:
                loc = ("defaults", "needs", pattern, j)
                line, col = positions.find(loc)
                file = _file_of(positions, loc, path)
                problems.append(Problem(file, line, col, None, f"defaults.needs: no item {need!r}"))
    graph = {item.id: [n for n in checklist.needs_of(item) if n in ids] for item in checklist.items}
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
            if state.get(nxt) is None:
                cycle = visit(nxt, [*trail, nxt])
                if cycle:
                    return cycle
        state[node] = 2
        return None

    for item_id in graph:
        if state.get(item_id) is None:
            cycle = visit(item_id, [item_id])
            if cycle:
                i = next(k for k, it in enumerate(checklist.items) if it.id == cycle[0])
                line, col = positions.find(("items", i, "needs"))
                file = _file_of(positions, ("items", i, "needs"), path)
                chain = " -> ".join(cycle)
                problems.append(Problem(file, line, col, cycle[0], f"needs form a cycle: {chain}"))
                break
    return problems
