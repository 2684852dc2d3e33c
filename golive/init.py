"""`golive init`: a short golive.yaml for this app, and an example env file.

The profile `extend`s the packaged checklist and holds only what differs from its
inputs' defaults, so an upgrade of golive brings new items without a merge. The example
env file lists every variable the chosen environment's items read, with the items that
need each, and no value: it is safe to commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from golive.errors import UsageError

PROFILE_NAME = "golive.yaml"


@dataclass
class InitAnswers:
    """What init asks; None keeps the packaged default."""

    environment: str = "prod"
    base_url: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was guessed, and why
    disable: dict[str, str] = field(default_factory=dict)  # item id -> reason
    #: environments of the packaged checklist this app does not have (`staging: null`):
    #: items comparing with them are skipped with that reason, never failed
    without: list[str] = field(default_factory=list)

    def set_prices(self, *, var: str | None, sql: str | None, prices: str | None) -> None:
        """Where prices come from, for every price item at once (the `price_source`
        input): a variable holding JSON, a read-only SQL query, or a literal list."""
        given = [n for n, v in (("var", var), ("sql", sql), ("list", prices)) if v]
        if len(given) > 1:
            raise UsageError(
                "where prices come from: give one of --price-mapping-var, --price-sql, "
                f"--prices (got {', '.join(given)})"
            )
        if var:
            self.inputs["price_mapping_var"] = var
            return
        if sql:
            source: dict[str, Any] = {"sql": sql}
        elif prices:
            source = {"prices": parse_price_list(prices)}
        else:
            return
        from pydantic import ValidationError

        from golive.pricemap import PriceSource

        try:
            PriceSource.model_validate(source)
        except ValidationError as exc:
            raise UsageError(f"prices: {exc.errors()[0]['msg']}") from None
        self.inputs["price_source"] = source
        # The shared-fallback variable item is about mappings kept in variables.
        self.disable["1.2e"] = (
            "prices come from "
            + ("a SQL query" if sql else "a list in golive.yaml")
            + ", not a variable: no fallback mapping variable applies"
        )


def parse_price_list(text: str) -> dict[str, str]:
    """`basic.monthly=price_1,pro.monthly=price_2`, or a JSON object of the same."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        return {str(k): str(v) for k, v in data.items()}
    pairs = [p.strip() for p in text.split(",") if p.strip()]
    if not pairs or any("=" not in p for p in pairs):
        raise UsageError("--prices: expected tier.cycle=price_id,... or a JSON object")
    return dict(tuple(x.strip() for x in p.split("=", 1)) for p in pairs)  # type: ignore[misc]


def packaged_inputs() -> dict[str, Any]:
    """The packaged checklist's inputs and their defaults."""
    from golive.overlay import load_merged, packaged_checklist

    declared = load_merged(packaged_checklist()).data.get("inputs") or {}
    return {k: v.get("default") for k, v in declared.items() if isinstance(v, dict)}


def profile_text(answers: InitAnswers) -> str:
    """The golive.yaml: `extend: default` plus only the values that differ."""
    defaults = packaged_inputs()
    unknown = sorted(set(answers.inputs) - set(defaults))
    if unknown:
        raise UsageError(f"the packaged checklist has no input {', '.join(unknown)}")
    changed = {k: v for k, v in answers.inputs.items() if v is not None and v != defaults[k]}
    doc: dict[str, Any] = {"extend": "default"}
    if changed:
        doc["inputs"] = changed
    if answers.disable:
        doc["disable"] = dict(answers.disable)
    environments: dict[str, Any] = {}
    if answers.base_url:
        base = answers.base_url.rstrip("/")
        webhook = changed.get("webhook_path", defaults.get("webhook_path", ""))
        environments[answers.environment] = {
            "base_url": base,
            "stripe": {"webhook_url": base + webhook},
        }
    if answers.environment in answers.without:
        raise UsageError(f"--without {answers.environment}: that is the environment to prepare")
    environments.update(dict.fromkeys(answers.without))
    if environments:
        doc["environments"] = environments
    head = (
        "# golive profile of this app: the packaged go-live checklist with this app's names.\n"
        "# `golive list` shows every input, its value and where it was set;\n"
        "# `golive vars --env ENV` the variables the checks read. Change items with\n"
        "# `override: {ID: {...}}`, turn them off with `disable: {ID: reason}`, add your own\n"
        "# under `items:`. See docs/adapting.md.\n"
    )
    notes = "".join(f"#   {n}\n" for n in answers.notes)
    if notes:
        notes = "# Guessed by golive init:\n" + notes
    return head + notes + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


def env_example_text(profile: Path, environment: str) -> str:
    """Every variable the environment's items read, one commented line each, no value."""
    from golive.checklist import load_checklist
    from golive.variables import needed_variables

    checklist = load_checklist(profile).checklist
    items = [i for i in checklist.items if checklist.applies(i, environment) and not i.disabled]
    lines = [
        f"# Variables golive reads for environment {environment!r} ({profile.name}).",
        "# Copy to a file that is never committed and fill in; or set them in CI.",
        "# Each line names the items that read it; optional ones may stay empty.",
        "",
    ]
    for need in needed_variables(checklist, environment, items):
        shown = ", ".join(need.items[:6]) + (
            f" +{len(need.items) - 6}" if len(need.items) > 6 else ""
        )
        uses = sorted({w.split(": ", 1)[-1] for w in need.why})
        optional = " (optional)" if need.optional else ""
        lines.append(f"# {need.name}{optional}: read by {shown} as {', '.join(uses)}")
        lines.append(f"{need.name}=")
    return "\n".join(lines) + "\n"


def write_files(folder: Path, answers: InitAnswers, *, force: bool) -> tuple[Path, Path]:
    """Write golive.yaml and ENV.env.example in `folder`; never overwrite without force."""
    profile = folder / PROFILE_NAME
    example = folder / f"{answers.environment}.env.example"
    for path in (profile, example):
        if path.exists() and not force:
            raise UsageError(f"{path} exists; use --force to replace it")
    profile.write_text(profile_text(answers), encoding="utf-8")
    from golive.checklist import load_checklist

    checklist = load_checklist(profile).checklist  # what init wrote must load
    if answers.environment not in checklist.environments:
        known = ", ".join(sorted(checklist.environments))
        profile.unlink()
        raise UsageError(f"--env {answers.environment}: no such environment (known: {known})")
    example.write_text(env_example_text(profile, answers.environment), encoding="utf-8")
    return profile, example
