"""checklist.yaml's pydantic models: items, sections, defaults, the whole checklist.

Environment profiles are in profiles.py; loading with FILE:LINE:COL errors in
golive/engine/loader.py."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator

from golive.checklist.base import ID_PATTERN, Mode, Model, Severity
from golive.checklist.features import Feature
from golive.checklist.profiles import EnvironmentProfile


class Metadata(Model):
    """What this checklist is."""

    name: str = "go-live checklist"
    version: str = "1"
    description: str = ""
    owner: str = ""


class Defaults(Model):
    """Run settings that items and the command line may override."""

    timeout: float = Field(
        20.0, gt=0, le=3600, allow_inf_nan=False, description="Seconds one probe may take."
    )
    concurrency: int = Field(16, ge=1, le=64, description="Probes run at once.")
    deadline: float = Field(
        120.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds the whole run may take; unfinished items are then `error`.",
    )
    needs: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Prerequisites by probe kind: {'stripe.*': ['1.2a']} makes every Stripe "
        "item wait for 1.2a and report `blocked` when it failed. An item's own `needs` "
        "replaces these.",
    )
    attestations_file: str = Field(
        "attestations.yaml",
        description="Attestations of manual items (`golive attest`), relative to the checklist.",
    )
    waivers_file: str = Field(
        "waivers.yaml", description="Waivers of failing items, relative to the checklist."
    )
    max_waiver_days: int = Field(
        30, ge=1, le=366, description="The longest a waiver may run; a longer one has no effect."
    )


class InputSpec(Model):
    """A named value items reference as `${inputs.NAME}`: a route, a table, a variable."""

    default: Any = Field(description="The value, unless an extending checklist sets another.")
    description: str = ""


class When(Model):
    """A trait of the environment an item needs (not its name)."""

    mode: Mode | None = Field(None, description="Only in environments of this Stripe mode.")


class Section(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)]
    title: str


class ProbeSpec(Model):
    """`probe:` of an item: `kind` names a probe; the other keys are its parameters."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Item(Model):
    """One checklist item."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    title: str
    section: str
    probe: ProbeSpec
    severity: Severity = "blocking"
    blocking_when: When | None = Field(
        None,
        description="Traits of the environments where this advisory item gates (is "
        "blocking), e.g. {mode: live} for a sign-off that production must have.",
    )
    environments: list[str] | None = Field(
        None, description="Environments this item applies to; all when absent."
    )
    when: When | None = Field(
        None, description="Traits an environment must have, e.g. {mode: live}; all when absent."
    )
    disabled: str | None = Field(
        None, description="Why this item does not apply (set by `disable:` in an overlay)."
    )
    tags: list[str] = Field(default_factory=list)
    refs: list[str] = Field(default_factory=list)
    remediation: str = ""
    timeout: float | None = Field(None, gt=0, le=3600, allow_inf_nan=False)
    needs: list[str] | None = Field(
        None,
        description="Ids of items that must hold before this one can be judged; when one "
        "fails (or errs, or is itself blocked) this item is `blocked by ID`, never pass.",
    )

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", tag):
                raise ValueError(f"tag {tag!r}: use lower-case letters, digits, - and _")
        return tags


class PluginKind(Model):
    """One probe kind a plug-in provides: `{kind: acme.flag, probe: ./probes/acme.py:Flag}`."""

    kind: str = Field(min_length=1, description="The kind items name in `probe.kind`.")
    probe: str = Field(
        min_length=3,
        description="FILE.py:Class (relative to this checklist) or module:Class (importable).",
    )


class Checklist(Model):
    """The whole checklist.yaml."""

    extend: str | None = Field(
        None,
        description="The checklist this one changes: 'default' (the packaged one) or a path "
        "relative to this file. Then `inputs`, `override`, `disable` and `items` apply on top.",
    )
    inputs: dict[str, InputSpec] = Field(
        default_factory=dict, description="Named values items reference as ${inputs.NAME}."
    )
    override: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Changes to items by id, merged into them."
    )
    disable: dict[str, str] = Field(
        default_factory=dict,
        description="Items turned off by id (or every item of a section or tag), with the "
        "reason shown.",
    )
    features: dict[str, Feature] = Field(
        default_factory=dict,
        description="Features an app may lack, each with the items about it; an overlay's "
        "`without: [NAME]` skips those items (docs/adapting.md).",
    )
    without: list[str] = Field(
        default_factory=list,
        description="The features (of `features:`) this app does not have: their items are "
        "skipped saying so, an environment feature removes the environment.",
    )
    plugins: list[str | PluginKind] = Field(
        default_factory=list,
        description="Probe kinds of your own: a Python file (relative to this checklist) or "
        "an importable module whose PROBES mapping lists kind -> Probe class, or "
        "{kind, probe: FILE.py:Class | module:Class}. See docs/probe-api.md.",
    )
    metadata: Metadata = Field(default_factory=Metadata)
    defaults: Defaults = Field(default_factory=Defaults)
    environments: dict[str, EnvironmentProfile] = Field(min_length=1)
    sections: list[Section]
    items: list[Item]

    def applies(self, item: Item, environment: str) -> bool:
        """Whether an item belongs to an environment: by name (`environments:`) and by
        trait (`when: {mode: live}`), so a profile called `production` gets live items."""
        if item.environments is not None and environment not in item.environments:
            return False
        profile = self.environments.get(environment)
        return not (
            item.when is not None
            and item.when.mode is not None
            and (profile is None or profile.mode != item.when.mode)
        )

    def severity_in(self, item: Item, environment: str) -> Severity:
        """An item's severity in one environment: `blocking_when` makes an advisory item
        gate in the environments that have the traits; a profile's `advisory:` relaxes it."""
        profile = self.environments.get(environment)
        if profile is not None and item.id in profile.advisory:
            return "advisory"
        when = item.blocking_when
        if when is not None and (when.mode is None or (profile and profile.mode == when.mode)):
            return "blocking"
        return item.severity

    def needs_of(self, item: Item) -> list[str]:
        """The prerequisites of an item: its own `needs`, else those of its probe kind."""
        if item.needs is not None:
            return list(item.needs)
        from fnmatch import fnmatchcase

        found: list[str] = []
        for pattern, ids in self.defaults.needs.items():
            if fnmatchcase(item.probe.kind, pattern):
                found.extend(i for i in ids if i != item.id and i not in found)
        return found

    def probe_target(self, kind: str) -> str | None:
        """Where this checklist's plug-ins put `kind` (None: a built-in or entry-point kind).

        After `load_checklist`, `plugins` holds one resolved {kind, probe} per kind."""
        for plugin in self.plugins:
            if isinstance(plugin, PluginKind) and plugin.kind == kind:
                return plugin.probe
        return None

    def section_title(self, section_id: str) -> str:
        for section in self.sections:
            if section.id == section_id:
                return section.title
        return section_id
