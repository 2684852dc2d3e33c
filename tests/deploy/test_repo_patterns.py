"""repo.patterns: forbidden patterns in the files git tracks, in real repositories."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from golive.commands.demo import demo_repository
from golive.core.errors import ChecklistError
from golive.core.results import Status
from golive.engine.loader import load_checklist

from .helpers import checklist_context, make_context, run_items, run_probe

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false"]
ECHO = {"pattern": r"\becho\s*=\s*True\b", "files": ["*.py"], "message": "no SQL echo"}


def git_repo(folder: Path, files: dict[str, str], untracked: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    subprocess.run([*GIT, "init", "-q"], cwd=folder, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=folder, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "x"], cwd=folder, check=True)
    for rel, text in (untracked or {}).items():
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


def patterns(tmp_path: Path, repo: Path, **params: Any) -> Any:
    ctx = replace(make_context(tmp_path / "ctx", {}), root=repo, repo=repo)
    return run_probe("repo.patterns", ctx, **params)


def test_a_forbidden_pattern_fails_with_file_line_and_message(tmp_path: Path) -> None:
    repo = git_repo(
        tmp_path / "app",
        {"app/db.py": "import x\nengine = create_engine(URL, echo=True)\n", "README.md": "x"},
    )
    out = patterns(tmp_path, repo, patterns=[ECHO])
    assert out.status is Status.FAIL
    assert "app/db.py:2: 'echo=True': no SQL echo" in out.message
    assert str(repo) in out.message and out.evidence["locations"] == ["app/db.py:2"]


def test_clean_tracked_files_pass_and_name_the_folder(tmp_path: Path) -> None:
    repo = git_repo(
        tmp_path / "app",
        {"app/db.py": "engine = create_engine(URL, echo=settings.ECHO)\n"},
        untracked={"scratch.py": "echo=True\n"},  # not tracked: not the app's code
    )
    out = patterns(tmp_path, repo, patterns=[ECHO])
    assert out.status is Status.PASS, out.message
    assert f"in 1 tracked file(s) of {repo}" in out.message


def test_allow_marker_and_custom_marker(tmp_path: Path) -> None:
    repo = git_repo(
        tmp_path / "app",
        {
            "app/db.py": "e = create_engine(U, echo=True)  # golive: allow (local tool)\n",
            "app/dev.py": "e = create_engine(U, echo=True)  # noqa-golive\n",
        },
    )
    out = patterns(tmp_path, repo, patterns=[ECHO])
    assert out.status is Status.FAIL and "app/dev.py:1" in out.message
    assert "app/db.py" not in out.message
    out = patterns(tmp_path, repo, patterns=[ECHO], allow_marker="noqa-golive")
    assert out.status is Status.FAIL and "app/db.py:1" in out.message
    assert "app/dev.py" not in out.message


def test_globs_exclude_and_case(tmp_path: Path) -> None:
    repo = git_repo(
        tmp_path / "app",
        {
            "app/main.py": "app = FastAPI(DEBUG = True)\n",
            "tests/test_main.py": "app = FastAPI(debug=True)\n",
            "docs/notes.md": "debug=True\n",
        },
    )
    debug = {
        "pattern": r"\bdebug\s*=\s*True\b",
        "files": ["*.py"],
        "exclude": ["tests/*"],
        "message": "debug on",
    }
    out = patterns(tmp_path, repo, patterns=[debug])
    assert out.status is Status.PASS  # case-sensitive by default; tests/ excluded; .md not searched
    out = patterns(tmp_path, repo, patterns=[{**debug, "ignore_case": True}])
    assert out.status is Status.FAIL and "app/main.py:1" in out.message
    assert "tests/" not in out.message and "docs/" not in out.message
    out = patterns(tmp_path, repo, patterns=[{**debug, "files": ["*.rb"]}])
    assert out.status is Status.SKIP and "no tracked file" in out.message


def test_not_a_git_repository_is_an_error_never_pass(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "db.py").write_text("echo=True\n", encoding="utf-8")
    out = patterns(tmp_path, folder, patterns=[ECHO])
    assert out.status is Status.ERROR and "is not inside a git repository" in out.message
    out = patterns(tmp_path, tmp_path / "missing", patterns=[ECHO])
    assert out.status is Status.ERROR and "is not a folder" in out.message


@pytest.mark.parametrize(
    ("glob", "why"),
    [("/etc/*.py", "is absolute"), ("../other/*.py", "climbs out"), ("app/../../x", "climbs")],
)
def test_absolute_or_parent_globs_are_refused_at_load(tmp_path: Path, glob: str, why: str) -> None:
    path = tmp_path / "checklist.yaml"
    path.write_text(
        "environments: {test: {mode: test}}\n"
        "sections: [{id: s, title: S}]\n"
        "items:\n"
        "  - id: r1\n    title: t\n    section: s\n"
        f"    probe: {{kind: repo.patterns, patterns: [{{pattern: x, message: m, "
        f"exclude: ['{glob}']}}]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ChecklistError) as err:
        load_checklist(path)
    text = str(err.value)
    assert "item r1" in text and why in text and "checklist.yaml:7:" in text


def test_a_bad_regular_expression_is_refused() -> None:
    from golive.checks.repo import PatternsParams

    for bad in ("(", "(?<=a)b", r"(a)\1"):  # syntax; lookaround and backreferences (RE2)
        with pytest.raises(ValueError, match="not a regular expression RE2 accepts"):
            PatternsParams.model_validate({"patterns": [{"pattern": bad, "message": "m"}]})


def test_a_catastrophic_pattern_ends_within_the_items_timeout(tmp_path: Path) -> None:
    """`(a+)+$` over a line of a's then b backtracks exponentially in Python's engine."""
    import time

    repo = git_repo(tmp_path / "app", {"x.txt": "a" * 35 + "b\n", "y.txt": "a" * 5000 + "\n"})
    ctx = replace(make_context(tmp_path / "ctx", {}), root=repo, repo=repo, timeout=2.0)
    start = time.monotonic()
    out = run_probe("repo.patterns", ctx, patterns=[{"pattern": "(a+)+$", "message": "m"}])
    assert time.monotonic() - start < 2.0
    assert out.status is Status.FAIL
    assert "y.txt:1" in out.message and "x.txt" not in out.message


# -- the default items against the demo repository ----------------------------------------


@pytest.mark.parametrize("scenario", ["healthy", "broken"])
def test_default_items_on_the_demo_repository(tmp_path: Path, scenario: str) -> None:
    repo = demo_repository(tmp_path, scenario)
    ctx = replace(checklist_context(tmp_path / "env", "test", {}), root=repo, repo=repo)
    results = run_items(ctx, "H.6", "H.7", "H.8")
    if scenario == "healthy":
        for item in ("H.6", "H.7", "H.8"):
            assert results[item].status is Status.PASS, results[item].message
            assert str(repo) in results[item].message
        return
    assert {r.status for r in results.values()} == {Status.FAIL}
    assert "app/main.py:8: 'SUCCESS_URL = \"https://yourapp.com'" in results["H.6"].message
    assert "app/main.py:9" in results["H.6"].message
    assert "placeholder domain" in results["H.6"].message
    assert "app/main.py:6: 'echo=True'" in results["H.7"].message
    assert "app/main.py:7: 'debug=True'" in results["H.8"].message


def test_default_items_accept_the_allow_marker(tmp_path: Path) -> None:
    repo = git_repo(
        tmp_path / "app",
        {
            "app/pay.py": 'SUCCESS_URL = "https://example.com/ok"  # golive: allow (docs sample)\n',
            "app/db.py": "engine = create_engine(U, echo=True)\n",
            "tests/test_pay.py": 'success_url = "https://example.com/ok"\n',
        },
    )
    ctx = replace(checklist_context(tmp_path / "env", "test", {}), root=repo, repo=repo)
    results = run_items(ctx, "H.6", "H.7")
    assert results["H.6"].status is Status.PASS, results["H.6"].message
    assert results["H.7"].status is Status.FAIL
