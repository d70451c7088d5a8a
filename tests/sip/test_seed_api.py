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

from bench.driver import KeptComms
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


async def test_a_wrong_password_reads_as_credentials(kamailio):
    """docs/API-MAPPING.md: CREDENTIALS is "a wrong user, password or token". Kamailio challenges, we answer
    with the wrong password, it challenges again: SERVER_ACCESS (the seed's state) with the cause CREDENTIALS."""
    from console.core.client.failures import LoginFailureKind

    console = Console(sip_url(kamailio), {"device": NullDevice(), "request_timeout": TIMEOUT})
    try:
        console.inst.login(console.url, False, False, "1000", "wrong")
        await console.login_state(LOGIN_STATES.SERVER_ACCESS, TIMEOUT)
        assert console.inst.last_login_failure is LoginFailureKind.CREDENTIALS
    finally:
        await console.close()


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

    # baresip's hold: the console sees HOLDING, then CONNECTED again; is_held_by_remote() says so too
    assert out.is_held_by_remote() is False
    await asyncio.to_thread(baresip.command, "hold")
    await a.call_state(out, S.HOLDING, TIMEOUT)
    assert out.is_held_by_remote() is True
    await asyncio.to_thread(baresip.command, "resume")
    await a.call_state(out, S.CONNECTED, TIMEOUT)
    assert out.is_held_by_remote() is False
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


async def test_dtmf_both_ways_with_baresip(sip_consoles, baresip_pcmu):
    """RFC 4733 in the media both ways (baresip's SDP offers telephone-event, so no INFO is needed), with a phone
    narrowed to PCMU: G.711 alone, telephone-event/8000 beside it (the default phone is the test below)."""
    baresip = baresip_pcmu
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


async def test_dtmf_both_ways_with_a_default_baresip(sip_consoles, baresip):
    """A phone in its default configuration (Opus and G.711, telephone-event/8000 only): our digits reach it
    as digits (RFC 4733 at 8000 Hz beside Opus; the console used to refuse "did not accept
    telephone-event/48000" and lose them), and its digits reach our dtmf handler."""
    phone = baresip
    a = await sip_consoles("1000", mic_hz=600)
    out = a.inst.create_outgoing_call()
    a.watch(out)
    sink = with_sink(out)
    out.dial("1001")
    await a.call_state(out, S.CONNECTED, TIMEOUT)
    await hears(sink, BARESIP_HZ)
    for digit in "5#":
        out.send_digit(digit)
    await a.measured(lambda: phone.proc.log().count("(end=1)") >= 2, "baresip to receive 2 digits", TIMEOUT)
    log = phone.proc.log()
    assert "received event: '5' (end=1)" in log and "received event: '#' (end=1)" in log, log[-2000:]
    assert "opus" in log.lower(), log[-2000:]  # the default phone: Opus is there, not PCMU alone
    for digit in "73":
        await asyncio.to_thread(phone.command, "sndcode", digit)
    await a.until(lambda: len(a.digits.get(out, [])) >= 2, "two digits from baresip", TIMEOUT)
    assert a.digits[out] == ["7", "3"]
    assert not a.errors, a.errors
    out.disconnect()
    await wait_for_calls(phone, 0)


async def test_websocket_cut_mid_call_reconnects_reregisters_and_the_call_survives(sip_consoles, baresip):
    comms = KeptComms()
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


