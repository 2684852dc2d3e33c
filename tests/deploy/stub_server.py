"""A purpose-built HTTP server on 127.0.0.1 for behaviours the reference app does not have
(a FastAPI-style 422 before verification, a limiter that answers 429 on every route, a
redirect to a login page): the test gives a function from request to answer, and reads
back every request the server received."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-encoded unless bytes or str
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Seen], Reply]


@dataclass
class Stub:
    url: str
    requests: list[Seen]


@contextmanager
def stub_server(handler: Handler) -> Iterator[Stub]:
    seen: list[Seen] = []
    lock = threading.Lock()

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Seen(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            with lock:
                seen.append(request)
            reply = handler(request)
            if isinstance(reply.body, bytes):
                data, ctype = reply.body, "application/octet-stream"
            elif isinstance(reply.body, str):
                data, ctype = reply.body.encode(), "text/html; charset=utf-8"
            else:
                data, ctype = json.dumps(reply.body).encode(), "application/json"
            self.send_response(reply.status)
            headers = {"Content-Type": ctype, **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield Stub(f"http://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
