"""Exceptions the core raises. Each carries a message a person can read."""

from __future__ import annotations

from .enums import ErrorCode


class ProtocolError(ValueError):
    """A frame that cannot be accepted; ``code`` is what the error frame says."""

    def __init__(self, code: ErrorCode, message: str, request_id: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


class CallStateError(RuntimeError):
    """A call request that is not legal in the call's current state."""


class InvalidDigitError(ValueError):
    """A DTMF digit outside 0-9, *, #, A-D."""
