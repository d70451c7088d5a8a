"""The log bridge: the client's diagnostics (Python logging) into the log pane, on the loop's thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Callable

from console.core.errors import REPORTED_ATTR

from ..state import LogLevel

_LEVELS = {logging.DEBUG: LogLevel.DEBUG, logging.INFO: LogLevel.INFO, logging.WARNING: LogLevel.WARNING}


class LogBridge(logging.Handler):
    """Hands each record of the ``names`` loggers to ``write(level, source, text)`` on ``loop``'s thread
    (a record from another thread, e.g. the audio thread, is handed over with call_soon_threadsafe).
    Create it on the loop's thread.

    A record marked :data:`~console.core.errors.REPORTED` is left out: the client's error handler hears the
    same failure, and the controller's line for it names the call by slot and caller (one failure, one line).
    """

    def __init__(self, write: Callable[[LogLevel, str, str], None], loop: asyncio.AbstractEventLoop,
                 names: tuple[str, ...]) -> None:
        super().__init__(logging.DEBUG)
        self._write = write
        self._loop = loop
        self._thread = threading.get_ident()
        self.names = names

    def attach(self) -> None:
        for name in self.names:
            logging.getLogger(name).addHandler(self)

    def detach(self) -> None:
        for name in self.names:
            logging.getLogger(name).removeHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, REPORTED_ATTR, False):
            return
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not kill the caller
            text = str(record.msg)
        level = _LEVELS.get(record.levelno, LogLevel.ERROR)
        source = record.name.removeprefix("console.")
        if threading.get_ident() == self._thread:
            self._write(level, source, text)
        else:
            self._loop.call_soon_threadsafe(self._write, level, source, text)
