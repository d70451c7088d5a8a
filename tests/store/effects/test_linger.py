"""The linger effect: an ended call's card stays a while, then its slot is freed (once)."""

from __future__ import annotations

import asyncio

from console.core.enums import CALL_STATES, Direction
from console.store import Store
from console.store import events as ev
from console.store.effects import Linger

TIMEOUT = 10.0


def board(owned: set[str], seconds: float, freed: list[str]) -> tuple[Store, Linger]:
    store = Store()
    linger = Linger(seconds, owns=owned.__contains__, free=lambda key: (freed.append(key),
                                                                         store.dispatch(ev.CallFreed(key))))
    store.subscribe(linger)
    for key in ("k1", "k2"):
        store.dispatch(ev.CallAdded(key, Direction.IN, CALL_STATES.CONNECTED, 1.0, 0.0, remote_number="201"))
    return store, linger


async def test_an_ended_call_is_freed_after_the_linger_and_only_once():
    freed: list[str] = []
    store, linger = board({"k1", "k2"}, 0.05, freed)
    done = asyncio.get_running_loop().create_future()
    store.subscribe(lambda s: s.call_by_key("k1") is None and not done.done() and done.set_result(None))
    store.dispatch(ev.CallChanged("k1", CALL_STATES.DISCONNECTED, 2.0))
    assert store.state.call_by_key("k1") is not None and linger.pending == 1  # the card shows how it ended
    store.dispatch(ev.Dialed("9000"))  # more states while it lingers: no second timer
    assert linger.pending == 1
    await asyncio.wait_for(done, TIMEOUT)
    assert freed == ["k1"] and store.state.call_by_key("k2") is not None and linger.pending == 0


def test_without_a_running_loop_the_slot_is_freed_at_once():
    freed: list[str] = []
    store, _ = board({"k1", "k2"}, 60.0, freed)
    store.dispatch(ev.CallChanged("k1", CALL_STATES.DISCONNECTED, 2.0))
    assert freed == ["k1"] and store.state.call_by_key("k1") is None


async def test_a_card_with_no_client_call_behind_it_stays_and_close_stops_the_timers():
    freed: list[str] = []
    store, linger = board({"k2"}, 60.0, freed)
    store.dispatch(ev.CallChanged("k1", CALL_STATES.DISCONNECTED, 2.0))  # a display-only card
    store.dispatch(ev.CallChanged("k2", CALL_STATES.DISCONNECTED, 2.0))
    assert linger.pending == 1
    linger.close()
    assert linger.pending == 0 and freed == []


async def test_a_caller_ringing_in_on_a_full_board_takes_the_slot_of_the_card_that_ended_first():
    """Ended cards only linger to show how they ended: a caller who rings in while every slot is taken gets the
    slot of the card that ended first (not the selected one while another will do), never a refusal."""
    freed: list[str] = []
    store = Store(max_slots=3)
    linger = Linger(60.0, owns=lambda key: True, free=lambda key: (freed.append(key),
                                                                    store.dispatch(ev.CallFreed(key))))
    store.subscribe(linger)
    for key in ("k1", "k2", "k3"):
        store.dispatch(ev.CallAdded(key, Direction.IN, CALL_STATES.CONNECTED, 1.0, 0.0, remote_number="201"))
    store.dispatch(ev.FocusSlot(1))  # k1 is selected
    store.dispatch(ev.CallChanged("k1", CALL_STATES.DISCONNECTED, 2.0))
    store.dispatch(ev.CallChanged("k2", CALL_STATES.DISCONNECTED, 3.0))
    assert store.state.free_slot() is None and linger.pending == 2
    assert linger.make_room(store.state)
    assert freed == ["k2"] and store.state.free_slot() == 2 and linger.pending == 1
    assert linger.make_room(store.state) and freed == ["k2", "k1"]
    assert not linger.make_room(store.state)  # k3 is live: nothing more to free
