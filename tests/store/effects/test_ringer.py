"""The ringer effect: the speaker rings while a call rings in, and is told each change once."""

from __future__ import annotations

from console.core.enums import CALL_STATES, Direction
from console.store import Store
from console.store import events as ev
from console.store.effects import Ringer


def test_the_speaker_rings_while_a_call_rings_in_and_hears_each_change_once():
    store, told = Store(), []
    store.subscribe(Ringer(lambda on: told.append(on) or True))
    store.dispatch(ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 1.0, 0.0, remote_number="201"))
    store.dispatch(ev.CallAdded("k2", Direction.IN, CALL_STATES.OFFERING, 2.0, 0.0, remote_number="202"))
    store.dispatch(ev.Dialed("9000"))  # nothing to do with ringing
    assert told == [True]
    store.dispatch(ev.CallChanged("k1", CALL_STATES.CONNECTED, 3.0))
    assert told == [True]  # k2 still rings
    store.dispatch(ev.CallChanged("k2", CALL_STATES.DISCONNECTED, 4.0))
    assert told == [True, False]


def test_an_outgoing_call_does_not_ring_here():
    store, told = Store(), []
    store.subscribe(Ringer(lambda on: told.append(on) or True))
    store.dispatch(ev.CallAdded("k1", Direction.OUT, CALL_STATES.RINGING, 1.0, 0.0, remote_number="201"))
    assert told == []


def test_a_change_nobody_could_ring_for_is_told_again_with_the_next_state():
    store, told, ready = Store(), [], []
    store.subscribe(Ringer(lambda on: bool(ready) and (told.append(on) or True)))  # no client, no media yet
    store.dispatch(ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 1.0, 0.0, remote_number="201"))
    assert told == []
    ready.append(True)
    store.dispatch(ev.Dialed("9000"))
    assert told == [True]
