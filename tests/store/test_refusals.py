"""Issue 17 item 10: only the console's own refusals reach the operator as refusals.

A ``ConsoleError`` (the one hierarchy, console/core/errors.py) is a refusal: the status
line says why. Anything else is a programming error: the log gets it as an error with
its traceback, and the operator sees a short generic failure, not the internals. DTMF
digits the console refuses are not recorded as sent.
"""

from __future__ import annotations

from typing import Any

from console.core.enums import CALL_STATES, Direction
from console.core.errors import CallStateError
from console.store.controller import Controller
from console.store.state import LogLevel


class FakeCall:
    """A client call as the seed API makes it: a request it refuses is reported, never raised."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self.fail = fail
        self.state = CALL_STATES.IDLE
        self.sent: list[str] = []
        self.on_state: Any = None

    id = "c1"
    direction = Direction.OUT

    def set_call_state_handler(self, handler: Any) -> None:
        self.on_state = handler

    def set_media_state_handler(self, handler: Any) -> None: ...
    def set_remote_hold_handler(self, handler: Any) -> None: ...
    def set_dtmf_handler(self, handler: Any) -> None: ...
    def set_recording_handler(self, handler: Any) -> None: ...
    def set_conference_handler(self, handler: Any) -> None: ...

    def get_state(self) -> CALL_STATES:
        return self.state

    def get_remote_number(self) -> str:
        return "201"

    def get_remote_name(self) -> str:
        return ""

    def get_local_number(self) -> str:
        return "200"

    def get_disconnect_reason(self) -> None:
        return None

    def is_held_by_remote(self) -> bool:
        return False

    def get_waiting_since(self) -> None:
        return None

    def get_recall_from(self) -> str:
        return ""

    def get_parked_on(self) -> str:
        return ""

    def get_recall(self) -> None:
        return None

    def get_queue(self) -> None:
        return None

    def get_transferred_by(self) -> str:
        return ""

    def get_forwarded_from(self) -> str:
        return ""

    def has_audio_element(self) -> bool:
        return False

    def get_media_video_active(self) -> bool:
        return False

    def dial(self, number: str, name: str = "") -> None:
        if self.fail is not None:
            raise self.fail
        self.state = CALL_STATES.DIALING

    def send_digit(self, digit: str) -> None:
        self.sent.append(digit)  # the real client reports a bad digit to the error handler, later

    def connect(self) -> None:
        self.state = CALL_STATES.CONNECTED
        self.on_state(self, self.state)


class FakeClient:
    hub = None
    reconnecting = False
    supports_attendant = False
    allow_cleartext = False

    def __init__(self, call: FakeCall) -> None:
        self.call = call

    def set_error_handler(self, handler: Any) -> None: ...
    def set_directory_handler(self, handler: Any) -> None: ...
    def set_presence_handler(self, handler: Any) -> None: ...
    def set_orbit_handler(self, handler: Any) -> None: ...
    def set_setting_handler(self, handler: Any) -> None: ...
    def set_setting_refused_handler(self, handler: Any) -> None: ...
    def set_queue_handler(self, handler: Any) -> None: ...
    def set_turned_away_handler(self, handler: Any) -> None: ...
    def set_device_handler(self, handler: Any) -> None: ...
    def control_logging(self, enable: bool) -> None: ...

    def create_outgoing_call(self) -> FakeCall:
        return self.call

    async def aclose(self) -> None: ...


def controller_with(call: FakeCall) -> Controller:
    return Controller(lambda on_login, on_incoming: FakeClient(call), clock=lambda: 1.0, media=False,
                      log_loggers=())


def tracebacks(controller: Controller) -> list[str]:
    return [line.text for line in controller.store.state.log if line.level is LogLevel.ERROR and "Traceback" in line.text]


async def test_a_value_error_from_the_client_is_a_programming_error_not_a_refusal():
    controller = controller_with(FakeCall(fail=ValueError("internal detail 42")))
    assert controller.dial("201") is None
    state = controller.store.state
    assert "internal detail 42" not in state.last_error
    assert state.last_error.startswith("dial: failed")
    assert "ValueError: internal detail 42" in tracebacks(controller)[-1]


async def test_any_other_exception_is_logged_with_its_traceback_and_the_console_goes_on():
    controller = controller_with(FakeCall(fail=TypeError("'NoneType' object is not subscriptable")))
    assert controller.dial("201") is None  # no exception escapes to the key press
    assert "NoneType" not in controller.store.state.last_error
    assert "TypeError: 'NoneType' object is not subscriptable" in tracebacks(controller)[-1]


async def test_a_console_error_is_the_operators_refusal():
    controller = controller_with(FakeCall(fail=CallStateError("the call is not idle")))
    assert controller.dial("201") is None
    assert controller.store.state.last_error.endswith("dial: the call is not idle")
    assert tracebacks(controller) == []


async def test_refused_digits_are_not_recorded_as_sent():
    call = FakeCall()
    controller = controller_with(call)
    slot = controller.dial("201")
    assert slot is not None
    assert not controller.send_digits("5", slot)  # still dialling: DTMF needs a connected call
    assert call.sent == [] and controller.store.state.call_in(slot).digits_sent == ""
    call.connect()
    assert not controller.send_digits("1X", slot)  # X is no DTMF digit: nothing of it is sent
    assert "invalid DTMF digit 'X'" in controller.store.state.last_error
    assert call.sent == [] and controller.store.state.call_in(slot).digits_sent == ""
    assert controller.send_digits("1#", slot)
    assert call.sent == ["1", "#"] and controller.store.state.call_in(slot).digits_sent == "1#"


async def test_an_internal_failure_is_one_line_in_the_log_with_its_traceback():
    """Review finding: one failure, one line in the log pane. The status line says only that it failed; the log's
    one line for it carries the details (the traceback), not a second copy of the status line."""
    controller = controller_with(FakeCall(fail=ValueError("internal detail 42")))
    assert controller.dial("201") is None
    errors = [line.text for line in controller.store.state.log if line.level is LogLevel.ERROR]
    assert len(errors) == 1, errors
    assert errors[0].startswith("dial: internal error") and "ValueError: internal detail 42" in errors[0]
    assert controller.store.state.last_error.startswith("dial: failed")
