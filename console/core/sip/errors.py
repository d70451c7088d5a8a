"""The SIP stack's errors: one branch of the core's exception hierarchy.

Every error the stack raises is a :class:`SipError` (a ``ProtocolError``), so a
driver catches exactly one class. ``status`` is the SIP answer the error calls
for when it comes from a received request (400, 413, 481, 500, ...).
"""

from __future__ import annotations

from ..enums import ErrorCode
from ..errors import ProtocolError


class SipError(ProtocolError):
    def __init__(self, message: str, status: int = 400, code: ErrorCode = ErrorCode.MALFORMED):
        super().__init__(code, message)
        self.status = status


class SipParseError(SipError):
    """Received bytes that are not an acceptable SIP message."""


class SipStateError(SipError):
    """A request to the stack that is not legal in the current state (e.g. BYE before the answer)."""

    def __init__(self, message: str):
        super().__init__(message, status=500, code=ErrorCode.WRONG_STATE)
