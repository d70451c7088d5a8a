"""SIP over secure WebSocket (``sip+wss://``, RFC 7118) to Kamailio terminating TLS with its tls module.

docs/sip/kamailio.cfg with ``-A WITH_TLS`` and docs/sip/tls.cfg, serving a certificate signed by a CA made
for the test (tests/tls_ca.py), as a deployment's own CA: the console is given that CA (``ca_file``, the
switchboard's ``--ca-file`` / config.toml ``ca_file``). Verified by default: without the CA, or with a
certificate made out for another name, the login is refused before any WebSocket opens, and the console
says it was the certificate.
"""

from __future__ import annotations

import asyncio

from console_harness import Console
from sipinfra import USERS
from test_calls import wait_for_calls
from test_media import baresip_heard
from test_seed_api import BARESIP_HZ, hears, with_sink

from console.core.client import LoginFailureKind
from console.media.devices import NullDevice
from console.media.tones import ToneGenerator
from console.net.websocket import WebSocketComm
from console.webrtc import CALL_STATES, DISC_REASON, LOGIN_STATES

TIMEOUT = 15.0
CONSOLE_HZ = 600


def sip_wss(kamailio) -> str:
    return f"sip+wss://127.0.0.1:{kamailio.wss_port}"


class Comms:
    """A comm factory that counts the WebSocket connections that opened."""

    def __init__(self) -> None:
        self.opened = 0

    def __call__(self) -> WebSocketComm:
        comms = self

        class Counted(WebSocketComm):
            async def connect(self, *args, **kwargs) -> None:
                await super().connect(*args, **kwargs)
                comms.opened += 1

        return Counted()


async def refused(url: str, **kwargs) -> tuple[Console, Comms]:
    """A console's login to ``url`` that must end SERVER_ACCESS without a WebSocket having opened."""
    comms = Comms()
    console = Console(url, {"device": NullDevice(), "request_timeout": TIMEOUT, "comm_factory": comms, **kwargs})
    console.inst.login(url, False, False, "1000", USERS["1000"])
    await console.login_state(LOGIN_STATES.SERVER_ACCESS, TIMEOUT)
    return console, comms


async def test_the_console_registers_over_sip_wss_calls_baresip_with_audio_both_ways_and_is_called(kamailio_tls, test_ca, tls_phone):
    """With the test CA given, sip+wss:// registers (the scheme decides TLS: login's ``secure`` is False here),
    a call to baresip carries audio both ways through rtpengine, and baresip's call reaches the console."""
    url = sip_wss(kamailio_tls)
    device = NullDevice(mic=ToneGenerator(CONSOLE_HZ, -12).frame)
    console = Console(url, {"device": device, "request_timeout": TIMEOUT, "ca_file": str(test_ca.cert_file)})
    try:
        console.inst.login(url, False, False, "1000", USERS["1000"])
        await console.login_state(LOGIN_STATES.SUCCESS, TIMEOUT)
        out = console.inst.create_outgoing_call()
        console.watch(out)
        sink = with_sink(out)
        out.dial("1001")
        await console.call_state(out, CALL_STATES.CONNECTED, TIMEOUT)
        await hears(sink, BARESIP_HZ)
        hz, level = await asyncio.to_thread(baresip_heard, tls_phone)
        assert abs(hz - CONSOLE_HZ) < 20 and level > -30, (hz, level)
        out.disconnect()
        await console.call_state(out, CALL_STATES.DISCONNECTED, TIMEOUT)
        assert out.get_disconnect_reason() is DISC_REASON.USERTERMINATED
        await wait_for_calls(tls_phone, 0)
        # and back: Kamailio finds the console's binding on its TLS connection (the WebSocket contact alias)
        await asyncio.to_thread(tls_phone.command, "dial", f"sip:1000@127.0.0.1:{kamailio_tls.sip_port}")
        inc = await console.next_incoming(TIMEOUT)
        assert inc.get_remote_number() == "1001"
        sink = with_sink(inc)
        inc.answer()
        await console.call_state(inc, CALL_STATES.CONNECTED, TIMEOUT)
        await hears(sink, BARESIP_HZ)
        await asyncio.to_thread(tls_phone.command, "hangup")
        await console.call_state(inc, CALL_STATES.DISCONNECTED, TIMEOUT)
        assert inc.get_disconnect_reason() is DISC_REASON.SUCCESS
    finally:
        await console.close()


async def test_without_the_ca_the_login_is_refused_for_the_certificate(kamailio_tls):
    """Verified by default: no CA given, the system's trust store does not know the test CA: SERVER_ACCESS,
    the cause the certificate, no WebSocket opened (no REGISTER could be sent)."""
    console, comms = await refused(sip_wss(kamailio_tls))
    try:
        assert console.inst.last_login_failure is LoginFailureKind.CERTIFICATE
        assert comms.opened == 0
        assert console.logins == [LOGIN_STATES.CONNECTING, LOGIN_STATES.SERVER_ACCESS]
    finally:
        await console.close()


async def test_a_certificate_for_another_name_is_refused(make_kamailio_tls, test_ca):
    """A Kamailio whose certificate (signed by the trusted CA) names another host: the console given that CA
    refuses it all the same: SERVER_ACCESS, the cause the certificate, nothing connected."""
    kamailio = await asyncio.to_thread(make_kamailio_tls, test_ca.server(("pbx.example.invalid",), stem="other"))
    console, comms = await refused(sip_wss(kamailio), ca_file=str(test_ca.cert_file))
    try:
        assert console.inst.last_login_failure is LoginFailureKind.CERTIFICATE
        assert comms.opened == 0
        assert console.logins == [LOGIN_STATES.CONNECTING, LOGIN_STATES.SERVER_ACCESS]
    finally:
        await console.close()
