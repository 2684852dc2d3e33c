"""`golive init`'s flow: what the flags and an OpenAPI document decide, then a question
for each thing still open (when a person is there to answer), then the files written.

The questions go through an injected `Prompt` (the command line passes one reading the
terminal, or none with --yes or without a terminal; tests pass their own answers), and
every line shown through `say`: nothing here reads stdin or knows Typer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from golive.commands.init import InitAnswers, packaged_inputs, write_files


class Prompt(Protocol):
    """How init asks: a line of text (with a default), or yes/no."""

    def ask(self, question: str, default: str | None = None, show_default: bool = True) -> str: ...

    def confirm(self, question: str, default: bool = True) -> bool: ...


@dataclass(frozen=True)
class InitFlags:
    """What the command line gave `golive init` (None: not given)."""

    env: str = "prod"
    base_url: str | None = None
    stripe_key_var: str | None = None
    price_mapping_var: str | None = None
    price_sql: str | None = None
    prices: str | None = None
    database_url_var: str | None = None
    webhook_path: str | None = None
    from_openapi: str | None = None
    without: list[str] | None = None
    env_file: Path | None = None
    tables: str | None = None
    tier_column: str | None = None
    active_column: str | None = None
    migrations: str | None = None
    migrations_dir: str | None = None
    migration_sql: str | None = None
    migration_command: str | None = None
    settings_sql: str | None = None
    mode_switch: str | None = None
    login: str | None = None
    login_form: str | None = None
    login_json: bool = False
    csrf: bool = False
    force: bool = False


def run_init(
    given: InitFlags, folder: Path, prompt: Prompt | None, say: Callable[[str], None]
) -> tuple[Path, Path]:
    """Decide every answer (flags, document, env file, then `prompt` for what is left
    when it is given), write golive.yaml and ENV.env.example in `folder`; their paths."""
    env = given.env
    base_url = given.base_url
    stripe_key_var = given.stripe_key_var
    price_mapping_var = given.price_mapping_var
    price_sql = given.price_sql
    prices = given.prices
    database_url_var = given.database_url_var
    webhook_path = given.webhook_path
    from_openapi = given.from_openapi
    without = given.without
    env_file = given.env_file
    tables = given.tables
    tier_column = given.tier_column
    active_column = given.active_column
    migrations = given.migrations
    migrations_dir = given.migrations_dir
    migration_sql = given.migration_sql
    migration_command = given.migration_command
    settings_sql = given.settings_sql
    mode_switch = given.mode_switch
    login = given.login
    login_form = given.login_form
    login_json = given.login_json
    csrf = given.csrf
    force = given.force

    answers = InitAnswers(environment=env, base_url=base_url, without=list(without or []))
    decided: set[str] = set()  # features a flag or the document decided
    token_field: str | None = None
    if from_openapi:
        from golive.commands.openapi import guess
        from golive.commands.openapi_doc import load_document

        found = guess(load_document(from_openapi))
        for g in found.found:
            answers.inputs[g.input] = g.value
            answers.notes.append(f"{g.input} = {g.value!r}: {g.why}")
            say(f"guessed {g.input} = {g.value!r} ({g.why})")
        for name in found.missing:
            if name == "login route":
                if not login:
                    say("not found: a login route (roles keep bearer tokens; --login PATH)")
                continue
            say(f"not found: {name} (the packaged default stays; set it in golive.yaml)")
        for g in found.auth:
            say(f"guessed {g.input} = {g.value!r} ({g.why})")
            answers.notes.append(f"{g.input} = {g.value!r}: {g.why}")
        from golive.commands.init_features import ROUTE_FEATURES, lacking_from_openapi

        decided |= {"openapi", *ROUTE_FEATURES}
        for feature, why in lacking_from_openapi(found.missing):
            answers.lack(feature, why)
            say(f"without {feature}: {why}")
        token_field = found.auth_value("token_field")
        login = login or found.auth_value("login")
        login_form = login_form or found.auth_value("login_form")
        login_json = login_json or bool(found.auth_value("login_json"))
        csrf = csrf or bool(found.auth_value("csrf"))
    flags = {
        "secret_key_var": stripe_key_var,
        "database_url_var": database_url_var,
        "webhook_path": webhook_path,
    }
    defaults = packaged_inputs()
    if prompt is not None and answers.base_url is None:
        answers.base_url = (
            prompt.ask("Base URL of the deployment", default="", show_default=False) or None
        )
    if prompt is not None and not (price_mapping_var or price_sql or prices):
        where = prompt.ask(
            "Where prices come from (var: a JSON variable, sql: a query, list)", default="var"
        )
        if where == "sql":
            price_sql = prompt.ask("Query returning (key, price_id) rows")
        elif where == "list":
            prices = prompt.ask("Prices as basic.monthly=price_...,...")
        else:
            price_mapping_var = prompt.ask(
                "price_mapping_var", default=defaults.get("price_mapping_var")
            )
    answers.set_prices(var=price_mapping_var, sql=price_sql, prices=prices)
    if prompt is not None and tables is None:
        tables = prompt.ask(
            "Tables (plans=T,subscriptions=T,fraud_warnings=T; empty: the defaults)",
            default="",
            show_default=False,
        )
    if prompt is not None and migrations is None:
        migrations = prompt.ask(
            "Migration tool (alembic, django, drizzle, prisma, knex, rails, laravel, flyway, "
            "liquibase, goose, sql, command)",
            default=defaults.get("migration_tool") or "alembic",
        )
        if migrations == "sql" and migration_sql is None:
            migration_sql = prompt.ask("Query returning the applied revision(s)")
        if migrations == "command" and migration_command is None:
            migration_command = prompt.ask("Command printing the current revision(s)")
    if prompt is not None and settings_sql is None:
        settings_sql = prompt.ask(
            "Settings kept in the database: a query of (name, value) rows (empty: none)",
            default="",
            show_default=False,
        )
    if prompt is not None and mode_switch is None:
        mode_switch = prompt.ask(
            "The app's live/test switch (VAR:boolean, VAR:string, key:LIVE_VAR,TEST_VAR; "
            "empty: STRIPE_MODE=live|test)",
            default="",
            show_default=False,
        )
    if prompt is not None and login is None:
        login = prompt.ask(
            "Login path the roles log in at (empty: bearer tokens)", default="", show_default=False
        )
        if login:
            login_form = prompt.ask(
                "Login fields user,password", default=login_form or "username,password"
            )
            csrf = prompt.confirm("Does the login need a CSRF token (Django)?", default=csrf)
    if env_file is not None:
        from golive.commands.init import parse_pairs
        from golive.commands.init_features import lacking_from_values
        from golive.core.errors import UsageError
        from golive.core.inputfiles import InputFileError, read_input
        from golive.values.sources import parse_dotenv

        try:  # bounded: a FIFO, /dev/zero or a huge file is refused, never waited on
            text = read_input(env_file)
        except InputFileError as exc:
            raise UsageError(f"--env-file {env_file}: {exc}") from None
        known = {**defaults, **answers.inputs}
        for key, named in parse_pairs(tables or "", "--tables").items():
            if key == "plans":
                known["plans_table"] = named
            if key == "usage":
                known["usage_tables"] = named.split("+")
        lacking = lacking_from_values(
            parse_dotenv(text, str(env_file)),
            known,
            env_file.name,
            switch_given=bool(mode_switch),
        )
        for feature, why in lacking:
            if feature not in answers.without:
                answers.lack(feature, why)
                decided.add(feature)
                say(f"without {feature}: {why}")
        if migrations is None:
            from golive.commands.init_features import migrations_from_values

            ledger = migrations_from_values(parse_dotenv(text, str(env_file)), known, Path.cwd())
            if ledger is not None:
                migrations = ledger[0]
                say(f"migration tool {ledger[0] or 'not guessed'}: {ledger[1]}")
    if prompt is not None and login and login_json and token_field is None:
        token_field = (
            prompt.ask(
                "Field of the login's JSON answer holding a token (empty: the session cookie)",
                default="",
                show_default=False,
            )
            or None
        )
    if prompt is not None:
        from golive.commands.init import packaged_features
        from golive.commands.init_features import ask_features

        if mode_switch:
            decided.add("mode_switch")
        if price_mapping_var or price_sql or prices:
            decided.add("price_mapping")
        if "plans=" in (tables or ""):
            decided.add("plans_table")
        ask_features(
            answers,
            packaged_features(),
            lambda question: prompt.confirm(question, default=True),
            decided=decided,
        )
    from golive.commands.init import packaged_environment

    answers.set_tables(tables, tier_column=tier_column, active_column=active_column)
    answers.set_migrations(
        migrations, folder=migrations_dir, sql=migration_sql, command=migration_command
    )
    answers.set_settings_sql(settings_sql)
    answers.set_mode_switch(mode_switch)
    roles = tuple(packaged_environment(env).get("roles") or ("user", "other_user", "admin"))
    answers.set_login(
        login,
        fields=login_form,
        csrf=csrf,
        json_body=login_json,
        token_field=token_field,
        roles=roles,
    )
    for name, value in flags.items():
        if value is None and prompt is not None:
            value = prompt.ask(f"{name}", default=answers.inputs.get(name, defaults.get(name)))
        if value is not None:
            answers.inputs[name] = value
    profile, example = write_files(folder, answers, force=force)
    say(f"wrote {profile.name} and {example.name}")
    say(f"next: fill in a copy of {example.name}, then golive check --env {env} --env-file FILE")
    return profile, example
