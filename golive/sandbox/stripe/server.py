"""The Stripe sandbox's server: a Stripe-compatible API on 127.0.0.1 serving a state file,
reads from reads.py, test-mode writes from writes.py; and `golive sandbox stripe`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import typer

from golive.sandbox.server import (
    LoopbackHandler,
    LoopbackServer,
    sigterm_as_interrupt,
    wait_for_interrupt,
)
from golive.sandbox.stripe.reads import (
    ApiError,
    LoggedRequest,
    _authenticate,
    raise_fault,
    read,
)
from golive.sandbox.stripe.state import (
    Fault,
    load_state,
)
from golive.sandbox.stripe.templates import DEFAULT_API_VERSION
from golive.sandbox.stripe.writes import (
    Writes,
    handle,
    serves,
)

# -- the server ------------------------------------------------------------------------


class _Handler(LoopbackHandler["StripeSandbox"]):
    server_version = "golive-stripe-sandbox"

    def _any(self) -> None:
        self.server.owner._handle(self)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = _any


class StripeSandbox(LoopbackServer[LoggedRequest]):
    """A Stripe-compatible API on 127.0.0.1 serving `state`. A context manager.

    >>> with StripeSandbox(demo_state("https://app.example/webhook")) as sandbox:
    ...     client = StripeClient("sk_test_123", base_addresses={"api": sandbox.url})
    """

    handler = _Handler
    thread_name = "stripe sandbox"
    poll_interval = 0.01

    def __init__(
        self,
        state: Mapping[str, Any] | Path,
        port: int = 0,
        latency_ms: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        # log_path: every request is appended there too (method, path, query, mode, time)
        super().__init__(port, log_path)
        self.state = load_state(state)
        self.latency_ms = self.state.latency_ms if latency_ms is None else latency_ms
        self._counter = 0
        self._writes: Writes | None = None

    @property
    def writes(self) -> Writes:
        """The sandbox's test-mode write side, made on first use."""
        with self._lock:
            if self._writes is None:
                self._writes = Writes(self.state, lambda: self._server is not None)
            return self._writes

    # start, stop, port and url (for the SDK: `base_addresses={"api": sandbox.url}`)
    # come from LoopbackServer.

    # -- for tests (requests, clear_log: LoopbackServer) ------------------------------
    def inject(
        self,
        status: int | None = None,
        path: str = "*",
        *,
        method: str | None = None,
        mode: str | None = None,
        times: int | None = None,
        should_retry: bool | None = None,
        delay_ms: int = 0,
        message: str | None = None,
    ) -> Fault:
        """Answer matching requests with `status` (and/or after `delay_ms`), `times` times."""
        fault = Fault(status, path, method, mode, times, should_retry, delay_ms, message)
        with self._lock:
            self.state.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.state.faults.clear()

    # -- serving -----------------------------------------------------------------------
    def _handle(self, handler: _Handler) -> None:
        arrived = time.monotonic()
        method = handler.command
        parts = urlsplit(handler.path)
        path = parts.path.rstrip("/") or "/"
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""  # keeps kept-alive in step
        mode: str | None = None
        key_type: str | None = None
        refused: ApiError | None = None
        headers: dict[str, str] = {}
        try:
            mode, key_type = _authenticate(handler.headers.get("Authorization"), self.state.keys)
        except ApiError as err:
            refused = err
        entry = LoggedRequest(method, path, parts.query, dict(pairs), mode, key_type, None, arrived)
        with self._lock:  # logged on arrival: a client that gives up early still shows
            self._log.append(entry)
            self.log_line({"method": method, "path": path, "query": parts.query, "mode": mode})
            self._counter += 1
            request_id = f"req_sbx{self._counter:010d}"
        try:
            if refused is not None or mode is None or key_type is None:
                raise refused or ApiError(401, "Invalid API Key provided")
            fault = self._take_fault(method, path, mode)
            delay = self.latency_ms + (fault.delay_ms if fault else 0)
            if delay:
                time.sleep(delay / 1000)
            raise_fault(fault)
            if serves(method, path):  # test-mode writes: writes.py
                body = handle(self.writes, method, path, pairs, raw, mode)
                status = 200
            else:
                status, body = 200, read(self.state, path, pairs, mode, key_type)
        except ApiError as err:
            status, body, headers = err.status, {"error": err.body}, err.headers
        with self._lock:
            for i in range(len(self._log) - 1, -1, -1):
                if self._log[i] is entry:
                    self._log[i] = replace(entry, status=status)
                    break
        if status >= 400:
            body["error"]["request_log_url"] = (
                f"https://dashboard.stripe.com/{mode or 'test'}/logs/{request_id}"
            )
        payload = json.dumps(body, indent=2).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Request-Id", request_id)
        handler.send_header(
            "Stripe-Version", handler.headers.get("Stripe-Version") or DEFAULT_API_VERSION
        )
        handler.send_header("Cache-Control", "no-cache, no-store")
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if method != "HEAD":
            handler.wfile.write(payload)

    def _take_fault(self, method: str, path: str, mode: str | None) -> Fault | None:
        """The first fault matching the request, counted as used (`times`) at once."""
        with self._lock:
            for fault in self.state.faults:
                if fault.matches(method, path, mode):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None


# -- command line ----------------------------------------------------------------------


def serve(state: Path, port: int = 0, latency_ms: int = 0, log: Path | None = None) -> None:
    """`golive sandbox stripe` (options in golive/sandbox/commands.py): serve until Ctrl-C or
    SIGTERM, then say how many requests were answered."""
    with sigterm_as_interrupt():
        sandbox = StripeSandbox(state, port=port, latency_ms=latency_ms or None, log_path=log)
        with sandbox:
            typer.echo(f"Stripe sandbox listening on {sandbox.url}")
            typer.echo(
                f"  point golive at it: STRIPE_API_BASE={sandbox.url} "
                "(any sk_live_/sk_test_ key picks the mode). Ctrl-C stops."
            )
            wait_for_interrupt()
    typer.echo(f"stopped after {len(sandbox.requests)} requests")


def writes_for(sandbox: StripeSandbox) -> Writes:
    """The sandbox's write side (for tests and the demo: endpoint secrets, deliveries)."""
    return sandbox.writes
