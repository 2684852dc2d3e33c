"""`golive init`: writes golive.yaml and ENV.env.example, asking what the flags leave open."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from golive.cli.app import app


@app.command()
def init(
    env: Annotated[str, typer.Option("--env", "-e", help="The environment to prepare.")] = "prod",
    base_url: Annotated[
        str | None, typer.Option(help="The deployment's base URL, e.g. https://api.example.com.")
    ] = None,
    stripe_key_var: Annotated[
        str | None, typer.Option(help="Variable holding the Stripe secret key.")
    ] = None,
    price_mapping_var: Annotated[
        str | None,
        typer.Option(
            help="Where prices come from: the variable holding the JSON price mapping "
            "({MODE} becomes LIVE or TEST)."
        ),
    ] = None,
    price_sql: Annotated[
        str | None,
        typer.Option(
            help="Where prices come from: a read-only SQL query over the app's database "
            "returning (key, price_id) or (tier, cycle, price_id) rows."
        ),
    ] = None,
    prices: Annotated[
        str | None,
        typer.Option(help="Where prices come from: a list, basic.monthly=price_...,..."),
    ] = None,
    database_url_var: Annotated[
        str | None, typer.Option(help="Variable holding the database URL.")
    ] = None,
    webhook_path: Annotated[
        str | None, typer.Option(help="The route Stripe delivers webhook events to.")
    ] = None,
    from_openapi: Annotated[
        str | None,
        typer.Option(
            "--from-openapi",
            help="URL or file of the app's OpenAPI document: guess the webhook, checkout, "
            "portal and admin routes from it (and say why).",
        ),
    ] = None,
    without: Annotated[
        list[str] | None,
        typer.Option(
            help="A feature of the packaged checklist the app does not have (mode_switch, "
            "plans_table, dispute_tools, billing_portal, staging, ...: `without:` in "
            "golive.yaml): its items are skipped, saying why. Repeatable."
        ),
    ] = None,
    env_file: Annotated[
        Path | None,
        typer.Option(
            help="A dotenv of the deployment's variables: the features they (and the tables "
            "of the database they name) show the app lacks are written to `without:`."
        ),
    ] = None,
    tables: Annotated[
        str | None,
        typer.Option(
            help="The app's tables: plans=T,subscriptions=T,fraud_warnings=T,usage=T1+T2,"
            "migrations=T."
        ),
    ] = None,
    tier_column: Annotated[
        str | None, typer.Option(help="Column of the plans table naming the tier.")
    ] = None,
    active_column: Annotated[
        str | None, typer.Option(help="Boolean column of the plans table, true when sellable.")
    ] = None,
    migrations: Annotated[
        str | None,
        typer.Option(
            help="The migration tool: alembic, django, sql or command (items 3.2a, 3.2b)."
        ),
    ] = None,
    migrations_dir: Annotated[
        str | None,
        typer.Option(
            help="alembic's versions folder, or the folder of the Django apps (default: found "
            "in the current folder)."
        ),
    ] = None,
    migration_sql: Annotated[
        str | None,
        typer.Option(help="--migrations sql: a SELECT returning the applied revision(s)."),
    ] = None,
    migration_command: Annotated[
        str | None,
        typer.Option(help="--migrations command: a command printing the current revision(s)."),
    ] = None,
    settings_sql: Annotated[
        str | None,
        typer.Option(
            help="A read-only SELECT returning (name, value) rows of settings the app keeps "
            "in its database (read after the environment's source)."
        ),
    ] = None,
    mode_switch: Annotated[
        str | None,
        typer.Option(
            help="The app's live/test switch: VAR:boolean, VAR:string or key:LIVE_VAR,TEST_VAR."
        ),
    ] = None,
    login: Annotated[
        str | None,
        typer.Option(
            help="Every role logs in at this path (credentials from GOLIVE_<ROLE>_USERNAME "
            "and GOLIVE_<ROLE>_PASSWORD) instead of a bearer token."
        ),
    ] = None,
    login_form: Annotated[
        str | None,
        typer.Option(help="The login's user and password field names (default username,password)."),
    ] = None,
    login_json: Annotated[
        bool, typer.Option("--login-json", help="The login takes a JSON body, not a form.")
    ] = False,
    csrf: Annotated[
        bool,
        typer.Option(
            "--csrf", help="The login (and later requests) need a CSRF token (Django-style)."
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Ask nothing: flags or the defaults.")
    ] = False,
    force: Annotated[bool, typer.Option(help="Replace existing files.")] = False,
) -> None:
    """Write golive.yaml (extends the packaged checklist, holds only what differs) and
    ENV.env.example (every variable the checks read) in the current folder."""
    from golive.commands.init import InitAnswers, packaged_inputs, write_files

    answers = InitAnswers(environment=env, base_url=base_url, without=list(without or []))
    decided: set[str] = set()  # features a flag or the document decided
    token_field: str | None = None
    if from_openapi:
        from golive.commands.openapi import guess, load_document

        found = guess(load_document(from_openapi))
        for g in found.found:
            answers.inputs[g.input] = g.value
            answers.notes.append(f"{g.input} = {g.value!r}: {g.why}")
            typer.echo(f"guessed {g.input} = {g.value!r} ({g.why})")
        for name in found.missing:
            if name == "login route":
                if not login:
                    typer.echo("not found: a login route (roles keep bearer tokens; --login PATH)")
                continue
            typer.echo(f"not found: {name} (the packaged default stays; set it in golive.yaml)")
        for g in found.auth:
            typer.echo(f"guessed {g.input} = {g.value!r} ({g.why})")
            answers.notes.append(f"{g.input} = {g.value!r}: {g.why}")
        from golive.commands.init_features import ROUTE_FEATURES, lacking_from_openapi

        decided |= {"openapi", *ROUTE_FEATURES}
        for feature, why in lacking_from_openapi(found.missing):
            answers.lack(feature, why)
            typer.echo(f"without {feature}: {why}")
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
    ask = not yes and sys.stdin.isatty()
    if ask and answers.base_url is None:
        answers.base_url = (
            typer.prompt("Base URL of the deployment", default="", show_default=False) or None
        )
    if ask and not (price_mapping_var or price_sql or prices):
        where = typer.prompt(
            "Where prices come from (var: a JSON variable, sql: a query, list)", default="var"
        )
        if where == "sql":
            price_sql = typer.prompt("Query returning (key, price_id) rows")
        elif where == "list":
            prices = typer.prompt("Prices as basic.monthly=price_...,...")
        else:
            price_mapping_var = typer.prompt(
                "price_mapping_var", default=defaults.get("price_mapping_var")
            )
    answers.set_prices(var=price_mapping_var, sql=price_sql, prices=prices)
    if ask and tables is None:
        tables = typer.prompt(
            "Tables (plans=T,subscriptions=T,fraud_warnings=T; empty: the defaults)",
            default="",
            show_default=False,
        )
    if ask and migrations is None:
        migrations = typer.prompt(
            "Migration tool (alembic, django, sql, command)",
            default=defaults.get("migration_tool") or "alembic",
        )
        if migrations == "sql" and migration_sql is None:
            migration_sql = typer.prompt("Query returning the applied revision(s)")
        if migrations == "command" and migration_command is None:
            migration_command = typer.prompt("Command printing the current revision(s)")
    if ask and settings_sql is None:
        settings_sql = typer.prompt(
            "Settings kept in the database: a query of (name, value) rows (empty: none)",
            default="",
            show_default=False,
        )
    if ask and mode_switch is None:
        mode_switch = typer.prompt(
            "The app's live/test switch (VAR:boolean, VAR:string, key:LIVE_VAR,TEST_VAR; "
            "empty: STRIPE_MODE=live|test)",
            default="",
            show_default=False,
        )
    if ask and login is None:
        login = typer.prompt(
            "Login path the roles log in at (empty: bearer tokens)", default="", show_default=False
        )
        if login:
            login_form = typer.prompt(
                "Login fields user,password", default=login_form or "username,password"
            )
            csrf = typer.confirm("Does the login need a CSRF token (Django)?", default=csrf)
    if env_file is not None:
        from golive.commands.init import parse_pairs
        from golive.commands.init_features import lacking_from_values
        from golive.core.errors import UsageError
        from golive.core.inputfiles import InputFileError, read_input
        from golive.values.environment import parse_dotenv

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
                typer.echo(f"without {feature}: {why}")
    if ask and login and login_json and token_field is None:
        token_field = (
            typer.prompt(
                "Field of the login's JSON answer holding a token (empty: the session cookie)",
                default="",
                show_default=False,
            )
            or None
        )
    if ask:
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
            lambda question: typer.confirm(question, default=True),
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
        if value is None and ask:
            value = typer.prompt(f"{name}", default=answers.inputs.get(name, defaults.get(name)))
        if value is not None:
            answers.inputs[name] = value
    profile, example = write_files(Path.cwd(), answers, force=force)
    typer.echo(f"wrote {profile.name} and {example.name}")
    typer.echo(
        f"next: fill in a copy of {example.name}, then golive check --env {env} --env-file FILE"
    )
