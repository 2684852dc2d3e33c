"""The built wheel: probes ship as golive.checks, never as a bare top-level `checks`."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("golive-*.whl")
    return found


def test_wheel_has_no_top_level_checks(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert "checks" not in tops
    assert tops == {"golive", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    assert "golive/checks/env.py" in names and "golive/checks/__init__.py" in names
    assert "golive/py.typed" in names
    top_level = next(n for n in names if n.endswith("top_level.txt"))
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["golive"]


def test_installed_wheel_imports_every_probe(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import golive, golive.engine.registry as r\n"
        "assert golive.__file__.startswith(%r), golive.__file__\n"
        "import importlib.util\n"
        "assert importlib.util.find_spec('checks') is None\n"
        "for kind in r.BUILTIN_PROBES: r.load_probe(kind)\n"
        "print(len(r.BUILTIN_PROBES))\n"
    ).replace("%r", repr(str(target)))
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            f"import sys; sys.path.append({str(Path(pytest.__file__).parent.parent)!r})\n" + code,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 30
