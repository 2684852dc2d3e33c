"""Parsers of the dependency files of Ruby (Gemfile.lock, Gemfile), PHP (composer.lock,
composer.json), Go (go.sum, go.mod) and Java (gradle.lockfile, build.gradle[.kts],
pom.xml), in the shape of checks/lockfile_formats.py's.
"""

from __future__ import annotations

import re

from .lockfile_formats import _SEMVER_EXACT, Found, Unreadable, _dict, _loads_json

# -- Ruby, PHP, Go, Java ------------------------------------------------------------------


def _gemfile_lock(text: str, name: str) -> Found:
    found: Found = []  # `    stripe (10.1.0)` under GEM / specs:, four spaces in
    for line in text.splitlines():
        match = re.match(r"^ {4}(\S+) \(([^)]+)\)\s*$", line)
        if match and match.group(1) == name:
            found.append((name, match.group(2), True))
    return found


def _gemfile(text: str, name: str) -> Found:
    found: Found = []  # Ruby code, not data: the common `gem "stripe", "x"` line only
    for match in re.finditer(rf"""^\s*gem\s+["']{re.escape(name)}["'](.*)$""", text, re.M):
        versions = re.findall(r"""["']([^"']+)["']""", match.group(1).split("#")[0])
        first = versions[0] if versions else ""
        exact = len(versions) == 1 and bool(re.match(r"^(?:=\s*)?\d[\w.]*$", first))
        found.append((name, first.lstrip("= ") if exact else first or "(any version)", exact))
    return found


def _composer_lock(text: str, name: str) -> Found:
    data = _dict(_loads_json(text))
    packages = [*(data.get("packages") or []), *(data.get("packages-dev") or [])]
    return [
        (name, str(p.get("version", "")), bool(p.get("version")))
        for p in packages
        if isinstance(p, dict) and str(p.get("name", "")).lower() == name.lower()
    ]


def _composer_json(text: str, name: str) -> Found:
    data = _dict(_loads_json(text))
    found: Found = []
    for section in ("require", "require-dev"):
        for key, spec in _dict(data.get(section)).items():
            if key.lower() == name.lower() and isinstance(spec, str):
                found.append((name, spec, bool(_SEMVER_EXACT.match(spec))))
    return found


def _go_module(module: str, name: str) -> bool:
    """github.com/stripe/stripe-go or its major versions (github.com/stripe/stripe-go/v76)."""
    return module == name or bool(re.fullmatch(re.escape(name) + r"/v\d+", module))


def _go_sum(text: str, name: str) -> Found:
    found: Found = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and _go_module(parts[0], name) and not parts[1].endswith("/go.mod"):
            found.append((parts[0], parts[1], True))
    return found


def _go_mod(text: str, name: str) -> Found:
    found: Found = []  # go.mod names one exact version per module (minimum version selection)
    for match in re.finditer(r"^\s*(?:require\s+)?(\S+)\s+(v\d\S*)", text, re.M):
        if _go_module(match.group(1), name):
            found.append((match.group(1), match.group(2), True))
    return found


def _maven_exact(version: str) -> bool:
    return bool(version) and not re.search(r"[\[\](),+$]|LATEST|RELEASE|latest\.", version)


def _gradle_lock(text: str, name: str) -> Found:
    found: Found = []  # com.stripe:stripe-java:24.0.0=compileClasspath,runtimeClasspath
    for line in text.splitlines():
        coordinate = line.split("=")[0].strip()
        if coordinate.startswith(name + ":"):
            found.append((name, coordinate[len(name) + 1 :], True))
    return found


def _gradle(text: str, name: str) -> Found:
    found: Found = []  # Groovy/Kotlin code: the usual "group:artifact:version" string only
    for match in re.finditer(rf"""["']{re.escape(name)}:([^"':]+)["']""", text):
        found.append((name, match.group(1), _maven_exact(match.group(1))))
    return found


def _pom(text: str, name: str) -> Found:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(text)  # expat >= 2.4 refuses entity bombs
    except ET.ParseError as exc:
        raise Unreadable(f"not valid XML ({exc})") from None

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def child(element: ET.Element, tag: str) -> str:
        for sub in element:
            if local(sub.tag) == tag:
                return (sub.text or "").strip()
        return ""

    props = {
        local(p.tag): (p.text or "").strip()
        for section in root.iter()
        if local(section.tag) == "properties"
        for p in section
    }
    group, artifact = name.split(":", 1)
    found: Found = []
    for dep in root.iter():
        if local(dep.tag) != "dependency":
            continue
        if child(dep, "groupId") != group or child(dep, "artifactId") != artifact:
            continue
        version = child(dep, "version")
        prop = re.fullmatch(r"\$\{([^}]+)\}", version)
        if prop and prop.group(1) in props:
            version = props[prop.group(1)]
        found.append((name, version or "(managed elsewhere)", _maven_exact(version)))
    return found
