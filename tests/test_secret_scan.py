"""secrets.repo_scan finds every planted Stripe key, in files of any size and in history."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import make_ctx
from golive.checks.secrets import RepoScan, RepoScanParams

from golive.core.results import Status
from golive.core.secrets import mask

BODY = "PlantedKeyBody0123456789abcdXYZ"
KEYS = {
    "sk_live": f"sk_live_{BODY}1",
    "sk_test": f"sk_test_{BODY}2",
    "rk_live": f"rk_live_{BODY}3",
    "rk_test": f"rk_test_{BODY}4",
    "whsec": f"whsec_{BODY}5+/=",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    git(root, "init", "-q")
    (root / "settings.py").write_text(f'KEY = "{KEYS["sk_live"]}"\n', encoding="utf-8")
    (root / "conf").mkdir()
    (root / "conf" / "test.yaml").write_text(f"key: {KEYS['sk_test']}\n", encoding="utf-8")
    # A file over 2 MB: scanned, not skipped; the key near its end.
    (root / "bundle.js").write_text("x" * 2_500_000 + f"\nvar k='{KEYS['rk_live']}';\n", "utf-8")
    # A binary file holding a key.
    (root / "blob.bin").write_bytes(b"\0\1\2" * 100 + KEYS["rk_test"].encode() + b"\0")
    (root / "docs.md").write_text(
        "Keys look like sk_live_... (short: not a key)\n"
        f"example {KEYS['sk_live'][:-1]}Z  # golive:allow-secret\n",
        encoding="utf-8",
    )
    (root / "vendor").mkdir()
    (root / "vendor" / "x.py").write_text(f"K = '{KEYS['sk_live']}'\n", encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-qm", "one")
    # In history only: added, then removed.
    (root / "old.env").write_text(f"STRIPE_WEBHOOK_SECRET={KEYS['whsec']}\n", encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-qm", "two")
    git(root, "rm", "-q", "old.env")
    git(root, "commit", "-qm", "three")
    return root


def run(root: Path, **params: object) -> tuple[Status, list[str]]:
    ctx = replace(make_ctx({}, root=root), repo=root)
    outcome = RepoScan().run(RepoScanParams.model_validate(params), ctx)
    return outcome.status, list(outcome.evidence.get("findings", []))


def test_tree_scan_finds_every_planted_key(planted: Path) -> None:
    status, findings = run(planted, history=False, exclude=["vendor/*"])
    assert status is Status.FAIL
    assert sorted(findings) == sorted(
        [
            f"settings.py:1: {mask(KEYS['sk_live'])}",
            f"conf/test.yaml:1: {mask(KEYS['sk_test'])}",
            f"bundle.js:2: {mask(KEYS['rk_live'])}",
            f"blob.bin:1: {mask(KEYS['rk_test'])}",
        ]
    )
    assert all(BODY not in f for f in findings)


def test_history_scan_finds_removed_keys(planted: Path) -> None:
    status, findings = run(planted, history=True, exclude=["vendor/*"])
    assert status is Status.FAIL
    history = [f for f in findings if f.startswith("history ")]
    assert any(f.endswith(f"old.env: {mask(KEYS['whsec'])}") for f in history)
    # Every planted key kind is found somewhere.
    for key in KEYS.values():
        assert any(mask(key) in f for f in findings), key


def test_clean_repository_passes_and_names_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "clean"
    root.mkdir()
    git(root, "init", "-q")
    (root / "a.py").write_text("print('sk_live_... is what a key looks like')\n", "utf-8")
    git(root, "add", ".")
    git(root, "commit", "-qm", "one")
    ctx = replace(make_ctx({}, root=root), repo=root)
    outcome = RepoScan().run(RepoScanParams(history=True), ctx)
    assert outcome.status is Status.PASS and str(root) in outcome.message


def test_history_is_scanned_by_default_and_says_how_far(planted: Path) -> None:
    ctx = replace(make_ctx({}, root=planted), repo=planted)
    outcome = RepoScan().run(RepoScanParams(exclude=["vendor/*"]), ctx)
    history = [f for f in outcome.evidence["findings"] if f.startswith("history ")]
    assert outcome.status is Status.FAIL and history  # the removed whsec_ is found


def test_history_over_its_time_budget_warns_and_a_shallow_clone_says_so(tmp_path: Path) -> None:
    root = tmp_path / "clean"
    root.mkdir()
    git(root, "init", "-q")
    for n in range(3):
        (root / "a.py").write_text(f"print({n})\n", "utf-8")
        git(root, "add", ".")
        git(root, "commit", "-qm", f"c{n}")
    out = RepoScan().run(RepoScanParams(), replace(make_ctx({}, root=root), repo=root))
    assert out.status is Status.PASS and "1 tracked files and the last 3 commits" in out.message
    slow = RepoScanParams(history_seconds=0.000001)
    out = RepoScan().run(slow, replace(make_ctx({}, root=root), repo=root))
    assert out.status is Status.WARN and "history not scanned" in out.message
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True)
    out = RepoScan().run(RepoScanParams(), replace(make_ctx({}, root=clone), repo=clone))
    assert out.status is Status.PASS and "the last 1 commit (a shallow clone" in out.message
