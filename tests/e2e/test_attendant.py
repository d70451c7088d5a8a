"""The attendant extension end to end: real consoles (WebRtcInstance), the real switch, real media where heard.

Presence reaches a second console; a blind-transferred caller talks to the target (tones both ways); a parked
caller hears music on hold and is heard by whoever picks up; a recall rings at the operator; DND and forwarding.
"""

from __future__ import annotations

import asyncio

import pytest

from console.core.directory import EntryKind, PresenceState
from console.media.devices import NullDevice
from console.media.sinks import RecordingSink
from console.media.tones import ToneGenerator, tone_present
from console.switch.limits import Limits
from console.switch.rtc_plane import RtcMediaPlane
from console.webrtc import CALL_STATES, DISC_REASON
from console_harness import Console, connect_pair

RATE = 48000

S = CALL_STATES
P = PresenceState
MUSIC_HZ = (523.25, 659.25, 783.99)  # the switch's music on hold, 250 ms each


async def media_console(switch, user, mic_hz):
    device = NullDevice(mic=ToneGenerator(mic_hz, -12).frame)
    console = Console(switch.url, {"device": device})
    await console.login(user, user)
    return console, device


def media_dial(console, number):
    call = console.watch(console.inst.create_outgoing_call())
    sink = RecordingSink()
    call.set_audio_element(sink)
    call.dial(number)
    return call, sink


async def hears(sink: RecordingSink, hz: float, what: str, frames: int = 25, timeout: float = 5.0) -> None:
    """Wait until the last 0.3 s the sink received are dominated by ``hz`` (measured by FFT)."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await sink.wait_more(frames, timeout)
                if tone_present(sink.samples(0.3), RATE, hz):
                    return
    except TimeoutError:
        raise AssertionError(f"never heard {what}") from None


class Board:
    """A console's presence and orbit pushes, awaitable."""

    def __init__(self, console: Console):
        self.console = console
        self.presence: dict[str, PresenceState] = {}
        self.orbits: dict = {}
        self.settings: list[str] = []
        console.inst.set_presence_handler(self._presence)
        console.inst.set_orbit_handler(self._orbits)
        console.inst.set_setting_handler(lambda what: (self.settings.append(what), console._poke()))

    def _presence(self, states):
        self.presence.update(states)
        self.console._poke()

    def _orbits(self, orbits):
        self.orbits.update({o.orbit: o for o in orbits})
        self.console._poke()

    async def state(self, number: str, state: PresenceState) -> None:
        await self.console.until(lambda: self.presence.get(number) is state, f"{number} {state}")


async def subscribed(console: Console) -> Board:
    board = Board(console)
    console.inst.subscribe_presence()
    await console.until(lambda: "200" in board.presence, "the presence snapshot")
    return board


@pytest.fixture
async def media_switch(make_switch):
    return await make_switch(media=RtcMediaPlane(connect_timeout=5.0), ring_timeout=5.0, session_lifetime=30.0)


async def test_directory_and_presence_changes_reach_a_second_console(consoles):
    op = await consoles("operator")
    got = []
    op.inst.set_directory_handler(lambda entries: (got.append(entries), op._poke()))
    op.inst.request_directory()
    await op.until(lambda: got, "the directory")
    alice_entry = next(e for e in op.inst.get_directory() if e.number == "201")
    assert (alice_entry.name, alice_entry.department, alice_entry.kind) == ("Alice", "Sales", EntryKind.USER)
    board = await subscribed(op)
    assert board.presence["201"] is P.OFFLINE
    alice, bob = await consoles("alice"), await consoles("bob")
    await board.state("201", P.AVAILABLE)
    out = alice.dial("202")
    await board.state("202", P.RINGING)
    incoming = await bob.next_incoming()
    incoming.answer()
    await board.state("202", P.BUSY)
    await board.state("201", P.BUSY)
    out.hold()
    await board.state("201", P.ON_HOLD)
    out.disconnect()
    await board.state("201", P.AVAILABLE)
    bob.inst.set_dnd(True)
    await board.state("202", P.DND)
    assert op.inst.get_presence("202") is P.DND
    await bob.close()
    await board.state("202", P.OFFLINE)


async def test_a_blind_transferred_caller_talks_to_the_target(media_switch):
    alice, _ = await media_console(media_switch, "alice", mic_hz=600)
    op, _ = await media_console(media_switch, "operator", mic_hz=900)
    bob, _ = await media_console(media_switch, "bob", mic_hz=750)
    call, a_sink = media_dial(alice, "200")
    at_op = await op.next_incoming()
    at_op.set_audio_element(RecordingSink())
    at_op.answer()
    await hears(a_sink, 900, "the operator at alice")
    at_op.blind_transfer("202")
    await op.call_state(at_op, S.DISCONNECTED)
    assert at_op.get_disconnect_reason() is DISC_REASON.SUCCESS
    await alice.call_state(call, S.HOLDING)  # waits with music while it rings at bob
    await hears(a_sink, MUSIC_HZ[0], "music while the transfer rings", timeout=8)
    at_bob = await bob.next_incoming()
    assert at_bob.get_remote_number() == "201"
    b_sink = RecordingSink()
    at_bob.set_audio_element(b_sink)
    at_bob.answer()
    await alice.call_state(call, S.CONNECTED)
    assert call.get_remote_name() == "Bob"
    await hears(a_sink, 750, "bob at alice")
    await hears(b_sink, 600, "alice at bob")
    for c in (alice, op, bob):
        await c.close()


