"""Database engines for the probes: any SQLAlchemy URL, read-only, bounded, no secret shown.

- `postgresql://` uses psycopg 3; every session starts with
  `default_transaction_read_only=on` and a statement timeout, so a probe cannot write
  even by mistake.
- SQLite files are opened with `mode=ro` (a missing file is an error, never created)
  and `PRAGMA query_only`.
- MySQL/MariaDB (when a driver is installed) get `SET SESSION TRANSACTION READ ONLY`.
- Every failure (bad URL, missing driver, unreachable server, bad credentials, unknown
  database) becomes a `DatabaseError` whose message says what to fix and shows the URL
  with its credentials masked (`golive.core.secrets.redact_url`: user, password, and query
  parameters named like a secret, such as `?password=`).

SQLAlchemy is imported inside the functions: `golive --help` must not pay for it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from golive.core.errors import ProbeError
from golive.core.secrets import Redactor, normalize_url, redact_url

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine

APPLICATION_NAME = "golive"

# The driver SQLAlchemy should use for a bare backend name, and what to install for it.
DEFAULT_DRIVERS = {"postgresql": "psycopg", "postgres": "psycopg"}
# Async drivers (an async app's own DATABASE_URL) -> the sync driver golive reads with:
# golive's probes run in threads with synchronous SQLAlchemy, and the database is the same.
SYNC_DRIVERS = {
    "postgresql+asyncpg": "postgresql+psycopg",
    "postgres+asyncpg": "postgresql+psycopg",
    "postgresql+psycopg_async": "postgresql+psycopg",
    "sqlite+aiosqlite": "sqlite",
    "mysql+aiomysql": "mysql+pymysql",
    "mysql+asyncmy": "mysql+pymysql",
    "mariadb+aiomysql": "mariadb+pymysql",
    "mariadb+asyncmy": "mariadb+pymysql",
}
DRIVER_HINTS = {
    "postgresql": "pip install 'golive[postgres]' (psycopg 3) and use postgresql://",
    "mysql": "pip install pymysql and use mysql+pymysql://",
    "mariadb": "pip install pymysql and use mariadb+pymysql://",
    "mssql": "pip install pyodbc and use mssql+pyodbc://",
    "oracle": "pip install oracledb and use oracle+oracledb://",
}


class DatabaseError(ProbeError):
    """The database could not be reached or read; the message never holds a password."""


def parse_url(url: str) -> URL:
    """SQLAlchemy's URL for `url`, reading a password with an unencoded `@` whole."""
    from sqlalchemy.engine import make_url

    return make_url(normalize_url(url.strip()))


def shown(url: str | URL) -> str:
    """The URL as it may appear in output: user, password and secret query values masked."""
    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    return redact_url(text)


def build_engine(url: str, timeout: float) -> Engine:
    """An engine for `url` whose connections are read-only and give up after `timeout`.

    Nothing connects here; connection problems surface in `reading()`.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = parse_url(url)
    except (ArgumentError, ValueError):
        # Not even a URL: show only its scheme-ish start, it may be a bare password.
        raise DatabaseError(
            "the database URL is not a valid SQLAlchemy URL "
            "(expected e.g. postgresql://user:password@host:5432/dbname)"
        ) from None
    parsed = with_default_driver(parsed)
    backend = parsed.get_backend_name()
    connect_timeout = max(1, math.ceil(timeout))
    kwargs: dict[str, Any] = {"pool_timeout": timeout, "pool_size": 4, "max_overflow": 8}
    connect_args: dict[str, Any] = {}

    if backend == "postgresql":
        connect_args = {
            "connect_timeout": connect_timeout,
            "application_name": APPLICATION_NAME,
            "options": (
                "-c default_transaction_read_only=on "
                f"-c statement_timeout={int(timeout * 1000)} "
                f"-c lock_timeout={int(timeout * 1000)}"
            ),
        }
    elif backend == "sqlite":
        kwargs = {"creator": _sqlite_creator(parsed.database, timeout)}
    elif backend in ("mysql", "mariadb"):
        connect_args = {"connect_timeout": connect_timeout, "read_timeout": connect_timeout}

    try:
        engine = create_engine(parsed, connect_args=connect_args, **kwargs)
    except NoSuchModuleError:
        raise DatabaseError(_no_driver(parsed.drivername, backend)) from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"{shown(parsed)}: the driver module {exc.name!r} is not installed; "
            f"{DRIVER_HINTS.get(backend, 'install the DBAPI driver for this URL')}"
        ) from None
    except ArgumentError as exc:
        raise DatabaseError(f"{shown(parsed)}: {_scrub(str(exc), parsed)}") from None

    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_query_only)
    elif backend in ("mysql", "mariadb"):
        event.listen(engine, "connect", _mysql_read_only)
    return engine


def with_default_driver(url: URL) -> URL:
    """`postgresql://` (and `postgres://`) means psycopg 3, which golive installs; an async
    driver (asyncpg, aiosqlite, aiomysql) becomes its synchronous counterpart."""
    if url.drivername in SYNC_DRIVERS:
        return url.set(drivername=SYNC_DRIVERS[url.drivername])
    if url.drivername in DEFAULT_DRIVERS:
        return url.set(drivername=f"postgresql+{DEFAULT_DRIVERS[url.drivername]}")
    return url


def driver_note(url: str) -> str | None:
    """What golive changed about the URL's driver, for a probe's evidence; None if nothing.

    An app's async URL is read with the sync driver of the same database, and saying so
    lets a reader see that the database examined is still the app's.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.drivername in SYNC_DRIVERS:
        return (
            f"{parsed.drivername}:// is an async driver; golive read the same database "
            f"with {SYNC_DRIVERS[parsed.drivername]}://"
        )
    if parsed.drivername == "postgres":
        return "postgres:// read as postgresql+psycopg:// (SQLAlchemy 2 needs postgresql://)"
    return None


