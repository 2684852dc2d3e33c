"""The loader validates each item's probe parameters once and hands them to the runner
(issue 19): the worker runs the probe with those, it does not validate them again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import write_checklist
from golive.checks import env as env_checks
from pydantic import model_validator

from golive.commands.check import CheckOptions, run_check
from golive.core.results import Status

ITEMS = (
    "  - {id: a, title: A is set, section: s, probe: {kind: env.present, var: A}}\n"
    "  - {id: b, title: B is set, section: s, probe: {kind: env.present, var: B}}\n"
)


def test_each_items_parameters_are_validated_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    class Counted(env_checks.VarParams):
        @model_validator(mode="after")
        def _count(self) -> Any:
            seen.append(self.var)
            return self

    monkeypatch.setattr(env_checks.Present, "Params", Counted)
    path = write_checklist(tmp_path, ITEMS, env="A=1\n")
    report = run_check(
        CheckOptions(checklist=path, environment="prod", env_file=tmp_path / "prod.env")
    )
    by_id = {r.id: r.status for r in report.results}
    assert by_id == {"a": Status.PASS, "b": Status.FAIL}  # the run used the parameters
    assert sorted(seen) == ["A", "B"]  # once each: at load, not again in the worker
