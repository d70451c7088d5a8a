"""The control commands: one JSON object per line in, one answer per command out (docs/EVENTS.md, "Commands").

``{"id": 7, "cmd": "dial", "args": {"number": "201"}}`` is answered ``{"id": 7, "ok": true, "result": {...}}`` or
``{"id": 7, "ok": false, "error": {"code": "...", "message": "..."}}``. Each command calls one of the
controller's public actions (the same the keys call), so a command is checked exactly as a key press is: a
refused request is an error answer with the controller's own words, and never touches a call. ``ok`` means
the console accepted and sent the request; what then happens to the call arrives as events.

Pure of I/O: :meth:`ControlTable.handle` takes a line (bytes) and returns the answer (a dict).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Callable

from console.core.errors import ConsoleError
from console.store.state import LogLevel

from .feed import SCHEMA_VERSION, call_fields, device_fields, login_fields

if TYPE_CHECKING:
    from console.store import Controller


class ErrorCode(StrEnum):
    """The ``error.code`` of an answer (docs/EVENTS.md)."""

    BAD_JSON = "bad_json"
    BAD_COMMAND = "bad_command"
    UNKNOWN_COMMAND = "unknown_command"
    BAD_ARGS = "bad_args"
    NO_CALL = "no_call"
    REFUSED = "refused"  # the console refused the request (the controller's words say why)
    TOO_LONG = "line_too_long"
    BUSY = "busy"  # too many clients
    INTERNAL = "internal"  # a bug in a command (logged)


class CommandError(ConsoleError, ValueError):
    """A command the table will not run (a bad argument, no such call, a refusal); ``code`` is what its error
    answer says. It never leaves :meth:`ControlTable.handle`: the socket's peer gets the answer instead."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error_answer(request_id: Any, code: ErrorCode, message: str) -> dict[str, Any]:
    return {"id": request_id, "ok": False, "error": {"code": code, "message": message}}


@dataclass(frozen=True)
class Args:
    """A command's arguments, read with their types checked (a wrong type is a ``bad_args`` answer)."""

    values: dict[str, Any]

    def text(self, name: str, required: bool = False, limit: int = 128) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise CommandError(ErrorCode.BAD_ARGS, f"{name} is required")
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # number=201 from a shell is fine as a number
        if not isinstance(value, str) or (required and not value.strip()):
            raise CommandError(ErrorCode.BAD_ARGS, f"{name} must be a non-empty string")
        if len(value) > limit:
            raise CommandError(ErrorCode.BAD_ARGS, f"{name} is longer than {limit} characters")
        return value.strip() or None  # an empty optional argument is as good as none

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str) and value.lower() in ("true", "on", "1", "yes", "false", "off", "0", "no"):
            return value.lower() in ("true", "on", "1", "yes")
        if not isinstance(value, bool):
            raise CommandError(ErrorCode.BAD_ARGS, f"{name} must be true or false")
        return value


