"""SIP final responses and Reason headers (RFC 3326) to the seed's DISC_REASON, and back.

One table per direction, so docs/SIP.md and the tests read the same data.
"""

from __future__ import annotations

from ..enums import DISC_REASON as R
from .uri import parse_params

# final status of our INVITE (or a CANCEL/BYE we received with it) -> why the call ended
STATUS_REASON: dict[int, R] = {
    # redirection: the console does not follow redirects (documented)
    300: R.REDIRECTED, 301: R.REDIRECTED, 302: R.REDIRECTED, 305: R.REDIRECTED, 380: R.REDIRECTED,
    400: R.ERROR, 401: R.PERMISSION, 402: R.PERMISSION, 403: R.REJECTED, 404: R.DIALSTRING,
    405: R.ERROR, 406: R.MEDIA, 407: R.PERMISSION, 408: R.NOTRESPONDING, 410: R.DIALSTRING,
    413: R.ERROR, 414: R.DIALSTRING, 415: R.MEDIA, 416: R.DIALSTRING, 420: R.ERROR, 421: R.ERROR,
    423: R.ERROR, 480: R.NOTRESPONDING, 481: R.ERROR, 482: R.ERROR, 483: R.ERROR, 484: R.DIALSTRING,
    485: R.DIALSTRING, 486: R.BUSY, 487: R.USERTERMINATED, 488: R.MEDIA, 491: R.CONGESTION,
    493: R.MEDIA, 500: R.CONGESTION, 501: R.ERROR, 502: R.EQUIPMENT, 503: R.CONGESTION,
    504: R.NOTRESPONDING, 505: R.ERROR, 513: R.ERROR, 580: R.MEDIA,
    600: R.BUSY, 603: R.REJECTED, 604: R.DIALSTRING, 606: R.MEDIA,
}
CLASS_REASON = {3: R.REDIRECTED, 4: R.ERROR, 5: R.CONGESTION, 6: R.REJECTED}

# ITU-T Q.850 cause values (carried in Reason: Q.850;cause=N) -> DISC_REASON
Q850_REASON: dict[int, R] = {
    1: R.DIALSTRING, 3: R.DIALSTRING, 16: R.SUCCESS, 17: R.BUSY, 18: R.NOTRESPONDING, 19: R.NOTRESPONDING,
    20: R.NOTRESPONDING, 21: R.REJECTED, 22: R.DIALSTRING, 26: R.NOTSELECTED, 27: R.EQUIPMENT,
    28: R.DIALSTRING, 31: R.SUCCESS, 34: R.CONGESTION, 38: R.CONGESTION, 41: R.CONGESTION,
    42: R.CONGESTION, 44: R.CONGESTION, 47: R.EQUIPMENT, 57: R.PERMISSION, 58: R.MEDIA, 65: R.MEDIA,
    79: R.MEDIA, 88: R.MEDIA, 102: R.NOTRESPONDING, 127: R.ERROR,
}

# what the console sends when it declines with a reason (decline(reason) of the seed)
DECLINE_STATUS: dict[R, int] = {R.BUSY: 486, R.REJECTED: 603, R.NOTRESPONDING: 480, R.DIALSTRING: 404,
                                R.CONGESTION: 503, R.MEDIA: 488, R.PERMISSION: 403}
DEFAULT_DECLINE = 603

# Reason header for a CANCEL or BYE the console sends
REASON_HEADER: dict[R, str] = {
    R.USERTERMINATED: 'Q.850;cause=16;text="Normal call clearing"',
    R.NOTSELECTED: 'SIP;cause=200;text="Call completed elsewhere"',
    R.MEDIA: 'Q.850;cause=88;text="Incompatible destination"',
    R.SUCCESS: 'Q.850;cause=16;text="Call transferred"',
}


def reason_for_status(status: int) -> R:
    if 200 <= status < 300:
        return R.SUCCESS
    return STATUS_REASON.get(status) or CLASS_REASON.get(status // 100, R.ERROR)


def reason_from_header(values: list[str]) -> R | None:
    """The first Reason header value we understand (Q.850 before SIP, RFC 3326), else None."""
    best: R | None = None
    for value in values:
        protocol, _, params = value.partition(";")
        cause = parse_params(params).get("cause") or ""
        if not cause.isdigit():
            continue
        protocol = protocol.strip().upper()
        if protocol == "Q.850" and int(cause) in Q850_REASON:
            return Q850_REASON[int(cause)]
        if protocol == "SIP" and best is None:
            code = int(cause)
            best = R.NOTSELECTED if code == 200 else reason_for_status(code) if 300 <= code < 700 else None
    return best
