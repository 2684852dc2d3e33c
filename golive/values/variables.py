"""Which variables of a deployment's configuration a checklist reads, and who needs them.

`golive vars` and `golive init`'s example env file come from here. A variable is needed
when an item names it in a parameter (`var`, `*_var`, `vars`, `*_vars`), or when the
environment profile interpolates it (`${VAR}`) into a field the item's probe family uses
(base URL and roles for http, database URL for db, the Stripe settings for stripe).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.checklist.loaded import LoadedChecklist
from golive.checklist.models import Checklist, Item
from golive.checklist.profiles import EnvironmentProfile, LoginSpec
from golive.core.inputfiles import real_path
from golive.core.interpolation import for_mode, references


@dataclass
class Need:
    """One variable: the items that read it and how."""

    name: str
    items: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)  # "1.2a: var", "base_url", ...
    optional: bool = True  # every use has a default or the item marks it optional

    def add(self, item_id: str, why: str, optional: bool) -> None:
        if item_id not in self.items:
            self.items.append(item_id)
        if why not in self.why:
            self.why.append(why)
        self.optional = self.optional and optional


def _param_vars(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(parameter, variable name) pairs among an item's probe parameters."""
    found: list[tuple[str, str]] = []
    for key, value in params.items():
        if key in ("var", "vars") or key.endswith(("_var", "_vars")):
            names = value if isinstance(value, list) else [value]
            found.extend((key, n) for n in names if isinstance(n, str) and n)
        elif isinstance(value, dict) and isinstance(value.get("var"), str):
            found.append((f"{key}.var", value["var"]))  # a price source {var: NAME}
    return found


def _reads_database(params: dict[str, Any]) -> bool:
    """A price source {sql: QUERY} among the parameters reads the app's database."""
    return any(isinstance(v, dict) and "sql" in v for v in params.values()) or "sql" in params


def _profile_refs(profile: EnvironmentProfile) -> dict[str, list[tuple[str, bool]]]:
    """Profile field -> [(variable, has a default)] for every `${VAR}` in it."""
    fields: dict[str, list[str]] = {
        "base_url": [profile.base_url or ""],
        "public_url": [profile.public_url or ""],
        "database_url": [profile.database_url or ""],
        "stripe": [
            profile.stripe.api_base or "",
            profile.stripe.webhook_url or "",
            profile.stripe.api_version or "",
        ],
        "roles": [
            text
            for creds in profile.roles.values()
            for text in (
                creds.bearer or "",
                *creds.headers.values(),
                *creds.cookies.values(),
                *_login_texts(creds.login),
            )
        ],
    }
    return {key: [ref for t in texts for ref in references(t)] for key, texts in fields.items()}


def _login_texts(login: LoginSpec | None) -> list[str]:
    """The login's body values: a role's credentials are variables the run needs."""
    if login is None:
        return []
    body = login.form or login.json_body or {}
    return [v for v in body.values() if isinstance(v, str)]


#: The profile fields each probe family reads.
_FAMILY_FIELDS = {
    "http": ("base_url", "public_url", "roles"),
    "db": ("database_url",),
    "stripe": ("stripe",),
}


def needed_variables(checklist: Checklist, environment: str, items: list[Item]) -> list[Need]:
    """Every variable `items` read in `environment`, in first-use order."""
    profile = checklist.environments[environment]
    refs = _profile_refs(profile)
    needs: dict[str, Need] = {}

    def need(name: str) -> Need:
        return needs.setdefault(name, Need(name))

    for item in items:
        params = item.probe.params
        # A switch that must be off, a variable that must be absent, or a public URL
        # judged only when set, may stay unset.
        optional = (
            bool(params.get("optional"))
            or item.severity == "advisory"
            or item.probe.kind in ("env.not_truthy", "env.absent", "env.public_urls")
        )
        for key, name in _param_vars(params):
            if "*" in name:
                continue  # a glob (NEXT_PUBLIC_*_URL) names no one variable
            need(for_mode(name, profile.mode)).add(item.id, f"{item.id}: {key}", optional)
        family = item.probe.kind.split(".", 1)[0]
        if family == "stripe":
            need(profile.stripe.api_key_var).add(item.id, "stripe.api_key_var", optional)
        fields = _FAMILY_FIELDS.get(family, ())
        if _reads_database(params) and "database_url" not in fields:
            fields = (*fields, "database_url")
        for profile_field in fields:
            for name, has_default in refs[profile_field]:
                need(name).add(item.id, profile_field, optional or has_default)
    return list(needs.values())


def variable_lines(
    loaded: LoadedChecklist,
    environment: str,
    items: list[Item],
    env_file: Path | None = None,
) -> tuple[list[str], int]:
    """`golive vars`: one line per variable the items read, set or missing, and the
    number of required ones missing. The values are read exactly as `golive check` reads
    them (golive/values/environment.py's `resolve`, with `--env-file` in place of the
    profile's variable sources and its `sql` sources still read after it), and names
    with `{MODE}` are those of the environment's mode: the two commands cannot disagree
    on what is set. Values are never shown."""
    from golive.values.environment import resolve

    env = resolve(
        environment,
        loaded.checklist.environments[environment],
        real_path(loaded.folder),
        env_file,
        locate=lambda *loc: loaded.where("environments", environment, *loc),
    )
    lines: list[str] = []
    missing = 0
    for need in needed_variables(loaded.checklist, environment, items):
        value = env.config.get(need.name)
        state = "set" if value is not None and value.reveal() != "" else "missing"
        if state == "missing" and not need.optional:
            missing += 1
        optional = " (optional)" if need.optional else ""
        lines.append(f"{state:<8} {need.name}{optional}  needed by {', '.join(need.items)}")
    lines.append(f"{missing} required variable(s) missing in {env.config.origin}")
    return lines, missing
