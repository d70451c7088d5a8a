"""Where the client core meets the media layer: one peer connection per call, one device hub.

Kept apart from the signaling so that a console without media (no element
set, as in the seed before setAudioElement) never imports aiortc.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from console.core.enums import CALL_STATES
from console.core.machines import LEGAL, CallRequest
from console.core.protocol import Message, MsgType

from .handlers import log

if TYPE_CHECKING:
    from .call import WebRtcCall


class MediaGlue:
    """Mixed into WebRtcInstance: creates, renegotiates, focuses and closes call media."""

    def __init__(self, *, device: Any, ice_servers: tuple | list, media_timeout: float) -> None:
        self._device_spec = device
        self._ice_servers = tuple(ice_servers)
        self._media_timeout = media_timeout
        self.hub: Any = None
        self._media_closing: set[Any] = set()  # close tasks of ended calls: awaited, never cancelled, by aclose

    # -- the device hub ---------------------------------------------------
    def _ensure_hub(self) -> Any:
        if self.hub is None:
            from console.media.devices import open_device
            from console.media.hub import DeviceHub

            device = self._device_spec
            if device == "auto" or device is None or isinstance(device, (str, int)):
                device = open_device(None if device == "auto" else device, log)
            self.hub = DeviceHub(device)
        self.hub.start()
        return self.hub

    def _new_media(self, call: WebRtcCall) -> Any:
        from console.media.call_media import CallMedia

        def on_failure() -> None:
            log.warning("call %s: media failed (ICE/DTLS did not complete)", call.id)

        media = CallMedia(
            self._ensure_hub(),
            ice_servers=self._ice_servers,
            on_failure=on_failure,
            on_video_change=call._set_video,
            log=log,
            connect_timeout=self._media_timeout,
        )
        if call._audio_element is not None:
            media.set_audio_element(call._audio_element)
        if call._video_elements is not None:
            media.set_video_elements(*call._video_elements)
        return media

    # -- negotiation ------------------------------------------------------
    async def _offer(self, call: WebRtcCall, direction: str) -> dict | None:
        """An SDP offer for the call, or None if the application set no element (signaling only)."""
        if not (call.has_audio_element() or call.has_video_elements()):
            return None
        if call.media is None:
            call.media = self._new_media(call)
        return await call.media.create_offer(direction=direction, video=call.has_video_elements())

    async def _answered(self, call: WebRtcCall, result: Message) -> None:
        answer = result.get("sdp")
        if answer and call.media is not None:
            await call.media.accept_answer(answer)
            self._focus_if_active(call)

    def _media_wanted(self, call: WebRtcCall) -> None:
        """An element was set: negotiate now if the call is past the point where an offer rides along."""
        media_states, _ = LEGAL[CallRequest.MEDIA]  # where a `media` re-offer is legal
        if call.id is not None and call.get_state() in media_states:
            self._spawn(self._renegotiate(call))  # type: ignore[attr-defined]

    def _media_restored(self, call: WebRtcCall) -> None:
        if call.has_audio_element() or call.has_video_elements():
            self._spawn(self._renegotiate(call))  # type: ignore[attr-defined]

    async def _renegotiate(self, call: WebRtcCall) -> None:
        direction = "inactive" if call.get_state() is CALL_STATES.HELD else "sendrecv"
        try:
            await self._negotiate(call, MsgType.MEDIA, direction, None, call=call.id)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - reported, the call stays as it is
            self._failed(call, "media negotiation", exc)  # type: ignore[attr-defined]

    def set_ringing(self, on: bool) -> None:
        """Extra: ring the speaker for an incoming call while no call has the device (opens it if needed)."""
        if on:
            self._ensure_hub().alert(True)
        elif self.hub is not None:
            self.hub.alert(False)

    # -- who has the devices ---------------------------------------------
    def _focus_if_active(self, call: WebRtcCall) -> None:
        if self.hub is not None and call.media is not None and call.get_state() in (CALL_STATES.CONNECTED, CALL_STATES.HOLDING):
            self.hub.focus(call.media)

    def _media_state_changed(self, call: WebRtcCall, previous: CALL_STATES | None) -> None:
        if call.media is None:
            return
        state = call.get_state()
        if state is CALL_STATES.DISCONNECTED:
            media, call.media = call.media, None
            if self.hub is not None:
                self.hub.release(media)
            task = self._spawn(media.close(), name="media close")  # type: ignore[attr-defined]
            self._media_closing.add(task)
            task.add_done_callback(self._media_closing.discard)
        elif state is CALL_STATES.HELD:
            if self.hub is not None:
                self.hub.release(call.media)
        else:
            self._focus_if_active(call)

    async def _close_media(self) -> None:
        if self._media_closing:  # let ended calls finish closing: a cancelled close leaks aiortc's tasks
            await asyncio.wait(set(self._media_closing), timeout=5.0)
        for call in list(getattr(self, "_calls", {}).values()):
            if call.media is not None:
                media, call.media = call.media, None
                await media.close()
        if self.hub is not None:
            self.hub.stop()

