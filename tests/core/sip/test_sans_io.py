"""The SIP stack is sans-I/O: importing it loads no asyncio, sockets, websockets or aiortc."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]


def test_the_stack_imports_no_io():
    code = (
        "import sys, pkgutil, importlib, console.core.sip as pkg\n"
        "for m in pkgutil.iter_modules(pkg.__path__): importlib.import_module('console.core.sip.' + m.name)\n"
        "print(sorted(n for n in ('asyncio', 'socket', 'websockets', 'aiortc', 'textual') if n in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
