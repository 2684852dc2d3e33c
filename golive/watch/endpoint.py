"""The watch's HTTP endpoint: `/metrics`, `/healthz`, `/report.json`, nothing else.

Standard library server, each request answered in a thread of a small reused pool
(core/workers.py: a scrape every 15 s for weeks starts no thread per scrape), HTTP/1.0
(each connection closes after its answer, so nothing is kept open between scrapes and
stopping is immediate), GET and HEAD only. Every answer is built from the shared `WatchState`
snapshot, which holds only redacted reports.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from golive.core.workers import Workers
from golive.watch.metrics import CONTENT_TYPE, registry_for, render
from golive.watch.state import Snapshot, WatchState


def healthz_body(snap: Snapshot) -> str:
    """The verdict first, then why: what holds the gate, or why the last run failed."""
    lines = [snap.verdict]
    if snap.error is not None:
        lines.append(f"last run failed: {snap.error}")
    elif snap.report is not None:
        lines.extend(
            f"{d['status']}: {', '.join(d['ids'])}: {(d['message'].splitlines() or [''])[0]}"
            for d in snap.report.get("decision", [])
        )
    return "\n".join(lines) + "\n"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"
    sys_version = ""
    timeout = 10  # a client that sends nothing does not hold a thread for long

    def log_message(self, format: str, *args: Any) -> None:
        return  # nothing per request: a scrape every 15 s would flood the log

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        path = self.path.split("?", 1)[0]
        snap = self.server.state.snapshot()
        if path == "/metrics":
            self._send(200, CONTENT_TYPE, render(self.server.registry), head)
        elif path == "/healthz":
            self._send(
                200 if snap.ready else 503,
                "text/plain; charset=utf-8",
                healthz_body(snap).encode(),
                head,
            )
        elif path == "/report.json":
            if snap.report is None:
                body = json.dumps({"error": "no run has finished yet"}) + "\n"
                self._send(503, "application/json", body.encode(), head)
            else:
                body = json.dumps(snap.report, indent=2, ensure_ascii=False, default=str) + "\n"
                self._send(200, "application/json", body.encode(), head)
        else:
            self._send(
                404,
                "text/plain; charset=utf-8",
                b"not found: /metrics, /healthz, /report.json\n",
                head,
            )

    def _send(self, status: int, content_type: str, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: WatchState) -> None:
        self.state = state
        self.registry = registry_for(state)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        _REQUEST_THREADS.submit("request", self.process_request_thread, request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that hung up mid-answer is no error of the watch


#: the endpoint's request threads (a few idle ones stay for the next scrape)
_REQUEST_THREADS = Workers("golive watch request", keep=4)


class Endpoint:
    """Serves `state` on HOST:PORT (port 0: the kernel picks) in a daemon thread."""

    def __init__(self, state: WatchState, host: str = "127.0.0.1", port: int = 9310) -> None:
        self._server = _Server((host, port), state)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}"

    def start(self) -> Endpoint:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="golive watch endpoint",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
