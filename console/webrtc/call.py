"""WebRtcCall: one call, incoming or outgoing (the seed's anynodeWebRtcCall).

A thin handle: its state lives in the session's
:class:`~console.core.client.CallRecord`; its requests go through the
:class:`CallControl` port the instance gives it. Methods return at once and
never raise for a state or argument problem: such a request changes nothing
and is reported to the instance's error handler (``set_error_handler``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from console.core.callinfo import Recall
from console.core.client import CallRecord
from console.core.enums import CALL_STATES, DISC_REASON, Direction
from console.core.machines import TALKING_STATES, CallRequest
from console.core.queues import QueueOffer


@dataclass(frozen=True)
class ConferenceInfo:
    """The conference a call is in (extension): the switch's id and how many parties it has, us included."""

    id: str
    parties: int


class CallControl(Protocol):
    """What a call needs from its instance (implemented by the instance's driver)."""

    def dial(self, call: WebRtcCall, number: Any, name: Any) -> None: ...

    def request(self, call: WebRtcCall, request: CallRequest, **extra: Any) -> None: ...

    def elements_changed(self, call: WebRtcCall) -> None: ...

    def media_of(self, call: WebRtcCall) -> Any: ...

    def report(self, call: WebRtcCall | None, message: str) -> None: ...

    def set_mute(self, call: WebRtcCall, on: bool) -> None: ...

    def conference(self, calls: list[WebRtcCall]) -> None: ...

    def leave_conference(self, call: WebRtcCall) -> None: ...

    def start_recording(self, call: WebRtcCall, path: Any, max_seconds: float) -> None: ...

    def stop_recording(self, call: WebRtcCall) -> None: ...

    def recording_path(self, call: WebRtcCall) -> str | None: ...


