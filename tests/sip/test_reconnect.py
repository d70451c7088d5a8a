"""The WebSocket to Kamailio is cut mid-call: media goes on, the console reconnects, registers again and
moves the dialog to the new connection with a re-INVITE; baresip's BYE then reaches it there."""

from __future__ import annotations

import asyncio

from test_calls import registered
from test_media import Media

from console.core.enums import DISC_REASON
from console.core.sip.events import AnswerReceived, CallAnswered, CallEnded, Registered
from console.core.sip.registration import RegState

TIMEOUT = 15.0


async def test_call_survives_a_cut_websocket(connect_agent, baresip):
    sip = await registered(connect_agent)
    media = Media()
    try:
        call = await sip.run(sip.agent.calls.dial, "1001", await media.offer())
        await media.accept_answer((await sip.expect(CallAnswered, TIMEOUT)).sdp)
        await media.sink.wait_for(25, TIMEOUT)

        await sip.close()  # the cut
        assert sip.agent.registration.state is RegState.FAILED
        await media.sink.wait_more(25, TIMEOUT)  # the media does not go through the WebSocket

        await sip.connect()
        await sip.run(sip.agent.register)
        await sip.expect(Registered, TIMEOUT)
        await sip.run(sip.agent.calls.reoffer, call, await media.offer())
        await media.accept_answer((await sip.expect(AnswerReceived, TIMEOUT, lambda e: e.call == call)).sdp)
        await media.sink.wait_more(25, TIMEOUT)

        await asyncio.to_thread(baresip.command, "hangup")
        ended = await sip.expect(CallEnded, TIMEOUT, lambda e: e.call == call)
        assert (ended.reason, ended.remote) == (DISC_REASON.SUCCESS, True)
    finally:
        await media.close()
