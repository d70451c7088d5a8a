"""A three-way conference mixed in the switch (issue 11): each party hears the other two, never itself."""

from __future__ import annotations

import asyncio

import pytest

from console.media.sinks import RecordingSink
from console.media.tones import tone_share
from console.switch.rtc_plane import RtcMediaPlane
from console.webrtc import CALL_STATES
from media_harness import RATE, media_console, media_dial, store_until

S = CALL_STATES
OP_HZ, ALICE_HZ, BOB_HZ = 400.0, 700.0, 1100.0
HEARD = 0.2  # two equal tones carry about 0.5 of the power each
ABSENT = 0.05


@pytest.fixture
async def media_switch(make_switch):
    return await make_switch(media=RtcMediaPlane(connect_timeout=5.0), ring_timeout=5.0, session_lifetime=30.0)


async def hears_only(sink: RecordingSink, present: tuple[float, ...], absent: tuple[float, ...], what: str,
                     timeout: float = 8.0) -> None:
    """Wait until the last 0.3 s at ``sink`` carry every ``present`` tone and none of the ``absent`` ones."""
    shares: dict[float, float] = {}
    try:
        async with asyncio.timeout(timeout):
            while True:
                await sink.wait_more(10, timeout)
                samples = sink.samples(0.3)
                shares = {hz: round(tone_share(samples, RATE, hz), 3) for hz in (*present, *absent)}
                if all(shares[hz] >= HEARD for hz in present) and all(shares[hz] < ABSENT for hz in absent):
                    return
    except TimeoutError:
        raise AssertionError(f"{what}: tone shares {shares}") from None


async def answer_with_sink(console):
    incoming = await console.next_incoming()
    sink = RecordingSink()
    incoming.set_audio_element(sink)
    incoming.answer()
    await console.call_state(incoming, S.CONNECTED)
    return incoming, sink


async def three_way(switch):
    op, _ = await media_console(switch, "operator", mic_hz=OP_HZ)
    alice, _ = await media_console(switch, "alice", mic_hz=ALICE_HZ)
    bob, _ = await media_console(switch, "bob", mic_hz=BOB_HZ)
    to_alice, op_a = media_dial(op, "201")
    at_alice, alice_sink = await answer_with_sink(alice)
    await op.call_state(to_alice, S.CONNECTED)
    to_bob, op_b = media_dial(op, "202")  # the operator's console holds the call to alice first
    at_bob, bob_sink = await answer_with_sink(bob)
    await op.call_state(to_bob, S.CONNECTED)
    await op.call_state(to_alice, S.HELD)
    return (op, alice, bob), (to_alice, to_bob, at_alice, at_bob), (op_b, alice_sink, bob_sink)


async def test_three_parties_each_hear_the_other_two_and_stay_connected_when_the_operator_leaves(media_switch):
    (op, alice, bob), (to_alice, to_bob, at_alice, at_bob), (op_sink, alice_sink, bob_sink) = await three_way(media_switch)
    to_bob.conference(to_alice)
    await op.until(lambda: all(c.get_conference() is not None and c.get_conference().parties == 3
                               for c in (to_alice, to_bob)), "both of the operator's calls in a conference of 3")
    assert to_alice.get_conference().id == to_bob.get_conference().id
    await alice.call_state(at_alice, S.CONNECTED)  # no longer held: she is in the conference
    await hears_only(op_sink, (ALICE_HZ, BOB_HZ), (OP_HZ,), "the operator hears alice and bob, not itself")
    await hears_only(alice_sink, (OP_HZ, BOB_HZ), (ALICE_HZ,), "alice hears the operator and bob, not herself")
    await hears_only(bob_sink, (OP_HZ, ALICE_HZ), (BOB_HZ,), "bob hears the operator and alice, not himself")

    to_bob.leave_conference()
    await op.call_state(to_alice, S.DISCONNECTED)
    await op.call_state(to_bob, S.DISCONNECTED)
    await hears_only(alice_sink, (BOB_HZ,), (OP_HZ, ALICE_HZ), "alice hears bob after the operator left")
    await hears_only(bob_sink, (ALICE_HZ,), (OP_HZ, BOB_HZ), "bob hears alice after the operator left")
    assert at_alice.get_state() is S.CONNECTED and at_bob.get_state() is S.CONNECTED
    at_bob.disconnect()  # the last two: when one hangs up, the conference of one ends the other
    await alice.call_state(at_alice, S.DISCONNECTED)
    for console in (op, alice, bob):
        await console.close()


