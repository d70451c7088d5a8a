"""What can happen to the switchboard's state: one frozen dataclass per kind of event.

The :class:`~console.store.controller.Controller` turns the client's handler calls
and the operator's requests into these, and dispatches them to the
:class:`~console.store.store.Store`; :func:`~console.store.reducer.reduce`
folds them into :class:`~console.store.state.AppState`. Each event carries the
time it happened (``at``, monotonic seconds) when the state needs it, so the
reducer never reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.core.device_change import DeviceChange
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction

from .origin import Origin
from .state import EndCause, HistoryItem, LogLevel, LoginFailure, Request


@dataclass(frozen=True)
class LoginStarted:
    """A login or restore was requested (before the client reports CONNECTING)."""

    server: str
    username: str = ""
    restoring: bool = False


@dataclass(frozen=True)
class LoginChanged:
    """The client's login status handler fired."""

    state: LOGIN_STATES
    at: float
    number: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class SavedSessionChanged:
    saved: bool


@dataclass(frozen=True)
class CallAdded:
    """A call object appeared: dialed by us, offered to us, or restored after a restart.

    A restored call whose switch ``call_id`` is already on a card takes that card's slot.
    """

    key: str
    direction: Direction
    state: CALL_STATES
    at: float
    wall: float
    call_id: str | None = None
    remote_number: str = ""
    remote_name: str = ""
    local_number: str = ""
    restored: bool = False
    remote_held: bool | None = None  # the far end holds the call, if the client knows (None: from the state)
    # What this console remembered of the call before a restart (its board file), so a restored
    # call keeps its slot and its durations: the slot, and how many seconds ago it began / was answered.
    slot_hint: int | None = None
    age: float | None = None
    talk_age: float | None = None
    recall_from: str = ""  # a park recall: the orbit it comes back from (its ``age`` is the caller's whole wait)
    origin: Origin | None = None  # a recall, a transfer or a forward (extension)
    hold_age: float | None = None  # on hold (either side) since that many seconds: hold recall goes on


@dataclass(frozen=True)
class CallChanged:
    """A fresh reading of a call object (after its state or media handler fired)."""

    key: str
    state: CALL_STATES
    at: float
    call_id: str | None = None
    remote_number: str = ""
    remote_name: str = ""
    reason: DISC_REASON | None = None
    audio: bool = False
    video: bool = False
    cause: EndCause | None = None  # set by the controller when it knows better than the reason (declined here)
    remote_held: bool | None = None  # the far end holds the call, if the client knows (None: from the state)
    parked_on: str = ""  # ended because its far end was parked on this orbit
    origin: Origin | None = None  # set when the switch says who handed the call here (None: unchanged)


@dataclass(frozen=True)
class CallFreed:
    """An ended call's linger time is over: its slot becomes free."""

    key: str


@dataclass(frozen=True)
class DigitsSent:
    key: str
    digits: str


@dataclass(frozen=True)
class DigitsReceived:
    key: str
    digits: str


@dataclass(frozen=True)
class TransferRequested:
    key_a: str
    key_b: str


@dataclass(frozen=True)
class TransferFailed:
    key_a: str
    key_b: str


@dataclass(frozen=True)
class CallFeatures:
    """Mute, recording and conference membership of a call, read from the call object (extensions)."""

    key: str
    muted: bool = False
    recording: str = ""
    conference: str = ""
    conference_parties: int = 0


@dataclass(frozen=True)
class FocusSlot:
    slot: int


@dataclass(frozen=True)
class Dialed:
    """A number the operator dialed: it goes to the top of the dialer history."""

    number: str


@dataclass(frozen=True)
class HistoryLoaded:
    """Numbers from the saved call history, newest first."""

    numbers: tuple[str, ...]


@dataclass(frozen=True)
class LogAppended:
    at: float
    level: LogLevel
    source: str
    text: str


@dataclass(frozen=True)
class ErrorRaised:
    """A request the client refused (wrong state, bad digit) or an error it reported. ``text`` is the status line's;
    the log's one line for it is ``details`` if given (an internal failure's traceback), else ``text``."""

    at: float
    text: str
    source: str = "console"
    details: str = ""


@dataclass(frozen=True)
class RequestPending:
    """The request now queued or under way on a call (None: nothing pending)."""

    key: str
    request: Request | None


@dataclass(frozen=True)
class CallRefused:
    """A caller this console turned away (every slot in use): logged and kept in the history."""

    at: float
    wall: float
    number: str
    name: str = ""


@dataclass(frozen=True)
class CallTurnedAway:
    """The switch sent a caller to this console's number elsewhere (``cause``: DND or FORWARDED, ``to``:
    where to, "" when they got busy): they never rang here, so only the history shows them."""

    at: float
    wall: float
    number: str
    name: str
    cause: EndCause
    to: str = ""


@dataclass(frozen=True)
class HistoryItemsLoaded:
    """Finished calls from history.json, newest first."""

    items: tuple[HistoryItem, ...]


@dataclass(frozen=True)
class LoginFailed:
    """Why the last login failed, classified from what the client reported."""

    failure: LoginFailure
    detail: str = ""


@dataclass(frozen=True)
class ErrorCleared:
    """The error shown in the header was dealt with."""


@dataclass(frozen=True)
class DeviceChanged:
    """The audio device or the ringer was opened, failed, came back, or the operator chose another
    (the client's device handler; the device picker)."""

    change: DeviceChange


Event = (
    LoginStarted | LoginChanged | SavedSessionChanged | CallAdded | CallChanged | CallFreed
    | DigitsSent | DigitsReceived | TransferRequested | TransferFailed | FocusSlot | Dialed
    | HistoryLoaded | LogAppended | ErrorRaised | RequestPending | CallRefused | HistoryItemsLoaded | LoginFailed
    | ErrorCleared | CallFeatures | CallTurnedAway | DeviceChanged
)
