"""The board file: which slot each call had and when it started, so a restarted console shows its
restored calls where they were, with their durations; and what the operator set on them (issue 19: the
selection, mute, the hold's start, a recording, an announced transfer's two calls), so a restart (even
``kill -9``) gives it all back (:mod:`console.store.resume`); and the operator's pause in its queues, DND
and forwarding, which the switch keeps across the restart, so the restarted console shows them and says them
again (:mod:`console.store.desk`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from console.core.directory import ForwardMode

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
        self._desk: dict | None = None  # the file's desk section (queue_paused, dnd, forwarding), until taken

    def __call__(self, state: AppState) -> None:
        flags = {"queue_paused": state.desk.queue_paused, "dnd": state.desk.dnd,
                 "forwarding": state.desk.forwarding_rules}
        if self.board is None or (state.calls, state.focused, flags) == self._calls:
            return
        self._calls = (state.calls, state.focused, flags)
        now, wall = self._clock(), self._wall()
        calls = {c.call_id: entry(state, c, now, wall) for c in state.calls if c.call_id and not c.ended}
        # times are read afresh each time (they drift by a millisecond): save when anything else changes
        signature = (*flags.values(),
                     *sorted((k, *((f, v if f not in _TIMES else v is not None) for f, v in e.items()))
                             for k, e in calls.items()))
        if signature == self._seen or (not self._seen and not any(signature)):
            return  # nothing set yet: the file keeps what the last run left (read at the restore)
        self._seen = signature
        try:
            desk = {k: dict(v) if k == "forwarding" else True for k, v in flags.items() if v}
            number = {"number": state.login.number} if desk and state.login.number else {}
            self.board.save(calls, {**desk, **number} or None)
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
        self._desk = None
        self._read_desk()

    def _read_desk(self) -> dict:
        if self._desk is None and self.board is not None:
            try:
                self._desk = self.board.load_desk()
            except ConsoleError:
                self._desk = {}
        return self._desk or {}

    def take_desk(self, number: str | None) -> tuple[bool, bool, tuple[tuple[str, str], ...]]:
        """(DND, queue pause, forwarding rules) as the file had them when it was last read, once (then none), and
        only for the number they were set for (a file without a number: the last run's, whoever it was)."""
        desk = self._read_desk()
        self._desk = {}
        if desk.get("number", number) != number:
            return False, False, ()
        rules: Any = desk.get("forwarding")
        rules = rules if isinstance(rules, dict) else {}
        forwarding = tuple((m.value, rules[m.value]) for m in ForwardMode
                           if isinstance(rules.get(m.value), str) and rules[m.value])
        return desk.get("dnd") is True, desk.get("queue_paused") is True, forwarding

    def close(self) -> None:
        """Stop saving: the calls live on at the switch, their slots are kept for the next start."""
        self.board = None
