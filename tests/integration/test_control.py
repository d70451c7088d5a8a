"""The command table in memory, on a display-only controller (no client, no socket): what each bad input is
answered, and that a bug in a command is an answer and a log line, never an exception out of the socket."""

from __future__ import annotations

import json

import pytest

from console.core.enums import CALL_STATES, Direction
from console.core.errors import ConsoleError
from console.integration.control import Args, ControlTable, ErrorCode
from console.store import Controller
from console.store import events as ev


def table() -> tuple[Controller, ControlTable]:
    controller = Controller()  # display only: its store and its checks, no client
    controller.dispatch(ev.CallAdded(key="k1", direction=Direction.IN, state=CALL_STATES.CONNECTED, at=0.0,
                                     wall=0.0, remote_number="201"))
    return controller, ControlTable(controller)


def ask(control: ControlTable, message, **kw) -> dict:
    line = message if isinstance(message, bytes) else json.dumps(message).encode()
    return control.handle(line, **kw)


def test_a_bug_in_a_command_is_an_internal_answer_and_a_log_line():
    controller, control = table()

    def broken(slot=None):
        raise RuntimeError("bug")

    controller.hold = broken  # type: ignore[method-assign]
    answer = ask(control, {"id": "a", "cmd": "hold", "args": {"call": "k1"}})
    assert answer == {"id": "a", "ok": False, "error": {"code": "internal",
                                                        "message": "the console failed to run hold: RuntimeError"}}
    assert "control command hold failed" in controller.state.log[-1].text
    assert ask(control, {"id": "b", "cmd": "status"})["ok"]  # and the next command is served


def test_ids_args_and_subscribe_are_checked():
    _, control = table()
    assert ask(control, {"id": 1.5, "cmd": "status"})["error"]["code"] == "bad_command"
    assert ask(control, {"id": True, "cmd": "status"})["error"]["code"] == "bad_command"
    assert ask(control, {"id": 3})["error"]["code"] == "bad_command"
    assert ask(control, {"id": 4, "cmd": "status", "args": [1]})["error"]["code"] == "bad_args"
    assert ask(control, b"\xff\xfe")["error"]["code"] == "bad_json"
    assert ask(control, {"id": 5, "cmd": "subscribe"})["error"]["code"] == "bad_command"  # no connection
    subscribed = []
    answer = ask(control, {"id": 6, "cmd": "subscribe"}, subscribe=lambda: subscribed.append(True))
    assert answer["ok"] and subscribed == [True] and answer["result"]["calls"][0]["call"] == "k1"
    assert ask(control, {"id": 7, "cmd": "dial", "args": {"number": "2" * 200}})["error"]["code"] == "bad_args"
    assert ask(control, {"id": 8, "cmd": "transfer", "args": {"call": "k1", "number": "202", "to_slot": 2}}
               )["error"]["code"] == "bad_args"


def test_a_display_only_console_refuses_in_its_own_words():
    _, control = table()
    answer = ask(control, {"id": 1, "cmd": "dial", "args": {"number": 201}})
    assert answer["error"]["code"] == "refused" and "display only" in answer["error"]["message"]


def test_an_internal_failure_is_refused_with_its_first_line_never_the_traceback():
    """The console's one log line for an internal failure carries its traceback (one failure, one line): the
    peer's answer has only that line's first line, never the internals."""
    controller, control = table()

    def broken():
        raise ValueError("internal detail 42")

    controller.open = broken  # type: ignore[method-assign]
    answer = ask(control, {"id": 1, "cmd": "dial", "args": {"number": "201"}})
    assert answer["error"] == {"code": "refused", "message": "dial: internal error"}, answer
    assert "Traceback" in controller.state.log[-1].text


def test_a_refused_command_is_an_error_of_the_one_hierarchy():
    """A bad argument is a ConsoleError (catchable in one clause with every other console error), and the
    table still answers it as that command's error, never as an internal failure."""
    with pytest.raises(ConsoleError) as caught:
        Args({}).text("number", required=True)
    assert caught.value.code is ErrorCode.BAD_ARGS
    copy = caught.value.failed("dial")
    assert copy.code is ErrorCode.BAD_ARGS and str(copy) == "dial failed: number is required"
    _, control = table()
    assert ask(control, {"id": 1, "cmd": "dial", "args": {}})["error"] == {"code": "bad_args",
                                                                           "message": "number is required"}
