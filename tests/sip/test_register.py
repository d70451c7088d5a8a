"""REGISTER through a real Kamailio over WebSocket (RFC 7118) with digest (qop=auth)."""

from __future__ import annotations

from sip_ws import SipWebSocket
from sipinfra import Kamailio, agent_config

from console.core.enums import DISC_REASON
from console.core.sip.agent import UserAgent
from console.core.sip.events import CallEnded, Registered, RegistrationFailed, Unregistered
from console.core.sip.registration import RegState

TIMEOUT = 10.0


async def test_register_refresh_and_unregister(connect_agent):
    sip = await connect_agent("1000")
    await sip.run(sip.agent.register)
    first = await sip.expect(Registered, TIMEOUT)
    assert first.expires == 300 and sip.agent.registration.state is RegState.REGISTERED
    call_id = sip.agent.registration.call_id
    await sip.run(sip.agent.refresh_registration)
    second = await sip.expect(Registered, TIMEOUT)
    assert second.expires == 300 and sip.agent.registration.call_id == call_id
    assert sip.agent.registration.cseq >= 3  # REGISTER, its challenged retry, the refresh
    await sip.run(sip.agent.unregister)
    await sip.expect(Unregistered, TIMEOUT)
    # the binding is really gone: calling our own AOR is now "not found"
    call = await sip.run(sip.agent.calls.dial, "1000", OFFER)
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.call, ended.status, ended.reason) == (call, 404, DISC_REASON.DIALSTRING)


async def test_wrong_password_is_refused_without_a_loop(connect_agent):
    sip = await connect_agent("1000", password="wrong")
    await sip.run(sip.agent.register)
    failed = await sip.expect(RegistrationFailed, TIMEOUT)
    assert failed.status == 401 and failed.auth_failed
    assert sip.agent.registration.state is RegState.FAILED
    assert sip.agent.registration.cseq == 2  # one answer to one challenge, then stop


async def test_unknown_user_is_forbidden(connect_agent):
    sip = await connect_agent("4711")
    await sip.run(sip.agent.register)
    failed = await sip.expect(RegistrationFailed, TIMEOUT)
    assert failed.status == 403 and failed.auth_failed


OFFER = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=rtcp-mux\r\na=sendrecv\r\n"
)


async def test_register_without_qop_rfc2069_style(tmp_path, rtpengine):
    """The same Kamailio challenging without qop (RFC 2069-style digest response)."""
    proxy = Kamailio(tmp_path, rtpengine.ng_port, qop=False)
    sip = None
    try:
        proxy.start()
        sip = SipWebSocket(UserAgent(agent_config(proxy, "1000")), proxy.ws_url)
        await sip.connect()
        await sip.run(sip.agent.register)
        assert (await sip.expect(Registered, TIMEOUT)).expires == 300
        assert sip.agent.registration.cseq == 2
    finally:
        if sip is not None:
            await sip.close()
        proxy.stop()
