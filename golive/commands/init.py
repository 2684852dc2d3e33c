"""`golive init`: a short golive.yaml for this app, and an example env file.

The profile `extend`s the packaged checklist and holds only what differs from its
inputs' defaults, so an upgrade of golive brings new items without a merge. The example
env file lists every variable the chosen environment's items read, with the items that
need each, and no value: it is safe to commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from golive.commands.init_migrations import LEDGER_TOOLS, guess_migrations_dir
from golive.core.errors import UsageError

PROFILE_NAME = "golive.yaml"


@dataclass
class InitAnswers:
    """What init asks; None keeps the packaged default."""

    environment: str = "prod"
    base_url: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was guessed, and why
    disable: dict[str, str] = field(default_factory=dict)  # item id -> reason
    #: features of the packaged checklist this app does not have (`without:`), among
    #: them environments (staging, test): their items are skipped saying so, never failed
    without: list[str] = field(default_factory=list)
    #: fields of the prepared environment: mode_switch, roles, the settings query
    environment_fields: dict[str, Any] = field(default_factory=dict)
    settings_sql: str | None = None

    def lack(self, feature: str, why: str) -> None:
        """The app has no `feature` (a name of the packaged checklist's `features:`)."""
        if feature not in self.without:
            self.without.append(feature)
            self.notes.append(f"without {feature}: {why}")

    def set_tables(
        self, text: str | None, *, tier_column: str | None = None, active_column: str | None = None
    ) -> None:
        """`plans=billing_plan,subscriptions=billing_subscription,fraud_warnings=x,usage=a+b`:
        the tables the database items read, by the packaged input they set."""
        for key, value in parse_pairs(text or "", "--tables").items():
            if key not in TABLE_INPUTS:
                raise UsageError(
                    f"--tables: no table called {key!r} (known: {', '.join(TABLE_INPUTS)})"
                )
            name = TABLE_INPUTS[key]
            self.inputs[name] = value.split("+") if name == "usage_tables" else value
        if tier_column:
            self.inputs["tier_column"] = tier_column
        if active_column:
            self.inputs["active_column"] = active_column

    def set_migrations(
        self,
        tool: str | None,
        *,
        folder: str | None = None,
        sql: str | None = None,
        command: str | None = None,
        here: Path | None = None,
    ) -> None:
        """The migration tool, for 3.2a (staging at the head) and 3.2b (prod = staging)."""
        if tool is None:
            if folder or sql or command:
                raise UsageError(
                    "--migrations-dir/--migration-sql/--migration-command need --migrations"
                )
            return
        if tool not in MIGRATION_TOOLS:
            raise UsageError(f"--migrations: one of {', '.join(MIGRATION_TOOLS)} (got {tool!r})")
        if (tool == "sql") != (sql is not None):
            raise UsageError("--migrations sql takes --migration-sql QUERY (and only it does)")
        if tool == "command" and not command:
            raise UsageError("--migrations command takes --migration-command CMD")
        if folder and tool in ("sql", "command"):
            raise UsageError(f"--migrations {tool} reads no --migrations-dir")
        self.inputs["migration_tool"] = tool
        if sql:
            self.inputs["migration_sql"] = sql
        if command:
            self.inputs["migration_command"] = command
        if folder is None and tool in ("alembic", "django") and not command:
            folder, why = guess_migrations_dir(tool, here or Path.cwd())
            if folder is None and tool == "django":
                raise UsageError(f"--migrations {tool}: {why}; give --migrations-dir")
            if folder is None:  # alembic: the head from GOLIVE_MIGRATION_HEAD, as packaged
                self.notes.append(
                    f"migrations_dir not set: {why}; 3.2a reads GOLIVE_MIGRATION_HEAD"
                )
            else:
                self.notes.append(f"migrations_dir = {folder!r}: {why}")
        elif folder is None and tool in LEDGER_TOOLS:
            from golive.commands.init_migrations import ledger_folder

            folder, why = ledger_folder(tool, here or Path.cwd())
            if folder is None:
                self.notes.append(
                    f"migrations_dir not set: {why}; with no staging 3.2b needs it "
                    "(--migrations-dir)"
                )
            else:
                self.notes.append(f"migrations_dir = {folder!r}: {why}")
        if folder:
            self.inputs["migrations_dir"] = folder

    def set_settings_sql(self, query: str | None) -> None:
        """A read-only query of (name, value) rows, read after the environment's source."""
        if query:
            if not re.match(r"^\s*(select|with)\b", query, re.IGNORECASE):
                raise UsageError("--settings-sql: a SELECT returning (name, value) rows")
            self.settings_sql = query

    def set_mode_switch(self, text: str | None) -> None:
        """`VAR:boolean`, `VAR:string` or `key:LIVE_VAR,TEST_VAR`; `VAR:KIND=DEFAULT` also
        says what the app reads when VAR is unset."""
        if not text:
            return
        head, _, rest = text.partition(":")
        if head == "key":
            live, _, test = rest.partition(",")
            switch: dict[str, Any] = {"kind": "key", "live": live.strip(), "test": test.strip()}
        else:
            kind, eq, default = rest.partition("=")
            switch = {"var": head.strip(), "kind": kind.strip() or "string"}
            if eq:
                switch["default"] = default.strip()
        from pydantic import ValidationError

        from golive.checklist.profiles import ModeSwitch

        try:
            ModeSwitch.model_validate(switch)
        except ValidationError as exc:
            raise UsageError(
                "--mode-switch: VAR:boolean, VAR:string or key:LIVE_VAR,TEST_VAR "
                f"({exc.errors()[0]['msg']})"
            ) from None
        self.environment_fields["mode_switch"] = switch

    def set_login(
        self,
        path: str | None,
        *,
        fields: str | None = None,
        csrf: bool = False,
        json_body: bool = False,
        token_field: str | None = None,
        roles: tuple[str, ...] = ("user", "other_user", "admin"),
    ) -> None:
        """Every role logs in at `path` with its own credential variables
        (GOLIVE_ADMIN_USERNAME / GOLIVE_ADMIN_PASSWORD ...), keeping the session."""
        if not path:
            return
        if not path.startswith("/"):
            raise UsageError("--login: a path on the deployment, starting with '/'")
        names = [f.strip() for f in (fields or "username,password").split(",")]
        if len(names) != 2 or not all(names):
            raise UsageError("--login-form: two field names, user,password")
        user_field, password_field = names
        self.environment_fields["roles"] = {
            role: {
                "bearer": None,
                "login": {
                    "path": path,
                    "json" if json_body else "form": {
                        user_field: f"${{GOLIVE_{role.upper()}_USERNAME}}",
                        password_field: f"${{GOLIVE_{role.upper()}_PASSWORD}}",
                    },
                    **({"token_field": token_field} if token_field else {}),
                    **({"csrf": {}} if csrf else {}),
                },
            }
            for role in roles
        }

    def set_prices(self, *, var: str | None, sql: str | None, prices: str | None) -> None:
        """Where prices come from, for every price item at once (the `price_source`
        input): a variable holding JSON, a read-only SQL query, or a literal list."""
        given = [n for n, v in (("var", var), ("sql", sql), ("list", prices)) if v]
        if len(given) > 1:
            raise UsageError(
                "where prices come from: give one of --price-mapping-var, --price-sql, "
                f"--prices (got {', '.join(given)})"
            )
        if var:
            self.inputs["price_mapping_var"] = var
            return
        if sql:
            source: dict[str, Any] = {"sql": sql}
        elif prices:
            source = {"prices": parse_price_list(prices)}
        else:
            return
        from pydantic import ValidationError

        from golive.engine.pricemap import PriceSource

        try:
            PriceSource.model_validate(source)
        except ValidationError as exc:
            raise UsageError(f"prices: {exc.errors()[0]['msg']}") from None
        self.inputs["price_source"] = source
        # The shared-fallback variable item is about mappings kept in variables.
        self.disable["1.2e"] = (
            "prices come from "
            + ("a SQL query" if sql else "a list in golive.yaml")
            + ", not a variable: no fallback mapping variable applies"
        )


#: --tables keys and the packaged inputs they set.
TABLE_INPUTS = {
    "plans": "plans_table",
    "subscriptions": "subscriptions_table",
    "fraud_warnings": "fraud_warnings_table",
    "usage": "usage_tables",
    "migrations": "migration_table",
}
MIGRATION_TOOLS = ("alembic", "django", "sql", "command", *LEDGER_TOOLS)


def parse_pairs(text: str, flag: str) -> dict[str, str]:
    """`a=b,c=d` as a dict."""
    pairs = [p.strip() for p in text.split(",") if p.strip()]
    if any("=" not in p for p in pairs):
        raise UsageError(f"{flag}: expected NAME=VALUE,... (got {text!r})")
    return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}


