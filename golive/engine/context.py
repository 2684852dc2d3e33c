"""What a probe gets to work with: the environment, its values, shared lazy clients.

Clients (HTTP, Stripe, database engines) are built on first use, once per run, under
a lock, and closed when the run ends: a checklist with no Stripe item never imports
`stripe`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from golive.core.errors import ProbeError
from golive.core.inputfiles import real_path
from golive.core.interpolation import for_mode
from golive.core.secrets import Redactor
from golive.core.useragent import user_agent
from golive.values.environment import ResolvedEnvironment
from golive.values.login import obtain
from golive.values.roles import Role
from golive.values.sources import ConfigValue

__all__ = ["ProbeContext", "user_agent"]

if TYPE_CHECKING:
    import httpx
    import stripe
    from sqlalchemy.engine import Engine

T = TypeVar("T")


class Clients:
    """Lazily built, shared clients for one run. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[tuple[Any, ...], Any] = {}
        self._closers: list[Callable[[], None]] = []

    def get(self, key: tuple[Any, ...], make: Callable[[], T], close: Callable[[T], None]) -> T:
        with self._lock:
            if key not in self._made:
                made = make()
                self._made[key] = made
                self._closers.append(lambda: close(made))
            value: T = self._made[key]
            return value

    def close(self) -> None:
        with self._lock:
            closers, self._closers = self._closers, []
            self._made.clear()
        for closer in reversed(closers):
            with contextlib.suppress(Exception):
                closer()