def udp_request(kamailio_port: int, method: str, body: bytes = b"", content_type: str = "text/plain",
                user: str = "1002", timeout: float = 5.0) -> int:
    """Send one out-of-dialog request to 1000 through Kamailio over UDP (answering its digest challenge);
    return the final status that came back (from the console, relayed by Kamailio)."""
    import socket
    import uuid

    from console.core.sip.digest import Challenge, authorization

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(timeout)
        lport = sock.getsockname()[1]
        call_id, tag, uri = uuid.uuid4().hex, uuid.uuid4().hex[:8], "sip:1000@127.0.0.1"
        auth = ""
        for cseq in (1, 2):
            head = (f"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{uuid.uuid4().hex};rport\r\n"
                    f"Max-Forwards: 70\r\nFrom: <sip:{user}@127.0.0.1>;tag={tag}\r\nTo: <{uri}>\r\nCall-ID: {call_id}\r\n"
                    f"CSeq: {cseq} {method}\r\nContact: <sip:{user}@127.0.0.1:{lport}>\r\n{auth}"
                    f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n")
            sock.sendto(head.encode() + body, ("127.0.0.1", kamailio_port))
            while True:
                data = sock.recv(65535).decode(errors="replace")
                status = int(data.split(" ", 2)[1])
                if status >= 200:
                    break
            if status != 407:
                return status
            value = next(line.split(":", 1)[1] for line in data.split("\r\n")
                         if line.lower().startswith("proxy-authenticate:"))
            challenge = Challenge.parse(value)
            auth = "Proxy-Authorization: " + authorization(challenge, method=method, uri=uri, username=user,
                                                           password=USERS[user], cnonce="0a4f113b") + "\r\n"
        return status


async def test_hostile_sip_from_the_server_is_answered_and_the_call_goes_on(sip_consoles, baresip, caplog):
    """Requests the console must refuse arrive through Kamailio mid-call: each gets its RFC 3261 answer,
    is logged, and the console stays registered with its call (audio still flowing)."""
    a = await sip_consoles("1000", mic_hz=600)
    a.inst.control_logging(True)  # the library is silent until this (the README); the refusals are logged
    out = a.inst.create_outgoing_call()
    a.watch(out)
    sink = with_sink(out)
    out.dial("1001")
    await a.call_state(out, S.CONNECTED, TIMEOUT)
    await hears(sink, BARESIP_HZ)
    port = baresip.kamailio_port
    assert await asyncio.to_thread(udp_request, port, "FOO") == 501  # unknown method
    assert await asyncio.to_thread(udp_request, port, "MESSAGE", b"hello") == 405  # known, not allowed
    assert await asyncio.to_thread(udp_request, port, "INFO", b"Signal=5\r\n", "application/dtmf-relay") == 481  # no dialog
    assert await asyncio.to_thread(udp_request, port, "MESSAGE", b"x" * 40000) == 413  # a body beyond the limit
    assert await asyncio.to_thread(udp_request, port, "INVITE", b"v=0\r\ngarbage", "application/sdp") in (400, 488)
    assert a.inst.login_state is LOGIN_STATES.SUCCESS and out.get_state() is S.CONNECTED
    await hears(sink, BARESIP_HZ)
    assert a.incoming.empty(), "a refused INVITE reached the application"
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert any("501" in m for m in refused) and any("413" in m for m in refused), refused
    out.disconnect()
    await wait_for_calls(baresip, 0)


async def test_attended_transfer_joins_baresip_and_a_second_console(sip_consoles, baresip):
    """Console A talks to baresip (x) and to console B (y), then transfers y to x: B is REFERred to baresip
    (INVITE with Replaces from new media), A's two calls end with SUCCESS, B and baresip hear each other."""
    a = await sip_consoles("1000", mic_hz=600)
    b = await sip_consoles("1002", mic_hz=800)
    x = a.inst.create_outgoing_call()
    a.watch(x)
    with_sink(x)
    x.dial("1001")
    await a.call_state(x, S.CONNECTED, TIMEOUT)
    y = a.inst.create_outgoing_call()
    a.watch(y)
    with_sink(y)
    y.dial("1002")  # auto_hold: x goes on hold
    inc = await b.next_incoming(TIMEOUT)
    heard_b = with_sink(inc)
    inc.answer()
    await a.call_state(y, S.CONNECTED, TIMEOUT)
    await hears(heard_b, 600)

    y.transfer(x)
    await a.call_state(y, S.DISCONNECTED, TIMEOUT)
    await a.call_state(x, S.DISCONNECTED, TIMEOUT)
    assert y.get_disconnect_reason() is DISC_REASON.SUCCESS and x.get_disconnect_reason() is DISC_REASON.SUCCESS
    # B's call goes on, now with baresip
    assert inc.get_state() is S.CONNECTED
    await b.until(lambda: inc.get_remote_number() == "1001", "B's call to name baresip", TIMEOUT)
    await hears(heard_b, BARESIP_HZ)

    async def baresip_hears_800() -> None:
        while True:
            hz, level = await asyncio.to_thread(baresip_heard, baresip)
            if abs(hz - 800) < 20 and level > -30:
                return
            await asyncio.sleep(0.2)
    await asyncio.wait_for(baresip_hears_800(), TIMEOUT)
    assert (await wait_for_calls(baresip, 1)).count("sip:") == 1
    assert not b.errors, b.errors
    inc.disconnect()
    await wait_for_calls(baresip, 0)


@pytest.mark.parametrize("baresip", ["manual"], indirect=True)
async def test_no_answer_ends_notresponding(sip_consoles, baresip, kamailio):
    """baresip rings and nobody answers: Kamailio's INVITE timer answers 408, the console shows NOTRESPONDING."""
    a = await sip_consoles("1000")
    out = a.inst.create_outgoing_call()
    a.watch(out)
    with_sink(out)
    out.dial("1001")
    await a.call_state(out, S.RINGING, TIMEOUT)
    await a.call_state(out, S.DISCONNECTED, kamailio.no_answer + TIMEOUT)
    assert out.get_disconnect_reason() is DISC_REASON.NOTRESPONDING
    await wait_for_calls(baresip, 0)


async def test_blind_transfer_refers_the_far_end_to_a_number(sip_consoles, baresip):
    """The attendant extension's blind_transfer over SIP is a REFER to the number: console A talks to
    console B, blind-transfers B to baresip (1001); B's call moves to baresip (they hear each other) and
    A's call ends SUCCESS once B's NOTIFY reports 200."""
    a = await sip_consoles("1000", mic_hz=600)
    b = await sip_consoles("1002", mic_hz=800)
    y = a.inst.create_outgoing_call()
    a.watch(y)
    with_sink(y)
    y.dial("1002")
    inc = await b.next_incoming(TIMEOUT)
    heard_b = with_sink(inc)
    inc.answer()
    await a.call_state(y, S.CONNECTED, TIMEOUT)
    await hears(heard_b, 600)

    y.blind_transfer("1001")
    await a.call_state(y, S.DISCONNECTED, TIMEOUT)
    assert y.get_disconnect_reason() is DISC_REASON.SUCCESS and not a.errors, a.errors
    assert inc.get_state() is S.CONNECTED
    await b.until(lambda: inc.get_remote_number() == "1001", "B's call to name baresip", TIMEOUT)
    await hears(heard_b, BARESIP_HZ)
    assert (await wait_for_calls(baresip, 1)).count("sip:") == 1
    inc.disconnect()
    await wait_for_calls(baresip, 0)


async def test_a_recording_goes_on_when_a_transfer_moves_the_call_to_new_media(sip_consoles, baresip, tmp_path):
    """B records its call with A; A blind-transfers B to baresip, so B's call moves to a new dialog on a new
    peer connection. The recording goes on in the same file: A's tone first, baresip's after, B's own
    throughout, and it stops only when B stops it."""
    import wave

    import numpy as np

    from console.media.tones import tone_present

    a = await sip_consoles("1000", mic_hz=600)
    b = await sip_consoles("1002", mic_hz=800)
    y = a.inst.create_outgoing_call()
    a.watch(y)
    with_sink(y)
    y.dial("1002")
    inc = await b.next_incoming(TIMEOUT)
    b.watch(inc)
    heard_b = with_sink(inc)
    inc.answer()
    await hears(heard_b, 600)
    path = tmp_path / "moved.wav"
    inc.start_recording(path)
    await heard_b.wait_more(25, TIMEOUT)

    y.blind_transfer("1001")
    await hears(heard_b, BARESIP_HZ)
    assert inc.get_remote_number() == "1001", inc.get_remote_number()
    await heard_b.wait_more(25, TIMEOUT)
    assert inc.is_recording() and inc.get_recording_path() == str(path), b.recordings.get(inc)
    inc.stop_recording()
    await b.until(lambda: (None, "stopped") in b.recordings.get(inc, []), "the recording to stop", TIMEOUT)
    assert [reason for _, reason in b.recordings[inc]] == ["started", "stopped"], b.recordings[inc]

    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    ours, theirs = data[:, 0], data[:, 1]
    head, tail = slice(0, rate // 2), slice(-rate // 2, None)
    assert tone_present(theirs[head], rate, 600), "A's tone at the start of the far-end channel"
    assert tone_present(theirs[tail], rate, BARESIP_HZ), "baresip's tone at the end: the recording went on"
    assert tone_present(ours[tail], rate, 800), "B's own tone at the end"
    inc.disconnect()
    await wait_for_calls(baresip, 0)
