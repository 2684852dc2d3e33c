"""Small servers on 127.0.0.1 that fail the way a dependency can: the fault matrix
(tests/test_fault_matrix.py) points one dependency of a deployment at one of these.

- `silent()`: a TCP listener that accepts into its backlog and never answers (a hung
  server, a black-holed port): clients block until their own timeout.
- `refused_port()`: a port nothing listens on.
- `canned(status, body, content_type)`: every request, any method and path, gets the same
  answer (5xx, 429, an HTML maintenance page, garbage that claims to be JSON).
- `trickle()`: a 200 whose headers come at once and whose body then drips one byte at a
  time, never finishing within any sensible timeout (a slow body, not a slow connect).
- `bad_tls()`: a TLS server whose certificate is self-signed for another host name.

Each is a context manager yielding a URL (http://, https:// or a bare host:port) and
stops its threads on exit.
"""

from __future__ import annotations

import contextlib
import datetime
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def refused_port() -> int:
    """A loopback port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.contextmanager
def silent() -> Iterator[int]:
    """A port whose listener completes TCP handshakes (backlog) but never reads or writes."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def _serve(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _handler(status: int, body: bytes, content_type: str, headers: dict[str, str]) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def canned(
    status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> Iterator[str]:
    """Every request answered `status` with `body`: yields the server's http:// URL."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), _handler(status, body, content_type, headers or {})
    )
    for running in _serve(server):
        yield f"http://127.0.0.1:{running.server_address[1]}"


@contextlib.contextmanager
def trickle(interval_s: float = 0.5) -> Iterator[str]:
    """A 200 JSON answer whose body arrives one byte per `interval_s`, 100 kB announced."""
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.flush()
            with contextlib.suppress(OSError):
                while not stop.wait(interval_s):
                    self.wfile.write(b" ")
                    self.wfile.flush()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    try:
        for running in _serve(server):
            yield f"http://127.0.0.1:{running.server_address[1]}"
            stop.set()
    finally:
        stop.set()


def self_signed(folder: Path, host: str = "wrong-host.invalid") -> tuple[Path, Path]:
    """A throw-away key and self-signed certificate for `host` (not 127.0.0.1)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "tls.key", folder / "tls.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@contextlib.contextmanager
def bad_tls(folder: Path) -> Iterator[str]:
    """An https:// server with a self-signed certificate for another host: a client that
    verifies certificates must refuse it. Behind TLS it answers 200 `{}`."""
    key_path, cert_path = self_signed(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)

    class TLSServer(ThreadingHTTPServer):
        def get_request(self) -> tuple[socket.socket, Any]:
            sock, addr = super().get_request()
            sock.settimeout(5)
            return context.wrap_socket(sock, server_side=True), addr

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # failed handshakes are the point

    server = TLSServer(("127.0.0.1", 0), _handler(200, b"{}", "application/json", {}))
    for running in _serve(server):
        yield f"https://127.0.0.1:{running.server_address[1]}"
