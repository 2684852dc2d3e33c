"""Shared fixtures for golive's own tests (family suites keep theirs in subfolders)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.core import codegate
from golive.engine import registry

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def _no_color(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Output assertions read plain text; colour is tested where it matters.
    monkeypatch.setenv("NO_COLOR", "1")
    for name in [n for n in os.environ if n.startswith(("STRIPE_", "GOLIVE_"))]:
        monkeypatch.delenv(name, raising=False)
    # Tests' checklists run their own commands and plug-ins as a CI job that trusts its
    # checklist does (GOLIVE_TRUST=1); tests/test_trust.py unsets it to test the gate.
    # Never the user's own trust file.
    # Unit tests that call a source or role command directly run it as such a check would.
    monkeypatch.setenv("GOLIVE_TRUST", "1")
    monkeypatch.setattr(codegate, "_allowed", True)
    monkeypatch.setenv("GOLIVE_TRUST_FILE", str(tmp_path / "golive-trusted"))


@pytest.fixture
def extra_probes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Registers the test-only probe kinds of tests/probes_for_tests.py."""
    for kind, attr in {
        "test.sleep": "Sleep",
        "test.boom": "Boom",
        "test.rendezvous": "Rendezvous",
        "test.leak": "Leak",
        "test.outcome": "Fixed",
    }.items():
        monkeypatch.setitem(registry.BUILTIN_PROBES, kind, f"probes_for_tests:{attr}")
    registry.load_probe.cache_clear()
    yield
    registry.load_probe.cache_clear()


MINI_HEAD = """\
environments:
  prod:
    mode: live
    source: {dotenv: prod.env}
  test:
    mode: test
    source: {dotenv: test.env}
sections:
  - {id: s, title: Section S}
  - {id: t, title: Section T}
items:
"""


def write_checklist(folder: Path, items: str, env: str = "", test_env: str = "") -> Path:
    """A small checklist in `folder` with prod (live) and test environments from dotenv files."""
    path = folder / "checklist.yaml"
    path.write_text(MINI_HEAD + items, encoding="utf-8")
    (folder / "prod.env").write_text(env, encoding="utf-8")
    (folder / "test.env").write_text(test_env, encoding="utf-8")
    return path


def make_ctx(
    values: dict[str, str], mode: str = "live", root: Path | None = None, **profile: object
):
    """A ProbeContext for environment 'prod' whose variables are `values`."""
    from golive.checklist.profiles import EnvironmentProfile
    from golive.engine.context import Clients, ProbeContext
    from golive.values.environment import redactor_for, resolve
    from golive.values.sources import DeploymentConfig

    class _Src(dict[str, str]):
        pass

    prof = EnvironmentProfile.model_validate({"mode": mode, **profile})
    env = resolve("prod", prof, root or REPO)  # source env: replaced below
    env = type(env)(**{**env.__dict__, "config": DeploymentConfig(values, "test values")})
    return ProbeContext(env=env, root=root or REPO, redactor=redactor_for(env), clients=Clients())


def ctrl_c_reaches_the_child() -> None:
    """Popen's preexec_fn for tests that press Ctrl-C (SIGINT) on a child: a suite started
    in the background (`make test &`) inherits SIGINT ignored, and so would the child,
    which then rightly never sees it. The child starts with Python's default instead."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