def parse_price_list(text: str) -> dict[str, str]:
    """`basic.monthly=price_1,pro.monthly=price_2`, or a JSON object of the same."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        return {str(k): str(v) for k, v in data.items()}
    pairs = [p.strip() for p in text.split(",") if p.strip()]
    if not pairs or any("=" not in p for p in pairs):
        raise UsageError("--prices: expected tier.cycle=price_id,... or a JSON object")
    return dict(tuple(x.strip() for x in p.split("=", 1)) for p in pairs)  # type: ignore[misc]


def packaged_inputs() -> dict[str, Any]:
    """The packaged checklist's inputs and their defaults."""
    from golive.checklist.merged import packaged_checklist
    from golive.checklist.overlay import load_merged

    declared = load_merged(packaged_checklist()).data.get("inputs") or {}
    return {k: v.get("default") for k, v in declared.items() if isinstance(v, dict)}


def packaged_features() -> dict[str, str]:
    """The packaged checklist's features (name -> what the app has), for `without:`."""
    from golive.checklist.features import feature_titles
    from golive.checklist.merged import packaged_checklist
    from golive.checklist.overlay import load_merged

    return feature_titles(load_merged(packaged_checklist()).data)


def packaged_environment(name: str) -> dict[str, Any]:
    """The packaged checklist's profile of one environment, as written."""
    from golive.checklist.merged import packaged_checklist
    from golive.checklist.overlay import load_merged

    env = (load_merged(packaged_checklist()).data.get("environments") or {}).get(name)
    return env if isinstance(env, dict) else {}


