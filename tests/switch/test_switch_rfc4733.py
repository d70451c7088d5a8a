"""Digits the media plane received as RFC 4733 events: where the exchange delivers them."""

from __future__ import annotations

import pytest

from .conftest import connect_call


async def test_event_digits_go_to_the_other_console_as_dtmf_events(plane, clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    for digit in "7#":
        plane.on_dtmf(a, digit)
    assert [(await bob.event("dtmf", call=b))["digits"] for _ in range(2)] == ["7", "#"]
    assert not alice.pending("dtmf")


async def test_event_digits_to_the_ivr_are_played_and_reported_on_the_callers_call(plane, clients):
    alice = await clients.login("alice")
    call = (await alice.request("dial", number="9002"))["call"]["call"]
    await alice.call(call, "CONNECTED")
    plane.on_dtmf(call, "5")
    assert (await alice.event("dtmf", call=call))["digits"] == "5"
    assert plane.digits[call] == "5"  # the IVR's media got it to play back


async def test_event_digits_outside_connected_are_dropped(plane, clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    await alice.request("hold", call=a)
    await bob.call(b, "HOLDING")
    plane.on_dtmf(a, "1")  # HELD: not delivered
    plane.on_dtmf(b, "2")  # HOLDING: not delivered
    plane.on_dtmf("c999", "3")  # no such leg
    await alice.request("retrieve", call=a)
    await bob.call(b, "CONNECTED")
    plane.on_dtmf(a, "4")
    assert (await bob.event("dtmf", call=b))["digits"] == "4"
    assert not alice.pending("dtmf")


@pytest.mark.parametrize("service", ["9000", "9001"])
async def test_other_services_report_nothing(plane, clients, service):
    alice = await clients.login("alice")
    call = (await alice.request("dial", number=service))["call"]["call"]
    await alice.call(call, "CONNECTED")
    plane.on_dtmf(call, "9")
    await alice.request("dtmf", call=call, digits="8")  # a request after it: its result comes after any event
    assert not alice.pending("dtmf")
