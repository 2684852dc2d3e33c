"""Where a deployment's configuration comes from, read once and wrapped at once.

Sources: the process environment (CI secrets), a dotenv file (parsed by python-dotenv),
a command that prints dotenv or a JSON object (a secret manager's or platform's CLI),
or a read-only SQL query returning (name, value) rows. An environment may list several,
merged in order (later ones win); every value remembers where it came from (FILE:LINE,
the command, the query) for messages. Every value that looks like a secret, by its name
or its prefix, is wrapped the moment it is read.

Commands run without a shell, in their own process group (ended whole on timeout), with
stdin closed and their output bounded; their stderr is shown only with GOLIVE_DEBUG=1,
redacted with every secret of the run.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.checklist.models import (
    EnvironmentProfile,
    LoadedChecklist,
    RoleCredentials,
    SourceSpec,
    StripeSettings,
)
from golive.core.errors import SourceError
from golive.core.inputfiles import InputFileError, read_input
from golive.core.interpolation import Interpolated, interpolate
from golive.core.process import run_command as run_process
from golive.core.secrets import Redactor, Secret, looks_secret, remember
from golive.values.login import ResolvedLogin, RoleCommand, leaves

Locate = Callable[..., str]  # ("source", 0, "command") -> "checklist.yaml:12:7"


class ConfigValue:
    """One configuration value. `str()` shows it safely; `reveal()` gives it."""

    __slots__ = ("_value", "name", "origin", "secret")

    def __init__(self, name: str, value: str, secret: bool, origin: str = "") -> None:
        self.name = name
        self._value = value
        self.secret = secret
        self.origin = origin  # where it was read: "prod.env:3", "the output of 'vault'"

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return str(Secret(self._value)) if self.secret else self._value

    def __repr__(self) -> str:
        return f"ConfigValue({self.name}={self})"


class DeploymentConfig(Mapping[str, ConfigValue]):
    """The variables of one deployment, as read from its sources."""

    def __init__(
        self, values: Mapping[str, str], origin: str, origins: Mapping[str, str] | None = None
    ) -> None:
        self.origin = origin
        self._values: dict[str, ConfigValue] = {}
        for key, value in values.items():
            secret = looks_secret(key, value)
            if secret:
                remember(value)
            where = (origins or {}).get(key, origin)
            self._values[key] = ConfigValue(key, value, secret, where)

    def __getitem__(self, name: str) -> ConfigValue:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def secret_values(self) -> list[str]:
        return [v.reveal() for v in self._values.values() if v.secret]

    def suggestion(self, name: str) -> str:
        """`; did you mean STRIPE_SECRET_KEY (prod.env:3)?` for a near miss of a missing
        variable (a typo, another letter case), else ""."""
        if name in self._values:
            return ""
        by_upper = {k.upper(): k for k in self._values}
        close = [by_upper[name.upper()]] if name.upper() in by_upper else []
        close = close or difflib.get_close_matches(name, list(self._values), n=1, cutoff=0.8)
        if not close:
            return ""
        found = self._values[close[0]]
        return f"; did you mean {close[0]} ({found.origin})?"

    def not_set(self, name: str) -> str:
        """The message for a variable an item needs that no source sets."""
        return f"{name} is not set in {self.origin}{self.suggestion(name)}"


def parse_dotenv(text: str, origin: str) -> dict[str, str]:
    """KEY=VALUE lines as python-dotenv reads them (quotes, trailing comments, escapes in
    double quotes, multi-line quoted values, `export`). See `parse_dotenv_lines`."""
    return {k: v for k, (v, _) in parse_dotenv_lines(text, origin).items()}


def parse_dotenv_lines(text: str, origin: str) -> dict[str, tuple[str, int]]:
    """KEY -> (value, line). A line python-dotenv cannot parse (an unterminated quote, no
    `=`) or a key given twice is a SourceError at ORIGIN:LINE; the line itself is never
    echoed (it may hold a secret). `${VAR}` inside values is kept as written."""
    from dotenv.parser import parse_stream

    values: dict[str, tuple[str, int]] = {}
    for binding in parse_stream(io.StringIO(text)):
        line = binding.original.line
        # parse_stream folds blank and comment lines into the next binding: point at the
        # first line that holds something.
        for offset, raw in enumerate(binding.original.string.splitlines()):
            if raw.strip() and not raw.lstrip().startswith("#"):
                line += offset
                break
        if binding.error:
            quote = _unterminated_quote(binding.original.string)
            raise SourceError(
                f"{origin}:{line}: "
                + (f"unterminated {quote} quote" if quote else "not a KEY=VALUE line")
            )
        if binding.key is None:
            continue
        if binding.value is None:  # a bare word: python-dotenv reads it as "unset"
            raise SourceError(f"{origin}:{line}: not a KEY=VALUE line")
        if binding.key in values:
            first = values[binding.key][1]
            raise SourceError(
                f"{origin}:{line}: {binding.key} is set twice (lines {first} and {line}); "
                "keep one, golive will not guess which is meant"
            )
        if "\0" in binding.key + (binding.value or ""):
            raise SourceError(f"{origin}:{line}: a NUL character in {binding.key}; remove it")
        values[binding.key] = (binding.value or "", line)
    return values


def _unterminated_quote(statement: str) -> str:
    _, eq, value = statement.partition("=")
    value = value.strip()
    if eq and value[:1] in ("'", '"'):
        return "double" if value[0] == '"' else "single"
    return ""


def read_source(
    spec: SourceSpec,
    base_dir: Path,
    locate: Locate | None = None,
    earlier: Mapping[str, str] | None = None,
) -> DeploymentConfig:
    """Read a deployment's variables from one source. `locate` gives the checklist
    position of the source for messages; `earlier` holds the values of the sources
    before it (a sql source's database URL may come from them)."""
    where = (lambda *loc: f"{locate(*loc)}: ") if locate else (lambda *loc: "")
    if spec.type == "env":
        return DeploymentConfig(dict(os.environ), "the process environment")
    if spec.type == "dotenv":
        assert spec.path is not None
        path = Path(spec.path)
        if not path.is_absolute():
            path = base_dir / path
        return read_dotenv_file(path)
    if spec.type == "sql":
        return _run_sql(spec, earlier or {}, where)
    return _run_command(spec, base_dir, where)


def read_dotenv_file(path: Path) -> DeploymentConfig:
    try:
        text = read_input(path)
    except InputFileError as exc:
        reason = "not found" if str(exc) == "file not found" else f"{exc}"
        raise SourceError(f"{path}: env file {reason}") from None
    lines = parse_dotenv_lines(text, str(path))
    return DeploymentConfig(
        {k: v for k, (v, _) in lines.items()},
        str(path),
        {k: f"{path}:{line}" for k, (_, line) in lines.items()},
    )


def _run_command(spec: SourceSpec, base_dir: Path, where: Callable[..., str]) -> DeploymentConfig:
    at = where("command")
    try:
        argv = spec.argv()
    except ValueError as exc:
        raise SourceError(f"{at}{exc}") from None
    shown = argv[0]
    out, err, code = run_command(argv, base_dir, spec.timeout, f"{at}source command {shown!r}")
    if os.environ.get("GOLIVE_DEBUG") == "1" and err:
        text = err.decode("utf-8", errors="replace")
        sys.stderr.write(
            f"golive: debug: stderr of source command {shown!r}:\n{Redactor.of_run().text(text)}\n"
        )
    if code != 0:
        # stderr may carry secrets: it is not shown (GOLIVE_DEBUG=1 shows it redacted).
        raise SourceError(
            f"{at}source command {shown!r} exited {code} "
            f"({len(err)} bytes on stderr, not shown; GOLIVE_DEBUG=1 shows it redacted)"
        )
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{at}source command {shown!r} printed bytes that are not UTF-8 (at byte "
            f"{exc.start}); expected dotenv or a JSON object"
        ) from None
    origin = f"the output of {shown!r}"
    text = text.strip()
    if text.startswith("["):
        raise SourceError(f"{at}{origin}: expected dotenv or a JSON object, got a JSON list")
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{at}{origin}: invalid JSON at line {exc.lineno}") from None
        if not isinstance(data, dict):
            raise SourceError(f"{at}{origin}: expected a JSON object")
        values = {
            str(k): v if isinstance(v, str) else json.dumps(v)
            for k, v in data.items()
            if v is not None
        }
        return DeploymentConfig(values, origin)
    try:
        lines = parse_dotenv_lines(text, origin)
    except SourceError as exc:
        raise SourceError(f"{at}{exc}") from None
    return DeploymentConfig(
        {k: v for k, (v, _) in lines.items()},
        origin,
        {k: f"{origin}, line {line}" for k, (_, line) in lines.items()},
    )


def run_command(argv: list[str], cwd: Path, timeout: float, what: str) -> tuple[bytes, bytes, int]:
    """A checklist command (a source's or a role's), run by golive/core/process.py: no shell, no
    stdin, bounded output, its process group ended on timeout or overflow. Checklist code:
    refused unless a trusted check allows it (golive/engine/trust.py)."""
    from golive.engine.trust import require

    require(what)
    return run_process(argv, cwd, timeout, what)


def _run_sql(
    spec: SourceSpec, earlier: Mapping[str, str], where: Callable[..., str]
) -> DeploymentConfig:
    """(name, value) rows of a read-only query on the app's database."""
    from golive.values.db import DatabaseError, build_engine, reading

    at = where("query")
    raw_url = spec.database_url or "${DATABASE_URL}"
    url = interpolate(raw_url, earlier)
    if url.value is None:
        names = ", ".join(url.missing)
        raise SourceError(
            f"{where('database_url') if spec.database_url else at}sql source: the database "
            f"URL needs {names}, not set by the sources before it"
        )
    origin = "the sql source"
    engine = None
    try:
        from sqlalchemy import text as sql_text

        engine = build_engine(url.value, timeout=spec.timeout)
        with reading(engine) as conn:
            rows = conn.execute(sql_text(spec.query or "")).fetchmany(10_001)
    except DatabaseError as exc:
        raise SourceError(f"{at}sql source: {exc}") from None
    except Exception as exc:  # a driver error outside reading(): still no URL shown
        raise SourceError(f"{at}sql source: {type(exc).__name__}") from None
    finally:
        if engine is not None:
            engine.dispose()
    if len(rows) > 10_000:
        raise SourceError(f"{at}sql source: more than 10000 rows; select the settings only")
    values: dict[str, str] = {}
    for row in rows:
        if len(row) != 2:
            raise SourceError(
                f"{at}sql source: each row must be (name, value), got {len(row)} columns"
            )
        if row[0] is None or row[1] is None:
            continue
        values[str(row[0])] = str(row[1])
    return DeploymentConfig(values, origin)


def with_env_file(profile: EnvironmentProfile, env_file: Path) -> EnvironmentProfile:
    """`--env-file F`: F takes the place of the profile's sources of variables (the
    process environment, dotenv files, secret-manager commands); its `sql` sources still
    run after it, so settings an app keeps in its own database are read as without F."""
    file_source = SourceSpec(type="dotenv", path=str(env_file))
    kept = [spec for spec in profile.sources if spec.type == "sql"]
    return profile.model_copy(update={"source": [file_source, *kept]})


def read_sources(
    profile: EnvironmentProfile, base_dir: Path, locate: Locate | None = None
) -> DeploymentConfig:
    """Every source of the profile, merged in order: a later source's value wins."""
    specs = profile.sources
    if len(specs) == 1:
        one = (lambda *loc: locate("source", *loc)) if locate else None
        return read_source(specs[0], base_dir, one)
    merged: dict[str, str] = {}
    origins: dict[str, str] = {}
    names: list[str] = []
    for i, spec in enumerate(specs):
        at = (lambda *loc, i=i: locate("source", i, *loc)) if locate else None
        config = read_source(spec, base_dir, at, merged)
        names.append(config.origin)
        for key, value in config.items():
            merged[key] = value.reveal()
            origins[key] = value.origin
    return DeploymentConfig(merged, ", then ".join(names), origins)


@dataclass(frozen=True)
class Role:
    """Resolved credentials of one role; the header values are secrets.

    A role that logs in (`login`) or runs a command (`command`) gets its credentials on
    first use (golive/values/login.py); until then headers and cookies hold the fixed ones only.
    """

    name: str
    headers: Mapping[str, Secret]
    cookies: Mapping[str, Secret]
    missing: tuple[str, ...] = ()
    login: ResolvedLogin | None = None
    command: RoleCommand | None = None

    @property
    def logs_in(self) -> bool:
        return self.login is not None or self.command is not None


@dataclass(frozen=True)
class ResolvedEnvironment:
    """An environment profile with its source read and `${VAR}`s filled in."""

    name: str
    profile: EnvironmentProfile
    config: DeploymentConfig
    base_url: Interpolated
    database_url: Interpolated
    stripe: StripeSettings
    stripe_missing: Mapping[str, tuple[str, ...]]
    roles: Mapping[str, Role]
    vars: Mapping[str, Interpolated]
    public_url: Interpolated = Interpolated(None)  # noqa: RUF009 (frozen: shared safely)

    @property
    def mode(self) -> str:
        return self.profile.mode

    def secret_values(self) -> list[str]:
        values = self.config.secret_values()
        for role in self.roles.values():
            values.extend(s.reveal() for s in role.headers.values())
            values.extend(s.reveal() for s in role.cookies.values())
            if role.login is not None:
                values.extend(role.login.secret_values())
        if self.database_url.value:
            values.append(self.database_url.value)  # the Redactor keeps only its password
        return values


def resolve(
    name: str,
    profile: EnvironmentProfile,
    base_dir: Path,
    env_file: Path | None = None,
    locate: Locate | None = None,
) -> ResolvedEnvironment:
    """Read an environment's sources (or `env_file` instead) and interpolate its profile.

    `locate(*loc)` names a position in the checklist under this environment, for
    messages about its sources."""
    if env_file is not None:
        profile = with_env_file(profile, env_file)
    config = read_sources(profile, base_dir, locate)
    lookup = {k: v.reveal() for k, v in config.items()}
    for key, raw in profile.vars.items():
        done = interpolate(raw, lookup)
        if done.value is not None:
            lookup.setdefault(key, done.value)

    stripe_fields: dict[str, str | None] = {}
    stripe_missing: dict[str, tuple[str, ...]] = {}
    for field in ("api_base", "webhook_url", "api_version"):
        raw = getattr(profile.stripe, field)
        if raw is None:
            continue
        done = interpolate(raw, lookup)
        stripe_fields[field] = done.value
        if done.missing:
            stripe_missing[field] = done.missing
    stripe = profile.stripe.model_copy(update=stripe_fields)

    roles = {role: _role(role, creds, lookup) for role, creds in profile.roles.items()}
    return ResolvedEnvironment(
        name=name,
        profile=profile,
        config=config,
        base_url=interpolate(profile.base_url, lookup) if profile.base_url else Interpolated(None),
        database_url=(
            interpolate(profile.database_url, lookup)
            if profile.database_url
            else Interpolated(None)
        ),
        stripe=stripe,
        stripe_missing=stripe_missing,
        roles=roles,
        vars={k: interpolate(v, lookup) for k, v in profile.vars.items()},
        public_url=(
            interpolate(profile.public_url, lookup) if profile.public_url else Interpolated(None)
        ),
    )


def _role(name: str, creds: RoleCredentials, lookup: Mapping[str, str]) -> Role:
    missing: list[str] = []
    headers: dict[str, Secret] = {}
    cookies: dict[str, Secret] = {}

    def fill(raw: str) -> str | None:
        done = interpolate(raw, lookup)
        missing.extend(done.missing)
        return done.value

    if creds.bearer is not None and (token := fill(creds.bearer)):
        headers["Authorization"] = Secret(f"Bearer {token}")
    for key, raw in creds.headers.items():
        if (value := fill(raw)) is not None:
            headers[key] = Secret(value)
    for key, raw in creds.cookies.items():
        if (value := fill(raw)) is not None:
            cookies[key] = Secret(value)
    login = None
    if creds.login is not None:
        spec = creds.login
        fields = spec.form if spec.form is not None else spec.json_body or {}
        filled = {key: _fill_any(raw, fill) for key, raw in fields.items()}
        for key, value in leaves(filled):
            if looks_secret(key, value):
                remember(value)  # a password: scrubbed wherever it might surface
        login = ResolvedLogin(
            spec=spec,
            form={k: str(v) for k, v in filled.items()} if spec.form is not None else None,
            json_body=filled if spec.json_body is not None else None,
        )
    command = None
    if creds.command is not None:
        argv = [fill(arg) or "" for arg in creds.command]
        command = RoleCommand(tuple(argv), creds.prints, creds.command_timeout)
    return Role(name, headers, cookies, tuple(missing), login, command)


def _fill_any(raw: Any, fill: Callable[[str], str | None]) -> Any:
    """`${VAR}` in every string of a JSON-like value."""
    if isinstance(raw, str):
        return fill(raw) or ""
    if isinstance(raw, dict):
        return {k: _fill_any(v, fill) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_fill_any(v, fill) for v in raw]
    return raw


def redactor_for(*environments: ResolvedEnvironment) -> Redactor:
    redactor = Redactor()
    for env in environments:
        for value in env.secret_values():
            redactor.add(value)
        for role in env.roles.values():
            for secret in (*role.headers.values(), *role.cookies.values()):
                # The token without "Bearer " too.
                redactor.add(secret.reveal().removeprefix("Bearer "))
    return redactor


def check_references(loaded: LoadedChecklist, name: str, env_file: Path | None = None) -> None:
    """`golive validate --env NAME`: read the environment's sources and raise a
    ChecklistError naming the checklist line of every `${VAR}` no source sets (those with
    a `:-default` are fine), so a typo shows before any probe runs."""
    from golive.core.errors import ChecklistError, Problem, UsageError

    checklist = loaded.checklist
    if name not in checklist.environments:
        from golive.checklist.envnames import unknown_environment

        raise UsageError(
            unknown_environment(
                name, checklist.environments, loaded.where("environments"), loaded.path
            )
        )
    profile = checklist.environments[name]
    env = resolve(
        name,
        profile,
        loaded.folder.resolve(),
        env_file.absolute() if env_file is not None else None,  # typed: from the cwd
        locate=lambda *loc: loaded.where("environments", name, *loc),
    )
    known_values = {k: v.reveal() for k, v in env.config.items()}
    for key, value in env.vars.items():
        if value.value is not None:
            known_values.setdefault(key, value.value)
    problems: list[Problem] = []

    def walk(value: object, loc: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, (*loc, key))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                walk(sub, (*loc, i))
        elif isinstance(value, str):
            for missing in dict.fromkeys(interpolate(value, known_values).missing):
                file, line, col = loaded.where(*loc).rsplit(":", 2)
                problems.append(
                    Problem(
                        file,
                        int(line),
                        int(col),
                        str(loc[1]) if loc[0] == "items" else None,
                        f"${{{missing}}} is not set in {env.config.origin}"
                        f"{env.config.suggestion(missing)}",
                    )
                )

    raw = profile.model_dump(exclude={"source"}, exclude_defaults=True)
    walk(raw, ("environments", name))
    for i, item in enumerate(checklist.items):
        if item.environments is None or name in item.environments:
            for key, sub in item.probe.params.items():
                walk(sub, ("items", i, "probe", key))
    if problems:
        # Items are named by id in the message, located by index in the file.
        fixed = [
            Problem(p.file, p.line, p.col, checklist.items[int(p.item)].id, p.message)
            if p.item is not None
            else p
            for p in problems
        ]
        raise ChecklistError(fixed)
