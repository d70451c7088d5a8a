"""Four seed behaviours to the letter (issue 17, items 1-4), through the public API against the real switch.

Each test quotes the seed's words it checks.
"""

from __future__ import annotations

import logging
import time

import jwt
import pytest

from console.core.enums import NumberMode
from console.media.sinks import RecordingSink, VideoSink
from console.switch.rtc_plane import RtcMediaPlane
from console.webrtc import CALL_STATES, DISC_REASON, LOGIN_STATES
from console.webrtc.instance import LIBRARY_LOGGERS
from console_harness import Console, connect_pair
from media_harness import hears, media_console, media_dial

S, L = CALL_STATES, LOGIN_STATES


def token(switch, **claims) -> str:
    cfg = switch.config.jwt
    payload = {"iss": cfg.issuer, "aud": cfg.audience, "exp": int(time.time()) + 60, **claims}
    return jwt.encode(payload, cfg.secret, algorithm=cfg.algorithms[0])


@pytest.fixture
async def media_switch(make_switch):
    return await make_switch(media=RtcMediaPlane(connect_timeout=5.0), ring_timeout=5.0, session_lifetime=30.0)


# -- 3.1.2.2 loginWithToken: Call Me ------------------------------------------------------------

@pytest.mark.parametrize("claims", [
    {},  # a token that names nobody: no sub, no number
    {"sub": "guest"},  # a directory user without a number
    {"sub": "web-visitor-1", "name": "Web visitor"},  # a subject outside the directory
], ids=["no-sub", "user-without-number", "unknown-subject"])
@pytest.mark.parametrize("mode", [NumberMode.EITHER, NumberMode.ASSIGNED, NumberMode.CLIENT])
async def test_call_me_token_login_without_username_or_number_dials_out_and_is_never_rung(make_switch, claims, mode):
    """Seed 3.1.2.2: "Applications that authenticate via token and doing only outgoing calls, like Call Me
    applications, do not need to specify a username of phone number. In this case no phone number is
    assigned, and no incoming calls are routed." """
    switch = await make_switch(number_mode=mode, ring_timeout=5.0)
    callme, op = Console(switch.url), Console(switch.url)
    callme.inst.login_with_token(switch.url, False, token(switch, **claims), None, None)
    await callme.login_state(L.SUCCESS)
    assert callme.logins == [L.CONNECTING, L.SUCCESS]
    assert callme.inst.get_local_dial_string() is None  # "no phone number is assigned"
    assert not any(callme.inst.get_login_identifier() == s.identifier
                   for peers in switch.exchange.registrations.values() for s in peers)
    call = callme.dial("9001")  # outgoing calls work
    await callme.call_state(call, S.CONNECTED)
    assert call.get_local_number() == ""
    # "no incoming calls are routed": no number reaches it, not even one nobody has
    await op.login("operator", "operator", "200" if mode is NumberMode.CLIENT else None)
    for number in ("299", ""):
        back = op.dial(number)
        await op.call_state(back, S.DISCONNECTED)
        assert back.get_disconnect_reason() is DISC_REASON.DIALSTRING
    assert callme.incoming.empty()
    await callme.close(); await op.close()


async def test_a_token_without_sub_logs_in_as_call_me_only(switch, consoles):
    """A token that names nobody logs in (Call Me), but the request cannot pick a user or a number for it."""
    callme = await consoles()
    callme.inst.login_with_token(callme.url, False, token(switch), None, None)
    await callme.login_state(L.SUCCESS)
    assert callme.inst.get_local_dial_string() is None and callme.inst.get_local_display_name() == ""
    for username, number in (("operator", None), (None, "299"), (None, "200")):
        c = await consoles()
        c.inst.login_with_token(c.url, False, token(switch), username, number)
        await c.login_state(L.SERVER_ACCESS)


# -- 3.1.2.6 getLocalDisplayName ----------------------------------------------------------------

async def test_display_name_is_the_username_when_the_client_assigns_the_number(make_switch):
    """Seed 3.1.2.6: "If the number to listen for is assigned by the WebRTC client, this is the username from
    the login credentials. If anynode assigns the number, the display name might be overwritten from the
    database." """
    switch = await make_switch()  # number_mode "either", open numbers (the demo directory)
    given = await Console(switch.url).login("alice", "alice", "201")  # the client assigns (its own number)
    assert given.inst.get_local_display_name() == "alice"
    guest = await Console(switch.url).login("guest", "guest", "299")  # the client assigns an unowned number
    assert guest.inst.get_local_display_name() == "guest"
    assigned = await Console(switch.url).login("bob", "bob")  # the switch assigns: the directory's name
    assert assigned.inst.get_local_display_name() == "Bob"
    # the display name is the local name of outgoing calls
    out = given.dial("202")
    incoming = await assigned.next_incoming()
    assert out.get_local_name() == "alice" and incoming.get_remote_name() == "alice"
    by_token = Console(switch.url)
    by_token.inst.login_with_token(switch.url, False, token(switch, sub="carol"), "carol", "203")
    await by_token.login_state(L.SUCCESS)
    assert by_token.inst.get_local_display_name() == "carol"
    for c in (given, guest, assigned, by_token):
        await c.close()


async def test_display_name_is_the_directorys_when_the_switch_assigns_the_number(make_switch):
    """Seed 3.1.2.6: "If anynode assigns the number, the display name might be overwritten from the database."
    In the assigned mode the console's number is ignored, so the number is the switch's."""
    switch = await make_switch(number_mode=NumberMode.ASSIGNED)
    alice = await Console(switch.url).login("alice", "alice", "201")
    assert alice.inst.get_local_display_name() == "Alice"
    await alice.close()


