"""Queues shared by several operators (extension): this operator's pause in its queues, and what the switch
says back. Part of the desk (:class:`~console.store.desk.Desk` owns one), talking to the same small
:class:`~console.store.host.Host`, never to the store itself.

``P`` toggles the pause: a paused member is offered no queue call (docs/PROTOCOL.md, "Queues"); the status
line shows PAUSED once the switch has taken it. Presses typed faster than the switch answers toggle what the
press before asked for, not what the switch has confirmed so far (``P P`` pauses, then unpauses). The switch
keeps the pause in memory, so a pause is said again at every login (a restarted switch has forgotten it), as
DND is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.core.queues import QueuePaused, QueueStatus

from .desk_state import QueuePauseSet
from .host import Host

if TYPE_CHECKING:
    from .port import ClientPort


class QueueDesk:
    def __init__(self, host: Host) -> None:
        self.host = host
        self._asked: list[bool] = []  # the pauses asked for and not yet confirmed, oldest first

    def attach(self, client: ClientPort) -> None:
        client.set_queue_handler(self._told)

    def logged_in(self, client: ClientPort) -> None:
        self._asked.clear()  # a new connection: what the last one asked for is answered no more
        if self.host.state.desk.queue_paused:  # the board file's from before a restart too (Desk restores it)
            self.host.attempt("pause in queues", lambda: client.set_queue_paused(None, True))

    def toggle_pause(self) -> bool:
        """Pause this console in every queue it is a member of, or unpause it."""
        client = self.host.client
        if client is None:
            self.host.error("pause in queues: not logged in")
            return False
        paused = not (self._asked[-1] if self._asked else self.host.state.desk.queue_paused)
        sent = self.host.attempt("pause in queues" if paused else "unpause in queues",
                                 lambda: client.set_queue_paused(None, paused))
        if sent:
            self._asked.append(paused)
        return sent

    def refused(self) -> None:
        """The switch refused the oldest pause asked for (the error line says why): not awaited any more."""
        if self._asked:
            self._asked.pop(0)

    def _told(self, what: Any) -> None:
        if isinstance(what, QueuePaused):
            if self._asked:  # the switch answers in order
                self._asked.pop(0)
            self.host.dispatch(QueuePauseSet(what.paused))
            where = ", ".join(what.queues) or "no queue"
            self.host.note(f"{'paused' if what.paused else 'unpaused'} in queue{'s' if len(what.queues) > 1 else ''} "
                           f"{where}")
        elif isinstance(what, QueueStatus):
            self.host.note(f"queue {what.number} {what.name}: {what.total} waiting; "
                           + ", ".join(f"{m.member} {m.state}" for m in what.members))