async def test_dropping_a_party_keeps_the_others_talking(media_switch):
    (op, alice, bob), (to_alice, to_bob, at_alice, at_bob), (op_sink, alice_sink, bob_sink) = await three_way(media_switch)
    to_bob.conference(to_alice)
    await op.until(lambda: to_bob.get_conference() is not None and to_bob.get_conference().parties == 3, "the conference")
    to_alice.drop_party()
    await alice.call_state(at_alice, S.DISCONNECTED)
    await op.until(lambda: to_bob.get_conference() is not None and to_bob.get_conference().parties == 2, "two parties left")
    await hears_only(op_sink, (BOB_HZ,), (OP_HZ, ALICE_HZ), "the operator still hears bob")
    await hears_only(bob_sink, (OP_HZ,), (BOB_HZ, ALICE_HZ), "bob still hears the operator")
    for console in (op, alice, bob):
        await console.close()


async def test_a_conference_of_a_service_call_or_a_single_call_is_refused(media_switch):
    op, _ = await media_console(media_switch, "operator", mic_hz=OP_HZ)
    tone, _ = media_dial(op, "9001")
    await op.call_state(tone, S.CONNECTED)
    tone.conference()
    await op.until(lambda: any("conference" in e for e in op.errors), "the refusal of a one-call conference")
    echo, _ = media_dial(op, "9000")
    await op.call_state(echo, S.CONNECTED)
    echo.conference(tone)
    await op.until(lambda: any("services cannot join" in e for e in op.errors), "the switch's refusal")
    assert tone.get_conference() is None and echo.get_conference() is None
    await op.close()


async def test_the_party_limit_refuses_a_bigger_conference_and_logs_the_trip(make_switch, caplog):
    import dataclasses

    from console.switch.limits import Limits
    from console_harness import Console, connect_pair

    switch = await make_switch(limits=dataclasses.replace(Limits(), max_conference_parties=2))
    op = await Console(switch.url).login("operator", "operator")
    alice = await Console(switch.url).login("alice", "alice")
    bob = await Console(switch.url).login("bob", "bob")
    to_alice, _ = await connect_pair(op, alice)
    to_bob, _ = await connect_pair(op, bob)
    with caplog.at_level("WARNING", logger="console.switch.calls"):
        to_bob.conference(to_alice)
        await op.until(lambda: any("at most 2 parties" in e for e in op.errors), "the refusal")
    assert switch.exchange.trips.trips["max_conference_parties"] == 1
    assert any("limit max_conference_parties" in r.getMessage() for r in caplog.records)
    assert to_alice.get_conference() is None and to_bob.get_state() is S.CONNECTED
    for console in (op, alice, bob):
        await console.close()


async def test_a_restored_console_learns_which_of_its_calls_are_in_a_conference(make_switch):
    from console.webrtc import LOGIN_STATES
    from console_harness import Console, connect_pair

    switch = await make_switch(session_lifetime=30.0)
    op = await Console(switch.url).login("operator", "operator")
    alice = await Console(switch.url).login("alice", "alice")
    bob = await Console(switch.url).login("bob", "bob")
    to_alice, _ = await connect_pair(op, alice)
    to_bob, _ = await connect_pair(op, bob)
    to_bob.conference(to_alice)
    await op.until(lambda: to_bob.get_conference() is not None, "the conference")
    identifier = op.inst.get_login_identifier()
    await op.close()  # the process ends: no logout
    again = Console(switch.url)
    assert again.restore(identifier)
    await again.login_state(LOGIN_STATES.SUCCESS)
    await again.until(lambda: len(again.restored) == 2 and all(
        c.get_conference() is not None and c.get_conference().parties == 3 for c in again.restored),
        "both restored calls back in the conference of three")
    for console in (again, alice, bob):
        await console.close()


async def test_a_call_in_a_conference_cannot_be_transferred(make_switch):
    from console_harness import Console, connect_pair

    switch = await make_switch()
    op = await Console(switch.url).login("operator", "operator")
    alice = await Console(switch.url).login("alice", "alice")
    bob = await Console(switch.url).login("bob", "bob")
    to_alice, at_alice = await connect_pair(op, alice)
    to_bob, at_bob = await connect_pair(op, bob)
    to_bob.conference(to_alice)
    await op.until(lambda: to_bob.get_conference() is not None, "the conference")
    to_bob.transfer(to_alice)
    await op.until(lambda: any("cannot be transferred" in e for e in op.errors), "the refusal")
    assert to_bob.get_conference().parties == 3 and at_alice.get_state() is S.CONNECTED
    for console in (op, alice, bob):
        await console.close()


