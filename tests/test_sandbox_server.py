"""The loopback-server base both sandboxes share, and `golive sandbox stripe|app` run as
real processes: SIGTERM stops them as Ctrl-C does (temporary files removed, exit 0), the
options are the same on both, and `--log` never records a token."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from golive.core.errors import UsageError
from golive.sandbox.server import LoopbackHandler, LoopbackServer


class _Echo(LoopbackHandler["Echo"]):
    def do_GET(self) -> None:
        self.server.owner.log_line({"path": self.path})
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Echo(LoopbackServer):
    handler = _Echo
    thread_name = "echo server"

    def __init__(self, port: int = 0, log_path: Path | None = None) -> None:
        super().__init__(port, log_path)
        self.opened = 0
        self.closed = 0

    def _open(self) -> None:
        self.opened += 1

    def _close(self) -> None:
        self.closed += 1


def test_two_servers_get_two_free_ports_and_stop_drops_kept_alive_connections() -> None:
    with Echo() as one, Echo() as two:
        assert one.port != two.port
        conn = http.client.HTTPConnection("127.0.0.1", one.port, timeout=5)
        conn.request("GET", "/a")
        assert conn.getresponse().read() == b"ok"  # the connection stays open (HTTP/1.1)
        one.stop()
        # The kept-alive connection is ended, not left waiting for the client's timeout.
        with pytest.raises((http.client.HTTPException, OSError)):
            conn.request("GET", "/b")
            conn.getresponse()
        conn.close()
        with pytest.raises(RuntimeError, match="not running"):
            _ = one.url
    assert (one.opened, one.closed) == (1, 1)  # stop() twice closes once
    assert (two.opened, two.closed) == (1, 1)


def test_a_port_in_use_closes_what_start_opened(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Echo(port=port, log_path=tmp_path / "log.jsonl")
        with pytest.raises(UsageError, match=f"127.0.0.1:{port} is already in use"):
            server.start()
    assert (server.opened, server.closed) == (1, 1)
    assert not server.running
    assert server._log_file is None  # the log file was closed again


def test_log_lines_are_json_with_time(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with Echo(log_path=log) as server:
        httpx.get(f"{server.url}/first")
        httpx.get(f"{server.url}/second")
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["path"] for line in lines] == ["/first", "/second"]
    assert all(isinstance(line["time"], float) for line in lines)


# -- the commands, as real processes --------------------------------------------------


def _start(args: list[str], tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(temp), "NO_COLOR": "1"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise AssertionError(f"did not start: {line!r} {err}")
    return proc, line.rsplit(" ", 1)[-1].strip()


def _sigterm(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=15)  # promptly: a hung process fails here
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return out


def test_sandbox_app_removes_its_temporary_database_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    env_file = tmp_path / "app.env"
    proc, url = _start(
        ["app", "--env-file", str(env_file), "--log", str(log), "--latency", "5"], tmp_path
    )
    try:
        (folder,) = (tmp_path / "tmp").iterdir()  # its temporary SQLite database
        assert folder.name.startswith("golive-app-") and (folder / "app.db").exists()
        values = dict(
            line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines()
        )
        token = values["GOLIVE_ADMIN_TOKEN"].strip("'")
        answer = httpx.get(
            f"{url}/api/stripe/disputes", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200
    finally:
        out = _sigterm(proc)
    assert "stopped after 1 requests" in out
    assert list((tmp_path / "tmp").iterdir()) == []
    (entry,) = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert entry["method"] == "GET" and entry["path"] == "/api/stripe/disputes"
    assert entry["status"] == 200
    assert token not in log.read_text(encoding="utf-8")


def test_sandbox_stripe_stops_on_sigterm_and_leaves_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{}", encoding="utf-8")
    proc, url = _start(["stripe", "--state", str(state)], tmp_path)
    try:
        answer = httpx.get(f"{url}/v1/account", headers={"Authorization": "Bearer sk_test_x"})
        assert answer.status_code == 200
    finally:
        out = _sigterm(proc)
    assert "stopped after 1 requests" in out
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize("command", ["stripe", "app"])
def test_both_sandboxes_take_the_same_port_latency_and_log_options(command: str) -> None:
    from typer.testing import CliRunner

    from golive.cli import app

    result = CliRunner().invoke(app, ["sandbox", command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--port", "--latency", "--log"):
        assert option in result.output


@pytest.mark.parametrize("command", ["stripe", "app"])
def test_each_sandbox_runs_as_a_command_of_its_own(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "golive", "sandbox", command, "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "--latency" in done.stdout and "--log" in done.stdout
