"""The seed API over SIP: WebRtcInstance / WebRtcCall with ``sip+ws://`` against real Kamailio, rtpengine, baresip.

What a user cares about: registered, calls that ring and connect, tones heard both ways (measured by
frequency and level), frames that stop on hold and come back, the reasons both sides get.
"""

from __future__ import annotations

import asyncio

import pytest
from console_harness import Console
from sipinfra import USERS
from test_media import baresip_heard
from test_calls import wait_for_calls

from console.media.devices import NullDevice
from console.media.sinks import RecordingSink
from console.media.tones import ToneGenerator, dominant_frequency, level_dbfs
from console.webrtc import CALL_STATES, DISC_REASON, LOGIN_STATES

S = CALL_STATES
TIMEOUT = 15.0
BARESIP_HZ = 1000


def sip_url(kamailio) -> str:
    return f"sip+ws://127.0.0.1:{kamailio.ws_port}"


@pytest.fixture
async def sip_consoles(kamailio):
    made: list[Console] = []

    async def make(user: str, mic_hz: int | None = None, **kwargs) -> Console:
        device = NullDevice(mic=ToneGenerator(mic_hz, -12).frame if mic_hz else None)
        console = Console(sip_url(kamailio), {"device": device, "request_timeout": TIMEOUT, **kwargs})
        made.append(console)
        console.inst.login(console.url, False, False, user, USERS[user])
        await console.login_state(LOGIN_STATES.SUCCESS, TIMEOUT)
        return console

    yield make
    for console in made:
        await console.close()


def with_sink(call):
    sink = RecordingSink(seconds=5)
    call.set_audio_element(sink)
    return sink


async def hears(sink: RecordingSink, hz: float, timeout: float = TIMEOUT) -> tuple[float, float]:
    """Wait for half a second of fresh audio; (frequency, level) of it once ``hz`` dominates."""
    async with asyncio.timeout(timeout):
        while True:
            await sink.wait_more(25, timeout)
            samples = sink.samples(0.5)
            found, level = dominant_frequency(samples), level_dbfs(samples)
            if abs(found - hz) < 20 and level > -35:
                return found, level


async def stops(sink: RecordingSink, windows: int = 10) -> bool:
    """True once a whole second passes with fewer than 10 frames (50 is the rate), within ``windows`` tries."""
    for _ in range(windows):
        try:
            await sink.wait_more(10, 1.0)
        except (TimeoutError, asyncio.TimeoutError):
            return True
    return False


async def test_two_consoles_register_and_call_each_other_with_audio_both_ways(sip_consoles):
    a = await sip_consoles("1000", mic_hz=600)
    b = await sip_consoles("1002", mic_hz=800)
    assert a.inst.get_login_identifier() and a.inst.get_local_dial_string() == "1000"
    # B declines the first attempt: A hears REJECTED (603)
    first = a.inst.create_outgoing_call()
    a.watch(first)
    with_sink(first)
    first.dial("1002")
    (await b.next_incoming(TIMEOUT)).decline()
    await a.call_state(first, S.DISCONNECTED, TIMEOUT)
    assert first.get_disconnect_reason() is DISC_REASON.REJECTED
    out = a.inst.create_outgoing_call()
    a.watch(out)
    heard_a = with_sink(out)
    out.dial("1002")
    inc = await b.next_incoming(TIMEOUT)
    assert inc.get_state() is S.OFFERING and inc.get_remote_number() == "1000"
    heard_b = with_sink(inc)
    inc.accept()
    await a.call_state(out, S.RINGING, TIMEOUT)
    inc.answer()
    await a.call_state(out, S.CONNECTED, TIMEOUT)
    await b.call_state(inc, S.CONNECTED, TIMEOUT)
    await hears(heard_a, 800)
    await hears(heard_b, 600)
    inc.disconnect()
    await a.call_state(out, S.DISCONNECTED, TIMEOUT)
    assert out.get_disconnect_reason() is DISC_REASON.SUCCESS
    assert inc.get_disconnect_reason() is DISC_REASON.USERTERMINATED
    a.inst.logout()
    await a.login_state(LOGIN_STATES.LOGGED_OUT_EXPLICIT, TIMEOUT)


async def test_console_calls_baresip_audio_both_ways_hold_from_each_side_and_hangs_up(sip_consoles, baresip):
    a = await sip_consoles("1000", mic_hz=600)
    out = a.inst.create_outgoing_call()
    a.watch(out)
    sink = with_sink(out)
    out.dial("1001")
    await a.call_state(out, S.CONNECTED, TIMEOUT)
    await hears(sink, BARESIP_HZ)
    hz, level = await asyncio.to_thread(baresip_heard, baresip)
    assert abs(hz - 600) < 20 and level > -30, (hz, level)

    # our hold: baresip's audio stops reaching us, and comes back on retrieve
    out.hold()
    await a.call_state(out, S.HELD, TIMEOUT)
    assert await stops(sink), "frames still arrive while held"
    out.retrieve()
    await a.call_state(out, S.CONNECTED, TIMEOUT)
    await hears(sink, BARESIP_HZ)

    # baresip's hold: the console sees HOLDING, then CONNECTED again
    await asyncio.to_thread(baresip.command, "hold")
    await a.call_state(out, S.HOLDING, TIMEOUT)
    await asyncio.to_thread(baresip.command, "resume")
    await a.call_state(out, S.CONNECTED, TIMEOUT)
    await hears(sink, BARESIP_HZ)

    out.disconnect()
    await a.call_state(out, S.DISCONNECTED, TIMEOUT)
    assert out.get_disconnect_reason() is DISC_REASON.USERTERMINATED
    await wait_for_calls(baresip, 0)


