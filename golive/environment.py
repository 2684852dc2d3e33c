"""Where a deployment's configuration comes from, read once and wrapped at once.

Sources: the process environment (CI secrets), a dotenv file, or a command that prints
dotenv or a JSON object (a secret manager's or platform's CLI). Every value that looks
like a secret, by its name or its prefix, is wrapped the moment it is read.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from golive.checklist import EnvironmentProfile, RoleCredentials, SourceSpec, StripeSettings
from golive.errors import SourceError
from golive.secrets import Redactor, Secret, looks_secret

_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
_DOTENV_LINE = re.compile(
    r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(?P<value>.*)$"
)


class ConfigValue:
    """One configuration value. `str()` shows it safely; `reveal()` gives it."""

    __slots__ = ("_value", "name", "secret")

    def __init__(self, name: str, value: str, secret: bool) -> None:
        self.name = name
        self._value = value
        self.secret = secret

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return str(Secret(self._value)) if self.secret else self._value

    def __repr__(self) -> str:
        return f"ConfigValue({self.name}={self})"


class DeploymentConfig(Mapping[str, ConfigValue]):
    """The variables of one deployment, as read from its source."""

    def __init__(self, values: Mapping[str, str], origin: str) -> None:
        self.origin = origin
        self._values = {k: ConfigValue(k, v, looks_secret(k, v)) for k, v in values.items()}

    def __getitem__(self, name: str) -> ConfigValue:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def secret_values(self) -> list[str]:
        return [v.reveal() for v in self._values.values() if v.secret]


def parse_dotenv(text: str, origin: str) -> dict[str, str]:
    """KEY=VALUE lines; `export`, comments, single and double quotes, \\n in double quotes."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _DOTENV_LINE.match(line)
        if not match:
            # Never echo the line: it may hold a secret.
            raise SourceError(f"{origin}:{number}: not a KEY=VALUE line")
        key, value = match.group("key"), match.group("value").strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"')
        else:
            value = re.sub(r"\s+#.*$", "", value)
        values[key] = value
    return values


def read_source(spec: SourceSpec, base_dir: Path) -> DeploymentConfig:
    """Read a deployment's variables from where its profile says."""
    if spec.type == "env":
        return DeploymentConfig(dict(os.environ), "the process environment")
    if spec.type == "dotenv":
        assert spec.path is not None
        path = Path(spec.path)
        if not path.is_absolute():
            path = base_dir / path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SourceError(f"{path}: env file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"{path}: cannot read env file ({type(exc).__name__})") from None
        return DeploymentConfig(parse_dotenv(text, str(path)), str(path))
    return _run_command(spec, base_dir)


def _run_command(spec: SourceSpec, base_dir: Path) -> DeploymentConfig:
    assert spec.command is not None
    argv = shlex.split(spec.command) if isinstance(spec.command, str) else list(spec.command)
    shown = argv[0] if argv else "(empty)"
    try:
        proc = subprocess.run(
            argv,
            cwd=base_dir,
            capture_output=True,
            text=True,
            timeout=spec.timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise SourceError(f"source command {shown!r} not found") from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"source command {shown!r} timed out after {spec.timeout:g}s") from None
    origin = f"the output of {shown!r}"
    if proc.returncode != 0:
        # stderr may carry secrets: it is not shown, only its size.
        raise SourceError(
            f"source command {shown!r} exited {proc.returncode} "
            f"({len(proc.stderr)} bytes on stderr, not shown)"
        )
    out = proc.stdout.strip()
    if out.startswith("{"):
        try:
            data = json.loads(out)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{origin}: invalid JSON at line {exc.lineno}") from None
        if not isinstance(data, dict):
            raise SourceError(f"{origin}: expected a JSON object")
        values = {
            str(k): v if isinstance(v, str) else json.dumps(v)
            for k, v in data.items()
            if v is not None
        }
        return DeploymentConfig(values, origin)
    return DeploymentConfig(parse_dotenv(out, origin), origin)


@dataclass(frozen=True)
class Interpolated:
    """A profile field after `${VAR}` interpolation; `missing` names unset variables."""

    value: str | None
    missing: tuple[str, ...] = ()


def interpolate(text: str, lookup: Mapping[str, str]) -> Interpolated:
    """Replace `${VAR}` and `${VAR:-default}`; an unset VAR without default is missing."""
    missing: list[str] = []

    def sub(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        if name in lookup and lookup[name] != "":
            return lookup[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    result = _INTERPOLATION.sub(sub, text)
    if missing:
        return Interpolated(None, tuple(missing))
    return Interpolated(result or None)


@dataclass(frozen=True)
class Role:
    """Resolved credentials of one role; the header values are secrets."""

    name: str
    headers: Mapping[str, Secret]
    cookies: Mapping[str, Secret]
    missing: tuple[str, ...] = ()


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

    @property
    def mode(self) -> str:
        return self.profile.mode

    def secret_values(self) -> list[str]:
        values = self.config.secret_values()
        for role in self.roles.values():
            values.extend(s.reveal() for s in role.headers.values())
            values.extend(s.reveal() for s in role.cookies.values())
        if self.database_url.value:
            values.append(self.database_url.value)  # the Redactor keeps only its password
        return values


def resolve(
    name: str, profile: EnvironmentProfile, base_dir: Path, env_file: Path | None = None
) -> ResolvedEnvironment:
    """Read an environment's source (or `env_file` instead) and interpolate its profile."""
    spec = SourceSpec(type="dotenv", path=str(env_file)) if env_file else profile.source
    config = read_source(spec, base_dir)
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
    return Role(name, headers, cookies, tuple(missing))


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
