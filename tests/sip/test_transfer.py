"""Two consoles and baresip through Kamailio: console A calls each of them and joins them by an attended
transfer (REFER with Replaces, NOTIFY sipfrag); console B and baresip then hear each other."""

from __future__ import annotations

import asyncio

from test_calls import answer_for, registered, wait_for_calls
from test_media import CONSOLE_HZ, Media, baresip_heard
from test_register import OFFER

from console.core.enums import DISC_REASON
from console.core.sip.events import (CallAnswered, CallConfirmed, CallEnded, IncomingCall, TransferProgress,
                                     TransferRequested)
from console.media.tones import dominant_frequency

TIMEOUT = 15.0


async def test_two_consoles_call_each_other_and_attended_transfer_joins_baresip(connect_agent, baresip):
    a = await registered(connect_agent, "1000")
    b = await registered(connect_agent, "1002")
    media = Media()
    try:
        # A -> baresip
        x = await a.run(a.agent.calls.dial, "1001", OFFER)
        await a.expect(CallAnswered, TIMEOUT, lambda e: e.call == x)
        # A -> B: console to console through Kamailio (WebSocket to WebSocket)
        y = await a.run(a.agent.calls.dial, "1002", OFFER)
        incoming = await b.expect(IncomingCall, TIMEOUT)
        assert "1000" in incoming.remote
        await b.run(b.agent.calls.accept, incoming.call)
        await b.run(b.agent.calls.answer, incoming.call, answer_for(incoming.sdp))
        await a.expect(CallAnswered, TIMEOUT, lambda e: e.call == y)
        await b.expect(CallConfirmed, TIMEOUT)

        # A transfers: B is asked to call baresip, replacing A's call with it
        await a.run(a.agent.calls.transfer, y, "", replaces_call=x)
        asked = await b.expect(TransferRequested, TIMEOUT)
        assert asked.target == "sip:1001@127.0.0.1" and asked.replaces is not None
        assert asked.replaces[0] == x
        assert (await a.expect(TransferProgress, TIMEOUT)).status == 100
        z = await b.run(b.agent.calls.dial, asked.target, await media.offer(), replaces=asked.replaces)
        await media.accept_answer((await b.expect(CallAnswered, TIMEOUT, lambda e: e.call == z)).sdp)
        await b.run(b.agent.calls.notify_transfer, incoming.call, 200)
        done = await a.expect(TransferProgress, TIMEOUT, lambda e: e.final)
        assert done.status == 200

        # A leaves both calls; the transfer succeeded, so both end as SUCCESS
        for call in (x, y):
            if not a.agent.calls.calls[call].ended:
                await a.run(a.agent.calls.hangup, call, reason=DISC_REASON.SUCCESS)
        ended = await b.expect(CallEnded, TIMEOUT, lambda e: e.call == incoming.call)
        assert ended.reason is DISC_REASON.SUCCESS

        # B and baresip hear each other
        await media.sink.wait_for(50, TIMEOUT)
        assert abs(dominant_frequency(media.sink.samples(0.5)) - 1000) < 20
        hz, _ = await asyncio.to_thread(baresip_heard, baresip)
        assert abs(hz - CONSOLE_HZ) < 20
        assert (await wait_for_calls(baresip, 1)).count("sip:") == 1  # only B's call is left there
        await b.run(b.agent.calls.hangup, z)
        await wait_for_calls(baresip, 0)
    finally:
        await media.close()
