"""The JSON Schema of checklist.yaml, with each probe kind's own parameters."""

from __future__ import annotations

from typing import Any

from golive.checklist.models import Checklist
from golive.engine.registry import known_kinds, load_probe

INPUT_REF = {
    "type": "string",
    "pattern": r"^\$\{inputs\.[A-Za-z_][A-Za-z0-9_]*\}$",
    "description": "An input of the checklist, `${inputs.NAME}`.",
}


def checklist_schema() -> dict[str, Any]:
    schema = Checklist.model_json_schema()
    defs = schema.setdefault("$defs", {})
    variants = []
    for kind in sorted(known_kinds()):
        probe = load_probe(kind)
        params = probe.Params.model_json_schema()
        for name, definition in params.pop("$defs", {}).items():
            defs.setdefault(name, definition)
        properties = {"kind": {"const": kind, "description": probe.summary}}
        # Any parameter may be `${inputs.NAME}`, filled in when the checklist loads.
        properties.update(
            {k: {"anyOf": [v, INPUT_REF]} for k, v in params.get("properties", {}).items()}
        )
        variant: dict[str, Any] = {
            "type": "object",
            "title": kind,
            "description": probe.summary,
            "properties": properties,
            "required": ["kind", *params.get("required", [])],
            "additionalProperties": params.get("additionalProperties", False),
        }
        variants.append(variant)
    defs["ProbeSpec"] = {
        "description": "The probe that decides this item: `kind` and its parameters.",
        "oneOf": variants,
    }
    source = defs["SourceSpec"]
    defs["SourceSpec"] = {
        "description": source.get("description", ""),
        "anyOf": [
            {"const": "env", "description": "The process environment (CI secrets)."},
            {
                "type": "object",
                "required": ["dotenv"],
                "properties": {"dotenv": {"type": "string"}, "timeout": {"type": "number"}},
                "additionalProperties": False,
            },
            {
                "type": "object",
                "required": ["sql"],
                "properties": {
                    "sql": {"type": "string"},
                    "database_url": {"type": "string"},
                    "timeout": {"type": "number"},
                },
                "additionalProperties": False,
            },
            source,
        ],
    }
    # An overlay (`extend:`) needs none of the sections a whole checklist must have.
    schema["anyOf"] = [{"required": ["extend"]}, {"required": schema.pop("required", [])}]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "golive checklist"
    return schema
