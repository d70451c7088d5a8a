"""The console restarts mid-call: a new connection re-registers with the same instance and re-INVITEs
the saved dialog with a fresh offer (ICE restart, new DTLS); baresip's audio comes back."""

from __future__ import annotations

import json

from sip_ws import SipWebSocket
from sipinfra import agent_config
from test_calls import wait_for_calls
from test_media import Media

from console.core.sip.agent import UserAgent
from console.core.sip.events import AnswerReceived, CallAnswered, Registered
from console.media.tones import dominant_frequency

TIMEOUT = 15.0


async def test_call_survives_a_console_restart(kamailio, baresip):
    config = agent_config(kamailio, "1000")
    first = SipWebSocket(UserAgent(config), kamailio.ws_url)
    media = Media()
    second = None
    try:
        await first.connect()
        await first.run(first.agent.register)
        await first.expect(Registered, TIMEOUT)
        call = await first.run(first.agent.calls.dial, "1001", await media.offer())
        await media.accept_answer((await first.expect(CallAnswered, TIMEOUT)).sdp)
        await media.sink.wait_for(25, TIMEOUT)
        saved = json.dumps(first.agent.calls.snapshot(call))
        # the "crash": the connection and the media go away without BYE or un-REGISTER
        await first.close()
        await media.close()

        second = SipWebSocket(UserAgent(config), kamailio.ws_url)  # same instance id: replaces the binding
        media = Media()
        await second.connect()
        await second.run(second.agent.register)
        await second.expect(Registered, TIMEOUT)
        assert second.agent.calls.restore(json.loads(saved)) == call
        await second.run(second.agent.calls.reoffer, call, await media.offer())
        answer = await second.expect(AnswerReceived, TIMEOUT, lambda e: e.call == call)
        await media.accept_answer(answer.sdp)
        await media.sink.wait_for(50, TIMEOUT)  # audio again, on the new peer connection
        assert abs(dominant_frequency(media.sink.samples(0.5)) - 1000) < 20
        assert "sip:" in await wait_for_calls(baresip, 1)  # still the one call at baresip
        await second.run(second.agent.calls.hangup, call)
        await wait_for_calls(baresip, 0)  # our BYE on the new connection reached it
    finally:
        await media.close()
        if second is not None:
            await second.close()
        await first.close()
