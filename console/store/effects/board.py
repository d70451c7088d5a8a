"""The board file: which slot each call had and when it started, so a restarted console shows its
restored calls where they were, with their durations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from console.core.errors import ConsoleError

from ..state import AppState

if TYPE_CHECKING:
    from console.persist import BoardFile


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

    def __call__(self, state: AppState) -> None:
        if self.board is None or state.calls is self._calls:
            return
        self._calls = state.calls
        now, wall = self._clock(), self._wall()
        calls = {c.call_id: {"slot": c.slot, "started": round(wall - (now - c.created_at), 3),
                             "connected": None if c.connected_at is None else round(wall - (now - c.connected_at), 3)}
                 for c in state.calls if c.call_id and not c.ended}
        signature = tuple(sorted((k, v["slot"], v["connected"] is not None) for k, v in calls.items()))
        if signature == self._seen:
            return
        self._seen = signature
        try:
            self.board.save(calls)
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

    def close(self) -> None:
        """Stop saving: the calls live on at the switch, their slots are kept for the next start."""
        self.board = None
