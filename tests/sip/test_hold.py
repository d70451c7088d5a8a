"""Hold and retrieve by re-INVITE between the console (aiortc over the stack) and baresip, from each side."""

from __future__ import annotations

import asyncio

import pytest
from test_calls import registered
from test_media import Media

from console.core.enums import CALL_STATES
from console.core.sip.call import seed_state
from console.core.sip.events import AnswerReceived, CallAnswered, CallConfirmed, IncomingCall, OfferReceived
from console.core.sip.sdp import SessionDescription
from console.media.tones import dominant_frequency

TIMEOUT = 15.0


def transceiver(media: Media):
    (t,) = media.pc.getTransceivers()
    return t


async def reoffer(sip, media: Media, command, call: str, direction: str) -> str:
    """Set our transceiver's direction, make aiortc's offer, send it as a re-INVITE, apply the answer."""
    transceiver(media).direction = direction
    offer = await media.offer()
    await sip.run(command, call, offer)
    answer = await sip.expect(AnswerReceived, TIMEOUT, lambda e: e.call == call)
    await media.accept_answer(answer.sdp)
    return answer.sdp


async def test_console_holds_and_retrieves_baresip(connect_agent, baresip):
    sip = await registered(connect_agent)
    media = Media()
    try:
        call = await sip.run(sip.agent.calls.dial, "1001", await media.offer())
        await media.accept_answer((await sip.expect(CallAnswered, TIMEOUT)).sdp)
        await media.sink.wait_for(25, TIMEOUT)

        answer = await reoffer(sip, media, sip.agent.calls.hold, call, "sendonly")
        assert SessionDescription.parse(answer).direction == "recvonly"
        assert seed_state(sip.agent.calls.get(call)) is CALL_STATES.HELD
        # baresip stops sending: not even 20 of the 50 frames a second arrive any more
        with pytest.raises(TimeoutError):
            await media.sink.wait_more(20, 1.5)

        answer = await reoffer(sip, media, sip.agent.calls.retrieve, call, "sendrecv")
        assert SessionDescription.parse(answer).direction == "sendrecv"
        assert seed_state(sip.agent.calls.get(call)) is CALL_STATES.CONNECTED
        await media.sink.wait_more(50, TIMEOUT)  # the audio is back
        assert abs(dominant_frequency(media.sink.samples(0.5)) - 1000) < 20
        await sip.run(sip.agent.calls.hangup, call)
    finally:
        await media.close()


async def test_baresip_holds_the_console(connect_agent, baresip):
    sip = await registered(connect_agent)
    media = Media()
    try:
        await asyncio.to_thread(baresip.command, "dial", f"sip:1000@127.0.0.1:{baresip.kamailio_port}")
        incoming = await sip.expect(IncomingCall, TIMEOUT)
        await sip.run(sip.agent.calls.answer, incoming.call, await media.answer(incoming.sdp))
        await sip.expect(CallConfirmed, TIMEOUT)
        await media.sink.wait_for(25, TIMEOUT)

        await asyncio.to_thread(baresip.command, "hold")
        offer = await sip.expect(OfferReceived, TIMEOUT)
        assert offer.remote_hold and seed_state(sip.agent.calls.get(incoming.call)) is CALL_STATES.HOLDING
        await sip.run(sip.agent.calls.answer_offer, incoming.call, await media.answer(offer.sdp))

        await asyncio.to_thread(baresip.command, "resume")
        offer = await sip.expect(OfferReceived, TIMEOUT)
        assert not offer.remote_hold and seed_state(sip.agent.calls.get(incoming.call)) is CALL_STATES.CONNECTED
        await sip.run(sip.agent.calls.answer_offer, incoming.call, await media.answer(offer.sdp))
        await media.sink.wait_more(50, TIMEOUT)
        assert abs(dominant_frequency(media.sink.samples(0.5)) - 1000) < 20
        await sip.run(sip.agent.calls.hangup, incoming.call)
    finally:
        await media.close()
