"""Audio both ways between aiortc (the console's media) over the SIP stack and baresip, via rtpengine.

baresip plays 1000 Hz and records what it hears; the console side plays 600 Hz
and measures what it hears. rtpengine bridges WebRTC (ICE, DTLS-SRTP,
rtcp-mux) to plain RTP; both legs share a codec (Opus or G.711), so nothing is transcoded.
"""

from __future__ import annotations

import asyncio
import struct
import time

import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from test_calls import registered, wait_for_calls

from console.core.enums import DISC_REASON
from console.core.sip.events import CallAnswered, CallConfirmed, CallEnded, IncomingCall
from console.media import patches
from console.media.sinks import RecordingSink
from console.media.tones import ToneGenerator, dominant_frequency, level_dbfs
from console.media.tracks import PacedAudioTrack, consume

TIMEOUT = 15.0
CONSOLE_HZ = 600


class Media:
    """One aiortc peer connection with a tone out and a recorder in."""

    def __init__(self) -> None:
        patches.apply()
        self.pc = RTCPeerConnection(patches.rtc_configuration())
        self.pc.addTrack(PacedAudioTrack(ToneGenerator(CONSOLE_HZ, -10).frame))
        self.sink = RecordingSink(seconds=5)
        self.tasks: list[asyncio.Task] = []
        self.pc.on("track", lambda track: self.tasks.append(consume(track, self.sink.write, "sip-test-audio")))

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def answer(self, offer: str) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    async def accept_answer(self, answer: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def heard(self) -> tuple[float, float]:
        """(frequency, level) of the last half second after a second of audio arrived."""
        await self.sink.wait_for(50, TIMEOUT)
        await self.sink.wait_more(25, TIMEOUT)
        samples = self.sink.samples(0.5)
        return dominant_frequency(samples), level_dbfs(samples)

    async def close(self) -> None:
        await self.pc.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def read_growing_wav(path) -> tuple[np.ndarray, int]:
    """Samples (first channel) and rate of a WAV file still being written (its sizes are not final yet)."""
    raw = path.read_bytes()
    fmt = raw.find(b"fmt ")
    data = raw.find(b"data")
    if fmt < 0 or data < 0:
        return np.zeros(0, dtype="<i2"), 8000
    channels, rate = struct.unpack_from("<HI", raw, fmt + 10)
    body = raw[data + 8:]
    samples = np.frombuffer(body[: len(body) // 2 * 2], dtype="<i2")
    return samples[:: max(1, channels)], rate


def baresip_heard(baresip, timeout: float = TIMEOUT) -> tuple[float, float]:
    """(frequency, level) of baresip's decoded recording, once it holds 1.5 s of audio."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = baresip.recordings()
        if files:
            samples, rate = read_growing_wav(files[-1])
            if samples.size >= rate * 1.5:
                tail = samples[-rate // 2:]
                return dominant_frequency(tail, rate), level_dbfs(tail)
        time.sleep(0.1)
    raise AssertionError(f"baresip recorded no audio: {baresip.recordings()}")


async def test_console_calls_baresip_audio_both_ways(connect_agent, baresip):
    sip = await registered(connect_agent)
    media = Media()
    try:
        call = await sip.run(sip.agent.calls.dial, "1001", await media.offer())
        answered = await sip.expect(CallAnswered, TIMEOUT, lambda e: e.call == call)
        await media.accept_answer(answered.sdp)
        hz, level = await media.heard()
        assert abs(hz - 1000) < 20 and level > -30, (hz, level)
        hz, level = await asyncio.to_thread(baresip_heard, baresip)
        assert abs(hz - CONSOLE_HZ) < 20 and level > -30, (hz, level)
        await sip.run(sip.agent.calls.hangup, call)
        await wait_for_calls(baresip, 0)
    finally:
        await media.close()


async def test_baresip_calls_console_audio_both_ways(connect_agent, baresip):
    sip = await registered(connect_agent)
    media = Media()
    try:
        await asyncio.to_thread(baresip.command, "dial", f"sip:1000@127.0.0.1:{baresip.kamailio_port}")
        incoming = await sip.expect(IncomingCall, TIMEOUT)
        answer = await media.answer(incoming.sdp)
        await sip.run(sip.agent.calls.answer, incoming.call, answer)
        await sip.expect(CallConfirmed, TIMEOUT)
        hz, level = await media.heard()
        assert abs(hz - 1000) < 20 and level > -30, (hz, level)
        hz, level = await asyncio.to_thread(baresip_heard, baresip)
        assert abs(hz - CONSOLE_HZ) < 20 and level > -30, (hz, level)
        await asyncio.to_thread(baresip.command, "hangup")
        ended = await sip.expect(CallEnded, TIMEOUT)
        assert ended.reason is DISC_REASON.SUCCESS and ended.remote
    finally:
        await media.close()
