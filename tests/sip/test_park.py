"""Park over SIP where the server has no orbits (a bare Kamailio), issue 20 item 6: "a local park (held at the
console with music, shown on the board, recall)".

Console A (1000, microphone 600 Hz) talks to console B (1002, 800 Hz) and parks it: the call is held at A,
B hears music on hold (the arpeggio's notes, not A's microphone), orbit 701 shows B; after ``park_recall``
seconds the operator is told, and again after as long; taking the call off hold picks it up (the orbit
empties, B hears A again, no more recalls). (B is a console, not baresip: baresip's recording stops at its
first re-INVITE, so it cannot tell what a held party hears.)
"""

from __future__ import annotations

from test_seed_api import hears, sip_consoles, with_sink  # noqa: F401 - the fixture

from console.core.directory import Orbit
from console.media.hold_music import MUSIC_HZ
from console.media.tones import tone_share
from console.webrtc import CALL_STATES, DISC_REASON

S = CALL_STATES
TIMEOUT = 20.0
RECALL = 2.0
RATE = 48000


async def test_local_park_holds_with_music_shows_the_orbit_recalls_and_is_picked_up(sip_consoles):  # noqa: F811
    a = await sip_consoles("1000", mic_hz=600, park_recall=RECALL)
    b = await sip_consoles("1002", mic_hz=800)
    assert a.inst.attendant.orbits["701"] == Orbit("701")  # the orbits kept here are shown at login
    x = a.watch(a.inst.create_outgoing_call())
    with_sink(x)
    x.dial("1002")
    inc = await b.next_incoming(TIMEOUT)
    heard_b = with_sink(inc)
    inc.answer()
    await a.call_state(x, S.CONNECTED, TIMEOUT)
    await hears(heard_b, 600)

    x.park()
    await a.call_state(x, S.HELD, TIMEOUT)
    await a.until(lambda: a.inst.attendant.orbits["701"].number == "1002", "orbit 701 to show B", TIMEOUT)

    def music(samples) -> bool:
        return sum(tone_share(samples, RATE, hz) for hz in MUSIC_HZ) > 0.6 and tone_share(samples, RATE, 600) < 0.1

    await b.measured(lambda: music(heard_b.samples(0.5)), "B to hear music on hold", TIMEOUT)

    await a.until(lambda: sum("park recall: 1002" in e and "orbit 701" in e for e in a.errors) >= 2,
                  "two recalls", TIMEOUT)
    assert x.get_state() is S.HELD  # a recall tells the operator; the call stays parked until picked up

    x.retrieve()  # pickup
    await a.call_state(x, S.CONNECTED, TIMEOUT)
    await a.until(lambda: a.inst.attendant.orbits["701"] == Orbit("701"), "orbit 701 to empty", TIMEOUT)
    await hears(heard_b, 600)
    errors = len(a.errors)
    await heard_b.wait_more(int(RECALL * 50) + 25, TIMEOUT)  # no recall once picked up
    assert len(a.errors) == errors, a.errors[errors:]


async def test_park_by_refer_to_the_servers_park_extension(sip_consoles, baresip):  # noqa: F811
    """park="refer:<extension>": the far end is REFERred to the server's park extension, which keeps the call;
    our call ends SUCCESS. The lab has no PBX, so baresip (1001) stands in for the park extension."""
    from test_seed_api import BARESIP_HZ

    a = await sip_consoles("1000", mic_hz=600, park="refer:1001")
    b = await sip_consoles("1002", mic_hz=800)
    x = a.watch(a.inst.create_outgoing_call())
    with_sink(x)
    x.dial("1002")
    inc = await b.next_incoming(TIMEOUT)
    heard_b = with_sink(inc)
    inc.answer()
    await a.call_state(x, S.CONNECTED, TIMEOUT)
    x.park()
    await a.call_state(x, S.DISCONNECTED, TIMEOUT)
    assert x.get_disconnect_reason() is DISC_REASON.SUCCESS and not a.errors, a.errors
    await b.until(lambda: inc.get_remote_number() == "1001", "B's call to reach the park extension", TIMEOUT)
    await hears(heard_b, BARESIP_HZ)
    assert a.inst.attendant.orbits == {}  # the server keeps the orbits; none are shown from here