async def test_a_parked_caller_hears_music_and_is_heard_by_whoever_picks_up(media_switch):
    alice, _ = await media_console(media_switch, "alice", mic_hz=600)
    op, _ = await media_console(media_switch, "operator", mic_hz=900)
    bob, _ = await media_console(media_switch, "bob", mic_hz=750)
    board = await subscribed(bob)
    call, a_sink = media_dial(alice, "200")
    at_op = await op.next_incoming()
    at_op.set_audio_element(RecordingSink())
    at_op.answer()
    await hears(a_sink, 900, "the operator at alice")
    at_op.park()
    await op.call_state(at_op, S.DISCONNECTED)
    await alice.call_state(call, S.HOLDING)
    assert call.get_remote_number() == "701"
    for hz in MUSIC_HZ:  # each of the music's three tones, in turn
        await hears(a_sink, hz, f"music on hold ({hz} Hz) while parked", timeout=8)
    await bob.until(lambda: "701" in board.orbits and board.orbits["701"].number == "201", "orbit 701 at bob")
    assert board.orbits["701"].parked_by == "200"
    b_sink = RecordingSink()
    picked = bob.watch(bob.inst.pickup("701", b_sink))
    await bob.call_state(picked, S.CONNECTED)
    await alice.call_state(call, S.CONNECTED)
    await hears(b_sink, 600, "the parked caller at whoever picked up")
    await hears(a_sink, 750, "bob at the parked caller")
    await bob.until(lambda: board.orbits["701"].number is None, "orbit 701 empty again")
    for c in (alice, op, bob):
        await c.close()


async def test_a_parked_call_recalls_the_operator(make_switch, consoles):
    switch = await make_switch(limits=Limits(park_recall=0.3), ring_timeout=5.0, session_lifetime=5.0)
    op = await consoles("operator", url=switch.url)
    alice = await consoles("alice", url=switch.url)
    out, at_op = await connect_pair(alice, op)
    at_op.park("705")
    await alice.call_state(out, S.HOLDING)
    recall = await op.next_incoming()
    assert recall.get_remote_number() == "201" and recall.get_recall_from() == "705"
    assert recall.get_remote_name() == "Alice"  # the caller's name; get_recall_from() marks the recall
    recall.answer()
    await alice.call_state(out, S.CONNECTED)
    assert out.get_remote_number() == "200"


async def test_transfer_into_a_ringing_extension(consoles):
    alice, op, bob = await consoles("alice"), await consoles("operator"), await consoles("bob")
    out, at_op = await connect_pair(alice, op)
    consult = op.dial("202")  # auto_hold holds alice first
    at_bob = await bob.next_incoming()
    await op.until(lambda: consult.id is not None, "the switch to name the consultation call")
    assert consult.get_state() is S.DIALING  # bob's console rings, nobody answered
    at_op.transfer(consult)
    await op.call_state(at_op, S.DISCONNECTED)
    await op.call_state(consult, S.DISCONNECTED)
    await bob.until(lambda: at_bob.get_remote_number() == "201", "bob to see alice calling")
    at_bob.answer()
    await alice.call_state(out, S.CONNECTED)
    assert out.get_remote_number() == "202" and not op.errors


async def test_dnd_and_forwarding_set_from_the_console(consoles):
    alice, bob, carol = await consoles("alice"), await consoles("bob"), await consoles("carol")
    board = Board(bob)
    bob.inst.set_dnd(True)
    await bob.until(lambda: "dnd" in board.settings, "dnd confirmed")
    busy = alice.dial("202")
    await alice.call_state(busy, S.DISCONNECTED)
    assert busy.get_disconnect_reason() is DISC_REASON.BUSY
    bob.inst.set_dnd(False)
    bob.inst.set_forwarding(always="203")
    await bob.until(lambda: "forwarding" in board.settings, "forwarding confirmed")
    forwarded = alice.dial("202")
    at_carol = await carol.next_incoming()
    assert at_carol.get_remote_number() == "201"
    at_carol.answer()
    await alice.call_state(forwarded, S.CONNECTED)
    assert forwarded.get_remote_number() == "203"
    bob.inst.set_forwarding(always="nonsense!")
    await bob.until(lambda: any("forwarding" in e for e in bob.errors), "the refusal reported")


async def test_attendant_requests_before_login_are_reported(consoles):
    console = await consoles()
    console.inst.subscribe_presence()
    console.inst.set_dnd(True)
    await console.until(lambda: len(console.errors) == 2, "two refusals")
    assert all("not logged in" in e for e in console.errors)


async def test_a_park_recall_keeps_the_callers_original_waiting_time(make_switch, consoles):
    """Issue 19, "Parked calls on the board": "the parked card says 'parked on 701'; a recall keeps its original
    waiting time". The operator's ended call names the orbit (``parked_on``); the recall names where it comes back
    from (``recall_from``) and carries the time the caller first rang in (``waiting_since``, Unix seconds)."""
    import time

    switch = await make_switch(limits=Limits(park_recall=0.5), ring_timeout=5.0, session_lifetime=5.0)
    op = await consoles("operator", url=switch.url)
    alice = await consoles("alice", url=switch.url)
    before = time.time()
    out, at_op = await connect_pair(alice, op)
    at_op.park("705")
    await op.call_state(at_op, S.DISCONNECTED)
    assert at_op.get_parked_on() == "705" and at_op.get_disconnect_reason() is DISC_REASON.SUCCESS
    recall = await op.next_incoming()
    assert recall.get_recall_from() == "705"
    since = recall.get_waiting_since()
    assert since is not None and before - 1.0 <= since <= time.time() - 0.5  # alice's ring, not the recall's
