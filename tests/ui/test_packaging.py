"""The built wheel carries the stylesheet and the top-level themes/ (as data files)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
def test_the_wheel_contains_themes_and_stylesheets(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "console", src / "console", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "themes", src / "themes")
    out = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = out.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "console/ui/app.tcss" in names
    shipped = {Path(n).name for n in names if "/data/share/anynode-console/themes/" in n}
    assert {"dark.toml", "light.toml", "high-contrast.toml", "README.md"} <= shipped, names
