"""Shared set-up: the harness modules live beside the tests and are imported by name."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
for folder in (HERE, HERE / "e2e"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
