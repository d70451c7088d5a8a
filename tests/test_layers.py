"""The layers hold: import-linter's contracts pass, and the headless modules never load Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_import_linter_contracts_hold():
    """Through import-linter's own entry point in this interpreter: no dependence on PATH."""
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout and "layers" in done.stdout


def test_webrtc_modules_form_no_import_cycle():
    """Inside console.webrtc every module imports only modules below it (no call <-> instance cycle)."""
    import ast

    package = ROOT / "console" / "webrtc"
    edges: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text())
        edges[path.stem] = {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1
        }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in edges.get(start, ()))

    assert not [m for m in edges if reaches(m, m, set())]


def test_headless_modules_do_not_import_textual():
    code = (
        "import sys\n"
        "import console.core.protocol, console.core.machines, console.webrtc, console.net.comm, console.net.websocket\n"
        "import console.switch.server, console.store\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if m.startswith('textual'))\n"
        "import console.core.protocol\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_core_imports_no_asyncio():
    code = "import sys; import console.core.protocol, console.core.machines, console.core.callinfo; print('asyncio' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_each_shared_constant_is_defined_once():
    """MAX_SDP, the frame duration and the talking states have one home each (others import it)."""
    import re

    sources = {p: p.read_text() for p in (ROOT / "console").rglob("*.py")}
    for name in ("MAX_SDP", "FRAME_MS", "FRAME_SECONDS", "FRAME_SAMPLES", "TALKING_STATES"):
        homes = [str(p.relative_to(ROOT)) for p, text in sources.items() if re.search(rf"^{name}\s*[:=]", text, re.M)]
        assert len(homes) == 1, (name, homes)
