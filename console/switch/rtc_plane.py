"""RtcMediaPlane: the switch's media, with aiortc. One peer connection per leg.

The switch is a back-to-back user agent: it answers every console's offer
on its own connection and decides what each leg hears: another leg, a
service (ECHO: the leg's own audio; TONE, MUSIC, IVR), or silence. Each leg
has one sending audio track (console/media/relay.py), in one of three modes:

* RELAY: when the leg hears another leg (or itself, ECHO) and both negotiated
  the same codec, the talker's encoded packets are forwarded as they arrive:
  no decode, no re-encode, no second clock (encoded silence fills a gap);
* PACED: a service, silence, or a talker with another codec (whose receiver
  then decodes into a bounded inbound queue), encoded here on a 20 ms clock;
* IDLE: the leg's direction does not send (the console holds): nothing.

A leg's receiver decodes only while someone needs its PCM (a PACED hearer
with another codec); otherwise aiortc's decoder gets no work at all (RFC 4733
digits are taken out before it, so DTMF works either way). Hold, transfer
and restore only change the routing table and the modes (:meth:`_plan`);
nobody has to renegotiate. Video follows the same routes: a bridged leg sees
the other leg's latest frame, ECHO shows your own.

A re-offer (hold, retrieve, adding video) reuses the leg's connection. A
re-offer with a new ICE ufrag comes from a new console connection (restore
after a reconnect): the old connection is closed and a new one answers.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections import deque
from typing import Any, Callable

import av
from aiortc import RTCPeerConnection, RTCSessionDescription

from console.core.protocol import MAX_SDP
from console.media import patches
from console.media.frames import MonoConverter, Rechunker, StaleFilter
from console.media.health import CHECK_EVERY, MEDIA_TIMEOUT, MediaHealth
from console.media.relay import Mode, RelayAudioTrack, same_codec
from console.media.tracks import PacedVideoTrack, cancel_tasks, consume
from console.switch.services import Arpeggio, Ivr, SteadyTone

from .connection import TokenBucket
from .media import MUSIC_HZ, TONE_HZ, AudioMix, MediaRejected, MediaUnavailable, ServiceKind

CONNECT_TIMEOUT = 10.0
DIGIT_RATE = 20.0  # RFC 4733 digits a leg may deliver per second, bursts of twice that (a key press takes 70+ ms)
INBOUND_FRAMES = 5  # 100 ms of a leg's received audio at most; the oldest goes first
RELAY_TARGET = 2  # frames kept when a relay queue runs long (the two legs' clocks drift)
CLOSED_GRACE = 2.0  # s: a leg the peer closed is failed only if its console is still there after this long
_UFRAG = re.compile(r"^a=ice-ufrag:(\S+)", re.MULTILINE)

log = logging.getLogger(__name__)
_UNSET = object()
_SERVICES: dict[ServiceKind, Callable[[], Any]] = {
    ServiceKind.TONE: lambda: SteadyTone(TONE_HZ),
    ServiceKind.MUSIC: lambda: Arpeggio(MUSIC_HZ),
    ServiceKind.IVR: Ivr,
}


class _Leg:
    """One leg's connection, tracks, tasks and latest received media."""

    def __init__(self, leg_id: str, pc: RTCPeerConnection, ufrag: str | None, media_timeout: float = MEDIA_TIMEOUT) -> None:
        self.id = leg_id
        self.health = MediaHealth(media_timeout)
        self.pc = pc
        self.ufrag = ufrag
        self.audio_out: RelayAudioTrack | None = None
        self.video_out: PacedVideoTrack | None = None
        self.inbound: deque[bytes] = deque(maxlen=INBOUND_FRAMES)
        self.video_in: av.VideoFrame | None = None
        self.video_seq = 0
        self.tasks: set[asyncio.Task[Any]] = set()
        self.connected = asyncio.Event()
        self.failed = False
        self.closing = False
        self.convert = MonoConverter()
        self.rechunk = Rechunker()
        self.frames_in = 0
        self.frames_decoded = 0
        self.relay_dropped = 0
        self.receiving = False
        self.sending = False
        self.was_receiving = False
        self.relay_to: tuple[RelayAudioTrack, ...] = ()  # the tracks this leg's packets are forwarded to
        self.decoding = True
        self.stale = StaleFilter()
        self.digits: TokenBucket | None = None
        self.digits_dropped = 0

    def spawn(self, task: asyncio.Task[Any]) -> None:
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def negotiated(self) -> None:
        """After each answer: a retrieve (receiving again) arms the stale-frame flush."""
        audio = next((t for t in self.pc.getTransceivers() if t.kind == "audio"), None)
        receiving = audio is not None and audio.currentDirection in ("sendrecv", "recvonly")
        self.sending = audio is not None and audio.currentDirection in ("sendrecv", "sendonly")
        if self.audio_out is not None and audio is not None:
            codecs = patches.negotiated_codecs(audio)
            self.audio_out.set_codec(codecs[0] if codecs else None)
        if receiving and not self.receiving and self.was_receiving:
            self.stale.arm(patches.audio_prefetch(self.pc) + 2)
            self.inbound.clear()
        self.was_receiving = self.was_receiving or receiving
        self.receiving = receiving
        self.expect_audio()

    def expect_audio(self) -> None:
        """Tell the health check whether audio should arrive: connected and a receiving direction."""
        now = asyncio.get_running_loop().time()
        self.health.expect(self.receiving and self.connected.is_set(), now)

    def codec(self) -> Any:
        audio = next((t for t in self.pc.getTransceivers() if t.kind == "audio"), None)
        codecs = patches.negotiated_codecs(audio) if audio is not None else []
        return codecs[0] if codecs else None

    def set_decoding(self, on: bool) -> None:
        audio = next((t for t in self.pc.getTransceivers() if t.kind == "audio"), None)
        if on == self.decoding or audio is None:
            return
        self.decoding = on
        patches.set_decoding(audio.receiver, on)
        if not on:
            self.inbound.clear()

    def pop_audio(self) -> bytes | None:
        while len(self.inbound) > RELAY_TARGET:
            self.inbound.popleft()
            self.relay_dropped += 1
        return self.inbound.popleft() if self.inbound else None


