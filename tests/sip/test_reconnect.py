"""The WebSocket to Kamailio is cut mid-call: media goes on, the console reconnects, registers again and
moves the dialog to the new connection with a re-INVITE; baresip's BYE then reaches it there."""

from __future__ import annotations

import asyncio

import pytest
from sipinfra import USERS, Kamailio
from test_calls import registered
from test_media import Media

from console.core.enums import DISC_REASON, LOGIN_STATES
from console.core.sip.events import AnswerReceived, CallAnswered, CallEnded, Registered
from console.core.sip.registration import RegState
from console.media.devices import NullDevice

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


@pytest.fixture
async def own_kamailio(tmp_path, rtpengine):
    """A Kamailio of this test alone: it is restarted."""
    proxy = Kamailio(tmp_path, rtpengine.ng_port)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()


async def test_the_switchboard_reconnects_after_the_sip_server_restarts(own_kamailio):
    """The switchboard builds its instance with auto_reconnect (the seed's own instance does not reconnect:
    "When the web page is reloaded, the application can restore the identifier and call the method
    tryRestoreLogin"). Kamailio restarts: CONNECTION_LOST, then retries while it is down, reported as
    reconnecting, never as SERVER_ACCESS ("login failed"), and SUCCESS once it is back."""
    from console.store import client_factory

    kamailio = own_kamailio
    url = f"sip+ws://127.0.0.1:{kamailio.ws_port}"
    states: list[LOGIN_STATES] = []
    changed = asyncio.Event()

    def on_login(state: LOGIN_STATES) -> None:
        states.append(state)
        changed.set()

    async def until(predicate, what: str) -> None:
        async with asyncio.timeout(TIMEOUT * 2):
            while not predicate():
                changed.clear()
                await changed.wait()

    inst = client_factory(device=NullDevice())(on_login, lambda call: None)
    try:
        inst.login(url, False, False, "1000", USERS["1000"])
        await until(lambda: states[-1:] == [LOGIN_STATES.SUCCESS], "login")
        kamailio.stop()
        await until(lambda: LOGIN_STATES.CONNECTION_LOST in states, "CONNECTION_LOST")
        lost = states.index(LOGIN_STATES.CONNECTION_LOST) + 1
        assert inst.reconnecting
        # two retries fail against the dead server (0.5 s and 1 s after the loss)
        await until(lambda: states[lost:].count(LOGIN_STATES.CONNECTING) >= 2 and states[-1] is not LOGIN_STATES.CONNECTING,
                    "two failed retries")
        assert inst.reconnecting
        await asyncio.to_thread(kamailio.restart)
        await until(lambda: states[-1:] == [LOGIN_STATES.SUCCESS], "SUCCESS after the restart")
        during = states[lost:]
        assert LOGIN_STATES.SERVER_ACCESS not in during, during
        # each retry: CONNECTING, and CONNECTION_LOST again while the server is still away
        assert set(during) <= {LOGIN_STATES.CONNECTING, LOGIN_STATES.CONNECTION_LOST, LOGIN_STATES.SUCCESS}, during
        assert not inst.reconnecting
    finally:
        await inst.aclose()
