"""A probe kind is written twice: the registry's key (what a checklist names) and the
class's `kind` (what results, `golive probes` and the JSON Schema show). They must be one
string, or a report would name a kind no checklist can write (issue 19)."""

from __future__ import annotations

from golive.engine.registry import BUILTIN_PROBES, load_probe


def mismatched(registry: dict[str, str]) -> dict[str, str]:
    """Registry keys whose class says another kind: key -> the class's kind."""
    found = {}
    for key, target in registry.items():
        kind = type(load_probe(key, target)).kind
        if kind != key:
            found[key] = kind
    return found


def test_every_builtin_registry_key_is_its_probe_classes_kind() -> None:
    assert not mismatched(BUILTIN_PROBES), "registry key != Probe.kind"


def test_a_key_that_is_not_the_classes_kind_is_caught() -> None:
    assert mismatched({"env.presence": "golive.checks.env:Present"}) == {
        "env.presence": "env.present"
    }
