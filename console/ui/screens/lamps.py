"""The busy lamp field screen (``b``): every extension's presence and the park orbits, updated as the switch
pushes them. Arrows move; Enter acts on the highlighted lamp in context: with a connected or held call
selected it is transferred there (blind) or parked on the orbit; else the extension is dialled, the
parked call picked up, or (over SIP, with the server's pickup code) the call ringing there picked up. ``T`` consults the highlighted extension (announced transfer). Esc or ``b`` closes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.core.directory import PresenceState
from console.core.machines import TALKING_STATES
from console.store.state import AppState

from ..widgets.lamps import COLUMNS, LampField, Tile
from ..words import CALL_WORDS, PRESENCE_WORDS
from .transfer_check import UNREACHABLE, transfer_asking

if TYPE_CHECKING:
    from ..app import SwitchboardApp


def tiles_of(state: AppState) -> tuple[Tile, ...]:
    desk = state.desk
    lamps = [Tile(e.number, e.name, desk.presence_of(e.number)) for e in desk.extensions()]
    lamps += [Tile(o.orbit, "", PresenceState.BUSY if o.occupied else None, orbit=True,
                   parked=(o.number or "") + (f" {o.name}" if o.name else "")) for o in desk.orbits]
    return tuple(lamps)


class LampsScreen(Screen):
    BINDINGS = [
        Binding("escape,b", "close", "Close", id="lamps_close"),
        Binding("left", "move(-1)", "←", show=False, id="lamps_left"),
        Binding("right", "move(1)", "→", show=False, id="lamps_right"),
        Binding("up", f"move({-COLUMNS})", "↑", show=False, id="lamps_up"),
        Binding("down", f"move({COLUMNS})", "↓", show=False, id="lamps_down"),
        Binding("enter", "act", "Transfer / dial / pickup", id="lamps_act"),
        Binding("T", "consult", "Consult", id="lamps_consult"),
    ]
    app: SwitchboardApp

    def compose(self) -> ComposeResult:
        yield Static(id="lamps-title")
        yield LampField(id="lamps")
        yield Static(id="lamps-hint")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.watch(self.app, "snapshot", self._show, init=True)

    def _title(self, state: AppState) -> Text:
        """The legend; or, while this console has DND or forwarding on, that first (it changes who gets calls)."""
        own = [word for word in ("⊘ DND on" if state.desk.dnd else "",
                                 f"↪ forwarding {state.desk.forwarding}" if state.desk.forwarding else "") if word]
        if own:
            return Text.assemble(("Busy lamp field", "bold"), "  ", (" · ".join(own), "bold reverse"))
        legend = "  ".join(f"{symbol} {word}" for key, (symbol, word) in PRESENCE_WORDS.items() if key is not None)
        return Text.assemble(("Busy lamp field", "bold"), "  ", (legend, "dim"))

    def _show(self, state: AppState) -> None:
        self.query_one("#lamps-title", Static).update(self._title(state))
        field = self.query_one(LampField)
        field.tiles = tiles_of(state)
        if field.cursor >= len(field.tiles):
            field.cursor = max(0, len(field.tiles) - 1)
        self._hint(state)

    def _hint(self, state: AppState) -> None:
        tile = self._tile()
        call = state.focused_call
        text = Text()
        if call is not None and not call.ended:
            symbol, words = CALL_WORDS[call.state]
            text.append(f"[{call.slot}] {call.remote_number} {call.remote_name} {symbol} {words}".replace("  ", " "))
        else:
            text.append("no call selected")
        if tile is not None:
            text.append(f" · Enter: {self._what(state, tile)}", style="bold")
        self.query_one("#lamps-hint", Static).update(text)

    def _tile(self) -> Tile | None:
        field = self.query_one(LampField)
        return field.tiles[field.cursor] if 0 <= field.cursor < len(field.tiles) else None

    def _talking(self, state: AppState) -> bool:
        call = state.focused_call
        return call is not None and call.state in TALKING_STATES

    def _what(self, state: AppState, tile: Tile) -> str:
        if tile.orbit:
            if tile.parked:
                return f"pick up P{tile.number}"
            return f"park it on P{tile.number}" if self._talking(state) else "nothing (orbit free)"
        if self._talking(state):
            warning = UNREACHABLE.get(tile.state)  # type: ignore[arg-type]
            return f"transfer it to {tile.number}" + (f" ({PRESENCE_WORDS[tile.state][1]}: asks)" if warning else "")
        if self._picks_up(tile):
            return f"pick up the call ringing at {tile.number}"
        return f"dial {tile.number}"

    def _picks_up(self, tile: Tile) -> bool:
        return tile.state is PresenceState.RINGING and self.app.controller.desk.can_pickup_ringing()

    def action_move(self, step: int) -> None:
        field = self.query_one(LampField)
        if field.tiles:
            field.cursor = max(0, min(len(field.tiles) - 1, field.cursor + step))
            self._hint(self.app.snapshot)

    def action_act(self) -> None:
        tile = self._tile()
        state = self.app.snapshot
        if tile is None:
            return
        desk = self.app.controller.desk
        if tile.orbit:
            if tile.parked:
                desk.pickup(tile.number)
            elif self._talking(state):
                desk.park(orbit=tile.number)
            else:
                self.app.controller.error(f"P{tile.number} is free: select a call to park it there")
                return
        elif self._talking(state):
            transfer_asking(self.app, tile.number, self.dismiss)
            return
        elif self._picks_up(tile):
            desk.pickup_ringing(tile.number)
        else:
            self.app.controller.dial(tile.number)
        self.dismiss()

    def action_consult(self) -> None:
        tile = self._tile()
        if tile is not None and not tile.orbit and self.app.controller.desk.consult(tile.number):
            self.dismiss()

    def action_close(self) -> None:
        self.dismiss()