class ControlTable:
    """The commands a client may send, each a thin call to a controller action."""

    MAX_LINE = 64 * 1024  # bytes: a command never needs more; a longer line is refused (line_too_long)

    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        self._subscriber: Callable[[], None] | None = None  # the asking connection's, during handle()
        self._commands: dict[str, tuple[Callable[[Args], Any], frozenset[str]]] = {
            "dial": (self._dial, frozenset({"number", "name"})),
            "answer": (self._answer, frozenset({"call", "slot"})),
            "decline": (lambda a: self._on_call(a, controller.decline), frozenset({"call", "slot"})),
            "hold": (lambda a: self._on_call(a, controller.hold), frozenset({"call", "slot"})),
            "retrieve": (lambda a: self._on_call(a, controller.retrieve), frozenset({"call", "slot"})),
            "hangup": (lambda a: self._on_call(a, controller.hangup), frozenset({"call", "slot"})),
            "transfer": (self._transfer, frozenset({"call", "slot", "number", "to_call", "to_slot"})),
            "park": (self._park, frozenset({"call", "slot", "orbit"})),
            "pickup": (self._pickup, frozenset({"orbit", "extension"})),
            "dnd": (self._dnd, frozenset({"on"})),
            "forward": (self._forward, frozenset({"always", "busy", "no_answer"})),
            "dtmf": (self._dtmf, frozenset({"call", "slot", "digits"})),
            "status": (lambda a: self.status(), frozenset()),
            "subscribe": (self._subscribe, frozenset()),
        }

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._commands)

    # -- one line in, one answer out ------------------------------------------------------------------
    def handle(self, line: bytes, subscribe: Callable[[], None] | None = None) -> dict[str, Any]:
        """The answer to one line; never raises (a bug in a command is an ``internal`` answer, and logged)."""
        try:
            message = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            return error_answer(None, ErrorCode.BAD_JSON, f"not a JSON object: {exc}")
        if not isinstance(message, dict):
            return error_answer(None, ErrorCode.BAD_JSON, "a command is a JSON object: {\"id\", \"cmd\", \"args\"}")
        request_id = message.get("id")
        if not (request_id is None or isinstance(request_id, (str, int)) and not isinstance(request_id, bool)):
            return error_answer(None, ErrorCode.BAD_COMMAND, "id must be a string or an integer")
        name, raw_args = message.get("cmd"), message.get("args", {})
        if not isinstance(name, str):
            return error_answer(request_id, ErrorCode.BAD_COMMAND, "cmd must be a string")
        entry = self._commands.get(name)
        if entry is None:
            return error_answer(request_id, ErrorCode.UNKNOWN_COMMAND,
                                f"unknown command {name[:40]!r}; commands: {', '.join(self._commands)}")
        if raw_args is None:
            raw_args = {}
        if not isinstance(raw_args, dict):
            return error_answer(request_id, ErrorCode.BAD_ARGS, "args must be a JSON object")
        run, allowed = entry
        unknown = sorted(set(raw_args) - allowed)
        if unknown:
            return error_answer(request_id, ErrorCode.BAD_ARGS, f"{name} takes no {', '.join(unknown)[:80]}"
                                f" (it takes: {', '.join(sorted(allowed)) or 'nothing'})")
        self._subscriber = subscribe
        try:
            result = run(Args(raw_args))
        except CommandError as exc:
            return error_answer(request_id, exc.code, exc.message)
        except Exception as exc:  # noqa: BLE001 - a bug in a command must not cost the console its calls
            self.controller.note(f"control command {name} failed: {exc!r}", LogLevel.ERROR)
            return error_answer(request_id, ErrorCode.INTERNAL,
                                f"the console failed to run {name}: {type(exc).__name__}")
        finally:
            self._subscriber = None
        return {"id": request_id, "ok": True, "result": result}

    # -- helpers ------------------------------------------------------------------------------------------
    def _refusal(self, since: int) -> str:
        """The controller's own words for a refused request: the newest error line logged since ``since``."""
        lines = [line for line in self.controller.state.log if line.seq > since and line.level is LogLevel.ERROR]
        # its first line: an internal failure's one log line goes on with the traceback, which is not for the peer
        return lines[-1].text.splitlines()[0] if lines else "the console refused the request"

    def _act(self, fn: Callable[[], Any]) -> Any:
        """Run a controller action; False or None is a ``refused`` answer with the controller's words."""
        since = self.controller.state.log_seq
        outcome = fn()
        if outcome is False or outcome is None:
            raise CommandError(ErrorCode.REFUSED, self._refusal(since))
        return outcome

    def _slot(self, args: Args, required: bool = True, prefix: str = "") -> int | None:
        """The slot a command is for: ``call`` (the key events carry) or ``slot``; else None (the selected)."""
        state = self.controller.state
        key = args.text(prefix + "call")
        slot = args.values.get(prefix + "slot")
        if key is not None:
            view = state.call_by_key(key)
            if view is None:
                raise CommandError(ErrorCode.NO_CALL, f"no call {key[:40]!r} on this console")
            return view.slot
        if slot is not None:
            if not isinstance(slot, int) or isinstance(slot, bool):
                if isinstance(slot, str) and slot.isdigit():
                    slot = int(slot)
                else:
                    raise CommandError(ErrorCode.BAD_ARGS, f"{prefix}slot must be an integer")
            if state.call_in(slot) is None:
                raise CommandError(ErrorCode.NO_CALL, f"slot {slot} is empty")
            return slot
        if required and state.focused_call is None:
            raise CommandError(ErrorCode.NO_CALL, "name the call (call or slot): no call is selected")
        return None

    def _call_result(self, slot: int | None) -> dict[str, Any]:
        view = self.controller.state.target(slot)
        return call_fields(view) if view is not None else {}

    # -- the commands -------------------------------------------------------------------------------------
    def _dial(self, args: Args) -> dict[str, Any]:
        number = args.text("number", required=True)
        slot = self._act(lambda: self.controller.dial(number or "", args.text("name") or ""))
        return self._call_result(slot)

    def _answer(self, args: Args) -> dict[str, Any]:
        slot = self._slot(args, required=False)  # none named: the call ringing longest, as the key does
        self._act(lambda: self.controller.answer(slot))
        return self._call_result(slot)

    def _on_call(self, args: Args, action: Callable[[int | None], bool]) -> dict[str, Any]:
        slot = self._slot(args)
        self._act(lambda: action(slot))
        return self._call_result(slot)

    def _transfer(self, args: Args) -> dict[str, Any]:
        slot = self._slot(args)
        number = args.text("number")
        if ("to_call" in args.values or "to_slot" in args.values) == (number is not None):
            raise CommandError(ErrorCode.BAD_ARGS,
                               "transfer takes number (blind) or to_call / to_slot (connect two calls)")
        if number is not None:
            self._act(lambda: self.controller.desk.blind_transfer(number, slot))
            return self._call_result(slot) | {"to": number}
        other = self._slot(args, prefix="to_")
        here = slot if slot is not None else self.controller.state.focused
        self._act(lambda: self.controller.transfer(here or 0, other or 0))
        return self._call_result(slot)

    def _park(self, args: Args) -> dict[str, Any]:
        slot = self._slot(args)
        self._act(lambda: self.controller.desk.park(slot, args.text("orbit")))
        return self._call_result(slot)

    def _pickup(self, args: Args) -> dict[str, Any]:
        extension, orbit = args.text("extension"), args.text("orbit")
        if extension is not None and orbit is not None:
            raise CommandError(ErrorCode.BAD_ARGS, "pickup takes orbit (a parked call) or extension (a ringing one)")
        desk = self.controller.desk
        slot = self._act(lambda: desk.pickup_ringing(extension) if extension is not None else desk.pickup(orbit))
        return self._call_result(slot)

    def _dnd(self, args: Args) -> dict[str, Any]:
        on = args.flag("on")
        self._act(lambda: self.controller.desk.set_dnd(on))
        return {"dnd": on}

    def _forward(self, args: Args) -> dict[str, Any]:
        targets = {name: args.text(name) or None for name in ("always", "busy", "no_answer")}
        self._act(lambda: self.controller.desk.set_forwarding(**targets))
        return {"forwarding": {k: v for k, v in targets.items() if v}}

    def _dtmf(self, args: Args) -> dict[str, Any]:
        digits = args.text("digits", required=True, limit=64)
        slot = self._slot(args)
        self._act(lambda: self.controller.send_digits(digits or "", slot))
        return self._call_result(slot) | {"digits": digits}

    def _subscribe(self, args: Args) -> dict[str, Any]:
        if self._subscriber is None:
            raise CommandError(ErrorCode.BAD_COMMAND, "subscribe needs a connection that can receive events")
        self._subscriber()
        return {"subscribed": True, **self.status()}

    def status(self) -> dict[str, Any]:
        """What the console has now: its login, its calls, its desk settings and its devices' latest news
        (a snapshot to start from)."""
        state = self.controller.state
        return {"v": SCHEMA_VERSION, "login": login_fields(state.login),
                "calls": [call_fields(c) for c in state.calls], "focused": state.focused,
                "dnd": state.desk.dnd, "forwarding": state.desk.forwarding, "queue_paused": state.desk.queue_paused,
                "devices": [device_fields(d) for d in state.devices]}
