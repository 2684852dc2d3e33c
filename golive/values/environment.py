"""An environment resolved: its profile's sources read (golive/values/sources.py), every
`${VAR}` of the profile filled in, roles and their credentials, and the redactor of the
run; `validate --env`'s reference check."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.checklist.loaded import LoadedChecklist
from golive.checklist.profiles import (
    EnvironmentProfile,
    RoleCredentials,
    StripeSettings,
)
from golive.core.inputfiles import real_path
from golive.core.interpolation import Interpolated, interpolate, strings_in
from golive.core.secrets import Redactor, Secret, looks_secret, remember
from golive.values.roles import ResolvedLogin, Role, RoleCommand, leaves
from golive.values.sources import DeploymentConfig, Locate, read_sources, with_env_file


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
        real_path(loaded.folder),
        env_file.absolute() if env_file is not None else None,  # typed: from the cwd
        locate=lambda *loc: loaded.where("environments", name, *loc),
    )
    known_values = {k: v.reveal() for k, v in env.config.items()}
    for key, value in env.vars.items():
        if value.value is not None:
            known_values.setdefault(key, value.value)
    problems: list[Problem] = []
    raw = profile.model_dump(exclude={"source"}, exclude_defaults=True)
    found = list(strings_in(raw, ("environments", name)))
    for i, item in enumerate(checklist.items):
        if item.environments is None or name in item.environments:
            found += strings_in(dict(item.probe.params), ("items", i, "probe"))
    for loc, text in found:
        for missing in dict.fromkeys(interpolate(text, known_values).missing):
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
    if problems:
        # Items are named by id in the message, located by index in the file.
        fixed = [
            Problem(p.file, p.line, p.col, checklist.items[int(p.item)].id, p.message)
            if p.item is not None
            else p
            for p in problems
        ]
        raise ChecklistError(fixed)