class WebRtcCall:
    """Created only by :class:`WebRtcInstance` (``create_outgoing_call``, or for an incoming or restored call)."""

    def __init__(self, control: CallControl, record: CallRecord):
        self._control = control
        self.record = record
        self.on_state: Callable[[WebRtcCall, CALL_STATES], Any] | None = None
        self.on_media: Callable[[WebRtcCall], Any] | None = None
        self.on_remote_hold: Callable[[WebRtcCall, bool], Any] | None = None
        self.on_dtmf: Callable[[WebRtcCall, str], Any] | None = None
        self.on_recording: Callable[[WebRtcCall, str | None, str], Any] | None = None
        self.on_conference: Callable[[WebRtcCall, ConferenceInfo | None], Any] | None = None
        self._muted = False
        self.audio_element: Any = None
        self.video_elements: tuple[Any, Any] | None = None

    def __repr__(self) -> str:
        return f"<WebRtcCall {self.id or '-'} {self.direction} {self.get_state()} {self.get_remote_number()!r}>"

    @property
    def id(self) -> str | None:
        """Extra: the switch's call id (None until the switch has named an outgoing call)."""
        return self.record.id

    @property
    def ref(self) -> int:
        return self.record.ref

    @property
    def direction(self) -> Direction:
        return self.record.direction

    @property
    def media(self) -> Any:
        """Extra: the call's ``console.media.call_media.CallMedia`` once media started, else None."""
        return self._control.media_of(self)

    @property
    def talking(self) -> bool:
        return self.get_state() in TALKING_STATES

    # -- handlers -------------------------------------------------------------
    def set_call_state_handler(self, on_call_state: Callable[[WebRtcCall, CALL_STATES], Any] | None) -> None:
        self.on_state = on_call_state

    def set_media_state_handler(self, handler: Callable[[WebRtcCall], Any] | None) -> None:
        """The seed (3.2.2.6): called "when the media negotiation is finished and video is negotiated";
        never for an audio-only call."""
        self.on_media = handler

    def set_remote_hold_handler(self, handler: Callable[[WebRtcCall, bool], Any] | None) -> None:
        """Extra: ``handler(call, held)`` when the far end holds or retrieves (``is_held_by_remote``)."""
        self.on_remote_hold = handler

    def set_dtmf_handler(self, handler: Callable[[WebRtcCall, str], Any] | None) -> None:
        """Extra: digits the far end (or the switch's IVR) sent on this call."""
        self.on_dtmf = handler

    def set_recording_handler(self, handler: Callable[[WebRtcCall, str | None, str], Any] | None) -> None:
        """Extension: ``handler(call, path, reason)`` when a recording starts (path, "started") or stops
        (None, "stopped" | "limit" | "ended" | "failed")."""
        self.on_recording = handler

    def set_conference_handler(self, handler: Callable[[WebRtcCall, ConferenceInfo | None], Any] | None) -> None:
        """Extension: ``handler(call, info)`` when the call joins or leaves a conference (None) or its size changes."""
        self.on_conference = handler

    # -- media elements -------------------------------------------------------
    def set_audio_element(self, element: Any) -> None:
        """Set the sink for received audio (any object with ``write(frame)``); starts media negotiation."""
        if element is not None and not callable(getattr(element, "write", None)):
            self._control.report(self, "set_audio_element: an element needs a write(frame) method")
            return
        self.audio_element = element
        self._control.elements_changed(self)

    def has_audio_element(self) -> bool:
        return self.audio_element is not None

    def set_video_elements(self, local_element: Any, remote_element: Any) -> None:
        """Set the local preview and remote video sinks; negotiates video (and audio)."""
        self.video_elements = (local_element, remote_element)
        self._control.elements_changed(self)

    def has_video_elements(self) -> bool:
        return self.video_elements is not None

    def get_media_video_active(self) -> bool:
        return self.record.video

    def is_held_by_remote(self) -> bool | None:
        """Extra: the far end holds this call (with our own HELD: held by both ends).

        From the call object's optional ``held_by_remote`` field; None when the switch
        does not send it (an older switch: only the state HOLDING says the far end holds).
        A change fires the remote hold handler (``set_remote_hold_handler``).
        """
        if self.record.held_by_remote is None or self.get_state() is CALL_STATES.DISCONNECTED:
            return None
        return bool(self.record.held_by_remote)

    def get_waiting_since(self) -> float | None:
        """Extension: when the caller first rang in (Unix seconds, the switch's clock), on a call that comes
        back to this console (a park or transfer recall); None when the switch does not say (docs/PROTOCOL.md)."""
        return self.record.waiting_since

    def get_recall_from(self) -> str:
        """Extension: the orbit a recall comes back from; "" for any other call."""
        return self.record.recall_from

    def get_parked_on(self) -> str:
        """Extension: the orbit this call's far end was parked on (the call ended SUCCESS); "" otherwise."""
        return self.record.parked_on
    def get_recall(self) -> Recall | None:
        """Extra: this incoming call is a transfer nobody took, back here: its target, the reason and how long
        the caller has waited since it first rang in (as the switch said when it rang here). None otherwise."""
        return self.record.recall

    def get_queue(self) -> QueueOffer | None:
        """Extension: the queue that offers this call (its number and name, the caller's position and seconds
        waited when it was offered: docs/PROTOCOL.md, "Queues"); None for any other call."""
        return self.record.queue

    def get_transferred_by(self) -> str:
        """Extra: the number of the console that transferred this caller to us ("" if none)."""
        return self.record.transferred_by

    def get_forwarded_from(self) -> str:
        """Extra: the number that forwarded this call to us ("" if none)."""
        return self.record.forwarded_from

    def seconds_without_audio(self) -> float:
        """Extra: seconds no audio arrived although it should (0 without media); see CallMedia."""
        media = self.media
        if media is None:
            return 0.0
        try:
            return float(media.seconds_without_audio)
        except RuntimeError:  # no running loop (a call read from outside asyncio)
            return 0.0

    # -- requests -------------------------------------------------------------
    def dial(self, number: str, name: str = "") -> None:
        self._control.dial(self, number, name)

    def accept(self) -> None:
        self._control.request(self, CallRequest.ACCEPT)

    def answer(self) -> None:
        self._control.request(self, CallRequest.ANSWER)

    def decline(self) -> None:
        self._control.request(self, CallRequest.DECLINE)

    def disconnect(self) -> None:
        self._control.request(self, CallRequest.DISCONNECT)

    def hold(self) -> None:
        self._control.request(self, CallRequest.HOLD)

    def retrieve(self) -> None:
        self._control.request(self, CallRequest.RETRIEVE)

    def transfer(self, transfer_call: WebRtcCall) -> None:
        self._control.request(self, CallRequest.TRANSFER, to=transfer_call)

    def send_digit(self, digit: str) -> None:
        self._control.request(self, CallRequest.DTMF, digits=digit)

    # -- attendant extension (docs/API-MAPPING.md, Extensions) ------------------------
    def blind_transfer(self, number: str) -> None:
        """Extension: send the far end on to ``number``; this call ends (SUCCESS) at once."""
        self._control.request(self, CallRequest.BLIND_TRANSFER, number=number)

    def park(self, orbit: str | None = None) -> None:
        """Extension: park the far end on ``orbit`` (the first free one if None); this call ends (SUCCESS)."""
        self._control.request(self, CallRequest.PARK, orbit=orbit)

    # -- extensions: mute and recording (docs/API-MAPPING.md, "Extensions") ---------
    def set_mute(self, on: bool) -> None:
        """Mute (True) or unmute our microphone on this call: the far end receives silence, the call
        stays in its state (unlike hold). Local: nothing goes to the switch. Kept across renegotiations."""
        if self.get_state() is CALL_STATES.DISCONNECTED:
            self._control.report(self, "set_mute: the call has ended")
            return
        self._muted = bool(on)
        self._control.set_mute(self, self._muted)

    def is_muted(self) -> bool:
        return self._muted

    def start_recording(self, path: Any, max_seconds: float = 3600.0) -> None:
        """Record both directions to the new WAV file ``path`` (stereo 48 kHz: left = us, right = the far
        end), at most ``max_seconds`` (then it stops by itself: the recording handler is told "limit")."""
        self._control.start_recording(self, path, max_seconds)

    def stop_recording(self) -> None:
        self._control.stop_recording(self)

    def is_recording(self) -> bool:
        return self._control.recording_path(self) is not None

    def get_recording_path(self) -> str | None:
        return self._control.recording_path(self)

    # -- extensions: conference (docs/PROTOCOL.md, "Conference") -------------------
    def conference(self, *others: WebRtcCall) -> None:
        """Join this call and ``others`` (calls of the same instance, connected or held) into one conference
        mixed at the switch: every party hears the others. With no ``others``, this call must be in one."""
        self._control.conference([self, *others])

    def leave_conference(self) -> None:
        """Leave the conference this call is in: our calls in it end, the other parties stay connected."""
        self._control.leave_conference(self)

    def drop_party(self) -> None:
        """Drop this call's far party from the conference it is in: this call and the far party's end;
        the conference carries on with the others. (The switch does this for disconnect() too.)"""
        if self.get_conference() is None:
            self._control.report(self, "drop_party: the call is not in a conference")
            return
        self.disconnect()

    def get_conference(self) -> ConferenceInfo | None:
        record = self.record
        return ConferenceInfo(record.conference, record.conference_parties) if record.conference else None

    # -- getters --------------------------------------------------------------
    def get_state(self) -> CALL_STATES:
        return self.record.state

    def get_disconnect_reason(self) -> DISC_REASON | None:
        """The reason the switch (or the console) gave; None while nothing has been said."""
        return self.record.reason

    def get_local_number(self) -> str:
        return self.record.local_number

    def get_local_name(self) -> str:
        return self.record.local_name

    def get_remote_number(self) -> str:
        return self.record.remote_number

    def get_remote_name(self) -> str:
        return self.record.remote_name