# -- 3.2.2.6 setMediaStateHandler -----------------------------------------------------------------

async def test_the_media_state_handler_is_not_called_for_audio_only_calls(media_switch):
    """Seed 3.2.2.6: the handler is "called when the media negotiation is finished and video is negotiated"
    ("The media state handler is only required for applications using video."): an audio call, held and
    retrieved by either end, never calls it."""
    alice, _ = await media_console(media_switch, "alice", mic_hz=600)
    bob, _ = await media_console(media_switch, "bob", mic_hz=900)
    media_calls = []
    tone, sink = media_dial(alice, "9001")
    tone.set_media_state_handler(media_calls.append)
    await alice.call_state(tone, S.CONNECTED)
    await hears(sink, 1000, "the tone")  # the negotiation is finished
    tone.hold()
    await alice.call_state(tone, S.HELD)
    out, incoming = media_dial(alice, "202")[0], await bob.next_incoming()
    out.set_media_state_handler(media_calls.append)
    incoming.set_media_state_handler(media_calls.append)
    incoming.set_audio_element(RecordingSink())
    incoming.answer()
    await alice.call_state(out, S.CONNECTED)
    incoming.hold()  # the far end holds: a change of hold, not of video
    await alice.call_state(out, S.HOLDING)
    incoming.retrieve()
    await alice.call_state(out, S.CONNECTED)
    await bob.call_state(incoming, S.CONNECTED)
    assert media_calls == []
    await alice.close(); await bob.close()


async def test_the_media_state_handler_is_called_once_when_video_is_negotiated(media_switch):
    """Seed 3.2.2.6: "Handler provided by the application and called when the negotiated media changes to
    video." -- once, with getMediaVideoActive() true."""
    alice, _ = await media_console(media_switch, "alice", mic_hz=600)
    bob, _ = await media_console(media_switch, "bob", mic_hz=900)
    seen = []
    call = alice.watch(alice.inst.create_outgoing_call())
    a_local, a_remote = VideoSink(), VideoSink()
    call.set_media_state_handler(lambda c: (seen.append(c.get_media_video_active()), alice._poke()))
    call.set_video_elements(a_local, a_remote)
    call.dial("202")
    incoming = await bob.next_incoming()
    incoming.set_video_elements(VideoSink(), VideoSink())
    incoming.answer()
    await alice.call_state(call, S.CONNECTED)
    await a_remote.wait_for(10, timeout=10)
    await alice.until(lambda: seen, "the media state handler")
    await a_remote.wait_for(a_remote.frames + 20, timeout=10)  # more frames: no second call
    assert seen == [True]
    await alice.close(); await bob.close()


# -- 3.1.2.9 controlLogging -------------------------------------------------------------------------

class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def library(self) -> list[str]:
        return [f"{r.name} {r.levelname} {r.getMessage()}" for r in self.records
                if r.name.startswith(LIBRARY_LOGGERS)]


@pytest.fixture
def app_root_at_debug():
    """The application's root logger at DEBUG with a handler, as a developer debugging their own app has it."""
    root = logging.getLogger()
    handler, level = _Records(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler  # the library's own levels are restored by tests/conftest.py
    root.removeHandler(handler)
    root.setLevel(level)


async def test_until_control_logging_true_the_library_writes_nothing(switch, app_root_at_debug):
    """Seed 3.1.2.9: controlLogging "enable of disable writing of diagnostic messages": an application that never
    turned them on gets none (the README: "nothing is logged until control_logging(True)"), even with its root
    logger at DEBUG and a failed login."""
    import console.webrtc.instance as instance_module

    instance_module._logging["chosen"] = False  # as in a fresh process: no control_logging call yet
    c = Console(switch.url)
    c.inst.login(switch.url, False, False, "operator", "wrong", None)
    await c.login_state(L.SERVER_ACCESS)
    await c.login("operator", "operator")
    call = c.dial("9001")
    await c.call_state(call, S.CONNECTED)
    call.disconnect()
    await c.call_state(call, S.DISCONNECTED)
    assert app_root_at_debug.library() == []
    await c.close()


async def test_control_logging_false_writes_nothing_at_any_level(switch, app_root_at_debug):
    """Seed 3.1.2.9: "Called by the application to enable of disable writing of diagnostic messages." /
    "enable: Boolean parameter, if set to true diagnostic messages are written." -- and with false none are:
    not a failed login's warning, not the DEBUG diagnostics an application's root logger at DEBUG would take."""
    c = Console(switch.url)
    c.inst.control_logging(False)
    c.inst.login(switch.url, False, False, "operator", "wrong", None)
    await c.login_state(L.SERVER_ACCESS)
    await c.login("operator", "operator")
    call = c.dial("9001")
    await c.call_state(call, S.CONNECTED)
    call.hold()  # held without media: the error handler hears why, the log does not
    call.disconnect()
    await c.call_state(call, S.DISCONNECTED)
    assert app_root_at_debug.library() == []
    c.inst.control_logging(True)  # "if set to true diagnostic messages are written"
    call = c.dial("9001")
    await c.call_state(call, S.CONNECTED)
    assert any(" DEBUG " in line for line in app_root_at_debug.library()), app_root_at_debug.records
    await c.close()
