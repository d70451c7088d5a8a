"""CallController: what a WebRtcCall asks of its instance (the :class:`CallControl` port), in one object."""

from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from console.core.client import ClientSession
from console.core.client import events as ev
from console.core.enums import CALL_STATES, LOGIN_STATES
from console.core.errors import CallStateError, ConsoleError, MediaError
from console.core.machines import CallRequest

from .call import WebRtcCall
from .call_media_manager import CallMediaManager
from .handlers import TaskSet, fire
from .pump import EventPump

log = logging.getLogger("console.webrtc")


class CallController:
    """The :class:`CallControl` port a WebRtcCall talks to, composed from what the instance hands over.

    It gets the session, the media manager, the event pump, the instance's call table (read only) and the
    task set for handlers; it never reaches into the instance itself. ``auto_hold`` lives here: with it the
    devices belong to one call, and this is the object that keeps that so.
    """

    def __init__(self, session: ClientSession, media: CallMediaManager, pump: EventPump,
                 calls: Mapping[int, WebRtcCall], tasks: TaskSet, *, auto_hold: bool = False) -> None:
        self._session = session
        self._media = media
        self._pump = pump
        self._calls = calls
        self._tasks = tasks
        self.auto_hold = auto_hold
        self._focus: WebRtcCall | None = None  # with auto_hold: the call that last asked for the devices
        self.recaller: Any = None  # a transfer_recall.TransferRecaller: transfers with recall done here (SIP)
        self.parker: Any = None  # a local_park.LocalParker: park done here (SIP)
        self.park_mode = "local"  # or "refer:<the server's park extension>"

    def dial(self, call: WebRtcCall, number: Any, name: Any) -> None:
        if call.get_state() is CALL_STATES.IDLE and self._session.login_state is LOGIN_STATES.SUCCESS:
            self._hold_others(call)
        self._pump.run(self._session.dial(call.ref, number, name, self._has_media(call), self._pump.now()))

    def request(self, call: WebRtcCall, request: CallRequest, **extra: Any) -> None:
        recall = self.recaller is not None and self._session.capabilities.recall_transfer
        if request is CallRequest.BLIND_TRANSFER and recall:  # consult first, REFER with Replaces, or recall
            self.recaller.blind(call, str(extra.get("number") or ""))
            return
        if request is CallRequest.PARK and self.parker is not None and self._session.capabilities.local_park:
            if self.park_mode.startswith("refer:"):  # the server keeps parked calls: REFER to its extension
                request, extra = CallRequest.BLIND_TRANSFER, {"number": self.park_mode.partition(":")[2]}
            else:
                self.parker.park(call, extra.get("orbit"))
                return
        if request is CallRequest.TRANSFER:
            other = extra.get("to")
            if not isinstance(other, WebRtcCall) or self._calls.get(other.ref) is not other:
                self.report(call, "transfer needs another call of the same instance")
                return
            if recall and other.get_state() in (CALL_STATES.DIALING, CALL_STATES.RINGING):
                self.recaller.announced(call, other)  # the target still rings: REFER once it answers
                return
            extra = {"to": other.ref}
        if request in (CallRequest.ANSWER, CallRequest.RETRIEVE):
            self._hold_others(call)
        elif request is CallRequest.HOLD and call is self._focus:
            self._focus = None  # the operator let go of the devices
        self._pump.run(self._session.request(call.ref, request, self._pump.now(), media=self._has_media(call), **extra))

    def elements_changed(self, call: WebRtcCall) -> None:
        self._media.elements_changed(call.ref, call.audio_element, call.video_elements)
        self._pump.run(self._session.want_media(call.ref, self._pump.now()))

    def media_of(self, call: WebRtcCall) -> Any:
        return self._media.get(call.ref)

    def report(self, call: WebRtcCall | None, message: str) -> None:
        self._pump.run([ev.ErrorReported(call.ref if call else None, CallStateError(message))])

    def _has_media(self, call: WebRtcCall) -> bool:
        return call.has_audio_element() or call.has_video_elements()

    # -- extensions: conference (on the wire) and mute and recording (local to the console's media) ----
    def conference(self, calls: list[WebRtcCall]) -> None:
        for call in calls:
            if not isinstance(call, WebRtcCall) or self._calls.get(call.ref) is not call:
                self.report(calls[0] if calls else None, "conference needs calls of the same instance")
                return
        self._pump.run(self._session.conference([call.ref for call in calls], self._pump.now()))

    def leave_conference(self, call: WebRtcCall) -> None:
        self._pump.run(self._session.leave_conference(call.ref, self._pump.now()))

    def set_mute(self, call: WebRtcCall, on: bool) -> None:
        self._media.set_muted(call.ref, on)

    def start_recording(self, call: WebRtcCall, path: Any, max_seconds: float) -> None:
        if call.get_state() is CALL_STATES.DISCONNECTED:
            self.report(call, "start_recording: the call has ended")
            return
        if not isinstance(path, (str, os.PathLike)) or not str(path):
            self.report(call, "start_recording: a path to a new .wav file is needed")
            return

        def stopped(reason: str) -> None:
            fire(self._tasks, call.on_recording, call, None, reason)

        try:
            self._media.start_recording(call.ref, path, max_seconds, stopped)
        except MediaError as exc:
            self.report(call, f"start_recording: {exc}")
            return
        log.info("call %s: recording to %s", call.id, path)
        fire(self._tasks, call.on_recording, call, str(path), "started")

    def stop_recording(self, call: WebRtcCall) -> None:
        if not self._media.stop_recording(call.ref):
            self.report(call, "stop_recording: the call is not being recorded")

    def recording_path(self, call: WebRtcCall) -> str | None:
        return self._media.recording_path(call.ref)

    def _hold_others(self, call: WebRtcCall) -> None:
        """With ``auto_hold``, the devices belong to one call: hold every other connected call first."""
        if not self.auto_hold:
            return
        self._focus = call
        room = call.get_conference()
        for other in list(self._calls.values()):
            if other is not call and other.get_state() is CALL_STATES.CONNECTED:
                if room is not None and other.get_conference() == room:
                    continue  # the same conference: the operator talks to all of it
                self._hold(other)

    def state_changed(self, call: WebRtcCall, state: CALL_STATES) -> None:
        """With ``auto_hold``, a call that connects while another one has asked for the devices since
        (answers, retrieves or dials typed faster than the switch answers; a far end that ends its hold)
        goes on hold, so that only the call asked for last is ever talking."""
        if self.recaller is not None:
            self.recaller.call_changed(call)
        if self.parker is not None:
            self.parker.call_changed(call)
        if call is self._focus and state is CALL_STATES.DISCONNECTED:
            self._focus = None
        elif (state is CALL_STATES.CONNECTED and self.auto_hold and self._focus is not None
              and self._focus is not call):
            self._hold(call)

    def _hold(self, call: WebRtcCall) -> None:
        self._pump.run(self._session.request(call.ref, CallRequest.HOLD, self._pump.now(), media=self._has_media(call)))

    # -- media the session asked for (the pump spawns these) -------------------------------
    async def offer(self, event: ev.MakeOffer) -> None:
        call = self._calls.get(event.ref)
        if call is None:
            return
        run, session, ref = self._pump.run, self._session, event.ref
        try:
            sdp = await self._media.offer(ref, event.direction, call.audio_element, call.video_elements,
                                          on_failure=lambda: self.media_failed(ref, "ICE/DTLS did not complete"),
                                          on_video=lambda active: run(session.video_negotiated(ref, active)),
                                          on_digits=lambda digit: run(session.media_digits(ref, digit)),
                                          remote_offer=event.offer, fresh=event.fresh)
        except ConsoleError as exc:
            error = exc if isinstance(exc, MediaError) else MediaError(str(exc))
            run(session.offer_failed(ref, error, self._pump.now()))
            return
        self._pump.run(self._session.offer_ready(event.ref, sdp, self._pump.now()))

    async def apply(self, event: ev.ApplyAnswer) -> None:
        call = self._calls.get(event.ref)
        if call is None:  # ended meanwhile: nothing to apply it to
            self._pump.run(self._session.answer_applied(event.ref, self._pump.now()))
            return
        try:
            await self._media.apply(event.ref, event.sdp, call.get_state())
        except ConsoleError as exc:
            self._pump.run(self._session.answer_failed(event.ref, exc, self._pump.now()))
            return
        self._pump.run(self._session.answer_applied(event.ref, self._pump.now()))

    def send_digits(self, event: ev.SendDigits) -> None:
        media = self._media.get(event.ref)
        try:
            if media is None:
                raise MediaError("DTMF needs the call's media")
            media.send_dtmf(event.digits)
        except ConsoleError as exc:
            self.report(self._calls.get(event.ref), f"dtmf failed: {exc}")

    def media_failed(self, ref: int, why: str) -> None:
        """CallMedia's on_failure (ICE/DTLS failed, or media went dead): end the call with MEDIA."""
        self._pump.run(self._session.media_failed(ref, MediaError(f"media failed: {why}"), self._pump.now()))

