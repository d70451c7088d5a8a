"""DTMF digits: the sixteen that RFC 4733 names for tones."""

from __future__ import annotations

from .errors import InvalidDigitError

DIGITS = frozenset("0123456789*#ABCD")


def check_digits(digits: str) -> str:
    """Return ``digits`` upper-cased, or raise with the offending character named."""
    if not isinstance(digits, str) or not digits:
        raise InvalidDigitError("a DTMF digit must be a non-empty string")
    normal = digits.upper()
    for ch in normal:
        if ch not in DIGITS:
            raise InvalidDigitError(f"invalid DTMF digit {ch!r}: use 0-9, *, #, A-D")
    return normal
