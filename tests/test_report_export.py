"""`golive report`: a stored JSON report rendered again, the sign-off on the page and in print."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_html_report import browse, chromium  # noqa: F401  (fixture)
from test_signing import FAILING_ITEMS, allowed, keygen, make_report, needs_ssh_keygen, sign

from golive.cli import main
from golive.reporters.json import report_dict, report_from_dict

pytestmark = pytest.mark.usefixtures("extra_probes")


def test_report_from_dict_is_the_inverse_of_report_dict(tmp_path: Path) -> None:
    path = make_report(tmp_path / "run", FAILING_ITEMS, expect=1)
    data = json.loads(path.read_text())
    assert report_dict(report_from_dict(data)) == data
    # Keys it does not know (added within v1, signatures) are no obstacle.
    data["signatures"] = [{"by": "x"}]
    data["some_future_field"] = {"a": 1}
    data["results"][0]["waiver"] = {"reason": "r"}
    assert report_from_dict(data).results[0].status.value == "fail"


def test_every_format_renders_a_stored_report_without_running_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_report(tmp_path / "run", FAILING_ITEMS, expect=1)
    # The checklist is gone: nothing can be re-run, yet the report renders.
    (tmp_path / "run" / "checklist.yaml").unlink()
    capsys.readouterr()
    assert main(["report", str(path), "-f", "table"]) == 0
    out = capsys.readouterr().out
    assert "NOT READY" in out and "broken" in out
    for fmt in ("markdown", "junit", "github", "html"):
        target = tmp_path / f"out.{fmt}"
        assert main(["report", str(path), "-f", f"{fmt}:{target}"]) == 0
        assert "Item A" in target.read_text() or "a" in target.read_text()
    # json: the stored document itself, byte for byte in content.
    again = tmp_path / "again.json"
    assert main(["report", str(path), "-f", f"json:{again}"]) == 0
    assert json.loads(again.read_text()) == json.loads(path.read_text())


def test_a_report_that_is_not_json_is_exit_2_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "r.json"
    bad.write_text('{\n"schema": "golive.report/v1",\n oops}')
    assert main(["report", str(bad)]) == 2
    assert f"{bad}:3:" in capsys.readouterr().err


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Path, Path]:
    """A not-ready report signed by an engineer (accepting the risk) and by ops."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen not installed")
    path = make_report(tmp_path / "run", FAILING_ITEMS, expect=1)
    eng, ops = keygen(tmp_path, "eng"), keygen(tmp_path, "ops")
    risk = "known failure, fixed by the next deploy"
    assert sign(path, eng, "eng@example.com", "engineer", "--accept-risk", risk) == 0
    assert sign(path, ops, "ops@example.com", "ops", "--accept-risk", risk) == 0
    return path, allowed(tmp_path, ("eng@example.com", eng), ("ops@example.com", ops))


@needs_ssh_keygen
def test_the_html_sign_off_block_in_a_browser(
    chromium: str,  # noqa: F811
    tmp_path: Path,
    signed: tuple[Path, Path],
) -> None:
    path, signers = signed
    page = tmp_path / "report.html"
    assert main(["report", str(path), "-f", f"html:{page}", "--allowed-signers", str(signers)]) == 0
    proc = browse(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert 'id="signoff"' in dom and dom.count('<tr class="signature">') == 2
    assert "eng@example.com" in dom and "ops@example.com" in dom and "engineer" in dom
    assert dom.count("valid, allowed signer") == 2
    assert "known failure, fixed by the next deploy" in dom

    # Tampered after signing: the export says so.
    data = json.loads(path.read_text())
    data["results"][0]["status"] = "pass"
    path.write_text(json.dumps(data))
    assert main(["report", str(path), "-f", f"html:{page}", "--allowed-signers", str(signers)]) == 0
    assert page.read_text().count("INVALID: the signature does not match") == 2


@needs_ssh_keygen
def test_the_printed_pdf_has_the_sign_off_block(
    chromium: str,  # noqa: F811
    tmp_path: Path,
    signed: tuple[Path, Path],
) -> None:
    path, signers = signed
    page = tmp_path / "report.html"
    assert main(["report", str(path), "-f", f"html:{page}", "--allowed-signers", str(signers)]) == 0
    pdf = tmp_path / "report.pdf"
    proc = browse(
        chromium, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 3000
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext not installed (poppler-utils): the PDF's text was not read")
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = " ".join(text.split())
    assert "Sign-off" in words and "NOT READY" in words
    assert "eng@example.com" in words and "ops@example.com" in words and "engineer" in words
    assert words.count("allowed") >= 2 and "fixed by the next deploy" in words


def test_a_fresh_check_page_says_it_is_not_signed(tmp_path: Path) -> None:
    path = make_report(tmp_path / "run", FAILING_ITEMS, expect=1)
    page = tmp_path / "page.html"
    assert main(["report", str(path), "-f", f"html:{page}"]) == 0
    assert "Not signed." in page.read_text()
