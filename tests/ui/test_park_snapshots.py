"""Snapshots of the main screen with parked calls (issue 19, "Parked calls on the board"), deterministic (frozen
clock, no blink). Update after a deliberate change with ``--snapshot-update`` and look at the pictures first.
"""

from __future__ import annotations

from console.core.directory import Orbit
from console.core.enums import CALL_STATES, DISC_REASON, Direction
from console.store import LoginPlan
from console.store import events as ev
from console.store.desk_state import OrbitsUpdated, PresenceUpdated
from console.ui import SwitchboardApp

from .scenes import SERVER, WALL, app_for, logged_in_store


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


def parked_board() -> SwitchboardApp:
    """Slot 1 parked Outside caller on 701 (its card lingers), slot 2 talks to Mr Smith; three calls wait on
    701, 702 and 705, parked 75, 20 and 5 s ago."""
    store = logged_in_store()
    d = store.dispatch
    d(PresenceUpdated((("201", "available"),)))  # type: ignore[arg-type]
    d(ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 10.0, WALL - 90, call_id="c1",
                   remote_number="5551234", remote_name="Outside caller"))
    d(ev.CallChanged("k1", CALL_STATES.CONNECTED, 12.0))
    d(ev.CallChanged("k1", CALL_STATES.DISCONNECTED, 25.0, reason=DISC_REASON.SUCCESS, parked_on="701"))
    d(ev.CallAdded("k2", Direction.IN, CALL_STATES.OFFERING, 60.0, WALL - 40, call_id="c2",
                   remote_number="5550100", remote_name="Mr Smith"))
    d(ev.CallChanged("k2", CALL_STATES.CONNECTED, 62.0))
    d(OrbitsUpdated((Orbit("701", "5551234", "Outside caller", "200", WALL - 75),
                     Orbit("702", "203", "Dave A.", "200", WALL - 20), Orbit("703"),
                     Orbit("705", "+4930555000017", "Caller 17", "200", WALL - 5))))
    d(ev.FocusSlot(2))
    return app_for(store, LoginPlan(server=SERVER, username="operator", embedded=True), "anynode-dark")


def test_parked_calls_at_80x24(snap_compare):
    """Under the status lines, one park strip line: "◉ Parked 701 Outside caller 01:15 │ 702 Dave A. 00:20 │
    705 Caller 17 00:05" (names only, so that all three fit; the log names the orbit: "[1] parked Outside caller
    on 701"). Card 1 (ended) reads
    "◉ Parked on 701" on top and "◉ parked on 701 · g picks up" at the bottom, never "completed normally";
    card 2 (selected) is Mr Smith, connected."""
    assert snap_compare(parked_board(), terminal_size=(80, 24), run_before=settle)


def test_parked_calls_at_200x60(snap_compare):
    """The roomy park strip: "◉ Parked calls: 3 · g picks up the longest waiting · b lamps …", then one line a
    call: 701 5551234 Outside caller waiting 01:15 parked by 200; 702 203 Dave A. 00:20; 705 +4930555000017
    Caller 17 00:05. Below, the two cards side by side as at 80x24."""
    assert snap_compare(parked_board(), terminal_size=(200, 60), run_before=settle)
