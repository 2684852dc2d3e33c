"""A run whose items do not fit the app says so first, once, instead of a wall of fails."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from golive.cli import main

NOTICE = "items do not fit this app: run golive init"


class NoRoutes(BaseHTTPRequestHandler):
    """A server with none of the checklist's routes: every request is 404."""

    def _none(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = _none

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def other_app(tmp_path: Path) -> Iterator[Path]:
    """An env file for a deployment whose routes and tables have other names."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), NoRoutes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
    env = tmp_path / "test.env"
    env.write_text(
        f"GOLIVE_BASE_URL=http://127.0.0.1:{server.server_port}\n"
        f"DATABASE_URL=sqlite:///{db}\n"
        "GOLIVE_USER_TOKEN=u\nGOLIVE_OTHER_USER_TOKEN=o\nGOLIVE_ADMIN_TOKEN=a\n",
        encoding="utf-8",
    )
    yield env
    server.shutdown()
    server.server_close()


ROUTE_AND_TABLE_ITEMS = "2.3a,2.3b,3.1a,3.1c,5.1a,5.2b,5.3a,6.2,4.1a"


def test_an_unadapted_run_says_first_once_that_the_items_do_not_fit(
    other_app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["check", "-e", "test", "--env-file", str(other_app), "--only", ROUTE_AND_TABLE_ITEMS]
    assert main([*args, "-f", "json", "-q"]) == 1  # the gate is the same: not ready
    report = json.loads(capsys.readouterr().out)
    first = report["notices"][0]
    assert NOTICE in first
    for item in ("2.3a", "3.1a", "5.1a", "6.2"):
        assert item in first
    assert "4.1a" not in first  # a Stripe item is not about the app's names
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert statuses["3.1a"] == "fail"  # statuses unchanged: a missing table is still a fail

    main(args)
    out = capsys.readouterr().out
    assert out.count(NOTICE) == 1  # said once, before the items
    assert out.index(NOTICE) < out.index("3 Database")
    assert "run the migrations that create them" not in out  # no per-item wall
    assert "got 404" not in out


def test_a_run_that_fits_has_no_notice(other_app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Two misfits among other findings are findings, not a checklist for another app.
    args = ["check", "-e", "test", "--env-file", str(other_app), "--only", "3.1c,6.2,1.2f"]
    main([*args, "-f", "json", "-q"])
    report = json.loads(capsys.readouterr().out)
    assert not any(NOTICE in n for n in report["notices"])
