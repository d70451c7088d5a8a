"""The switchboard's state: frozen dataclasses, replaced (never mutated) by the reducer.

Everything a screen shows is here, so a snapshot of :class:`AppState` is enough
to draw the whole console. Times are floats from the store's injectable
monotonic clock (durations) and wall clock (history); the UI computes running
durations from ``now - since`` so the state only changes when something happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.core.machines import TALKING_STATES

MAX_SLOTS = 32  # parallel calls on one console; digits 1-9 select the first nine, [ and ] step through all
MAX_LOG_LINES = 300
MAX_DIAL_HISTORY = 50
MAX_DIGITS_SHOWN = 32
LINGER_SECONDS = 5.0  # how long an ended call stays on its card before the slot frees


class Health(StrEnum):
    """The connection to the server, derived from the login state."""

    OFFLINE = "offline"
    CONNECTING = "connecting"
    ONLINE = "online"
    LOST = "lost"


class HoldSide(StrEnum):
    """Who holds a connected call: nobody, this console (HELD) or the far end (HOLDING)."""

    NONE = "none"
    OURS = "ours"
    THEIRS = "theirs"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


LIVE_STATES = frozenset({
    CALL_STATES.IDLE, CALL_STATES.DIALING, CALL_STATES.OFFERING, CALL_STATES.RINGING,
    CALL_STATES.CONNECTED, CALL_STATES.HOLDING, CALL_STATES.HELD,
})
RINGING_IN_STATES = frozenset({CALL_STATES.OFFERING, CALL_STATES.RINGING})


@dataclass(frozen=True)
class CallView:
    """One call as its card shows it. ``key`` is the store's handle on the client's call object."""

    key: str
    slot: int
    direction: Direction
    state: CALL_STATES
    created_at: float
    call_id: str | None = None
    remote_number: str = ""
    remote_name: str = ""
    local_number: str = ""
    connected_at: float | None = None
    ended_at: float | None = None
    reason: DISC_REASON | None = None
    audio: bool = False
    video: bool = False
    digits_sent: str = ""
    digits_received: str = ""
    restored: bool = False
    transfer_pending: bool = False
    transferred: bool = False
    started_wall: float = 0.0

    @property
    def hold(self) -> HoldSide:
        if self.state is CALL_STATES.HELD:
            return HoldSide.OURS
        if self.state is CALL_STATES.HOLDING:
            return HoldSide.THEIRS
        return HoldSide.NONE

    @property
    def ended(self) -> bool:
        return self.state is CALL_STATES.DISCONNECTED

    @property
    def ringing_in(self) -> bool:
        """An incoming call waiting for this console to take it."""
        return self.direction is Direction.IN and self.state in RINGING_IN_STATES

    @property
    def transferable(self) -> bool:
        return self.state in TALKING_STATES

    def since(self) -> float:
        """The start of the duration the card shows: talk time once connected, else ring time."""
        return self.connected_at if self.connected_at is not None else self.created_at

    def duration(self, now: float) -> float:
        end = self.ended_at if self.ended_at is not None else now
        return max(0.0, end - self.since())


@dataclass(frozen=True)
class LogLine:
    seq: int
    at: float
    level: LogLevel
    source: str
    text: str


@dataclass(frozen=True)
class LoginView:
    state: LOGIN_STATES | None = None
    server: str = ""
    username: str = ""
    number: str = ""
    display_name: str = ""
    saved_session: bool = False
    restoring: bool = False

    @property
    def health(self) -> Health:
        if self.state is LOGIN_STATES.SUCCESS:
            return Health.ONLINE
        if self.state is LOGIN_STATES.CONNECTING:
            return Health.CONNECTING
        if self.state is LOGIN_STATES.CONNECTION_LOST:
            return Health.LOST
        return Health.OFFLINE

    @property
    def logged_in(self) -> bool:
        return self.state is LOGIN_STATES.SUCCESS


@dataclass(frozen=True)
class AppState:
    login: LoginView = field(default_factory=LoginView)
    calls: tuple[CallView, ...] = ()  # sorted by slot
    focused: int | None = None
    dial_history: tuple[str, ...] = ()  # newest first, no duplicates
    log: tuple[LogLine, ...] = ()
    log_seq: int = 0
    last_error: str = ""

    def call_in(self, slot: int | None) -> CallView | None:
        for call in self.calls:
            if call.slot == slot:
                return call
        return None

    def call_by_key(self, key: str) -> CallView | None:
        for call in self.calls:
            if call.key == key:
                return call
        return None

    @property
    def focused_call(self) -> CallView | None:
        return self.call_in(self.focused)

    def free_slot(self) -> int | None:
        used = {call.slot for call in self.calls}
        for slot in range(1, MAX_SLOTS + 1):
            if slot not in used:
                return slot
        return None

    def ringing_calls(self) -> tuple[CallView, ...]:
        return tuple(call for call in self.calls if call.ringing_in)

    def transferable_calls(self) -> tuple[CallView, ...]:
        return tuple(call for call in self.calls if call.transferable)
