"""The HTML report, opened in a real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import write_checklist

from golive.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("extra_probes")]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/install-system-deps.sh installs it)")
        pytest.skip("chromium is not installed: run scripts/install-system-deps.sh")
    return found


def browse(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.fixture
def report_html(tmp_path: Path) -> Path:
    items = (
        "  - id: bad\n    title: A failing item\n    section: s\n    remediation: Fix <it>.\n"
        "    probe: {kind: test.outcome, status: fail, message: '<script>document.title=\"pwned\"</script> & more'}\n"
        "  - id: good\n    title: A passing item\n    section: t\n"
        "    probe: {kind: test.outcome, status: pass, message: all good}\n"
    )
    path = write_checklist(tmp_path, items)
    out = tmp_path / "report.html"
    assert main(["check", "-c", str(path), "-e", "prod", "-q", "-f", f"html:{out}"]) == 1
    return out


def test_the_page_renders_every_item_and_the_verdict(
    chromium: str, tmp_path: Path, report_html: Path
) -> None:
    proc = browse(chromium, tmp_path, "--dump-dom", report_html.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert re.search(r'id="verdict"[^>]*>NOT READY<', dom)
    assert len(re.findall(r'<tr class="result ', dom)) == 2
    assert '<tr class="result fail" data-id="bad">' in dom
    # What a probe said is text, never markup: the planted script did not run.
    assert "&lt;script&gt;" in dom and "<title>golive: not ready — prod</title>" in dom
    assert "→ Fix &lt;it&gt;." in dom


def test_a_screenshot_of_the_page(chromium: str, tmp_path: Path, report_html: Path) -> None:
    shot = tmp_path / "report.png"
    proc = browse(
        chromium, tmp_path, f"--screenshot={shot}", "--window-size=1100,700", report_html.as_uri()
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 5000
