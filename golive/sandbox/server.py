"""The loopback-server base that the Stripe sandbox and the reference app share.

Both are HTTP servers on 127.0.0.1 that tests, the demo and `golive sandbox` start and
stop many times a run: they must bind a free port without a race (port 0, the kernel
picks), stop at once even with kept-alive connections open (the probes' clients keep
connections alive), and, run from the command line, leave nothing behind whether they
are stopped by Ctrl-C or by SIGTERM (what CI runners, `timeout` and process managers
send). Each piece lives here once; the two servers only say how to answer a request and
what to open before serving and close after. tests/pgserver.py uses `Lifecycle` and
`free_port` for the PostgreSQL server it runs, which cannot be handed port 0.

Only the standard library is used.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, ClassVar, Generic, Self, TextIO, TypeVar

HOST = "127.0.0.1"
OwnerT = TypeVar("OwnerT")
EntryT = TypeVar("EntryT")


def free_port() -> int:
    """A port free on 127.0.0.1 now, for a server that cannot be given port 0 itself.

    Another process may take it before the server binds it: retry on failure. Servers
    of this module bind port 0 and read the port back instead, which has no such race.
    """
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Lifecycle:
    """`start()` returns the started object, `stop()` undoes it; `with` does both.

    `stop()` must be safe to call twice and after a failed `start()`: `with` calls it
    when `start()` raises too, so that a half-started server leaves nothing behind.
    """

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LoopbackHTTPServer(ThreadingHTTPServer, Generic[OwnerT]):
    """A threading HTTP server on 127.0.0.1 that knows its open connections.

    Kept-alive connections would otherwise outlive `shutdown()` (their handler threads
    wait for the next request), so that a stopped server still answers, or a client
    waits for its own timeout: `drop_connections` ends them.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: OwnerT, port: int, handler: type[LoopbackHandler[OwnerT]]) -> None:
        #: the object that answers requests (the sandbox, the app)
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((HOST, port), handler)

    def drop_connections(self) -> None:
        with self.connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (it timed out, or the server stopped) is no error."""
        if not isinstance(sys.exc_info()[1], ConnectionError | OSError):
            super().handle_error(request, client_address)


class LoopbackHandler(BaseHTTPRequestHandler, Generic[OwnerT]):
    """Registers its connection with the server while it is open; logs nothing.

    Each server keeps its own request log (without headers, which carry keys).
    """

    protocol_version = "HTTP/1.1"
    sys_version = ""
    server: LoopbackHTTPServer[OwnerT]

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the server keeps its own log."""


class LoopbackServer(Lifecycle, Generic[EntryT]):
    """Serves `handler` on 127.0.0.1:`port` (0: a free one) in a daemon thread.

    `requests` is what the server logged in memory (subclasses append their own entry
    type to `_log` under `_lock`), so tests can prove what a run sent.

    Subclasses set `handler` and `thread_name`, and may override `_open` (called before
    the port is bound: open what serving needs) and `_close` (called after serving has
    stopped, also when `start` failed after `_open`). With `log_path`, `log_line`
    appends one JSON object a line there (`--log FILE`): a run's requests can then be
    counted and timed from outside the process.
    """

    handler: ClassVar[type[LoopbackHandler[Any]]]
    thread_name: ClassVar[str] = "loopback server"
    #: how often serve_forever looks for a stop request: stop() waits up to this long
    poll_interval: ClassVar[float] = 0.05

    def __init__(self, port: int = 0, log_path: Path | None = None) -> None:
        self._port = port
        self.log_path = log_path
        self._log_file: TextIO | None = None
        self._log_file_lock = threading.Lock()
        self._server: LoopbackHTTPServer[Any] | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._log: list[EntryT] = []

    @property
    def requests(self) -> list[EntryT]:
        """Every request logged so far, in order."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def log_line(self, entry: Mapping[str, object]) -> None:
        """Append `entry` and the wall-clock `time` to the log file, if there is one.

        Only what the entry holds is written: callers never pass headers (keys, tokens).
        """
        with self._log_file_lock:
            if self._log_file is not None:
                self._log_file.write(json.dumps({**entry, "time": time.time()}) + "\n")

    def _open(self) -> None:
        """Open what serving needs (a database pool, a log file)."""

    def _close(self) -> None:
        """Close what `_open` opened; called once serving has stopped."""

    def start(self) -> Self:
        if self._server is not None:
            return self
        try:
            if self.log_path is not None:
                with self._log_file_lock:  # line-buffered: a killed run keeps its lines
                    self._log_file = self.log_path.open("a", encoding="utf-8", buffering=1)
            self._open()
            server = self._listen()
        except BaseException:
            self._close_all()
            raise
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def _listen(self) -> LoopbackHTTPServer[Self]:
        """The server on 127.0.0.1:port; a port it cannot have is the user's to change
        (UsageError, exit 2 naming it), not an internal error."""
        import errno

        from golive.core.errors import UsageError

        try:
            return LoopbackHTTPServer(self, self._port, self.handler)
        except OSError as exc:
            why = {
                errno.EADDRINUSE: "is already in use (another server listens on it)",
                errno.EACCES: "may not be opened by this user",
            }.get(exc.errno or 0)
            if why is None:
                raise
            raise UsageError(
                f"--port {self._port}: 127.0.0.1:{self._port} {why}; choose another port, "
                "or 0 for a free one"
            ) from None

    def stop(self) -> None:
        """Stop serving, drop every open connection (kept-alive ones too), then `_close`."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.drop_connections()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        self._close_all()

    def _close_all(self) -> None:
        try:
            self._close()
        finally:
            with self._log_file_lock:
                log_file, self._log_file = self._log_file, None
            if log_file is not None:
                log_file.close()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"the {self.thread_name} is not running: call start() first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL: http://127.0.0.1:PORT (no trailing slash)."""
        return f"http://{HOST}:{self.port}"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM ends the program as Ctrl-C does: KeyboardInterrupt is
    raised in the main thread, so every `finally` and `with` on the way out runs (the
    servers stop, temporary files are removed). Python's default for SIGTERM is to die
    at once, running none of them.
    """
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def wait_for_interrupt() -> None:
    """Block until Ctrl-C (or SIGTERM inside `sigterm_as_interrupt`), then return."""
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