def profile_text(answers: InitAnswers) -> str:
    """The golive.yaml: `extend: default` plus only the values that differ."""
    defaults = packaged_inputs()
    unknown = sorted(set(answers.inputs) - set(defaults))
    if unknown:
        raise UsageError(f"the packaged checklist has no input {', '.join(unknown)}")
    changed = {k: v for k, v in answers.inputs.items() if v is not None and v != defaults[k]}
    doc: dict[str, Any] = {"extend": "default"}
    if changed:
        doc["inputs"] = changed
    if answers.disable:
        doc["disable"] = dict(answers.disable)
    environments: dict[str, Any] = {}
    prepared: dict[str, Any] = {}
    if answers.base_url:
        base = answers.base_url.rstrip("/")
        webhook = changed.get("webhook_path", defaults.get("webhook_path", ""))
        prepared.update({"base_url": base, "stripe": {"webhook_url": base + webhook}})
    if answers.settings_sql:
        before = packaged_environment(answers.environment).get("source", "env")
        prepared["source"] = [
            *(before if isinstance(before, list) else [before]),
            {"sql": answers.settings_sql},
        ]
    prepared.update(answers.environment_fields)
    if prepared:
        environments[answers.environment] = prepared
    features = packaged_features()
    for name in answers.without:
        if name not in features:
            import difflib

            near = difflib.get_close_matches(name, list(features), n=1)
            raise UsageError(
                f"--without {name}: no such feature (known: {', '.join(features)})"
                + (f"; did you mean {near[0]!r}?" if near else "")
            )
        if name == answers.environment:
            raise UsageError(f"--without {name}: that is the environment to prepare")
    if environments:
        doc["environments"] = environments
    head = (
        "# golive profile of this app: the packaged go-live checklist with this app's names.\n"
        "# `golive list` shows every input, its value and where it was set;\n"
        "# `golive vars --env ENV` the variables the checks read. Change items with\n"
        "# `override: {ID: {...}}`, turn them off with `disable: {ID: reason}`, add your own\n"
        "# under `items:`. See docs/adapting.md.\n"
    )
    notes = "".join(f"#   {n}\n" for n in answers.notes)
    if notes:
        notes = "# Guessed by golive init:\n" + notes
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)
    if answers.without:  # one line, as a person writes it: without: [a, b]
        lacking = yaml.safe_dump(
            {"without": list(dict.fromkeys(answers.without))}, default_flow_style=None, width=10**6
        )
        body = body.replace("extend: default\n", "extend: default\n" + lacking, 1)
    return head + notes + body


def env_example_text(profile: Path, environment: str) -> str:
    """Every variable the environment's items read, one commented line each, no value."""
    from golive.engine.loader import load_checklist
    from golive.values.variables import needed_variables

    checklist = load_checklist(profile).checklist
    items = [i for i in checklist.items if checklist.applies(i, environment) and not i.disabled]
    lines = [
        f"# Variables golive reads for environment {environment!r} ({profile.name}).",
        "# Copy to a file that is never committed and fill in; or set them in CI.",
        "# Each line names the items that read it; optional ones may stay empty.",
        "",
    ]
    for need in needed_variables(checklist, environment, items):
        shown = ", ".join(need.items[:6]) + (
            f" +{len(need.items) - 6}" if len(need.items) > 6 else ""
        )
        uses = sorted({w.split(": ", 1)[-1] for w in need.why})
        optional = " (optional)" if need.optional else ""
        lines.append(f"# {need.name}{optional}: read by {shown} as {', '.join(uses)}")
        lines.append(f"{need.name}=")
    return "\n".join(lines) + "\n"


def write_files(folder: Path, answers: InitAnswers, *, force: bool) -> tuple[Path, Path]:
    """Write golive.yaml and ENV.env.example in `folder`; never overwrite without force."""
    profile = folder / PROFILE_NAME
    example = folder / f"{answers.environment}.env.example"
    for path in (profile, example):
        if path.exists() and not force:
            raise UsageError(f"{path} exists; use --force to replace it")
    profile.write_text(profile_text(answers), encoding="utf-8")
    from golive.engine.loader import load_checklist

    checklist = load_checklist(profile).checklist  # what init wrote must load
    if answers.environment not in checklist.environments:
        known = ", ".join(sorted(checklist.environments))
        profile.unlink()
        raise UsageError(f"--env {answers.environment}: no such environment (known: {known})")
    example.write_text(env_example_text(profile, answers.environment), encoding="utf-8")
    return profile, example
