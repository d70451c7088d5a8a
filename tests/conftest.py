"""Shared set-up: the harness modules live beside the tests and are imported by name."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
for folder in (HERE, HERE / "e2e"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


import logging

import pytest

_LIBRARY_LOGGERS = ("console", "console.webrtc", "console.core", "console.media", "console.net")


@pytest.fixture(autouse=True)
def _library_log_levels():
    """``control_logging`` sets the library's logger levels for the whole process (they are Python's globals):
    a test that turns it off (or a store that turns it on) must not decide what the next test's logs hold."""
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    saved = [(logger, logger.level, list(logger.handlers)) for logger in loggers]
    yield
    for logger, level, handlers in saved:
        logger.setLevel(level)
        for handler in [h for h in logger.handlers if h not in handlers]:
            logger.removeHandler(handler)


@pytest.fixture
async def switch():
    """The demo switch without a media plane (tests/demo_switch.py); folders with their own override it."""
    from demo_switch import running_switch

    async with running_switch() as sw:
        yield sw
