"""The park lot the console keeps where the SIP server has no orbits (console.core.client.local_park): "a local
park: held at the console with music, shown as an orbit on the board, recall after park_recall" (issue 20
item 6). The driver and the real lab: tests/sip/test_park.py."""

from __future__ import annotations

import pytest

from console.core.client.local_park import ParkLot
from console.core.directory import Orbit


def test_park_on_the_first_free_orbit_or_a_named_one_and_unpark():
    lot = ParkLot(("701", "702", "703"), recall_after=60.0, parked_by="1000")
    assert lot.park(1, "1001", "Alice", 0.0) == Orbit("701", "1001", "Alice", "1000")
    assert lot.park(2, "1002", "", 1.0, orbit="703").orbit == "703"
    assert lot.park(3, "1003", "", 2.0).orbit == "702"
    assert [o.number for o in lot.snapshot()] == ["1001", "1003", "1002"]
    assert lot.unpark(1) == Orbit("701") and lot.unpark(1) is None
    assert lot.orbit_of(2) == "703" and lot.snapshot()[0] == Orbit("701")


@pytest.mark.parametrize("orbit, message", [("702", "taken"), ("799", "no orbit 799"), (None, "every orbit")])
def test_a_taken_unknown_or_full_orbit_is_refused_and_changes_nothing(orbit, message):
    lot = ParkLot(("701", "702"))
    lot.park(1, "1001", "", 0.0)
    lot.park(2, "1002", "", 0.0)
    with pytest.raises(ValueError, match=message):
        lot.park(3, "1003", "", 1.0, orbit=orbit)
    with pytest.raises(ValueError, match="parked already"):
        lot.park(1, "1001", "", 1.0)
    assert [o.number for o in lot.snapshot()] == ["1001", "1002"]


def test_recall_after_park_recall_seconds_and_again_until_picked_up():
    lot = ParkLot(("701", "702"), recall_after=60.0)
    lot.park(1, "1001", "", 0.0)
    lot.park(2, "1002", "", 30.0)
    assert lot.next_deadline() == 60.0 and lot.due(59.9) == []
    assert [(ref, orbit.orbit, waited) for ref, orbit, waited in lot.due(60.0)] == [(1, "701", 60.0)]
    assert lot.next_deadline() == 90.0
    assert [ref for ref, _, _ in lot.due(90.0)] == [2]
    assert [(ref, waited) for ref, _, waited in lot.due(120.0)] == [(1, 120.0)]  # again, until picked up
    lot.unpark(1)
    lot.unpark(2)
    assert lot.next_deadline() is None and lot.due(1000.0) == []