async def test_baresip_calls_console_and_hangs_up(sip_consoles, baresip):
    a = await sip_consoles("1000", mic_hz=600)
    await asyncio.to_thread(baresip.command, "dial", f"sip:1000@127.0.0.1:{baresip.kamailio_port}")
    inc = await a.next_incoming(TIMEOUT)
    assert inc.get_remote_number() == "1001"
    sink = with_sink(inc)
    inc.answer()
    await a.call_state(inc, S.CONNECTED, TIMEOUT)
    await hears(sink, BARESIP_HZ)
    hz, _ = await asyncio.to_thread(baresip_heard, baresip)
    assert abs(hz - 600) < 20
    await asyncio.to_thread(baresip.command, "hangup")
    await a.call_state(inc, S.DISCONNECTED, TIMEOUT)
    assert inc.get_disconnect_reason() is DISC_REASON.SUCCESS


@pytest.mark.parametrize("baresip", ["manual"], indirect=True)
async def test_baresip_busy_and_console_decline(sip_consoles, baresip):
    """baresip 1.0's ``hangup`` of a ringing call answers 486: BUSY; our decline hangs up baresip's attempt."""
    a = await sip_consoles("1000")
    out = a.inst.create_outgoing_call()
    a.watch(out)
    with_sink(out)
    out.dial("1001")
    await a.call_state(out, S.RINGING, TIMEOUT)
    await asyncio.to_thread(baresip.command, "hangup")
    await a.call_state(out, S.DISCONNECTED, TIMEOUT)
    assert out.get_disconnect_reason() is DISC_REASON.BUSY
    # baresip calls us; we decline
    await asyncio.to_thread(baresip.command, "dial", f"sip:1000@127.0.0.1:{baresip.kamailio_port}")
    inc = await a.next_incoming(TIMEOUT)
    inc.decline()
    await a.call_state(inc, S.DISCONNECTED, TIMEOUT)
    await wait_for_calls(baresip, 0)


async def test_dtmf_both_ways_with_baresip(sip_consoles, baresip):
    """RFC 4733 in the media both ways (baresip's SDP offers telephone-event, so no INFO is needed)."""
    a = await sip_consoles("1000", mic_hz=600)
    out = a.inst.create_outgoing_call()
    a.watch(out)
    sink = with_sink(out)
    out.dial("1001")
    await a.call_state(out, S.CONNECTED, TIMEOUT)
    await hears(sink, BARESIP_HZ)
    for digit in "5#":
        out.send_digit(digit)
    await a.measured(lambda: baresip.proc.log().count("(end=1)") >= 2, "baresip to receive 2 digits", TIMEOUT)
    log = baresip.proc.log()
    assert "received event: '5' (end=1)" in log and "received event: '#' (end=1)" in log, log[-2000:]
    for digit in "73":
        await asyncio.to_thread(baresip.command, "sndcode", digit)
    await a.until(lambda: len(a.digits.get(out, [])) >= 2, "two digits from baresip", TIMEOUT)
    assert a.digits[out] == ["7", "3"]
    assert not a.errors, a.errors
    out.disconnect()
    await wait_for_calls(baresip, 0)


class Comms:
    """A comm factory that keeps the WebSocket comms it made, so a test can cut the current one."""

    def __init__(self) -> None:
        self.made: list = []

    def __call__(self):
        from console.net.websocket import WebSocketComm

        comm = WebSocketComm()
        self.made.append(comm)
        return comm


async def test_websocket_cut_mid_call_reconnects_reregisters_and_the_call_survives(sip_consoles, baresip):
    comms = Comms()
    a = await sip_consoles("1000", mic_hz=600, auto_reconnect=True, comm_factory=comms)
    out = a.inst.create_outgoing_call()
    a.watch(out)
    sink = with_sink(out)
    out.dial("1001")
    await a.call_state(out, S.CONNECTED, TIMEOUT)
    await hears(sink, BARESIP_HZ)
    before = a.inst.get_login_identifier()

    await comms.made[-1].close()  # the network drops the WebSocket
    await a.login_state(LOGIN_STATES.CONNECTION_LOST, TIMEOUT)
    await a.login_state(LOGIN_STATES.SUCCESS, TIMEOUT)
    assert len(comms.made) == 2 and a.inst.get_login_identifier().startswith("sip1.")
    assert before.startswith("sip1.")
    assert out.get_state() is S.CONNECTED
    await hears(sink, BARESIP_HZ)
    # baresip's BYE reaches the console on the new connection
    await asyncio.to_thread(baresip.command, "hangup")
    await a.call_state(out, S.DISCONNECTED, TIMEOUT)
    assert out.get_disconnect_reason() is DISC_REASON.SUCCESS
