"""Calls through Kamailio + rtpengine between the stack (over WebSocket) and baresip (UDP)."""

from __future__ import annotations

import asyncio
import time

import pytest
from test_register import OFFER

from console.core.enums import CALL_STATES, DISC_REASON
from console.core.sip.call import CallPhase, seed_state
from console.core.sip.events import CallAnswered, CallConfirmed, CallEnded, CallProgress, IncomingCall, Registered
from console.core.sip.sdp import SessionDescription

TIMEOUT = 10.0


async def wait_for_calls(baresip, count: int, timeout: float = TIMEOUT) -> str:
    """Poll baresip's call list (in a thread: the event loop keeps running) until it shows ``count`` calls."""
    return await asyncio.to_thread(_wait_for_calls, baresip, count, timeout)


def _wait_for_calls(baresip, count: int, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    listing = ""
    while time.monotonic() < deadline:
        listing = baresip.command("listcalls")["data"]
        if listing.count("sip:") >= count if count else "sip:" not in listing:
            return listing
        time.sleep(0.1)
    raise AssertionError(f"baresip has not {count} calls: {listing!r}")


async def registered(connect_agent, user: str = "1000"):
    sip = await connect_agent(user)
    await sip.run(sip.agent.register)
    await sip.expect(Registered, TIMEOUT)
    return sip


async def test_invite_to_baresip_is_answered_acked_and_byed(connect_agent, baresip):
    sip = await registered(connect_agent)
    call = await sip.run(sip.agent.calls.dial, "1001", OFFER)
    answered = await sip.expect(CallAnswered, TIMEOUT)
    assert answered.call == call
    answer = SessionDescription.parse(answered.sdp)
    # rtpengine turned baresip's plain RTP answer into WebRTC for us (ICE, DTLS, rtcp-mux)
    assert answer.media[0].proto.endswith("RTP/SAVPF") and answer.media[0].attributes("ice-ufrag")
    assert answer.media[0].rtpmap().get("0") == "PCMU/8000"
    assert sip.agent.calls.get(call).phase is CallPhase.CONFIRMED
    await wait_for_calls(baresip, 1)  # the ACK reached it: the call is established there
    await sip.run(sip.agent.calls.hangup, call)
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.reason, ended.remote) == (DISC_REASON.USERTERMINATED, False)
    await wait_for_calls(baresip, 0)  # and our BYE ended it there


async def test_baresip_calls_the_registered_aor_and_hangs_up(connect_agent, baresip):
    sip = await registered(connect_agent)
    await asyncio.to_thread(baresip.command, "dial", f"sip:1000@127.0.0.1:{baresip.kamailio_port}")
    incoming = await sip.expect(IncomingCall, TIMEOUT)
    assert "1001" in incoming.remote
    offer = SessionDescription.parse(incoming.sdp)
    assert offer.media[0].proto.endswith("RTP/SAVPF") and offer.media[0].attributes("fingerprint")  # rtpengine made baresip's RTP offer WebRTC
    await sip.run(sip.agent.calls.accept, incoming.call)
    await sip.run(sip.agent.calls.answer, incoming.call, answer_for(incoming.sdp))
    await sip.expect(CallConfirmed, TIMEOUT, lambda e: e.call == incoming.call)
    await asyncio.to_thread(baresip.command, "hangup")
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.call, ended.reason, ended.remote) == (incoming.call, DISC_REASON.SUCCESS, True)


async def test_declined_call_reaches_baresip_as_busy(connect_agent, baresip):
    sip = await registered(connect_agent)
    await asyncio.to_thread(baresip.command, "dial", f"sip:1000@127.0.0.1:{baresip.kamailio_port}")
    incoming = await sip.expect(IncomingCall, TIMEOUT)
    await sip.run(sip.agent.calls.decline, incoming.call, reason=DISC_REASON.BUSY)
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.reason, ended.remote) == (DISC_REASON.BUSY, False)
    await wait_for_calls(baresip, 0)
    assert "486 Busy Here" in await asyncio.to_thread(_wait_for_log, baresip, "486 Busy Here")


async def test_calling_an_unregistered_number_is_dialstring(connect_agent, kamailio):
    sip = await registered(connect_agent)
    await sip.run(sip.agent.calls.dial, "1002", OFFER)
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.status, ended.reason) == (404, DISC_REASON.DIALSTRING)


def _wait_for_log(baresip, text: str, timeout: float = TIMEOUT) -> str:
    deadline = time.monotonic() + timeout
    while text not in baresip.proc.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    return baresip.proc.log()


def answer_for(offer: str) -> str:
    """A WebRTC-style answer with PCMU (signalling only: no media engine behind it)."""
    return OFFER.replace("a=setup:actpass", "a=setup:active")


async def test_dtmf_by_sip_info_reaches_baresip(connect_agent, baresip):
    sip = await registered(connect_agent)
    call = await sip.run(sip.agent.calls.dial, "1001", OFFER)
    await sip.expect(CallAnswered, TIMEOUT)
    for digit in "5#":
        await sip.run(sip.agent.calls.send_dtmf, call, digit, 160)
    log = await asyncio.to_thread(_wait_for_log, baresip, "received DTMF: '#'")
    assert "received DTMF: '5' (duration=160)" in log and "received DTMF: '#' (duration=160)" in log
    await sip.run(sip.agent.calls.hangup, call)


@pytest.mark.parametrize("baresip", ["manual"], indirect=True)
async def test_baresip_rings_then_rejects_as_busy(connect_agent, baresip):
    sip = await registered(connect_agent)
    call = await sip.run(sip.agent.calls.dial, "1001", OFFER)
    progress = await sip.expect(CallProgress, TIMEOUT, lambda e: e.call == call)
    assert progress.status == 180
    assert seed_state(sip.agent.calls.get(call)) is CALL_STATES.RINGING
    await asyncio.to_thread(baresip.command, "hangup")
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.call, ended.status, ended.reason, ended.remote) == (call, 486, DISC_REASON.BUSY, True)


@pytest.mark.parametrize("baresip", ["manual"], indirect=True)
async def test_cancel_while_baresip_rings(connect_agent, baresip):
    sip = await registered(connect_agent)
    call = await sip.run(sip.agent.calls.dial, "1001", OFFER)
    await sip.expect(CallProgress, TIMEOUT, lambda e: e.call == call)
    await wait_for_calls(baresip, 1)
    await sip.run(sip.agent.calls.hangup, call)
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.reason, ended.remote) == (DISC_REASON.USERTERMINATED, False)
    await wait_for_calls(baresip, 0)  # the CANCEL reached it and it stopped ringing
    assert "session closed" in await asyncio.to_thread(_wait_for_log, baresip, "session closed")
