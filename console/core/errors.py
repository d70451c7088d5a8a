"""The package's one exception hierarchy. Each carries a message a person can read.

Every exception the console raises or reports derives from :class:`ConsoleError`,
so an application can catch "anything from the console" in one clause. At each
boundary (wire, media, device, persistence) an error is translated into exactly
one thing the application sees: an error-handler report, a ``DISC_REASON`` on a
call, or a login state; the seed API itself never raises for a state or
argument problem.
"""

from __future__ import annotations

from .enums import ErrorCode

# A log record's attribute (give ``extra=REPORTED``): the warning says what the error handler is told too. An
# application that shows the handler's reports (the console's log pane) leaves such records out: one failure,
# one line (and the handler's line names the call the operator's way).
REPORTED_ATTR = "reported_to_error_handler"
REPORTED = {REPORTED_ATTR: True}


class ConsoleError(Exception):
    """Base of every error of the console package."""

    def failed(self, what: str) -> ConsoleError:
        """A fresh error of the same kind, saying "``what`` failed: <this error>"; this one is left as it is.

        Errors are values, one per recipient: one cause (a closed connection) may fail several
        requests, and rewriting a shared error in place made each report it again ("hold failed:
        hold failed: ..."). The copy keeps the attributes (``code``, ``failure``...) and names this
        error as its ``__cause__``.
        """
        fresh = type(self).__new__(type(self), f"{what} failed: {self}")
        fresh.__dict__.update(self.__dict__)
        fresh.__cause__ = self
        return fresh


class ProtocolError(ConsoleError, ValueError):
    """A frame that cannot be accepted; ``code`` is what the error frame says."""

    def __init__(self, code: ErrorCode, message: str, request_id: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


class RemoteProtocolError(ProtocolError):
    """The other side broke the protocol: a frame that does not decode, a reply to no request,
    a call state change the state table does not allow."""


class LocalProtocolError(ConsoleError, RuntimeError):
    """We were asked to do something the protocol does not allow now (a request in the wrong state)."""


class CallStateError(LocalProtocolError):
    """A call request that is not legal in the call's current state."""


class InvalidDigitError(LocalProtocolError, ValueError):
    """A DTMF digit outside 0-9, *, #, A-D."""


class RequestRefused(ConsoleError):
    """The switch answered a request with an error frame (``code`` names why)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class RequestTimeout(ConsoleError):
    """A request got no answer in time."""


class CommError(ConsoleError):
    """A connection could not be opened (``failure`` says why; see console.net.comm.CommFailure)."""

    def __init__(self, failure: str, message: str):
        super().__init__(message)
        self.failure = failure


class CommClosed(ConsoleError):
    """The connection ended. ``code`` is the WebSocket close code, if any."""

    def __init__(self, code: int | None, reason: str = ""):
        if code is None:  # no close frame: the reason alone says why
            super().__init__(f"connection closed: {reason}" if reason else "connection closed")
        else:
            super().__init__(f"connection closed ({code}) {reason}".strip())
        self.code = code
        self.reason = reason


class MediaError(ConsoleError):
    """An offer could not be made, an answer could not be applied, or ICE/DTLS failed."""


class DeviceError(MediaError):
    """An audio device could not be opened or failed while in use."""


class PersistenceError(ConsoleError):
    """A settings, session or history file could not be read or written."""