def _no_driver(drivername: str, backend: str) -> str:
    hint = DRIVER_HINTS.get(backend, "install the SQLAlchemy dialect and DBAPI driver for it")
    return f"no database driver for {drivername}:// URLs: {hint}"


def _sqlite_creator(database: str | None, timeout: float) -> Any:
    import sqlite3

    if not database or database == ":memory:":
        target, uri = ":memory:", False
    else:
        # mode=ro: never create or write the file.
        target, uri = f"file:{quote(database)}?mode=ro", True

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(target, uri=uri, timeout=timeout, check_same_thread=False)

    return connect


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA query_only = ON")
    finally:
        cursor.close()


def _mysql_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
    finally:
        cursor.close()


@contextlib.contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back at the end, errors made clear.

    Any SQLAlchemy or driver error inside the block becomes a `DatabaseError`.
    """
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                yield conn
            finally:
                # Reads only; rolling back leaves nothing behind either way.
                with contextlib.suppress(SQLAlchemyError):
                    transaction.rollback()
    except DatabaseError:
        raise
    except SQLAlchemyError as exc:
        raise explain(exc, engine.url) from None
    except OSError as exc:  # e.g. a DNS failure below the driver
        raise DatabaseError(f"{shown(engine.url)}: {type(exc).__name__}: {exc}") from None


def explain(exc: BaseException, url: URL) -> DatabaseError:
    """A clear, password-free DatabaseError for a failure against `url`."""
    detail = _scrub(_first_line(getattr(exc, "orig", None) or exc), url)
    low = detail.lower()
    where = shown(url)
    backend = url.get_backend_name()
    if "password authentication failed" in low or "access denied" in low:
        return DatabaseError(
            f"{where}: the server refused the credentials ({detail}); "
            "check the user name and password in the database URL"
        )
    if "timeout expired" in low or "timed out" in low:
        return DatabaseError(
            f"{where}: no answer from the database server in time ({detail}); "
            "check the host, port and firewall"
        )
    if "connection refused" in low or "could not connect" in low or "can't connect" in low:
        return DatabaseError(
            f"{where}: cannot connect ({detail}); is the server running and reachable "
            "from here, on that host and port?"
        )
    if "could not translate host name" in low or "name or service not known" in low:
        return DatabaseError(f"{where}: unknown host ({detail}); check the host name")
    if backend == "postgresql" and "database" in low and "does not exist" in low:
        return DatabaseError(f"{where}: {detail}; check the database name in the URL")
    if backend == "sqlite" and "unable to open database file" in low:
        return DatabaseError(
            f"{where}: the SQLite file does not exist or cannot be read; check the path"
        )
    if "statement timeout" in low or "canceling statement" in low:
        return DatabaseError(f"{where}: a query took too long and was cancelled ({detail})")
    return DatabaseError(f"{where}: {type(exc).__name__}: {detail}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _scrub(text: str, url: URL) -> str:
    """A driver's message with every credential of `url` masked, in any letter case."""
    text = Redactor([url.render_as_string(hide_password=False)]).text(text)
    password = str(url.password or "")
    if len(password) >= 4:  # shorter than the Redactor's floor, still this URL's password
        text = text.replace(password, "***")
    return text
