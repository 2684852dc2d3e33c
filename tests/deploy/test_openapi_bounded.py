"""An OpenAPI document golive fetches over HTTP is bounded like a file it reads (issue 20):
a server on 127.0.0.1 that sends a document without end, or one that says it is a
terabyte, is refused at MAX_REPORT_BYTES, naming the URL: exit 2 for `golive init
--from-openapi URL` (in a subprocess, with its wall time and peak RSS asserted), the
item's error for http.openapi_auth. A document file that is a FIFO is the item's error
too, at once. Every other http.* probe reads an answer up to MAX_ANSWER_BYTES."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from golive.checks.http_client import MAX_ANSWER_BYTES

from golive.core.inputfiles import MAX_REPORT_BYTES
from golive.core.results import Status

from .helpers import make_context, run_probe

CHUNK = b'{"paths": {"/a": {}}, "x": "' + b"a" * (1 << 16)


@contextlib.contextmanager
def huge_document(mode: str) -> Iterator[tuple[str, list[int]]]:
    """A server whose /openapi.json is endless (`chunked`: chunks until the client goes)
    or claims a terabyte (`declared`); yields its URL and the bytes it managed to send."""
    sent = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if mode == "declared":
                self.send_header("Content-Length", str(10**12))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                while sent[0] < 20 * MAX_REPORT_BYTES:  # the client gave up long before
                    if mode == "declared":
                        self.wfile.write(CHUNK)
                    else:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                    sent[0] += len(CHUNK)
            except OSError:
                pass  # the client closed the connection: what a bounded reader does

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", sent
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("mode", ["chunked", "declared"])
def test_init_from_an_endless_openapi_url_is_exit_2_naming_it(tmp_path: Path, mode: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "STRIPE_"))}
    with huge_document(mode) as (url, sent):
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "golive", "init", "-y", "--from-openapi", f"{url}/openapi.json"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        end = start + 60
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid or time.monotonic() > end:
                break
            time.sleep(0.02)
        if not pid:
            proc.kill()
            proc.wait()
            pytest.fail(f"still reading after 60 s ({sent[0]} bytes sent)")
        proc.returncode = status
        took = time.monotonic() - start
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
    assert os.WEXITSTATUS(status) == 2, err
    assert f"--from-openapi {url}/openapi.json: the document is larger than" in err, err
    assert "Traceback" not in err
    assert took < 10, f"took {took:.1f}s"
    assert usage.ru_maxrss / 1024 < 300, f"peak RSS {usage.ru_maxrss / 1024:.0f} MB"
    assert sent[0] < 3 * MAX_REPORT_BYTES  # it stopped reading near the cap
    assert not (tmp_path / "golive.yaml").exists()


@pytest.mark.parametrize("mode", ["chunked", "declared"])
def test_the_openapi_probe_refuses_an_endless_document(tmp_path: Path, mode: str) -> None:
    with huge_document(mode) as (url, sent):
        ctx = make_context(tmp_path / "ctx", {"GOLIVE_BASE_URL": url}, timeout=30)
        start = time.monotonic()
        out = run_probe("http.openapi_auth", ctx, public=["/openapi.json"])
        took = time.monotonic() - start
    assert out.status is Status.ERROR, out.message
    assert f"GET {url}/openapi.json: the answer is larger than" in out.message, out.message
    assert took < 10
    assert sent[0] < 3 * MAX_REPORT_BYTES


def test_an_openapi_document_file_that_is_a_fifo_is_the_items_error(tmp_path: Path) -> None:
    ctx = make_context(tmp_path / "ctx", {"GOLIVE_BASE_URL": "http://127.0.0.1:9"})
    os.mkfifo(tmp_path / "ctx" / "openapi.json")  # no writer: open() would block for ever
    start = time.monotonic()
    out = run_probe("http.openapi_auth", ctx, document_file="openapi.json")
    assert out.status is Status.ERROR, out.message
    assert "openapi.json: not a regular file" in out.message, out.message
    assert time.monotonic() - start < 5


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("http.status", {"routes": [{"path": "/openapi.json", "role": "user", "expect": [200]}]}),
        ("http.no_credentials", {"routes": ["/openapi.json"]}),
        ("http.forged_token", {"path": "/openapi.json"}),
    ],
)
def test_an_endless_answer_is_any_http_probes_error_at_the_cap(
    tmp_path: Path, kind: str, params: dict[str, object]
) -> None:
    with huge_document("chunked") as (url, sent):
        values = {"GOLIVE_BASE_URL": url, "GOLIVE_USER_TOKEN": "tok-user"}
        ctx = make_context(tmp_path / "ctx", values, timeout=30)
        start = time.monotonic()
        out = run_probe(kind, ctx, **params)
        took = time.monotonic() - start
    assert out.status is Status.ERROR, out.message
    assert f"{url}/openapi.json: the answer is larger than {MAX_ANSWER_BYTES} bytes" in out.message
    assert took < 10
    assert sent[0] < 3 * MAX_ANSWER_BYTES
