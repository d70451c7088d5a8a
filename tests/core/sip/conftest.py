"""Helpers for the in-memory SIP tests: a user agent with repeatable ids, and a peer that answers it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from sipkit import make_agent  # noqa: E402


@pytest.fixture
def agent():
    return make_agent()
