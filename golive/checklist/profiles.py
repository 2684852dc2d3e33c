"""An environment profile of checklist.yaml: where its configuration is read from
(sources), its Stripe settings, roles and their logins, the mode switch."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from golive.checklist.base import ID_PATTERN, Mode, Model


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
