"""Enter on a lamp or a search hit transfers the selected call there; to an extension on do not disturb or
busy it says so and asks first (only ``y`` goes on: the caller would come back to the operator anyway)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from console.core.directory import PresenceState

from .confirm import ConfirmExplicit

if TYPE_CHECKING:
    from ..app import SwitchboardApp

UNREACHABLE = {PresenceState.DND: "is on do not disturb", PresenceState.BUSY: "is busy"}


def transfer_asking(app: SwitchboardApp, number: str, done: Callable[[], None]) -> None:
    """Blind-transfer the selected call to ``number``, asking first if the target's lamp is DND or busy;
    ``done`` runs once it is decided (the screen that asked closes)."""
    state = app.snapshot
    call = state.focused_call
    desk = app.controller.desk
    warning = UNREACHABLE.get(state.desk.presence_of(number))  # type: ignore[arg-type]
    if call is None or warning is None:
        desk.blind_transfer(number)
        done()
        return
    slot, who = call.slot, f"{call.remote_number} {call.remote_name}".strip()

    def answered(yes: bool | None) -> None:
        if yes:
            desk.blind_transfer(number, slot)
        else:
            app.controller.note(f"transfer of [{slot}] {who} to {number} not made: {number} {warning}")
        done()

    back = desk.transfer_recall
    app.push_screen(ConfirmExplicit(
        f"{number} {warning}. Transfer [{slot}] {who} there anyway?",
        "If it is not taken there, the caller comes back to you" + (f" (after {back:g} s at most)." if back else ".")),
        answered)
