"""A request the client would not take: a refusal the operator reads, or a failure the log explains.

Only the console's own refusals (a :class:`~console.core.errors.ConsoleError`, the one
hierarchy of console/core/errors.py) are the operator's business: the status line says
why ("hold [2]: it is on hold already"). Any other exception is a programming error,
not something the operator did: the log gets it as an error with its traceback, and
the status line says only that the request failed, never the internals.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable

from console.core.errors import ConsoleError

FAILED = "failed (an internal error; the log has the details)"


def attempt(what: str, fn: Callable[[], Any], refused: Callable[[str], None],
            failed: Callable[[str, str], None]) -> bool:
    """Run ``fn``; True if it went through. A refusal goes to ``refused(line)``; anything else to
    ``failed(line, details)``, ``details`` carrying the traceback."""
    try:
        fn()
    except ConsoleError as exc:
        refused(f"{what}: {exc}")
        return False
    except Exception:  # noqa: BLE001 - a bug in one request must not take the console down
        failed(f"{what}: {FAILED}", f"{what}: internal error\n{traceback.format_exc().rstrip()}")
        return False
    return True
