"""core/git.py: the one runner for git, strict for probes and best-effort for facts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from golive.core.git import GitError, git, git_or_none


def repo(folder: Path) -> Path:
    folder.mkdir()
    run = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false"]
    (folder / "a.txt").write_text("a\n", encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run([*run, *args], cwd=folder, check=True)
    return folder


def test_git_answers_in_a_repository_and_says_why_elsewhere(tmp_path: Path) -> None:
    root = repo(tmp_path / "r")
    assert git(root, "ls-files", "-z", timeout=10) == b"a.txt\0"
    assert git_or_none(root, "rev-parse", "--verify", "HEAD") is not None
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match=r"git rev-parse failed in .*plain: fatal: not a git"):
        git(plain, "rev-parse", "HEAD", timeout=10)
    assert git_or_none(plain, "rev-parse", "HEAD") is None  # facts: unknown, no error


def test_no_git_on_the_path_is_said_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo(tmp_path / "r")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GitError, match=r"^git is not installed$"):
        git(root, "status", timeout=10)
    assert git_or_none(root, "status") is None


def test_a_git_that_hangs_is_killed_at_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text("#!/bin/sh\nexec /bin/sleep 30\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(GitError) as caught:
        git(tmp_path, "grep", "x", timeout=0.5)
    assert caught.value.timed_out and "git grep timed out after 0.5s" in str(caught.value)
