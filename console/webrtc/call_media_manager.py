"""CallMediaManager: the calls' peer connections and the one device hub they share.

Owned by :class:`~console.webrtc.instance.WebRtcInstance`; knows calls only by
the session's ``ref``. Kept apart from the signalling so that a console without
media (no element set, as in the seed before setAudioElement) never imports
aiortc. Every failure leaves here as a :class:`~console.core.errors.MediaError`
(the driver turns it into ``DISC_REASON.MEDIA``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from console.core.device_change import DeviceChange
from console.core.enums import CALL_STATES
from console.core.errors import ConsoleError, DeviceError, MediaError

from .handlers import TaskSet

log = logging.getLogger("console.webrtc")
CLOSE_GRACE = 5.0


class CallMediaManager:
    def __init__(self, tasks: TaskSet, *, device: Any, ice_servers: tuple | list, media_timeout: float,
                 ringer: str | int | None = None, ice_policy: str = "all",
                 latency_ms: int | None = None) -> None:
        self._tasks = tasks
        self._latency_ms = latency_ms  # a sound card's buffering ([audio] latency_ms; None: the default)
        self._device_spec = device
        self._ringer_spec = ringer
        self._own_ice_servers: tuple = tuple(ice_servers)  # the console's own (its config), always first
        self.ice_servers: tuple = self._own_ice_servers
        self.ice_policy = ice_policy
        self.media_timeout = media_timeout
        self.hub: Any = None
        self._media: dict[int, Any] = {}
        self._muted: set[int] = set()  # refs muted (also before their media exists)
        self._closing: set[asyncio.Task] = set()  # close tasks of ended calls: awaited, never cancelled, by aclose
        self._mixers: dict[str, Any] = {}  # conference -> media.mixer.Mixer (conferences mixed in the console)
        self._mixed: dict[int, str] = {}  # ref -> the conference its media is mixed in
        self.on_device: Callable[[DeviceChange], Any] | None = None  # the devices' news (WebRtcInstance's handler)
        self._hub_announced = False  # the devices the hub started with were told to on_device
        self._prepare_warned = False  # prepare() said once that the device is not ready

    def use_ice_servers(self, servers: Any) -> None:
        """The switch's ICE servers (its login result: TURN with fresh credentials) after the console's own,
        for calls whose media starts from now on (aioice takes the first TURN server: the console's own wins)."""
        self.ice_servers = self._own_ice_servers + tuple(
            {"urls": list(s.urls), "username": s.username, "credential": s.credential} for s in servers)

    def get(self, ref: int) -> Any:
        """The call's CallMedia, or None before media started."""
        return self._media.get(ref)

    # -- the device hub ---------------------------------------------------------
    def prepare(self) -> None:
        """Open and start the device before a call needs it; never raises: a device that cannot be used is one
        warning line, once (the hub falls back to the silent device by itself, saying so once)."""
        try:
            self.ensure_hub()
        except ConsoleError as exc:
            if not self._prepare_warned:
                self._prepare_warned = True
                log.warning("audio device not ready: %s", exc)

    def ensure_hub(self) -> Any:
        if self.hub is None:
            from console.media.hub import DeviceHub

            device = self._device_spec
            try:
                if device == "auto" or device is None or isinstance(device, (str, int)):
                    self.hub = DeviceHub.open(None if device == "auto" else device, ringer=self._ringer_spec, log=log,
                                              notify=self._device_notice, latency_ms=self._latency_ms)
                else:
                    self.hub = DeviceHub(device, notify=self._device_notice)
            except ConsoleError:
                raise
            except Exception as exc:  # noqa: BLE001 - a device library's error, translated once here
                raise DeviceError(f"the audio device could not be opened: {exc}") from exc
        try:
            self.hub.start()
        except ConsoleError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise DeviceError(f"the audio device could not be started: {exc}") from exc
        if not self._hub_announced:
            self._hub_announced = True
            self._opened(self.hub)
        return self.hub

    def _opened(self, hub: Any) -> None:
        """Say which devices the new hub holds (in use, or a named one missing: failed till it appears)."""
        from console.media.failover import slot_change

        self._device_changed(slot_change("device", hub.device))
        if hub.ringer is not None:
            self._device_changed(slot_change("ringer", hub.ringer))

    def _device_notice(self, notice: str) -> None:
        """The hub's watch told the operator (a failover.DeviceNotice): its change goes to the handler."""
        change = getattr(notice, "change", None)
        if change is not None:
            self._device_changed(change)

    def _device_changed(self, change: DeviceChange) -> None:
        if self.on_device is not None:
            try:
                self.on_device(change)
            except Exception:  # noqa: BLE001 - the application's handler must not break the audio
                log.exception("device handler failed")

    def set_ringing(self, on: bool) -> None:
        if on:
            self.ensure_hub().alert(True)
        elif self.hub is not None:
            self.hub.alert(False)

    # -- one call's media -------------------------------------------------------
    def elements_changed(self, ref: int, audio: Any, video: tuple[Any, Any] | None) -> None:
        media = self._media.get(ref)
        if media is None:
            return
        if audio is not None:
            media.set_audio_element(audio)
        if video is not None:
            media.set_video_elements(*video)

    async def offer(self, ref: int, direction: str, audio: Any, video: tuple[Any, Any] | None,
                    on_failure: Callable[[], None], on_video: Callable[[bool], None],
                    on_digits: Callable[[str], None] | None = None,
                    remote_offer: dict[str, str] | None = None, fresh: bool = False) -> dict[str, str]:
        """Our offer; with ``remote_offer`` (the far end offered, as SIP does) our answer to it.

        ``fresh``: the call moves to new media (a SIP transfer): its peer connection is closed, a new one offers.
        """
        recording = None
        if fresh and ref in self._media:
            recording = self._media[ref].hand_over_recording()  # the recording goes on in the new media
            self._drop(ref)
        media = self._media.get(ref)
        try:
            if media is None:
                from console.media.call_media import CallMedia

                media = CallMedia(self.ensure_hub(), ice_servers=self.ice_servers, on_failure=on_failure,
                                  on_video_change=on_video, log=log, connect_timeout=self.media_timeout,
                                  ice_policy=self.ice_policy)
                media.on_digits = on_digits  # RFC 4733 digits received in the media (CallMedia's public hook)
                media.set_muted(ref in self._muted)
                self._media[ref] = media
                self.elements_changed(ref, audio, video)
                if recording is not None:
                    media.start_recording(recording)
            if remote_offer is not None:
                return await media.create_answer(remote_offer)
            return await media.create_offer(direction=direction, video=video is not None)
        except ConsoleError:
            raise
        except Exception as exc:  # noqa: BLE001 - aiortc's own errors become one MediaError
            raise MediaError(f"could not create an offer: {exc}") from exc

    async def apply(self, ref: int, sdp: dict[str, str], state: CALL_STATES) -> None:
        media = self._media.get(ref)
        if media is None:
            raise MediaError("an answer for a call without media")
        try:
            await media.accept_answer(sdp)
        except ConsoleError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise MediaError(f"the answer cannot be used: {exc}") from exc
        self.state_changed(ref, state)

    def state_changed(self, ref: int, state: CALL_STATES) -> None:
        """Who has the devices: a connected (or far-end-held) call; a held or ended call lets go."""
        media = self._media.get(ref)
        if media is None:
            return
        if state is CALL_STATES.DISCONNECTED:
            self._muted.discard(ref)
            self._drop(ref)
        elif state is CALL_STATES.HELD:
            if self.hub is not None:
                self.hub.release(media)
        elif state in (CALL_STATES.CONNECTED, CALL_STATES.HOLDING) and self.hub is not None:
            self.hub.focus(media)

    # -- conferences mixed in the console (a wire without a focus: SIP) -------------
    def mix(self, ref: int, conference: str) -> None:
        """Put the call's media into ``conference``'s mixer ("": out of any): each member is sent the others."""
        if self._mixed.get(ref, "") == conference:
            return
        self._unmix(ref)
        media = self._media.get(ref)
        if not conference or media is None:
            return
        mixer = self._mixers.get(conference)
        if mixer is None:
            from console.media.mixer import Mixer

            mixer = self._mixers[conference] = Mixer(self.ensure_hub())
        try:
            mixer.add(media)
        except ValueError as exc:
            raise MediaError(str(exc)) from exc
        media.mixer = mixer
        self._mixed[ref] = conference

    def _unmix(self, ref: int) -> None:
        conference = self._mixed.pop(ref, None)
        mixer = self._mixers.get(conference or "")
        media = self._media.get(ref)
        if mixer is None:
            return
        if media is not None:
            mixer.remove(media)
            media.mixer = None
        if not len(mixer):
            del self._mixers[conference or ""]

    def _drop(self, ref: int) -> None:
        self._unmix(ref)
        media = self._media.pop(ref)
        if self.hub is not None:
            self.hub.release(media)
        task = self._tasks.spawn(media.close(), name="media close")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    # -- mute and recording (extensions) ------------------------------------------
    def set_muted(self, ref: int, on: bool) -> None:
        (self._muted.add if on else self._muted.discard)(ref)
        media = self._media.get(ref)
        if media is not None:
            media.set_muted(on)

    def start_recording(self, ref: int, path: Any, max_seconds: float,
                        on_stop: Callable[[str], None]) -> None:
        """Record the call's two directions into the WAV file ``path`` (see console.media.recorder)."""
        media = self._media.get(ref)
        if media is None or media.closed:
            raise MediaError("recording needs the call's media (set an audio element first)")
        if media.recorder is not None:
            raise MediaError(f"the call is already being recorded to {media.recorder.path}")
        from console.media.recorder import CallRecorder

        try:
            recorder = CallRecorder(path, max_seconds, on_stop=lambda reason: on_stop(str(reason)))
        except ValueError as exc:
            raise MediaError(str(exc)) from exc
        media.start_recording(recorder)

    def stop_recording(self, ref: int) -> bool:
        media = self._media.get(ref)
        if media is None or media.recorder is None:
            return False
        media.stop_recording()
        return True

    def recording_path(self, ref: int) -> str | None:
        media = self._media.get(ref)
        recorder = media.recorder if media is not None else None
        return str(recorder.path) if recorder is not None else None

    async def aclose(self) -> None:
        if self._closing:  # let ended calls finish closing: a cancelled close leaks aiortc's tasks
            await asyncio.wait(set(self._closing), timeout=CLOSE_GRACE)
        for ref in list(self._media):
            await self._media.pop(ref).close()
        if self.hub is not None:
            self.hub.stop()
