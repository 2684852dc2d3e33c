"""Fixtures for the deployment probes: the reference app over real sockets, its database
on SQLite and on a real PostgreSQL server.

PostgreSQL: GOLIVE_TEST_PG_URL (a superuser-ish URL that may create databases) if set;
else a throwaway server started once per session (tests/pgserver.py); if no PostgreSQL
binaries exist the postgres tests fail under CI=true and are skipped otherwise.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pgserver import PgServer, find_bin_dir

from golive.sandbox.app.breaks import DATABASE_BREAKS
from golive.sandbox.app.config import AppConfig
from golive.sandbox.app.database import seed_database
from golive.sandbox.app.server import ReferenceApp

# Read at import: tests/conftest.py removes GOLIVE_* variables from each test's environment.
PG_URL_FROM_ENV = os.environ.get("GOLIVE_TEST_PG_URL")


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database (postgres)."""
    if PG_URL_FROM_ENV:
        yield PG_URL_FROM_ENV
        return
    bin_dir = find_bin_dir()
    if bin_dir is None:
        reason = (
            "no PostgreSQL server binaries (initdb, pg_ctl) found: install postgresql "
            "(scripts/install-system-deps.sh) or set GOLIVE_TEST_PG_URL"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with PgServer(bin_dir) as server:
        yield server.url()


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"golive_t_{secrets.token_hex(6)}"
    admin = make_url(pg_server_url)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield (
        admin.set(database=name)
        .render_as_string(hide_password=False)
        .replace("postgresql+psycopg://", "postgresql://")
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The app's database: each test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def make_app(sqlite_url: str) -> Iterator[Any]:
    """Seeds a database and starts the reference app with break switches; stops it after.

    `make_app("no-rate-limit", database_url=..., delay_s=...)`.
    """
    started: list[ReferenceApp] = []

    def make(
        *breaks: str, database_url: str | None = None, seed: bool = True, **config: Any
    ) -> ReferenceApp:
        url = database_url or sqlite_url
        if seed:
            seed_database(url, DATABASE_BREAKS & set(breaks))
        app = ReferenceApp(AppConfig(database_url=url, breaks=frozenset(breaks), **config))
        started.append(app.start())
        return app

    yield make
    for app in started:
        app.stop()
