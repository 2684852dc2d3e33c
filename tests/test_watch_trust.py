"""`golive watch` honours trust as `check` does (issue 20): an untrusted checklist with a
plug-in or a command source is refused (exit 2) before anything listens and runs none of
its code; `--trust` runs it, the plug-in in a child process. Choosing what the watch runs
never imports a plug-in: one that calls os._exit(0) at import is that item's error, and
the watch goes on; one whose source says `sends_traffic = True` is not watched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus_hostile"
WATCH = [sys.executable, "-m", "golive", "watch", "-e", "prod", "--listen", "127.0.0.1:0"]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "c"
    folder.mkdir()
    for name in ("code.yaml", "prod.env", "os_exit_at_import.yaml"):
        shutil.copy(CORPUS / name, folder / name)
    shutil.copytree(CORPUS / "plugins", folder / "plugins")
    return folder


def _watch(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "STRIPE_"))}
    env |= {"NO_COLOR": "1", "GOLIVE_TRUST_FILE": str(folder / "trusted")}
    return subprocess.run(
        [*WATCH, "--every", "0.1s", "--max-runs", "1", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_untrusted_checklist_with_code_is_refused_before_listening(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    done = _watch(folder, "-c", "code.yaml")
    assert done.returncode == 2, done.stderr
    assert "is not trusted" in done.stderr
    assert "plugins/marker.py" in done.stderr  # it says what would run
    assert "source command" in done.stderr
    assert "/metrics" not in done.stderr  # nothing listened
    assert not (folder / "imported").exists()  # the plug-in was never imported
    assert not (folder / "commanded").exists()  # the source command never ran


def test_trust_runs_the_checklist_code(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    done = _watch(folder, "-c", "code.yaml", "--trust")
    assert done.returncode == 0, done.stderr
    assert "run 1: not ready (1 pass, 1 fail)" in done.stderr, done.stderr
    assert "stopped after 1 run(s), 0 failed" in done.stderr
    assert (folder / "imported").exists()
    assert (folder / "commanded").exists()


def test_a_recorded_digest_trusts_it_too(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "STRIPE_"))}
    env |= {"GOLIVE_TRUST_FILE": str(folder / "trusted")}
    subprocess.run(
        [sys.executable, "-m", "golive", "trust", "code.yaml"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )
    done = _watch(folder, "-c", "code.yaml")
    assert done.returncode == 0, done.stderr
    assert (folder / "commanded").exists()


def test_choosing_what_to_watch_never_imports_a_plugin(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    done = _watch(folder, "-c", "os_exit_at_import.yaml", "--trust")
    # os._exit(0) at import, in the watch's own process, would end it at once with exit 0
    # and without a run: it is the item's error, in the child that imported it.
    assert done.returncode == 0, done.stderr
    assert "run 1: not ready (1 fail, 1 error)" in done.stderr, done.stderr
    assert "stopped after 1 run(s)" in done.stderr


@pytest.mark.parametrize(
    ("body", "watched"),
    [
        ("    sends_traffic = True\n", False),
        ("    sends_traffic = False\n", True),
        ("", True),  # Probe's default, the class derives from Probe alone
        ("    sends_traffic = bool(1)\n", False),  # only running it could tell: left out
    ],
)
def test_a_plugin_that_says_it_sends_traffic_is_not_watched(
    tmp_path: Path, body: str, watched: bool
) -> None:
    from golive.engine.loader import load_checklist
    from golive.engine.runner import plan
    from golive.watch.select import watched_plan

    folder = _folder(tmp_path)
    source = (folder / "plugins" / "marker.py").read_text()
    source = source.replace('    summary = "x"\n', '    summary = "x"\n' + body)
    source = source.replace("open('imported', 'w').write('x')", "raise SystemExit('imported')")
    (folder / "plugins" / "marker.py").write_text(source)
    loaded = load_checklist(folder / "code.yaml")
    _, excluded = watched_plan(loaded.checklist, "prod", plan(loaded.checklist, "prod"))
    reasons = {e.id: e.reason for e in excluded}
    assert ("p.1" not in reasons) is watched, reasons
    if not watched:
        assert "traffic" in reasons["p.1"]
    assert "f.1" not in reasons
