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
            help="The migration tool: alembic, django, drizzle, prisma, knex, rails, laravel, "
            "flyway, liquibase, goose, sql or command (items 3.2a, 3.2b; default: the tool "
            "whose table the --env-file's database has, when its files are in the repository)."
        ),
    ] = None,
    migrations_dir: Annotated[
        str | None,
        typer.Option(
            help="alembic's versions folder, the folder of the Django apps, or the tool's "
            "migrations folder (default: found in the current folder)."
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
            help="The app's live/test switch: VAR:boolean, VAR:string or key:LIVE_VAR,TEST_VAR; "
            "VAR:boolean=true says what the app reads when VAR is unset."
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
    from golive.commands.init_flow import InitFlags, run_init

    given = InitFlags(
        env=env,
        base_url=base_url,
        stripe_key_var=stripe_key_var,
        price_mapping_var=price_mapping_var,
        price_sql=price_sql,
        prices=prices,
        database_url_var=database_url_var,
        webhook_path=webhook_path,
        from_openapi=from_openapi,
        without=without,
        env_file=env_file,
        tables=tables,
        tier_column=tier_column,
        active_column=active_column,
        migrations=migrations,
        migrations_dir=migrations_dir,
        migration_sql=migration_sql,
        migration_command=migration_command,
        settings_sql=settings_sql,
        mode_switch=mode_switch,
        login=login,
        login_form=login_form,
        login_json=login_json,
        csrf=csrf,
        force=force,
    )
    prompt = None if yes or not sys.stdin.isatty() else _TerminalPrompt()
    run_init(given, Path.cwd(), prompt, typer.echo)


class _TerminalPrompt:
    """init's questions on the terminal (Typer's prompt and confirm)."""

    def ask(self, question: str, default: str | None = None, show_default: bool = True) -> str:
        answer: str = typer.prompt(question, default=default, show_default=show_default)
        return answer

    def confirm(self, question: str, default: bool = True) -> bool:
        return typer.confirm(question, default=default)
