"""db.migration_head / db.same_revision with each migration tool: alembic, Django (the
django_migrations table against migration files, or `showmigrations --plan`), a SQL
query, a command. Real SQLite and PostgreSQL databases and real subprocesses; no Django."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from golive.core.results import Status
from golive.sandbox.app.config import HEAD_REVISION
from golive.sandbox.app.database import seed_database

from .helpers import make_context, run_probe

APPLIED = [
    ("contenttypes", "0001_initial"),
    ("billing", "0001_initial"),
    ("billing", "0002_plan_is_active"),
]


def django_db(url: str, applied: list[tuple[str, str]]) -> None:
    """A database as Django leaves it: django_migrations rows (id, app, name, applied)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from golive.values.db import with_default_driver

    engine = create_engine(with_default_driver(make_url(url)))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS django_migrations"))
        conn.execute(
            text(
                "CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app VARCHAR(255) "
                "NOT NULL, name VARCHAR(255) NOT NULL, applied TIMESTAMP NOT NULL)"
            )
        )
        for i, (app, name) in enumerate(applied, start=1):
            conn.execute(
                text(
                    "INSERT INTO django_migrations (id, app, name, applied) "
                    "VALUES (:i, :a, :n, CURRENT_TIMESTAMP)"
                ),
                {"i": i, "a": app, "n": name},
            )
    engine.dispose()


def django_files(root: Path, names: list[str]) -> Path:
    """APP/migrations/NNNN_name.py files (and the __init__.py Django has there)."""
    apps = root / "project"
    for full in names:
        app, name = full.split(".")
        folder = apps / app / "migrations"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("", encoding="utf-8")
        (folder / f"{name}.py").write_text("class Migration: ...\n", encoding="utf-8")
    return apps


DJANGO = {"tool": "django", "apps_dir": "project"}


def test_django_files_all_applied_pass(tmp_path: Path, db_url: str) -> None:
    django_db(db_url, APPLIED)
    django_files(tmp_path, ["billing.0001_initial", "billing.0002_plan_is_active"])
    out = run_probe("db.migration_head", make_context(tmp_path, {"DATABASE_URL": db_url}), **DJANGO)
    assert out.status is Status.PASS, out.message
    assert "all 2 Django migrations of billing" in out.message
    assert "applied in django_migrations" in out.message


def test_django_an_unapplied_file_fails_and_names_manage_py_migrate(
    tmp_path: Path, db_url: str
) -> None:
    django_db(db_url, APPLIED)
    django_files(
        tmp_path,
        ["billing.0001_initial", "billing.0002_plan_is_active", "billing.0003_price_currency"],
    )
    out = run_probe("db.migration_head", make_context(tmp_path, {"DATABASE_URL": db_url}), **DJANGO)
    assert out.status is Status.FAIL
    assert "1 Django migration(s)" in out.message
    assert "billing.0003_price_currency" in out.message
    assert "run python manage.py migrate" in out.message
    assert "alembic" not in out.message


def test_django_database_ahead_of_the_code_warns(tmp_path: Path, sqlite_url: str) -> None:
    django_db(sqlite_url, APPLIED)
    django_files(tmp_path, ["billing.0001_initial"])
    out = run_probe(
        "db.migration_head", make_context(tmp_path, {"DATABASE_URL": sqlite_url}), **DJANGO
    )
    assert out.status is Status.WARN and "billing.0002_plan_is_active" in out.message


def test_django_without_its_table_fails_naming_django(tmp_path: Path, sqlite_url: str) -> None:
    seed_database(sqlite_url)  # an alembic app's database: no django_migrations
    django_files(tmp_path, ["billing.0001_initial"])
    ctx = make_context(tmp_path, {"DATABASE_URL": sqlite_url})
    out = run_probe("db.migration_head", ctx, **DJANGO, upgrade_command="make migrate")
    assert out.status is Status.FAIL
    assert "no django_migrations table: the Django migrations never ran here" in out.message
    assert "run make migrate" in out.message


def _script(tmp_path: Path, name: str, output: str, code: int = 0) -> list[str]:
    path = tmp_path / name
    path.write_text(
        f"import sys\nsys.stdout.write({output!r})\nsys.stderr.write('boom\\n')\n"
        f"sys.exit({code})\n",
        encoding="utf-8",
    )
    return [sys.executable, str(path)]


PLAN_DONE = "[X]  contenttypes.0001_initial\n[X]  billing.0001_initial\n"
PLAN_PENDING = PLAN_DONE + "[ ]  billing.0002_plan_is_active\n"
LIST_FORM = "billing\n [X] 0001_initial\n [ ] 0002_plan_is_active\n"


