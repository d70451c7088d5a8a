"""The board file: which slot each call had and when it started, so a restarted console shows its
restored calls where they were, with their durations; and what the operator set on them (issue 19: the
selection, mute, the hold's start, a recording, an announced transfer's two calls), so a restart (even
``kill -9``) gives it all back (:mod:`console.store.resume`); and the operator's pause in its queues, which
the switch keeps across the restart, so the restarted console shows it and says it again
(:mod:`console.store.queues`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from console.core.errors import ConsoleError

from ..state import AppState, CallView

if TYPE_CHECKING:
    from console.persist import BoardFile


_TIMES = ("started", "connected", "held")


def entry(state: AppState, call: CallView, now: float, wall: float) -> dict:
    """One call's line in the board file: times as wall-clock seconds, then only what is set."""

    def at(moment: float | None) -> float | None:
        return None if moment is None else round(wall - (now - moment), 3)

    line: dict = {"slot": call.slot, "started": at(call.created_at), "connected": at(call.connected_at)}
    if call.held_since is not None:
        line["held"] = at(call.held_since)
    if call.muted:
        line["muted"] = True
    if call.recording:
        line["recording"] = call.recording
    if call.consult and state.desk.consult is not None:
        line["consult"] = call.consult
        line["consult_number"] = state.desk.consult.number
    if state.focused == call.slot:
        line["selected"] = True
    return line


class BoardKeeper:
    """Saves the live calls' slots and start times whenever they change; answers what the file said
    about a call when the console started (:meth:`hint`)."""

    def __init__(self, board: BoardFile | None, clock: Callable[[], float], wall: Callable[[], float],
                 report: Callable[[str], None]) -> None:
        self.board = board
        self._clock = clock
        self._wall = wall
        self._report = report
        self._calls: tuple = ()
        self._seen: tuple = ()
        self._hints: dict[str, dict] | None = None
        self._paused: bool | None = None  # the file's queue pause, until it is taken (take_queue_paused)

    def __call__(self, state: AppState) -> None:
        if self.board is None or (state.calls, state.focused, state.desk.queue_paused) == self._calls:
            return
        self._calls = (state.calls, state.focused, state.desk.queue_paused)
        now, wall = self._clock(), self._wall()
        calls = {c.call_id: entry(state, c, now, wall) for c in state.calls if c.call_id and not c.ended}
        # times are read afresh each time (they drift by a millisecond): save when anything else changes
        signature = (state.desk.queue_paused,
                     *sorted((k, *((f, v if f not in _TIMES else v is not None) for f, v in e.items()))
                             for k, e in calls.items()))
        if signature == self._seen or (not self._seen and signature == (False,)):
            return  # nothing set yet: the file keeps what the last run left (read at the restore)
        self._seen = signature
        try:
            self.board.save(calls, {"queue_paused": True} if state.desk.queue_paused else None)
        except ConsoleError as exc:  # PersistenceError: the file could not be written
            self._report(f"could not save: {exc}")

    def hint(self, call_id: str | None) -> dict | None:
        """What the board file said about ``call_id`` when it was first read (restored calls rewrite it)."""
        if call_id is None or self.board is None:
            return None
        if self._hints is None:
            try:
                self._hints = self.board.load()
            except ConsoleError:
                self._hints = {}
        return self._hints.get(call_id)

    def reread(self) -> None:
        """Read the file now, before the calls of a restore come back and rewrite it."""
        self._hints = None
        self.hint("")
        self._paused = None
        self.take_queue_paused(keep=True)

    def take_queue_paused(self, keep: bool = False) -> bool:
        """Whether the operator was paused in its queues when the file was last read (once: then False)."""
        if self._paused is None and self.board is not None:
            try:
                self._paused = self.board.load_desk().get("queue_paused") is True
            except ConsoleError:
                self._paused = False
        paused = bool(self._paused)
        if not keep:
            self._paused = False
        return paused

    def close(self) -> None:
        """Stop saving: the calls live on at the switch, their slots are kept for the next start."""
        self.board = None
