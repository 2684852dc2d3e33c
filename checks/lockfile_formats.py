"""Parsers of the dependency files of npm (package-lock.json, npm-shrinkwrap.json,
pnpm-lock.yaml, yarn.lock, bun.lock, package.json) and Python (poetry.lock, uv.lock,
Pipfile.lock, requirements*.txt, pyproject.toml, Pipfile). Each takes the file's text and
the package's name and returns its mentions (name, version, exact); checks/lockfiles.py
says which file is which.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from typing import Any

import yaml


class Unreadable(Exception):
    """A dependency file that is there but cannot be parsed."""


Found = list[tuple[str, str, bool]]  # (package, version, exact) per mention
Parser = Callable[[str, str], Found]

_SEMVER_EXACT = re.compile(r"^\s*=?\s*v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?\s*$")


def _name_at_version(spec: str) -> tuple[str, str]:
    """`stripe@14.1.0`, `@scope/pkg@^1` or `stripe@npm:^14` -> (name, the rest)."""
    at = spec.find("@", 1)
    if at < 0:
        return spec, ""
    rest = spec[at + 1 :]
    return spec[:at], rest[4:] if rest.startswith("npm:") else rest


def _loads_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Unreadable(f"not valid JSON ({exc})") from None


def _loads_jsonc(text: str) -> Any:
    """bun.lock is JSON with trailing commas: drop the commas outside strings."""
    out: list[str] = []
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            escaped = not escaped and ch == "\\"
            in_string = escaped or ch != '"'
        elif ch == '"':
            in_string = True
        elif ch == ",":
            following = text[i + 1 :].lstrip()
            if following[:1] in ("}", "]"):
                continue
        out.append(ch)
    return _loads_json("".join(out))


def _loads_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Unreadable(f"not valid YAML ({str(exc).splitlines()[0]})") from None


def _loads_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unreadable(f"not valid TOML ({exc})") from None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# -- npm ---------------------------------------------------------------------------------


def _npm_lock(text: str, name: str) -> Found:  # package-lock.json, npm-shrinkwrap.json
    data = _dict(_loads_json(text))
    found: Found = []
    for key, entry in _dict(data.get("packages")).items():
        if (key == f"node_modules/{name}" or key.endswith(f"/node_modules/{name}")) and isinstance(
            entry, dict
        ):
            found.append((name, str(entry.get("version", "")), bool(entry.get("version"))))
    entry = _dict(_dict(data.get("dependencies")).get(name))  # lockfileVersion 1
    if entry.get("version"):
        found.append((name, str(entry["version"]), True))
    return found


def _pnpm_lock(text: str, name: str) -> Found:
    data = _dict(_loads_yaml(text))
    found: Found = []
    for key in _dict(data.get("packages")):
        spec = str(key).lstrip("/").split("(")[0]
        if "@" in spec[1:]:
            got, version = _name_at_version(spec)  # v6+: /stripe@14.1.0, v9: stripe@14.1.0
        else:
            got, _, version = spec.rpartition("/")  # v5: /stripe/14.1.0_peer
            version = version.split("_")[0]
        if got == name and version:
            found.append((name, version, True))
    return found


def _yarn_lock(text: str, name: str) -> Found:
    if re.search(r"^__metadata:", text, re.M):  # yarn 2+ (berry) writes YAML
        found: Found = []
        for key, entry in _dict(_loads_yaml(text)).items():
            names = {_name_at_version(s.strip())[0] for s in str(key).split(",")}
            version = _dict(entry).get("version")
            if name in names and version:
                found.append((name, str(version), True))
        return found
    found = []  # yarn 1: `"stripe@^14.0.0", stripe@^14.1.0:` then `  version "14.1.0"`
    current = False
    for line in text.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            specs = [s.strip().strip('"') for s in line.rstrip()[:-1].split(",")]
            current = any(_name_at_version(s)[0] == name for s in specs)
        elif current and line.strip().startswith("version "):
            found.append((name, line.strip()[len("version ") :].strip().strip('"'), True))
            current = False
    return found


def _bun_lock(text: str, name: str) -> Found:
    data = _dict(_loads_jsonc(text))
    found: Found = []
    for entry in _dict(data.get("packages")).values():
        if isinstance(entry, list) and entry and isinstance(entry[0], str):
            got, version = _name_at_version(entry[0])
            if got == name and version:
                found.append((name, version, True))
    return found


def _package_json(text: str, name: str) -> Found:
    data = _dict(_loads_json(text))
    found: Found = []
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        spec = _dict(data.get(section)).get(name)
        if isinstance(spec, str):
            found.append((name, spec, bool(_SEMVER_EXACT.match(spec))))
    return found


# -- Python ------------------------------------------------------------------------------


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pep508(line: str, name: str) -> Found:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(line)
    except InvalidRequirement:
        return []
    if _canonical(req.name) != _canonical(name):
        return []
    specs = list(req.specifier)
    exact = len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version
    version = specs[0].version if exact else (str(req.specifier) or "(any version)")
    return [(req.name, version, exact)]


def _requirements(text: str, name: str) -> Found:
    found: Found = []
    for line in text.replace("\\\n", " ").splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
        line = re.split(r"\s--?\w", " " + line, maxsplit=1)[0].strip()  # --hash=..., -e
        if line:
            found += _pep508(line, name)
    return found


def _python_lock(text: str, name: str) -> Found:  # poetry.lock, uv.lock
    packages = _loads_toml(text).get("package")
    return [
        (str(p["name"]), str(p.get("version", "")), bool(p.get("version")))
        for p in (packages if isinstance(packages, list) else [])
        if isinstance(p, dict) and _canonical(str(p.get("name", ""))) == _canonical(name)
    ]


def _pipfile_lock(text: str, name: str) -> Found:
    data = _dict(_loads_json(text))
    found: Found = []
    for section in ("default", "develop"):
        for key, entry in _dict(data.get(section)).items():
            version = str(_dict(entry).get("version", ""))
            if _canonical(key) == _canonical(name) and version:
                found.append((key, version.lstrip("="), version.startswith("==")))
    return found


def _poetry_spec(key: str, spec: Any) -> Found:
    version = str(_dict(spec).get("version", "") if isinstance(spec, dict) else spec)
    exact = bool(re.match(r"^\s*(?:==?)?\s*\d[\w.+!-]*\s*$", version)) and "*" not in version
    return [(key, version.lstrip("= ") if exact else version or "(any version)", exact)]


def _pyproject(text: str, name: str) -> Found:
    data = _loads_toml(text)
    project = _dict(data.get("project"))
    lines = [d for d in project.get("dependencies", []) if isinstance(d, str)]
    for extra in _dict(project.get("optional-dependencies")).values():
        lines += [d for d in extra if isinstance(d, str)] if isinstance(extra, list) else []
    for group in _dict(data.get("dependency-groups")).values():
        lines += [d for d in group if isinstance(d, str)] if isinstance(group, list) else []
    found = [hit for line in lines for hit in _pep508(line, name)]
    poetry = _dict(_dict(data.get("tool")).get("poetry"))
    tables = [_dict(poetry.get("dependencies")), _dict(poetry.get("dev-dependencies"))]
    tables += [_dict(_dict(g).get("dependencies")) for g in _dict(poetry.get("group")).values()]
    for table in tables:
        for key, spec in table.items():
            if _canonical(key) == _canonical(name):
                found += _poetry_spec(key, spec)
    return found


def _pipfile(text: str, name: str) -> Found:
    data = _loads_toml(text)
    found: Found = []
    for section in ("packages", "dev-packages"):
        for key, spec in _dict(data.get(section)).items():
            if _canonical(key) == _canonical(name):
                version = str(_dict(spec).get("version", "*") if isinstance(spec, dict) else spec)
                exact = version.startswith("==") and "*" not in version
                found.append((key, version.lstrip("=") if exact else version, exact))
    return found