async def test_a_call_in_a_conference_cannot_be_blind_transferred_or_parked(make_switch):
    """The attendant's ways of handing a call on (blind transfer, park) are refused like transfer: the far end
    would stay routed to the mix."""
    from console_harness import Console, connect_pair

    switch = await make_switch()
    op = await Console(switch.url).login("operator", "operator")
    alice = await Console(switch.url).login("alice", "alice")
    bob = await Console(switch.url).login("bob", "bob")
    to_alice, at_alice = await connect_pair(op, alice)
    to_bob, at_bob = await connect_pair(op, bob)
    to_bob.conference(to_alice)
    await op.until(lambda: to_bob.get_conference() is not None, "the conference")
    to_bob.blind_transfer("202")
    await op.until(lambda: any("blind transfer: a call in a conference" in e for e in op.errors), "the refusal")
    to_alice.park()
    await op.until(lambda: any("park: a call in a conference" in e for e in op.errors), "the park refusal")
    assert to_bob.get_conference().parties == 3
    assert at_alice.get_state() is S.CONNECTED and at_bob.get_state() is S.CONNECTED
    for console in (op, alice, bob):
        await console.close()


async def never_hears(sink: RecordingSink, absent: tuple[float, ...], what: str, windows: int = 8) -> None:
    """``windows`` successive 0.3 s stretches at ``sink`` carry none of the ``absent`` tones."""
    for _ in range(windows):
        await sink.wait_more(15, 8.0)
        samples = sink.samples(0.3)
        shares = {hz: round(tone_share(samples, RATE, hz), 3) for hz in absent}
        assert all(share < ABSENT for share in shares.values()), f"{what}: tone shares {shares}"


async def test_the_operators_c_mixes_only_the_ticked_calls_an_unrelated_held_caller_hears_none_of_it(media_switch):
    """Issue 19: "`C` bridges every held caller into a conference, including an unrelated caller on hold, who then
    hears the others". The operator's console (the store, with real media) talks to A, has B and C on hold, and
    joins what the conference picker starts with (A) plus C: A and C hear each other; B, still held, hears
    neither (only the switch's music on hold)."""
    from console.media.devices import NullDevice
    from console.media.tones import ToneGenerator
    from console.store import Controller, client_factory
    from console.store.conference import conference_choices

    a_hz, b_hz, c_hz = 1000.0, 1400.0, 1800.0
    op = Controller(client_factory(device=NullDevice(mic=ToneGenerator(OP_HZ, -12).frame)), media=True)
    op.login(media_switch.url, "operator", "operator")
    await store_until(op, lambda s: s.login.logged_in, "the operator logged in")
    fars, sinks, at, slots = [], [], [], []
    for user, number, hz in (("alice", "201", a_hz), ("bob", "202", b_hz), ("carol", "203", c_hz)):
        far, _ = await media_console(media_switch, user, mic_hz=hz)
        slot = op.dial(number)
        call, sink = await answer_with_sink(far)
        await store_until(op, lambda s: s.call_in(slot).state is S.CONNECTED, f"{user} connected")
        fars.append(far), sinks.append(sink), at.append(call), slots.append(slot)
    a, b, c = slots
    op.retrieve(a)
    await store_until(op, lambda s: s.call_in(a).state is S.CONNECTED and s.call_in(b).state is S.HELD
                       and s.call_in(c).state is S.HELD, "A connected, B and C on hold")
    ticked = {choice.call.slot for choice in conference_choices(op.store.state) if choice.ticked}
    assert ticked == {a}, "held callers start unticked"
    assert op.features.conference((*ticked, c))
    await fars[0].until(lambda: at[0].get_conference() is not None and at[0].get_conference().parties == 3,
                        "alice in a conference of three (the operator, alice, carol)")
    await hears_only(sinks[0], (c_hz,), (b_hz, a_hz), "alice hears carol, not bob")
    await hears_only(sinks[2], (a_hz,), (b_hz, c_hz), "carol hears alice, not bob")
    assert at[1].get_conference() is None and at[1].get_state() is S.HOLDING, "bob is still held, in no conference"
    await never_hears(sinks[1], (a_hz, c_hz, OP_HZ), "bob, held, hears nothing of the conference")
    state = op.store.state
    assert state.call_in(b).state is S.HELD and not state.call_in(b).conference
    await op.aclose()
    for far in fars:
        await far.close()