@pytest.mark.parametrize(
    ("output", "status", "fragment"),
    [
        (PLAN_DONE, Status.PASS, "all 2 Django migrations applied (per `"),
        (PLAN_PENDING, Status.FAIL, "1 Django migration(s) not applied"),
        (LIST_FORM, Status.FAIL, "billing.0002_plan_is_active; run python manage.py migrate"),
        ("nothing useful\n", Status.ERROR, "printed no migration"),
    ],
)
def test_django_showmigrations_command(
    tmp_path: Path, output: str, status: Status, fragment: str
) -> None:
    command = _script(tmp_path, "manage.py", output)
    ctx = make_context(tmp_path, {})  # no database needed: the command answers
    out = run_probe("db.migration_head", ctx, tool="django", command=command)
    assert out.status is status, out.message
    assert fragment in out.message


def test_a_failing_command_is_an_error(tmp_path: Path) -> None:
    command = _script(tmp_path, "manage.py", "", code=3)
    out = run_probe(
        "db.migration_head", make_context(tmp_path, {}), tool="command", command=command
    )
    assert out.status is Status.ERROR and "failed" in out.message and "boom" in out.message
    out = run_probe(
        "db.migration_head", make_context(tmp_path, {}), tool="command", command="no-such-tool-x"
    )
    assert out.status is Status.ERROR and "command not found" in out.message


def test_command_printing_the_current_revision(tmp_path: Path) -> None:
    command = _script(tmp_path, "current.py", f"{HEAD_REVISION} (head)\n")
    ctx = make_context(tmp_path, {})
    out = run_probe(
        "db.migration_head", ctx, tool="command", command=command, expected=HEAD_REVISION
    )
    assert out.status is Status.PASS and f"at the migration head {HEAD_REVISION}" in out.message
    out = run_probe(
        "db.migration_head",
        ctx,
        tool="command",
        command=command,
        expected="abc123",
        upgrade_command="flask db upgrade",
    )
    assert out.status is Status.FAIL and "run the migrations (flask db upgrade)" in out.message


def test_sql_query_revision(tmp_path: Path, db_url: str) -> None:
    seed_database(db_url)
    ctx = make_context(tmp_path, {"DATABASE_URL": db_url})
    query = "SELECT version_num FROM alembic_version"
    out = run_probe("db.migration_head", ctx, tool="sql", sql=query, expected=HEAD_REVISION)
    assert out.status is Status.PASS and out.evidence["tool"] == "sql"
    out = run_probe("db.migration_head", ctx, tool="sql", sql=query, expected="20250101")
    assert out.status is Status.FAIL
    assert "the migration tool's upgrade command" in out.message
    out = run_probe(
        "db.migration_head",
        ctx,
        tool="sql",
        sql="SELECT version_num FROM alembic_version WHERE 1 = 0",
        expected=HEAD_REVISION,
    )
    assert out.status is Status.FAIL and "the item's revision query records no revision" in (
        out.message
    )


@pytest.mark.parametrize(
    "params",
    [
        {"tool": "sql"},
        {"tool": "alembic", "sql": "SELECT 1"},
        {"tool": "sql", "sql": "DELETE FROM x"},
        {"tool": "django"},
        {"tool": "command"},
        {"tool": "alembic", "command": "alembic current"},
        {"tool": "django", "apps_dir": "x", "versions_dir": "y"},
    ],
)
def test_migration_params_that_cannot_work_are_refused(params: dict[str, Any]) -> None:
    from golive.checks.db_migrations import MigrationHeadParams

    with pytest.raises(ValueError):
        MigrationHeadParams.model_validate(params)


def test_same_revision_django_names_what_each_lacks(tmp_path: Path, db_url: str) -> None:
    staging = f"sqlite:///{tmp_path / 'staging.db'}"
    django_db(db_url, APPLIED[:2])
    django_db(staging, APPLIED)
    ctx = make_context(
        tmp_path,
        {"DATABASE_URL": db_url},
        name="prod",
        others={"staging": {"DATABASE_URL": staging}},
    )
    out = run_probe("db.same_revision", ctx, other="staging", tool="django")
    assert out.status is Status.FAIL
    assert "prod lacks billing.0002_plan_is_active" in out.message
    assert "python manage.py migrate" in out.message
    django_db(db_url, APPLIED)
    out = run_probe("db.same_revision", ctx, other="staging", tool="django")
    assert out.status is Status.PASS and "both at" in out.message and "(django)" in out.message


def test_same_revision_with_a_command_is_a_skip_saying_why(tmp_path: Path) -> None:
    """migration_tool: command moves 3.2b too; a command reads no database: never a pass."""
    out = run_probe("db.same_revision", make_context(tmp_path, {}), other="staging", tool="command")
    assert out.status is Status.SKIP
    assert "reads neither test's nor staging's database" in out.message
