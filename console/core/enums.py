"""The seed's enumerations, plus the few the wire needs.

Member names are the seed's names; values are the same strings, so a state
prints as the seed spells it and travels on the wire unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class LOGIN_STATES(StrEnum):  # noqa: N801 - the seed's name
    CONNECTING = "CONNECTING"
    SUCCESS = "SUCCESS"
    SERVER_ACCESS = "SERVER_ACCESS"
    DIAL_STRING_MISSING = "DIAL_STRING_MISSING"
    NO_DIAL_STRING_FOR_USER = "NO_DIAL_STRING_FOR_USER"
    CONNECTION_LOST = "CONNECTION_LOST"
    LOGGED_OUT_IMPLICIT = "LOGGED_OUT_IMPLICIT"
    LOGGED_OUT_EXPLICIT = "LOGGED_OUT_EXPLICIT"
    LOGIN_RESTORE_FAILED = "LOGIN_RESTORE_FAILED"


class CALL_STATES(StrEnum):  # noqa: N801
    IDLE = "IDLE"
    DIALING = "DIALING"
    OFFERING = "OFFERING"
    RINGING = "RINGING"
    CONNECTED = "CONNECTED"
    HOLDING = "HOLDING"
    HELD = "HELD"
    DISCONNECTED = "DISCONNECTED"


class DISC_REASON(StrEnum):  # noqa: N801
    SUCCESS = "SUCCESS"
    DIALSTRING = "DIALSTRING"
    PERMISSION = "PERMISSION"
    CONGESTION = "CONGESTION"
    EQUIPMENT = "EQUIPMENT"
    BUSY = "BUSY"
    REDIRECTED = "REDIRECTED"
    NOTRESPONDING = "NOTRESPONDING"
    NOTSELECTED = "NOTSELECTED"
    REJECTED = "REJECTED"
    USERTERMINATED = "USERTERMINATED"
    MEDIA = "MEDIA"
    ERROR = "ERROR"


class Direction(StrEnum):
    """Who placed the call, seen from the console that owns it."""

    IN = "in"
    OUT = "out"


class AuthMethod(StrEnum):
    PASSWORD = "password"
    TOKEN = "token"


class NumberMode(StrEnum):
    """Where a console's number comes from (the switch's configuration)."""

    ASSIGNED = "assigned"  # from the user database
    CLIENT = "client"  # the console must give one
    EITHER = "either"  # the console's if given, else the database's


class LogoutReason(StrEnum):
    """Why the switch ended a session (sent with the ``logout`` event)."""

    TAKEN_OVER = "taken_over"  # another connection restored this session
    KICKED = "kicked"  # the switch's operator ended it
    SHUTDOWN = "shutdown"  # the switch is stopping


class ErrorCode(StrEnum):
    """The ``code`` of an ``error`` frame."""

    MALFORMED = "malformed"  # not JSON, not an object, or a field of the wrong type
    TOO_LARGE = "too_large"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_TYPE = "unknown_type"
    NOT_LOGGED_IN = "not_logged_in"
    ALREADY_LOGGED_IN = "already_logged_in"
    AUTH_FAILED = "auth_failed"
    DIAL_STRING_MISSING = "dial_string_missing"
    NO_DIAL_STRING_FOR_USER = "no_dial_string_for_user"
    RESTORE_FAILED = "restore_failed"
    UNKNOWN_CALL = "unknown_call"
    WRONG_STATE = "wrong_state"
    INVALID_DIGIT = "invalid_digit"
    INVALID_SDP = "invalid_sdp"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"
    # attendant extension (docs/PROTOCOL.md, "Attendant extension")
    NOT_PERMITTED = "not_permitted"  # the user may not dial the number a call would go to
    ORBIT_BUSY = "orbit_busy"  # the park orbit is taken, or every orbit is
    LIMIT_REACHED = "limit_reached"  # a configured bound ([limits]) refuses this
    UNKNOWN_QUEUE = "unknown_queue"  # queues: no queue has this number
