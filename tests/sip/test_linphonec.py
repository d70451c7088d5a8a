"""A second independent SIP stack: linphonec (liblinphone, Debian linphone-cli) as extension 1001 on Kamailio
with the presence modules, beside the console. Issue 20: "tests/sip, against real Kamailio (with the presence
modules), rtpengine, baresip and a second independent SIP stack (Debian `linphone-cli` ...) started by
fixtures".

linphonec sends no audio without a file to play, so these tests read its call states from its output
("Receiving new incoming call", "connected.", "ended"), not its audio.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from test_desk import P, TIMEOUT, caller, desk, lamp  # noqa: F401  (fixtures)
from test_register import OFFER

from console.core.sip.events import CallAnswered, CallEnded, CallProgress
from console.webrtc import CALL_STATES as S

CONNECTED, ENDED, RINGING = " connected.", " ended (", "Receiving new incoming call from"


async def linphone_says(phone, text: str, count: int = 1) -> str:
    return await asyncio.to_thread(phone.wait_log, text, count, TIMEOUT)


async def test_console_calls_linphonec_and_linphonec_calls_the_console(desk, linphone):  # noqa: F811
    console = await desk("1003")
    out = console.watch(console.inst.create_outgoing_call())
    out.dial("1001")
    await console.call_state(out, S.CONNECTED, TIMEOUT)  # linphonec auto-answered (-a)
    log = await linphone_says(linphone, CONNECTED)
    assert "sip:1003@127.0.0.1" in log
    out.disconnect()
    await console.call_state(out, S.DISCONNECTED, TIMEOUT)
    await linphone_says(linphone, ENDED)  # our BYE reached it

    # the other way: linphonec dials the console, the console answers, linphonec hangs up
    await asyncio.to_thread(linphone.command, "call sip:1003@127.0.0.1")
    incoming = await console.next_incoming(TIMEOUT)
    await console.call_state(incoming, S.OFFERING, TIMEOUT)
    assert "1001" in (incoming.get_remote_number() or "")
    incoming.answer()
    await console.call_state(incoming, S.CONNECTED, TIMEOUT)
    await linphone_says(linphone, CONNECTED, 2)
    await asyncio.to_thread(linphone.command, "terminate")
    await console.call_state(incoming, S.DISCONNECTED, TIMEOUT)
    await linphone_says(linphone, ENDED, 2)


@pytest.mark.parametrize("linphone", ["manual"], indirect=True)
async def test_a_lamp_follows_linphonec_idle_ringing_busy_idle_within_a_second(desk, caller, linphone):  # noqa: F811
    """Issue 20: "lamps follow idle → ringing → busy → idle within 1 s", the extension being linphonec."""
    console = await desk()
    console.inst.request_directory()
    console.inst.subscribe_presence(True)
    await lamp(console, "1001", P.AVAILABLE, 0.0)
    sip = await caller()
    call = await sip.run(sip.agent.calls.dial, "1001", OFFER)
    await sip.expect(CallProgress, TIMEOUT, lambda e: e.status == 180)
    rang = time.monotonic()
    assert await lamp(console, "1001", P.RINGING, 0.0) - rang < 1.0
    await linphone_says(linphone, RINGING)
    await asyncio.to_thread(linphone.command, "answer")
    await sip.expect(CallAnswered, TIMEOUT)
    answered = time.monotonic()
    assert await lamp(console, "1001", P.BUSY, rang) - answered < 1.0
    await sip.run(sip.agent.calls.hangup, call)
    await sip.expect(CallEnded, TIMEOUT)
    hung_up = time.monotonic()
    assert await lamp(console, "1001", P.AVAILABLE, answered) - hung_up < 1.0
    await linphone_says(linphone, ENDED)
