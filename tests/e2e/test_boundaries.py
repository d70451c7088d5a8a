"""One error model: a fault at each boundary becomes exactly one thing the application sees.

wire -> an error-handler report (the session goes on); media and device -> the
call ends with DISC_REASON.MEDIA (never shown CONNECTED) and the switch is told;
nothing raises out of the API.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from console.core.errors import MediaError
from console.media.call_media import CallMedia
from console.media.devices import NullDevice
from console.media.sinks import RecordingSink
from console.net.comm import CommInterface
from console.net.websocket import WebSocketComm
from console.switch.rtc_plane import RtcMediaPlane
from console.webrtc import CALL_STATES, DISC_REASON, LOGIN_STATES
from console_harness import Console, connect_pair

S, L, R = CALL_STATES, LOGIN_STATES, DISC_REASON
ROOT = Path(__file__).parents[2]


class GarbleOnce(CommInterface):
    """The real WebSocket, plus one frame that is not our protocol after the login result."""

    def __init__(self) -> None:
        self.inner = WebSocketComm()
        self.frames = 0

    async def connect(self, url, *, secure, ca_file=None):
        await self.inner.connect(url, secure=secure, ca_file=ca_file)

    async def send(self, frame):
        await self.inner.send(frame)

    async def receive(self):
        self.frames += 1
        if self.frames == 2:
            return '{"v": 1, "type": "call", "call": {"call": 5}}'
        return await self.inner.receive()

    async def close(self):
        await self.inner.close()


async def test_wire_a_bad_frame_is_reported_and_the_session_goes_on(switch):
    op = Console(switch.url, {"comm_factory": GarbleOnce})
    await op.login("operator", "operator")
    await op.until(lambda: op.errors, "the report")
    assert "call" in op.errors[0] and op.logins == [L.CONNECTING, L.SUCCESS]
    call = op.dial("9001")
    await op.call_state(call, S.CONNECTED)
    await op.close()


class BrokenDevice(NullDevice):
    def start(self, loop, on_mic_frame):
        raise OSError("no such sound card")


def states_of(console, call):
    seen = []
    call.set_call_state_handler(lambda c, s: (seen.append(s), console._poke()))
    return seen


async def test_device_that_cannot_start_ends_the_dial_with_media(switch):
    op = Console(switch.url, {"device": BrokenDevice()})
    await op.login("operator", "operator")
    call = op.inst.create_outgoing_call()
    seen = states_of(op, call)
    call.set_audio_element(RecordingSink())
    assert call.dial("9001") is None
    await op.call_state(call, S.DISCONNECTED)
    assert call.get_disconnect_reason() is R.MEDIA and S.CONNECTED not in seen
    assert op.errors == []  # exactly one thing: the reason (the log says which device)
    assert switch.stats().get("calls", 0) == 0  # the dial never left: nothing to clean up at the switch
    await op.close()


@pytest.fixture
async def media_switch(make_switch):
    return await make_switch(media=RtcMediaPlane(connect_timeout=5.0), ring_timeout=5.0, session_lifetime=30.0)


async def test_an_answer_that_cannot_be_applied_ends_the_dial_with_media(media_switch, monkeypatch):
    async def refuse(self, answer):
        raise MediaError("injected: the answer cannot be used")

    monkeypatch.setattr(CallMedia, "accept_answer", refuse)
    op = Console(media_switch.url, {"device": NullDevice()})
    await op.login("operator", "operator")
    call = op.inst.create_outgoing_call()
    seen = states_of(op, call)
    call.set_audio_element(RecordingSink())
    call.dial("9001")  # the tone service answers at once
    await op.call_state(call, S.DISCONNECTED)
    assert call.get_disconnect_reason() is R.MEDIA and S.CONNECTED not in seen
    await op.close()


async def test_an_answer_that_cannot_be_applied_ends_the_answered_call_on_both_sides(media_switch, monkeypatch):
    bob = Console(media_switch.url, {"device": NullDevice()})
    alice = Console(media_switch.url, {"device": NullDevice()})
    await bob.login("bob", "bob"); await alice.login("alice", "alice")
    out = bob.dial("201")  # signalling only on bob's side
    inc = await alice.next_incoming()
    seen = states_of(alice, inc)

    async def refuse(self, answer):
        raise MediaError("injected: the answer cannot be used")

    monkeypatch.setattr(CallMedia, "accept_answer", refuse)
    inc.set_audio_element(RecordingSink())
    inc.answer()
    await alice.call_state(inc, S.DISCONNECTED)
    assert inc.get_disconnect_reason() is R.MEDIA and S.CONNECTED not in seen
    await bob.call_state(out, S.DISCONNECTED)
    await bob.close(); await alice.close()


async def test_media_that_dies_while_connected_ends_the_call_and_tells_the_switch(consoles):
    op, alice = await consoles("operator"), await consoles("alice")
    out, inc = await connect_pair(op, alice)
    op.inst._control.media_failed(out.ref, "injected: no packets")  # what CallMedia's on_failure (and a health check) calls
    await op.call_state(out, S.DISCONNECTED)
    assert out.get_disconnect_reason() is R.MEDIA
    await alice.call_state(inc, S.DISCONNECTED)  # the switch was told


def test_nothing_is_written_by_default_and_control_logging_toggles_diagnostics():
    code = (
        "import logging\n"
        "from console.webrtc import WebRtcInstance\n"
        "logging.getLogger('console.webrtc').warning('quiet-by-default')\n"
        "inst = WebRtcInstance(None, None, device=None)\n"
        "inst.control_logging(True)\n"
        "logging.getLogger('console.core.client').debug('diagnostics-on')\n"
        "inst.control_logging(False)\n"
        "logging.getLogger('console.webrtc').warning('quiet-again')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "diagnostics-on" in done.stderr
    assert "quiet-by-default" not in done.stderr and "quiet-again" not in done.stderr
    assert done.stdout == ""