@dataclass(frozen=True)
class ProbeContext:
    """Everything one probe may use. One per item (its timeout), sharing `clients`."""

    env: ResolvedEnvironment
    root: Path  # the folder of the checklist: paths written in it start here
    redactor: Redactor
    clients: Clients
    timeout: float = 20.0
    others: Callable[[str], ResolvedEnvironment] | None = None
    # The app's repository for repo and secret probes (profile `repo:`); None: current folder
    repo: Path | None = None
    _other_cache: dict[str, ResolvedEnvironment] = field(default_factory=dict, compare=False)

    def with_timeout(self, timeout: float) -> ProbeContext:
        return replace(self, timeout=timeout)

    # -- configuration -----------------------------------------------------------------
    @property
    def mode(self) -> str:
        """'live' or 'test': the Stripe mode this environment must run in."""
        return self.env.mode

    def expand(self, name: str) -> str:
        """A variable name with `{MODE}` / `{mode}` filled in for this environment, so one
        item can read STRIPE_PLAN_PRICE_MAPPING_{MODE} (_LIVE in prod, _TEST in test)."""
        return for_mode(name, self.mode)

    def var(self, name: str) -> ConfigValue | None:
        """A variable of the deployment's configuration, or None if unset or empty."""
        value = self.env.config.get(self.expand(name))
        if value is None or value.reveal() == "":
            return None
        return value

    def require_var(self, name: str) -> ConfigValue:
        value = self.var(name)
        if value is None:
            raise ProbeError(self.env.config.not_set(self.expand(name)))
        return value

    def repo_folder(self, sub: str = ".") -> Path:
        """The folder a repo or secret probe examines: the app's repository (the profile's
        `repo:`, else the current folder), or `sub` inside it. Outside a git repository
        this raises: a scan of a folder the user did not mean must never pass."""
        base = self.repo if self.repo is not None else Path.cwd()
        folder = real_path(base / sub)
        if not folder.is_dir():
            raise ProbeError(f"{folder} is not a folder (set `repo:` in the environment profile)")
        if not any((parent / ".git").exists() for parent in (folder, *folder.parents)):
            raise ProbeError(
                f"{folder} is not inside a git repository, so there is no app repository to "
                "examine: run golive from the app's repository, or set `repo:` in the "
                "environment profile"
            )
        return folder

    def base_url(self) -> str:
        """The deployment's base URL, without a trailing slash."""
        got = self.env.base_url
        if got.value is None:
            raise ProbeError(self._missing("base_url", got.missing))
        return got.value.rstrip("/")

    def public_url(self) -> str | None:
        """The URL users and Stripe reach (profile `public_url`), without a trailing slash;
        None when the profile names none (then it is the base URL)."""
        got = self.env.public_url
        if got.value is None and got.missing:
            raise ProbeError(self._missing("public_url", got.missing))
        return got.value.rstrip("/") if got.value else None

    def database_url(self) -> str:
        got = self.env.database_url
        if got.value is None:
            raise ProbeError(self._missing("database_url", got.missing))
        return got.value

    def role(self, name: str) -> Role:
        """Credentials of a role from the profile; `anonymous` needs none."""
        if name == "anonymous":
            return Role("anonymous", {}, {})
        role = self.env.roles.get(name)
        if role is None:
            known = ", ".join(sorted(self.env.roles)) or "none"
            raise ProbeError(
                f"environment {self.env.name!r} defines no role {name!r} (roles: {known})"
            )
        if role.missing:
            names = sorted(set(role.missing))
            hints = "".join(self.env.config.suggestion(n) for n in names)
            raise ProbeError(
                f"role {name!r} needs {', '.join(names)}, not set in {self.env.config.origin}"
                f"{hints}"
            )
        if role.logs_in:
            return logged_in(self, role)  # once per role per run, shared by every probe
        return role

    def other_environment(self, name: str) -> ResolvedEnvironment:
        """Another environment of the checklist, read from its own source (cached)."""
        if self.others is None:
            raise ProbeError("other environments are not available in this run")
        if name not in self._other_cache:
            self._other_cache[name] = self.others(name)
        return self._other_cache[name]

    def _missing(self, what: str, missing: tuple[str, ...]) -> str:
        if missing:
            names = ", ".join(sorted(set(missing)))
            hints = "".join(self.env.config.suggestion(n) for n in sorted(set(missing)))
            return (
                f"environment {self.env.name!r}: {what} needs {names}, "
                f"not set in {self.env.config.origin}{hints}"
            )
        return f"environment {self.env.name!r} has no {what} in checklist.yaml"

    # -- shared clients ----------------------------------------------------------------
    def http(self) -> httpx.Client:
        """An httpx client for the deployment (no redirects followed, no env proxies).

        It keeps no cookies: a cookie one answer sets (a session, a CSRF token) must not
        ride along on the next request, made as another role or as anonymous.

        One client serves every probe of the run, so its own timeout is nobody's: pass
        `timeout=ctx.http_timeout()` with each request, so that each item waits for its own
        timeout, not for the one of whichever item built the client."""

        def make() -> httpx.Client:
            import http.cookiejar

            import httpx

            no_cookies = http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
            return httpx.Client(
                timeout=httpx.Timeout(self.timeout),  # a fallback; requests carry their own
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": user_agent()},
                cookies=http.cookiejar.CookieJar(policy=no_cookies),
            )

        return self.clients.get(("http",), make, lambda c: c.close())

    def http_timeout(self) -> httpx.Timeout:
        """This item's timeout for one request of the shared HTTP client."""
        import httpx

        return httpx.Timeout(self.timeout)

    def stripe(self) -> stripe.StripeClient:
        """The read-only, rate-capped Stripe client for this environment's key."""
        key = self.require_var(self.env.stripe.api_key_var)
        if "api_base" in self.env.stripe_missing:
            raise ProbeError(self._missing("stripe.api_base", self.env.stripe_missing["api_base"]))

        def make() -> stripe.StripeClient:
            from golive.engine.stripe_client import build_client

            client: stripe.StripeClient = build_client(key.reveal(), self.env.stripe)
            return client

        def close(client: stripe.StripeClient) -> None:
            from golive.engine.stripe_client import close_client

            close_client(client)

        return self.clients.get(("stripe", key.reveal()), make, close)

    def db(self, url: str | None = None) -> Engine:
        """A SQLAlchemy engine for the deployment's database (or `url`)."""
        target = url or self.database_url()

        def make() -> Engine:
            from golive.values.db import build_engine

            # The database's own timeouts end before the probe's, so that a locked file or
            # a server that never answers is reported as such, not as "timed out".
            engine: Engine = build_engine(target, timeout=max(0.5, self.timeout * 0.75))
            return engine

        return self.clients.get(("db", target), make, lambda e: e.dispose())


@dataclass
class Logins:
    """The credentials each role obtained in this run, or why it could not."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _role_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _done: dict[str, Role | ProbeError] = field(default_factory=dict)

    def get(self, ctx: ProbeContext, role: Role) -> Role:
        with self._lock:
            lock = self._role_locks.setdefault(role.name, threading.Lock())
        with lock:  # one login per role; other roles log in at the same time
            if role.name not in self._done:
                try:
                    self._done[role.name] = obtain(ctx, role)
                except ProbeError as exc:
                    self._done[role.name] = exc
            done = self._done[role.name]
        if isinstance(done, ProbeError):
            raise ProbeError(str(done))
        return done


def logged_in(ctx: ProbeContext, role: Role) -> Role:
    """The role with the credentials its login (or command) gives, obtained once per run."""
    logins = ctx.clients.get(("logins",), Logins, lambda _: None)
    return logins.get(ctx, role)
