"""CallMedia: the console side of one call's media, one aiortc RTCPeerConnection.

On our JSON wire the console is always the offerer (docs/PROTOCOL.md); over
SIP the far end may offer too (:meth:`CallMedia.create_answer`). The client core asks
for an offer, sends it with dial/answer/hold/retrieve/media, and applies the
switch's answer. Hold is a re-offer with direction "inactive" (or
"sendonly"), retrieve one with "sendrecv"; the connection is reused.

Audio out: a paced track that sends the hub's microphone frames while this
call has the focus, silence otherwise. Audio in: always read (an unread track
leaks memory), written to the call's audio element and, while focused, to the
speaker. Right after a retrieve, the receiver's jitter buffer still holds a
few frames from before the hold; they are recognised by the timestamp jump
and dropped instead of played.

Video: a synthetic moving-bars track unless a camera source is given; the
decoded remote video goes to the remote element, our own frames to the local one.

DTMF (RFC 4733): offers list telephone-event (see ``patches``); digits the
switch (or a SIP peer) sends as events arrive through ``on_digits``, one call
per digit; :meth:`CallMedia.send_dtmf` sends digits as events, replacing the
outgoing audio packets while a digit plays, as a browser's RTCDTMFSender does.

aiortc keeps the payload types and header-extension ids of its static codec
tables on every offer, so re-offers never reassign them (which Chrome rejects).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Protocol

import av
from aiortc import RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription

from console.core.errors import MediaError
from console.core.dtmf import check_digits

from . import patches
from .frames import MonoConverter, StaleFilter
from .health import CHECK_EVERY, MEDIA_TIMEOUT, MediaHealth
from .hub import DeviceHub
from .sdp_fixups import for_aiortc
from .tracks import PacedAudioTrack, PacedVideoTrack, cancel_tasks, consume, synthetic_video

DIRECTIONS = frozenset({"sendrecv", "sendonly", "recvonly", "inactive"})
RECEIVING = frozenset({"sendrecv", "recvonly"})
CONNECT_TIMEOUT = 10.0
FAR_END_CLOSE_GRACE = 2.0  # s the call's end may take to follow the far end closing its media


class FrameWriter(Protocol):
    def write(self, frame: Any) -> None: ...


class CallMedia:
    """One call's peer connection on the console side; see the module docstring."""

    def __init__(
        self,
        hub: DeviceHub,
        ice_servers: Any = (),
        on_failure: Callable[[], None] | None = None,
        on_video_change: Callable[[bool], None] | None = None,
        log: logging.Logger | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        video_source: Callable[[int], av.VideoFrame | None] | None = None,
        on_digits: Callable[[str], None] | None = None,
        media_timeout: float = MEDIA_TIMEOUT,
        audio_prefetch: int | None = None,
        ice_policy: str = "all",
    ) -> None:
        patches.apply()
        self._ice_policy = ice_policy  # "relay": only TURN relay candidates (patches.rtc_configuration)
        self._audio_prefetch = audio_prefetch  # this call's jitter prefetch; None: the console's (set_audio_prefetch)
        self.on_digits = on_digits
        """Called with each DTMF digit received as an RFC 4733 event, in order."""
        self.hub = hub
        self._ice_servers = tuple(ice_servers)
        self._on_failure = on_failure
        self._on_video_change = on_video_change
        self._log = log or logging.getLogger(__name__)
        self._connect_timeout = connect_timeout
        self._video_source = video_source or synthetic_video()

        self._pc: RTCPeerConnection | None = None
        self._audio_track = PacedAudioTrack(self._next_mic_frame)
        self._video_track: PacedVideoTrack | None = None
        self._audio_tx: RTCRtpTransceiver | None = None
        self._video_tx: RTCRtpTransceiver | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watchdog: asyncio.Task[None] | None = None
        self._health = MediaHealth(media_timeout)
        self._health_task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._failed = False
        self._closed = False

        self._audio_element: FrameWriter | None = None
        self._local_video: FrameWriter | None = None
        self._remote_video: FrameWriter | None = None
        self._convert = MonoConverter()
        self._receiving = False
        self._was_receiving = False
        self._stale = StaleFilter()
        self._video_active = False
        self._muted = False
        self._recorder: Any = None  # a recorder.CallRecorder while this call is recorded
        self.mixer: Any = None  # a mixer.Mixer while the call is in a conference mixed in the console
        self.hold_music: Callable[[], bytes] | None = None  # what a call parked at the console hears
        self._counts = {"frames_in": 0, "video_frames_in": 0, "offers": 0, "answers": 0, "digits_in": 0}

    # --- elements ---------------------------------------------------------

    def set_audio_element(self, element: FrameWriter | None) -> None:
        """Where the decoded remote audio goes (every frame, focused or not)."""
        self._audio_element = element

    def set_video_elements(self, local: FrameWriter | None, remote: FrameWriter | None) -> None:
        """``local`` gets the frames we send, ``remote`` the decoded remote video."""
        self._local_video = local
        self._remote_video = remote

    # --- negotiation ------------------------------------------------------

    async def create_offer(self, direction: str = "sendrecv", video: bool = False) -> dict[str, str]:
        """An SDP offer for the switch: the first one creates the connection, later ones renegotiate it."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {sorted(DIRECTIONS)}, not {direction!r}")
        if self._closed:
            raise MediaError("the call's media is closed")
        pc = self._ensure_pc()
        if self._audio_tx is None:
            self._audio_tx = pc.addTransceiver(self._audio_track, direction=direction)
            patches.listen_events(self._audio_tx.receiver, self._on_event_digit)
        else:
            self._audio_tx.direction = direction
        if video:
            if self._video_tx is None:
                self._video_track = PacedVideoTrack(self._video_source, on_frame=self._on_local_video)
                self._video_tx = pc.addTransceiver(self._video_track, direction=direction)
            else:
                self._video_tx.direction = direction
        elif self._video_tx is not None:
            self._video_tx.direction = "inactive"  # an m-line is never removed, only disabled
        try:
            offer = await pc.createOffer()
            await pc.setLocalDescription(offer)
        except Exception as error:
            raise MediaError(f"could not create an offer: {error}") from error
        self._counts["offers"] += 1
        return {"type": "offer", "sdp": pc.localDescription.sdp}

    async def accept_answer(self, answer: dict[str, Any]) -> None:
        """Apply the switch's answer to our last offer."""
        if self._closed:
            raise MediaError("the call's media is closed")
        if self._pc is None or self._pc.signalingState != "have-local-offer":
            raise MediaError("no offer is waiting for an answer")
        if not isinstance(answer, dict) or answer.get("type") != "answer" or not isinstance(answer.get("sdp"), str):
            raise MediaError("an answer is a dict with type 'answer' and an 'sdp' string")
        try:
            await self._pc.setRemoteDescription(RTCSessionDescription(sdp=for_aiortc(answer["sdp"]), type="answer"))
        except Exception as error:
            raise MediaError(f"the answer cannot be used: {error}") from error
        self._counts["answers"] += 1
        self._after_negotiation()
        if self._watchdog is None:
            self._watchdog = self._spawn(self._watch_connect(), "call media connect watchdog")

    async def create_answer(self, offer: dict[str, Any]) -> dict[str, str]:
        """Answer the far end's offer (a SIP INVITE or re-INVITE; the JSON switch never offers).

        The first offer creates the connection: its audio m-line gets our paced track (sendrecv
        unless the offer holds us) and the telephone-event listener; other media are declined
        (inactive). Later offers renegotiate the same connection.
        """
        if self._closed:
            raise MediaError("the call's media is closed")
        if not isinstance(offer, dict) or offer.get("type") != "offer" or not isinstance(offer.get("sdp"), str):
            raise MediaError("an offer is a dict with type 'offer' and an 'sdp' string")
        pc = self._ensure_pc()
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=for_aiortc(offer["sdp"]), type="offer"))
            for transceiver in pc.getTransceivers():
                if transceiver.kind == "audio" and self._audio_tx is None:
                    self._audio_tx = transceiver
                    transceiver.sender.replaceTrack(self._audio_track)
                    transceiver.direction = "sendrecv"
                    patches.listen_events(transceiver.receiver, self._on_event_digit)
                elif transceiver is not self._audio_tx and transceiver is not self._video_tx:
                    transceiver.direction = "inactive"
            if self._audio_tx is None:
                raise MediaError("the offer has no audio")
            await pc.setLocalDescription(await pc.createAnswer())
        except MediaError:
            raise
        except Exception as error:
            raise MediaError(f"could not answer the offer: {error}") from error
        self._counts["answers"] += 1
        self._after_negotiation()
        if self._watchdog is None:
            self._watchdog = self._spawn(self._watch_connect(), "call media connect watchdog")
        return {"type": "answer", "sdp": pc.localDescription.sdp}

    def _after_negotiation(self) -> None:
        receiving = self._audio_tx is not None and self._audio_tx.currentDirection in RECEIVING
        if receiving and not self._receiving and self._was_receiving:
            # Retrieve: the jitter buffer still holds frames from before the hold.
            self._stale.arm(patches.audio_prefetch(self._pc) + 2)
            if self.focused:
                self.hub.device.flush_playout()
        self._was_receiving = self._was_receiving or receiving
        self._receiving = receiving
        sending = self._audio_tx is not None and self._audio_tx.currentDirection in ("sendrecv", "sendonly")
        self._audio_track.pause(not sending)  # a held call (inactive, recvonly) makes no frames at all
        self._expect_audio()
        video_receiving = self._video_tx is not None and self._video_tx.currentDirection in RECEIVING
        if not video_receiving:
            self._set_video_active(False)

    # --- mute and recording --------------------------------------------------

    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, on: bool) -> None:
        """Mute: the call keeps its state and sends silence instead of the microphone (not a hold)."""
        self._muted = bool(on)

    @property
    def recorder(self) -> Any:
        """The active recorder (see ``recorder.CallRecorder``), or None."""
        return self._recorder if self._recorder is not None and self._recorder.active else None

    def start_recording(self, recorder: Any) -> None:
        """Feed ``recorder`` both directions from now on: ``sent(pcm | None)`` each frame we send,
        ``received(pcm)`` each frame we receive. Replaces (and stops) a previous one."""
        if self._closed:
            raise MediaError("the call's media is closed")
        previous, self._recorder = self._recorder, recorder
        if previous is not None and previous is not recorder:
            previous.stop()

    def hand_over_recording(self) -> Any:
        """Let go of the active recorder without stopping it (the call moves to new media, which takes it
        on: one recording of the call, not one per peer connection); None if there is none."""
        recorder, self._recorder = self.recorder, None
        return recorder

    def stop_recording(self, reason: Any = None) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            recorder.stop() if reason is None else recorder.stop(reason)

    # --- DTMF (RFC 4733) -----------------------------------------------------

    def send_dtmf(self, digits: str, duration_ms: int = 100, gap_ms: int = 70) -> None:
        """Queue ``digits`` (0-9 * # A-D) to be sent as RFC 4733 events, ``duration_ms`` each
        (40-6000) and ``gap_ms`` apart (30 or more), as RTCDTMFSender.insertDTMF does.

        Raises MediaError if the media is not connected, sends no audio (held), or
        the far end did not accept telephone-event, InvalidDigitError for a digit outside the sixteen.
        """
        digits = check_digits(digits)
        if self._closed or self._audio_tx is None or not self._connected.is_set():
            raise MediaError("DTMF needs connected media")
        if self._audio_tx.currentDirection not in ("sendrecv", "sendonly"):
            raise MediaError(f"DTMF needs audio going out; it is {self._audio_tx.currentDirection} (held?)")
        try:
            patches.send_events(self._audio_tx).insert(digits, duration_ms, gap_ms)
        except ValueError as error:
            raise MediaError(f"cannot send DTMF: {error}") from error

    @property
    def dtmf_pending(self) -> str:
        """Digits queued by :meth:`send_dtmf` and not sent completely yet."""
        sender = self._event_sender()
        return sender.pending if sender is not None else ""

    def _event_sender(self) -> Any:
        if self._audio_tx is None or not self._connected.is_set():
            return None
        try:
            return patches.send_events(self._audio_tx)
        except ValueError:
            return None

    def _on_event_digit(self, digit: str) -> None:
        self._counts["digits_in"] += 1
        if self.on_digits is not None and not self._closed:
            try:
                self.on_digits(digit)
            except Exception:
                self._log.exception("on_digits callback failed")

    # --- state --------------------------------------------------------------

    @property
    def focused(self) -> bool:
        return self.hub.focused is self

    @property
    def video_active(self) -> bool:
        """Video is negotiated towards us and remote frames arrive."""
        return self._video_active

    @property
    def connection_state(self) -> str:
        return self._pc.connectionState if self._pc is not None else "new"

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def seconds_without_audio(self) -> float:
        """How long no audio arrived although the call should be receiving (0 while it should not).

        The switchboard shows it ("no audio for N s") before the media-health
        grace period (``media_timeout``) ends the call through ``on_failure``.
        """
        if self._closed or self._pc is None:
            return 0.0
        return self._health.silent_for(asyncio.get_running_loop().time())

    @property
    def stats(self) -> dict[str, Any]:
        return {
            **self._counts,
            "stale_dropped": self._stale.dropped,
            "frames_out": self._audio_track.frames_sent,
            "dtmf_packets_out": sender.packets if (sender := self._event_sender()) is not None else 0,
            "video_frames_out": self._video_track.frames_sent if self._video_track else 0,
            "connection_state": self.connection_state,
            "seconds_without_audio": round(self.seconds_without_audio, 1),
            "focused": self.focused,
            "muted": self._muted,
            "recording": str(rec.path) if (rec := self.recorder) is not None else None,
            "video_active": self._video_active,
        }

    async def wait_connected(self, timeout: float = CONNECT_TIMEOUT) -> None:
        """Return once ICE and DTLS are connected (raises TimeoutError)."""
        async with asyncio.timeout(timeout):
            await self._connected.wait()

    async def close(self) -> None:
        """End the connection and every task of this call; idempotent."""
        if self._closed:
            return
        self._closed = True
        self.hub.release(self)
        if self._recorder is not None:
            from .recorder import StopReason

            self.stop_recording(StopReason.ENDED)
        pc, self._pc = self._pc, None
        self._audio_tx = self._video_tx = None  # they hold the pc (its transports' handlers)
        try:
            if pc is not None:
                await pc.close()
        finally:
            self._audio_track.stop()
            if self._video_track is not None:
                self._video_track.stop()
            await cancel_tasks(set(self._tasks))
            self._tasks.clear()
            self._video_active = False

    # --- internals ----------------------------------------------------------

    def _ensure_pc(self) -> RTCPeerConnection:
        if self._pc is None:
            self.hub.start()
            pc = RTCPeerConnection(patches.rtc_configuration(self._ice_servers, self._ice_policy))
            if self._audio_prefetch is not None:
                patches.set_pc_audio_prefetch(pc, self._audio_prefetch)
            pc.on("track", self._on_track)
            pc.on("connectionstatechange", self._on_connection_state)
            self._pc = pc
        return self._pc

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _next_mic_frame(self) -> bytes | None:
        if self.mixer is not None:  # in a conference mixed here: the others' audio and the microphone
            pcm = self.mixer.frame_for(self, with_mic=not self._muted)
        else:
            pcm = self.hub.mic_frame(self)  # taken even while muted: the hub's queue stays fresh
            shift = self.hub.mic_clock_shift(self)
            if shift:
                self._audio_track.shift(shift)
            if self._muted:
                pcm = None
            if self.hold_music is not None:  # parked here: music instead of the (absent) operator
                pcm = self.hold_music()
        if self._recorder is not None:
            self._recorder.sent(pcm)
        return pcm

    def _on_track(self, track: Any) -> None:
        handler = self._on_audio_frame if track.kind == "audio" else self._on_video_frame
        task = consume(track, handler, name=f"call media {track.kind} in")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_audio_frame(self, frame: av.AudioFrame) -> None:
        self._health.frame(asyncio.get_running_loop().time())
        if self._stale.is_stale(frame):
            return
        self._counts["frames_in"] += 1
        if self._audio_element is not None:
            self._audio_element.write(frame)
        if self.mixer is not None:  # the conference's parties and the operator hear it through the mixer
            pcm = self._convert(frame)
            if self._recorder is not None:
                self._recorder.received(pcm)
            self.mixer.heard(self, pcm)
            return
        if self.focused or self._recorder is not None:
            pcm = self._convert(frame)
            if self._recorder is not None:
                self._recorder.received(pcm)
            if self.focused:
                self.hub.speak(self, pcm)

    def _on_video_frame(self, frame: av.VideoFrame) -> None:
        self._counts["video_frames_in"] += 1
        if self._remote_video is not None:
            self._remote_video.write(frame)
        if self._video_tx is not None and self._video_tx.currentDirection in RECEIVING:
            self._set_video_active(True)

    def _on_local_video(self, frame: av.VideoFrame) -> None:
        if self._local_video is not None:
            self._local_video.write(frame)

    def _set_video_active(self, active: bool) -> None:
        if active == self._video_active:
            return
        self._video_active = active
        if self._on_video_change is not None and not self._closed:
            try:
                self._on_video_change(active)
            except Exception:
                self._log.exception("on_video_change callback failed")

    def _on_connection_state(self) -> None:
        pc = self._pc
        if pc is None:
            return
        state = pc.connectionState
        if state == "connected":
            self._connected.set()
            self._expect_audio()
            if self._health_task is None:
                self._health_task = self._spawn(self._watch_health(), "call media health")
        elif state == "failed":
            self._fail("ICE/DTLS failed")
        elif state == "closed":
            # The far end closed it: usually because the call ended there (a transfer, a hang-up), and the call
            # event saying so can arrive just after. Only a close that the call's end does not follow fails it.
            asyncio.get_running_loop().call_later(FAR_END_CLOSE_GRACE, self._fail,
                                                  "the far end closed the media connection")

    async def _watch_connect(self) -> None:
        try:
            async with asyncio.timeout(self._connect_timeout):
                await self._connected.wait()
        except TimeoutError:
            self._fail(f"ICE/DTLS not connected within {self._connect_timeout:g} s")

    def _expect_audio(self) -> None:
        now = asyncio.get_running_loop().time()
        self._health.expect(self._receiving and self._connected.is_set(), now)

    async def _watch_health(self) -> None:
        """Dead media (see console.media.health) fails the call, like ICE/DTLS failing does."""
        loop = asyncio.get_running_loop()
        while not self._closed and not self._failed:
            await asyncio.sleep(CHECK_EVERY)
            reason = self._health.check(loop.time())
            if reason is not None:
                self._fail(reason)

    def _fail(self, reason: str) -> None:
        if self._failed or self._closed:
            return
        self._failed = True
        self._log.warning("call media failed: %s", reason)
        if self._on_failure is not None:
            try:
                self._on_failure()
            except Exception:
                self._log.exception("on_failure callback failed")
