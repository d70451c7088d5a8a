"""Who handed a call to this console: a transfer nobody took (a recall), a transfer, a forward, a queue.

Read from the client's call object (extensions: docs/API-MAPPING.md, "Transfer with recall"), kept on
the call's card so the operator sees "↩ 202 busy" on a recall and an extension "transferred by 200".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.core.enums import DISC_REASON


@dataclass(frozen=True)
class Origin:
    transferred_by: str = ""  # the number of the console that transferred the caller here
    forwarded_from: str = ""  # the number that forwarded the call here
    recall_target: str = ""  # a recall: the number the caller was transferred to, which did not take it
    recall_reason: DISC_REASON | None = None  # why it did not (BUSY, REJECTED, NOTRESPONDING, ...)
    queue: str = ""  # offered by a queue: its number
    queue_name: str = ""
    queue_position: int = 0  # the caller's place in the queue's line when it was offered (1: first)

    @property
    def recall(self) -> bool:
        return bool(self.recall_target) or self.recall_reason is not None


def origin_of(call: Any) -> tuple[Origin | None, float | None]:
    """The call object's origin, and for a recall how long the caller has waited (seconds) since it first
    rang in; (None, None) for a call nobody handed on. ``call`` is a CallPort."""
    recall, queue = call.get_recall(), call.get_queue()
    by, fwd = call.get_transferred_by() or "", call.get_forwarded_from() or ""
    if recall is None and queue is None and not by and not fwd:
        return None, None
    queued = {} if queue is None else {"queue": queue.number, "queue_name": queue.name, "queue_position": queue.position}
    if recall is None:
        return Origin(transferred_by=by, forwarded_from=fwd, **queued), None
    return Origin(by, fwd, recall.target, recall.reason, **queued), recall.waited
