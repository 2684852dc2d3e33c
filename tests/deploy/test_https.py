"""http.https against TLS servers on 127.0.0.1 with certificates from a throwaway CA."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from golive.core.results import Status

from .helpers import make_context, run_probe

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ca.pem, and server.pem/server.key for IP 127.0.0.1 signed by it."""
    folder = tmp_path_factory.mktemp("certs")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=golive test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1",
    )  # fmt: skip
    (folder / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        encoding="utf-8",
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf",
    )  # fmt: skip
    return folder


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def do_GET(self) -> None:
        status, headers = self.server.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Any]:
    """serve(status, headers, tls=certs) -> port; every server stops afterwards."""
    servers: list[ThreadingHTTPServer] = []

    def start(
        status: int = 200, headers: dict[str, str] | None = None, tls: Path | None = None
    ) -> int:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.answer = (status, headers or {})  # type: ignore[attr-defined]
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls / "server.pem", tls / "server.key")
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        servers.append(server)
        return int(server.server_address[1])

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


HSTS = {"Strict-Transport-Security": "max-age=31536000"}


def https(tmp_path: Path, base: str, **params: Any) -> Any:
    ctx = make_context(tmp_path, {"GOLIVE_BASE_URL": base}, name="prod", mode="live")
    return run_probe("http.https", ctx, **params)


def test_valid_certificate_and_plain_http_refused_passes(
    tmp_path: Path, certs: Path, serve: Any
) -> None:
    port = serve(200, HSTS, tls=certs)
    out = https(
        tmp_path,
        f"https://127.0.0.1:{port}",
        ca_bundle=str(certs / "ca.pem"),
        plain_http_port=closed_port(),
    )
    assert out.status is Status.PASS, out.message
    assert "plain HTTP is refused" in out.message


def test_plain_http_redirecting_to_https_passes(tmp_path: Path, certs: Path, serve: Any) -> None:
    port = serve(200, HSTS, tls=certs)
    plain = serve(301, {"Location": f"https://127.0.0.1:{port}/"})
    out = https(
        tmp_path,
        f"https://127.0.0.1:{port}",
        ca_bundle=str(certs / "ca.pem"),
        plain_http_port=plain,
    )
    assert out.status is Status.PASS and "redirects to https (301)" in out.message


def test_plain_http_serving_content_fails(tmp_path: Path, certs: Path, serve: Any) -> None:
    port = serve(200, HSTS, tls=certs)
    plain = serve(200)
    out = https(
        tmp_path,
        f"https://127.0.0.1:{port}",
        ca_bundle=str(certs / "ca.pem"),
        plain_http_port=plain,
    )
    assert out.status is Status.FAIL
    assert (
        "serves content over plain HTTP (200)" in out.message
        and "redirect plain HTTP to https" in out.message
    )


def test_untrusted_certificate_fails(tmp_path: Path, certs: Path, serve: Any) -> None:
    port = serve(200, HSTS, tls=certs)
    out = https(tmp_path, f"https://127.0.0.1:{port}", plain_http_port=closed_port())
    assert out.status is Status.FAIL
    assert "does not validate" in out.message and "certificate" in out.message


def test_certificate_for_another_host_fails(tmp_path: Path, certs: Path, serve: Any) -> None:
    port = serve(200, HSTS, tls=certs)
    out = https(
        tmp_path,
        f"https://localhost:{port}",
        ca_bundle=str(certs / "ca.pem"),
        plain_http_port=closed_port(),
    )
    assert out.status is Status.FAIL and "does not validate" in out.message


def test_http_base_url_fails_and_tls_to_plain_server_fails(tmp_path: Path, serve: Any) -> None:
    plain = serve(200)
    out = https(tmp_path, f"http://127.0.0.1:{plain}")
    assert out.status is Status.FAIL and "is not https" in out.message
    out = https(tmp_path, f"https://127.0.0.1:{plain}", plain_http_port=closed_port())
    assert out.status is Status.FAIL and "TLS fails" in out.message


def test_missing_hsts_warns_or_fails(tmp_path: Path, certs: Path, serve: Any) -> None:
    port = serve(200, tls=certs)
    common = {"ca_bundle": str(certs / "ca.pem"), "plain_http_port": closed_port()}
    out = https(tmp_path, f"https://127.0.0.1:{port}", **common)
    assert out.status is Status.WARN and "Strict-Transport-Security" in out.message
    assert (
        https(tmp_path, f"https://127.0.0.1:{port}", hsts="require", **common).status is Status.FAIL
    )
    assert (
        https(tmp_path, f"https://127.0.0.1:{port}", hsts="ignore", **common).status is Status.PASS
    )


def test_https_down_or_failing_is_an_error(tmp_path: Path, certs: Path, serve: Any) -> None:
    out = https(tmp_path, f"https://127.0.0.1:{closed_port()}", ca_bundle=str(certs / "ca.pem"))
    assert out.status is Status.ERROR and "cannot connect" in out.message
    port = serve(503, HSTS, tls=certs)
    out = https(
        tmp_path,
        f"https://127.0.0.1:{port}",
        ca_bundle=str(certs / "ca.pem"),
        plain_http_port=closed_port(),
    )
    assert out.status is Status.ERROR and "503" in out.message
