"""WebRtcCall: one call, incoming or outgoing (the seed's anynodeWebRtcCall)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from console.core.callinfo import CallInfo
from console.core.dtmf import check_digits
from console.core.enums import CALL_STATES, DISC_REASON, Direction
from console.core.errors import CallStateError
from console.core.machines import TALKING_STATES, CallRequest, check_request, check_transfer
from console.core.protocol import MsgType

from .handlers import fire, log

if TYPE_CHECKING:
    from .instance import WebRtcInstance



class WebRtcCall:
    """Created only by :class:`WebRtcInstance` (``create_outgoing_call``, or for an incoming or restored call).

    Methods return at once; progress arrives through the call state handler.
    A request that is not legal in the call's state raises
    :class:`~console.core.errors.CallStateError` and changes nothing.
    """

    def __init__(self, instance: WebRtcInstance, direction: Direction, info: CallInfo | None = None):
        self._inst = instance
        self.direction = direction
        self.id: str | None = None
        self._state = CALL_STATES.IDLE if direction is Direction.OUT else CALL_STATES.OFFERING
        self._reason: DISC_REASON | None = None
        self._local_number = instance.get_local_dial_string() or ""
        self._local_name = instance.get_local_display_name() or ""
        self._remote_number = ""
        self._remote_name = ""
        self._video = False
        self._on_state: Callable[..., Any] | None = None
        self._on_media: Callable[..., Any] | None = None
        self._on_dtmf: Callable[..., Any] | None = None
        self._audio_element: Any = None
        self._video_elements: tuple[Any, Any] | None = None
        self.media: Any = None  # console.media.call_media.CallMedia once media starts
        self.negotiation = asyncio.Lock()  # one offer/answer exchange at a time
        if info is not None:
            self.id = info.call
            self._absorb(info)

    def __repr__(self) -> str:
        return f"<WebRtcCall {self.id or '-'} {self.direction} {self._state} {self._remote_number!r}>"

    # -- handlers -------------------------------------------------------------
    def set_call_state_handler(self, on_call_state: Callable[[WebRtcCall, CALL_STATES], Any] | None) -> None:
        self._on_state = on_call_state

    def set_media_state_handler(self, handler: Callable[[WebRtcCall], Any] | None) -> None:
        self._on_media = handler

    def set_dtmf_handler(self, handler: Callable[[WebRtcCall, str], Any] | None) -> None:
        """Extra: digits the far end (or the switch's IVR) sent on this call."""
        self._on_dtmf = handler

    # -- media elements -------------------------------------------------------
    def set_audio_element(self, element: Any) -> None:
        """Set the sink for received audio (any object with ``write(frame)``); starts media negotiation."""
        self._audio_element = element
        if self.media is not None:
            self.media.set_audio_element(element)
        self._inst._media_wanted(self)

    def has_audio_element(self) -> bool:
        return self._audio_element is not None

    def set_video_elements(self, local_element: Any, remote_element: Any) -> None:
        """Set the local preview and remote video sinks; negotiates video (and audio)."""
        self._video_elements = (local_element, remote_element)
        if self.media is not None:
            self.media.set_video_elements(local_element, remote_element)
        self._inst._media_wanted(self)

    def has_video_elements(self) -> bool:
        return self._video_elements is not None

    def get_media_video_active(self) -> bool:
        return self._video

    # -- requests -------------------------------------------------------------
    def dial(self, number: str, name: str = "") -> None:
        check_request(CallRequest.DIAL, self._state, self.direction)
        if not isinstance(number, str) or not number.strip():
            raise ValueError("dial needs a number")
        self._inst._require_login()
        self._remote_number = number.strip()
        self._set_state(CALL_STATES.DIALING)
        self._inst._spawn(self._inst._dial(self, self._remote_number, name or self._inst.get_local_display_name() or ""))

    def accept(self) -> None:
        self._check(CallRequest.ACCEPT)
        self._inst._spawn(self._inst._simple(self, MsgType.ACCEPT))

    def answer(self) -> None:
        self._check(CallRequest.ANSWER)
        self._inst._spawn(self._inst._answer(self))

    def decline(self) -> None:
        self._check(CallRequest.DECLINE)
        self._inst._spawn(self._inst._simple(self, MsgType.DECLINE))

    def disconnect(self) -> None:
        self._check(CallRequest.DISCONNECT)
        if self.id is None:  # still dialing: hang up once the switch has named the call
            self._inst._hangup_when_known.add(self)
            return
        self._inst._spawn(self._inst._simple(self, MsgType.DISCONNECT))

    def hold(self) -> None:
        self._check(CallRequest.HOLD)
        self._inst._spawn(self._inst._hold(self))

    def retrieve(self) -> None:
        self._check(CallRequest.RETRIEVE)
        self._inst._spawn(self._inst._retrieve(self))

    def transfer(self, transfer_call: WebRtcCall) -> None:
        if not isinstance(transfer_call, WebRtcCall):
            raise TypeError("transfer needs another WebRtcCall")
        check_transfer(self._state, transfer_call._state, transfer_call is self or transfer_call.id == self.id)
        if transfer_call._inst is not self._inst:
            raise CallStateError("both calls of a transfer must belong to the same instance")
        self._inst._spawn(self._inst._simple(self, MsgType.TRANSFER, to=transfer_call.id))

    def send_digit(self, digit: str) -> None:
        digits = check_digits(digit)
        self._check(CallRequest.DTMF)
        self._inst._spawn(self._inst._simple(self, MsgType.DTMF, digits=digits))

    # -- getters --------------------------------------------------------------
    def get_state(self) -> CALL_STATES:
        return self._state

    def get_disconnect_reason(self) -> DISC_REASON | None:
        return self._reason

    def get_local_number(self) -> str:
        return self._local_number

    def get_local_name(self) -> str:
        return self._local_name

    def get_remote_number(self) -> str:
        return self._remote_number

    def get_remote_name(self) -> str:
        return self._remote_name

    # -- internals ------------------------------------------------------------
    def _check(self, request: CallRequest) -> None:
        check_request(request, self._state, self.direction)
        if self.id is None:
            raise CallStateError(f"{request} is not possible before the switch has named the call")

    def _absorb(self, info: CallInfo) -> None:
        """Copy what the switch says about the call, without notifying."""
        self._local_number = info.local_number or self._local_number
        self._local_name = info.local_name or self._local_name
        self._remote_number = info.remote_number or self._remote_number
        self._remote_name = info.remote_name or self._remote_name
        if info.reason is not None:
            self._reason = info.reason

    def _update(self, info: CallInfo) -> None:
        self._absorb(info)
        self._set_state(info.state)

    def _set_state(self, state: CALL_STATES, notify_always: bool = False) -> None:
        if state == self._state and not notify_always:
            return
        previous, self._state = self._state, state
        log.debug("call %s: %s -> %s%s", self.id, previous, state, f" ({self._reason})" if state is CALL_STATES.DISCONNECTED else "")
        self._inst._state_changed(self, previous)
        fire(self._inst._tasks, self._on_state, self, state)

    def _set_video(self, active: bool) -> None:
        if active != self._video:
            self._video = active
            fire(self._inst._tasks, self._on_media, self)

    def _digits(self, digits: str) -> None:
        fire(self._inst._tasks, self._on_dtmf, self, digits)

    @property
    def talking(self) -> bool:
        return self._state in TALKING_STATES