class RtcMediaPlane:
    """console.switch.media.MediaPlane with aiortc; see the module docstring."""

    def __init__(
        self,
        max_media: int = 100,
        connect_timeout: float = CONNECT_TIMEOUT,
        ice_servers: Any = (),
        logger: logging.Logger | None = None,
        digit_rate: float = DIGIT_RATE,
        media_timeout: float = MEDIA_TIMEOUT,
        audio_prefetch: int = patches.DEFAULT_AUDIO_PREFETCH,
    ) -> None:
        patches.apply()
        self.audio_prefetch = audio_prefetch  # the legs' own jitter prefetch, whatever the console in this process uses
        self.digit_rate = digit_rate
        self.on_failure: Callable[[str], None] | None = None
        self.on_dtmf: Callable[[str, str], None] | None = None
        self.max_media = max_media
        self.connect_timeout = connect_timeout
        self.media_timeout = media_timeout
        self._health_task: asyncio.Task[None] | None = None
        # a list, or a function giving one per leg (TURN credentials that must be fresh: turn_media)
        self._ice_servers: Any = ice_servers if callable(ice_servers) else tuple(ice_servers)
        self._log = logger or log
        self._legs: dict[str, _Leg] = {}
        self._routes: dict[str, str | ServiceKind | AudioMix | None] = {}
        self._services: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._listeners: dict[str, set[str]] = {}  # leg -> who in the switch needs its PCM (see listen)
        self._closed = False

    # --- MediaPlane ---------------------------------------------------------

    async def answer(self, leg: str, offer: dict) -> dict:
        sdp = self._check_offer(offer)
        if self._closed:
            raise MediaUnavailable("the switch's media plane is shut down")
        lock = self._locks.setdefault(leg, asyncio.Lock())
        async with lock:
            ufrag = _ufrag(sdp)
            current = self._legs.get(leg)
            if current is not None and (ufrag != current.ufrag or current.pc.connectionState == "closed"):
                # A new console connection (restore) or a dead one: start over, keep the route.
                self._legs.pop(leg, None)
                await self._close_leg(current)
                current = None
            created = current is None
            if current is None:
                if len(self._legs) >= self.max_media:
                    raise MediaUnavailable(f"media limit reached ({self.max_media} legs)")
                current = self._new_leg(leg, ufrag)
                self._legs[leg] = current
            try:
                answer = await self._negotiate(current, sdp)
                current.negotiated()
                self._plan()
                return answer
            except MediaRejected:
                if created:
                    self._legs.pop(leg, None)
                    await self._close_leg(current)
                raise

    def route(self, leg: str, hears: str | ServiceKind | AudioMix | None) -> None:
        previous = self._routes.get(leg, _UNSET)
        self._routes[leg] = hears
        if type(previous) is type(hears) and previous == hears:
            return  # the same route again: keep the service's state (IVR queue, tone phase)
        self._services.pop(leg, None)
        if isinstance(hears, ServiceKind) and hears in _SERVICES:
            self._services[leg] = _SERVICES[hears]()
        self._plan()

    def listen(self, leg: str, who: str, on: bool = True) -> None:
        """Whether ``who`` (a recorder, a conference mixer ...) needs ``leg``'s decoded audio: while
        anyone does, the leg's receiver decodes into its inbound queue (``pop_audio``); otherwise a
        leg that is only relayed is never decoded."""
        listeners = self._listeners.setdefault(leg, set())
        if on:
            listeners.add(who)
        else:
            listeners.discard(who)
            if not listeners:
                self._listeners.pop(leg, None)
        self._plan()

    def dtmf(self, leg: str, digits: str) -> None:
        service = self._services.get(leg)
        if isinstance(service, Ivr):
            service.digits(digits)

    def has_media(self, leg: str) -> bool:
        return leg in self._legs

    async def close(self, leg: str) -> None:
        self._routes.pop(leg, None)
        self._services.pop(leg, None)
        self._locks.pop(leg, None)
        self._listeners.pop(leg, None)
        current = self._legs.pop(leg, None)
        if current is not None:
            self._plan()
            await self._close_leg(current)

    async def aclose(self) -> None:
        self._closed = True
        if self._health_task is not None:
            self._health_task.cancel()
            await asyncio.gather(self._health_task, return_exceptions=True)
            self._health_task = None
        legs = list(self._legs.values())
        self._legs.clear()
        self._routes.clear()
        self._services.clear()
        self._locks.clear()
        self._listeners.clear()
        await asyncio.gather(*(self._close_leg(leg) for leg in legs), return_exceptions=True)

    # --- figures for tests and the switch's status ----------------------------

    def stats(self, leg: str) -> dict[str, Any] | None:
        current = self._legs.get(leg)
        if current is None:
            return None
        return {
            "frames_in": current.frames_in,
            "frames_out": current.audio_out.frames_sent if current.audio_out else 0,
            "relay_dropped": current.relay_dropped + (current.audio_out.relay_dropped if current.audio_out else 0),
            "frames_relayed": current.audio_out.frames_relayed if current.audio_out else 0,
            "mode": current.audio_out.mode.value if current.audio_out else None,
            "decoding": current.decoding,
            "frames_decoded": current.frames_decoded,
            "stale_dropped": current.stale.dropped,
            "digits_dropped": current.digits_dropped,
            "video_frames_out": current.video_out.frames_sent if current.video_out else 0,
            "connection_state": current.pc.connectionState,
            "route": self._routes.get(leg),
            "seconds_without_audio": current.health.silent_for(asyncio.get_running_loop().time()),
        }

    def console_back(self, leg: str) -> None:
        """The leg's console restored its session: the silence while it was away (a crash, a restart) is not
        held against the call; its new offer has ``media_timeout`` seconds from now (PROTOCOL.md, Media health)."""
        current = self._legs.get(leg)
        if current is not None and not current.failed:
            current.health.expect(False, asyncio.get_running_loop().time())
            current.expect_audio()

    async def wait_connected(self, leg: str, timeout: float = CONNECT_TIMEOUT) -> None:
        async with asyncio.timeout(timeout):
            await self._legs[leg].connected.wait()

    @property
    def leg_count(self) -> int:
        return len(self._legs)

    # --- negotiation ------------------------------------------------------------

    @staticmethod
    def _check_offer(offer: Any) -> str:
        if not isinstance(offer, dict) or offer.get("type") != "offer":
            raise MediaRejected("an offer is a dict with type 'offer'")
        sdp = offer.get("sdp")
        if not isinstance(sdp, str) or not sdp.strip():
            raise MediaRejected("the offer has no SDP")
        if len(sdp) > MAX_SDP:
            raise MediaRejected("the offer's SDP is too large")
        if not re.search(r"^m=audio ", sdp, re.MULTILINE):
            raise MediaRejected("the offer has no audio")
        return sdp

    def _new_leg(self, leg_id: str, ufrag: str | None) -> _Leg:
        servers = self._ice_servers() if callable(self._ice_servers) else self._ice_servers
        pc = RTCPeerConnection(patches.rtc_configuration(servers))
        patches.set_pc_audio_prefetch(pc, self.audio_prefetch)
        current = _Leg(leg_id, pc, ufrag, self.media_timeout)
        if self._health_task is None:
            self._health_task = asyncio.get_running_loop().create_task(self._watch_health(), name="media health")
        pc.on("track", lambda track: self._on_track(current, track))
        pc.on("connectionstatechange", lambda: self._on_connection_state(current))
        current.spawn(asyncio.get_running_loop().create_task(self._watch_connect(current), name=f"leg {leg_id} connect"))
        return current

    async def _negotiate(self, current: _Leg, sdp: str) -> dict:
        pc = current.pc
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            self._attach_tracks(current)
            self._listen_dtmf(current)
            answer = await pc.createAnswer()
            await pc.setLocalDescription(answer)
        except MediaRejected:
            raise
        except Exception as error:
            raise MediaRejected(f"the offer cannot be used: {error or type(error).__name__}") from error
        audio = [t for t in pc.getTransceivers() if t.kind == "audio"]
        if not audio or not patches.negotiated_codecs(audio[0]):
            raise MediaRejected("no audio codec in common")
        return {"type": "answer", "sdp": pc.localDescription.sdp}

    def _attach_tracks(self, current: _Leg) -> None:
        """Give the leg's transceivers our sending tracks (the first audio and first video m-line)."""
        pc = current.pc
        leg_id = current.id
        for transceiver in pc.getTransceivers():
            if transceiver.sender.track is not None:
                continue
            if transceiver.kind == "audio" and current.audio_out is None:
                current.audio_out = RelayAudioTrack(lambda: self._next_audio(leg_id))
                pc.addTrack(current.audio_out)
            elif transceiver.kind == "video" and current.video_out is None:
                current.video_out = PacedVideoTrack(lambda tick: self._next_video(leg_id))
                pc.addTrack(current.video_out)

    def _listen_dtmf(self, current: _Leg) -> None:
        """RFC 4733 digits received on the leg's first audio m-line go to ``on_dtmf``."""
        audio = next((t for t in current.pc.getTransceivers() if t.kind == "audio"), None)
        if audio is not None:
            patches.listen_events(audio.receiver, lambda digit: self._on_digit(current, digit))
            patches.listen_media(audio.receiver, lambda ts, payload, rate: self._on_packet(current, ts, payload, rate))

    def _on_digit(self, current: _Leg, digit: str) -> None:
        if current.closing or self._legs.get(current.id) is not current or self.on_dtmf is None:
            return
        if current.digits is None:
            current.digits = TokenBucket(self.digit_rate, self.digit_rate * 2)
        if not current.digits.take():
            if current.digits_dropped == 0:
                self._log.warning("leg %s sends RFC 4733 digits faster than %g/s; dropping the excess", current.id, self.digit_rate)
            current.digits_dropped += 1
            return
        try:
            self.on_dtmf(current.id, digit)
        except Exception:
            self._log.exception("on_dtmf callback failed")

    # --- media --------------------------------------------------------------------

    def _on_track(self, current: _Leg, track: Any) -> None:
        if current.closing:
            return
        primary = next((t for t in current.pc.getTransceivers() if t.kind == track.kind), None)
        is_primary = primary is not None and primary.receiver.track is track
        if track.kind == "audio" and is_primary:
            handler: Callable[[Any], None] = lambda frame: self._on_audio(current, frame)
        elif track.kind == "video" and is_primary:
            handler = lambda frame: self._on_video(current, frame)
        else:
            handler = lambda frame: None  # extra m-lines: read and drop
        current.spawn(consume(track, handler, name=f"leg {current.id} {track.kind} in"))

    def _on_packet(self, current: _Leg, timestamp: int, payload: bytes, clock_rate: int) -> None:
        """An encoded audio packet from the leg, as it arrives: forwarded to its RELAY hearers."""
        current.health.frame(asyncio.get_running_loop().time())
        current.frames_in += 1
        for track in current.relay_to:
            track.push(timestamp, payload, clock_rate)

    def _on_audio(self, current: _Leg, frame: av.AudioFrame) -> None:
        if current.stale.is_stale(frame):
            return
        current.frames_decoded += 1
        mix = _mix(self._routes.get(current.id))
        for pcm in current.rechunk(current.convert(frame)):
            current.inbound.append(pcm)
            if mix is not None:  # a conference member: the mix gets every frame (console.switch.conference)
                mix.heard(current.id, pcm)

    def _on_video(self, current: _Leg, frame: av.VideoFrame) -> None:
        current.video_in = frame
        current.video_seq += 1

    def _source_leg(self, leg_id: str) -> _Leg | None:
        hears = self._routes.get(leg_id)
        if isinstance(hears, ServiceKind):
            return self._legs.get(leg_id) if hears is ServiceKind.ECHO else None
        return self._legs.get(hears) if isinstance(hears, str) else None  # a mix carries no video

    def _next_audio(self, leg_id: str) -> bytes | None:
        """The next 20 ms for ``leg_id``, per its route (called by its paced track)."""
        hears = self._routes.get(leg_id)
        if isinstance(hears, ServiceKind) and hears is not ServiceKind.ECHO:
            service = self._services.get(leg_id)
            return service.frame() if service is not None else None
        mix = _mix(hears)
        if mix is not None:
            return mix.frame_for(leg_id)
        source = self._source_leg(leg_id)
        return source.pop_audio() if source is not None else None

    def _plan(self) -> None:
        """Each leg's sending mode, whom each leg's packets are forwarded to, and who decodes."""
        relay_to: dict[str, list[RelayAudioTrack]] = {}
        decode: set[str] = set()
        for current in self._legs.values():
            track = current.audio_out
            if track is None:
                continue
            hears = self._routes.get(current.id)
            source = self._source_leg(current.id)
            if not current.sending:
                track.set_mode(Mode.IDLE)
            elif source is not None and same_codec(source.codec(), track.codec):
                track.set_mode(Mode.RELAY, source.id)
                relay_to.setdefault(source.id, []).append(track)
            else:
                track.set_mode(Mode.PACED)
                if source is not None and not (isinstance(hears, ServiceKind) and hears is not ServiceKind.ECHO):
                    decode.add(source.id)
            if _mix(hears) is not None:
                decode.add(current.id)  # a conference member: the mix hears its decoded audio
        for current in self._legs.values():
            current.relay_to = tuple(relay_to.get(current.id, ()))
            current.set_decoding(current.id in decode or current.id in self._listeners)

    def _next_video(self, leg_id: str) -> av.VideoFrame | None:
        source = self._source_leg(leg_id)
        return source.video_in if source is not None else None

    # --- connection state -------------------------------------------------------

    def _on_connection_state(self, current: _Leg) -> None:
        state = current.pc.connectionState
        if state == "connected":
            current.connected.set()
            current.expect_audio()
        elif state == "failed":
            current.health.connection(state)
            self._fail(current, "ICE/DTLS failed")
        elif state == "closed":  # not by us (_fail ignores legs we are closing)
            # A console that reloads or restarts closes its peer connection and its WebSocket in no
            # particular order: give the WebSocket's close (the console is away: kept for restore) or a
            # fresh offer (the leg is replaced) the time to arrive before calling the media dead (the health
            # check is told only then: told now, it failed the leg within CHECK_EVERY, grace or not).
            # Our own ICE giving up (consent expired: the console stopped answering) also closes the connection.
            reason = ("ICE consent expired (the console stopped answering)" if _ice_gave_up(current.pc)
                      else "ICE/DTLS closed by the peer")
            asyncio.get_running_loop().call_later(CLOSED_GRACE, self._fail_if_kept, weakref.ref(current), reason)

    async def _watch_health(self) -> None:
        """Every CHECK_EVERY s: a connected leg whose audio stopped for media_timeout s has failed."""
        while True:
            await asyncio.sleep(CHECK_EVERY)
            self._check_health()  # a call, so no leg stays referenced by this frame while it sleeps

    def _check_health(self) -> None:
        now = asyncio.get_running_loop().time()
        for current in list(self._legs.values()):
            if current.failed or current.closing:
                continue
            reason = current.health.check(now)
            if reason is not None:
                self._fail(current, reason)

    async def _watch_connect(self, current: _Leg) -> None:
        try:
            async with asyncio.timeout(self.connect_timeout):
                await current.connected.wait()
        except TimeoutError:
            self._fail(current, f"ICE/DTLS not connected within {self.connect_timeout:g} s")

    def _fail_if_kept(self, ref: weakref.ref[_Leg], reason: str) -> None:
        """The grace after a peer's close: a leg still there (not closed by us, not replaced) has failed.
        A weak reference, so a leg hung up meanwhile is not kept alive for the grace period."""
        current = ref()
        if current is not None:
            current.health.connection("closed")
            self._fail(current, reason)

    def _fail(self, current: _Leg, reason: str) -> None:
        if current.failed or current.closing or self._legs.get(current.id) is not current:
            return
        current.failed = True
        self._log.warning("leg %s media failed: %s", current.id, reason)
        if self.on_failure is not None:
            try:
                self.on_failure(current.id)
            except Exception:
                self._log.exception("on_failure callback failed")

    async def _close_leg(self, current: _Leg) -> None:
        current.closing = True
        try:
            await current.pc.close()
        finally:
            for track in (current.audio_out, current.video_out):
                if track is not None:
                    track.stop()
            await cancel_tasks(set(current.tasks))
            current.tasks.clear()


def _mix(hears: object) -> AudioMix | None:
    """The route as a mix (leg ids and services are strings; None is silence)."""
    return None if hears is None or isinstance(hears, str) else hears  # type: ignore[return-value]


def _ice_gave_up(pc: RTCPeerConnection) -> bool:
    """The connection closed because our own ICE transport failed (aiortc marks it ``failed`` only when its
    aioice connection closed by itself: consent expired), not because the peer closed DTLS."""
    return any(t.sender.transport is not None and t.sender.transport.transport.state == "failed"
               for t in pc.getTransceivers())


def _ufrag(sdp: str) -> str | None:
    match = _UFRAG.search(sdp)
    return match.group(1) if match else None
