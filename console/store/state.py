"""The switchboard's state: frozen dataclasses, replaced (never mutated) by the reducer.

Everything a screen shows is here, so a snapshot of :class:`AppState` is enough
to draw the whole console. Times are floats from the controller's injectable
monotonic clock (durations) and wall clock (history); the UI computes running
durations from ``now - since`` so the state only changes when something happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from console.core.device_change import DeviceChange, DeviceKind
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.core.machines import TALKING_STATES

from .desk_state import DeskState
from .origin import Origin

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
    BOTH = "both"


class Request(StrEnum):
    """An operator request on one call, queued in the order the keys were pressed."""

    ANSWER = "answer"
    ACCEPT = "accept"
    DECLINE = "decline"
    HOLD = "hold"
    RETRIEVE = "retrieve"
    HANGUP = "hang up"


class EndCause(StrEnum):
    """Why a call ended, as this console knows it (the switch's reason alone can mislead)."""

    DECLINED_HERE = "declined_here"  # the operator pressed decline
    CALLER_GAVE_UP = "caller_gave_up"  # the caller hung up while it rang here
    ANSWERED_ELSEWHERE = "answered_elsewhere"
    NOT_ANSWERED = "not_answered"  # rang here until the switch gave up
    HUNG_UP_HERE = "hung_up_here"
    FAR_END = "far_end"  # the other side ended a call that was up
    SERVER_LOST = "server_lost"  # the server no longer has the call (restart, expired session)
    LOGGED_OUT = "logged_out"
    NO_FREE_SLOT = "no_free_slot"  # refused here: every slot in use
    DND = "dnd"  # turned away by the switch: this console's number is on do not disturb
    FORWARDED = "forwarded"  # sent on by the switch: this console's number forwards always
    PARKED = "parked"  # the operator parked the far end (it waits on an orbit)
    TRANSFERRED = "transferred"  # handed on by this console (blind or announced transfer)
    LEFT_CONFERENCE = "left_conference"  # the operator left the conference (K); the other parties talk on


TURNED_AWAY_CAUSES = frozenset({EndCause.DND, EndCause.FORWARDED})  # callers that never rang here


class CallKind(StrEnum):
    """A finished call as the history pane sorts it."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    MISSED = "missed"  # rang here, nobody answered (timed out, refused for lack of slots, answered elsewhere)
    ABANDONED = "abandoned"  # the caller gave up while it rang here
    DECLINED = "declined"


class LoginFailure(StrEnum):
    """What went wrong with a login, in the operator's terms."""

    CREDENTIALS = "credentials"
    UNREACHABLE = "unreachable"
    BAD_URL = "bad_url"
    TLS = "tls"
    CERTIFICATE = "certificate"  # the server's TLS certificate was not accepted
    SESSION_EXPIRED = "session_expired"
    REFUSED = "refused"  # the server said no for another reason


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


RINGING_IN_STATES = frozenset({CALL_STATES.OFFERING, CALL_STATES.RINGING})


@dataclass(frozen=True)
class CallView:
    """One call as its card shows it. ``key`` is the controller's handle on the client's call object."""

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
    held_since: float | None = None  # when the current hold (either side) began; None: not on hold
    remote_held: bool = False  # the far end holds (with HELD: both ends hold)
    end_cause: EndCause | None = None
    pending: Request | None = None  # the last request queued or under way on this call
    ever_connected: bool = False
    consult: str = ""  # announced transfer: "waiting" (the caller) or "consulting" (the call to the target)
    muted: bool = False  # our microphone is muted on this call (the far end gets silence; not a hold)
    recording: str = ""  # the WAV file this call is being recorded to; "" while not recording
    conference: str = ""  # the switch's conference id while this call is a member; "" otherwise
    conference_parties: int = 0  # how many parties that conference has (with us)
    lost_at: float | None = None  # contact with the switch was lost then (store/contact.py); None: in contact
    parked_on: str = ""  # ended because the far end was parked on this orbit
    recall_from: str = ""  # a park recall: the orbit it comes back from
    origin: Origin | None = None  # who handed it here: a recall of our own transfer, a transfer, a forward
    transferred_to: str = ""  # the number this console transferred the call to (console/store/handover.py)

    @property
    def hold(self) -> HoldSide:
        if self.state is CALL_STATES.HELD:
            return HoldSide.BOTH if self.remote_held else HoldSide.OURS
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

    @property
    def lost_contact(self) -> bool:
        """A live call the console has no contact with the switch about: its times stand still."""
        return self.lost_at is not None and not self.ended

    def _until(self, now: float) -> float:
        """``now``, or the moment contact was lost if that came first: no clock runs on a call we cannot see."""
        return min(now, self.lost_at) if self.lost_at is not None else now

    def duration(self, now: float) -> float:
        end = self.ended_at if self.ended_at is not None else self._until(now)
        return max(0.0, end - self.since())

    def waited(self, now: float) -> float:
        """Seconds since the call appeared (a ringing call's waiting time)."""
        return max(0.0, self._until(now) - self.created_at)

    def on_hold_for(self, now: float) -> float | None:
        """Seconds on hold so far (this hold only), or None if the call is not on hold."""
        if self.held_since is None or self.ended:
            return None
        return max(0.0, self._until(now) - self.held_since)

    @property
    def kind(self) -> CallKind:
        if self.end_cause is EndCause.DECLINED_HERE:
            return CallKind.DECLINED
        if self.direction is Direction.OUT:
            return CallKind.OUTGOING
        if self.ever_connected:
            return CallKind.INCOMING
        if self.end_cause is EndCause.CALLER_GAVE_UP:
            return CallKind.ABANDONED
        return CallKind.MISSED


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
    failure: LoginFailure | None = None
    failure_detail: str = ""

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
class HistoryItem:
    """One finished call for the history pane (newest first by ``started_wall`` in the state)."""

    kind: CallKind
    number: str
    name: str
    started_wall: float
    duration: float
    reason: DISC_REASON | None = None
    cause: EndCause | None = None
    to: str = ""  # a caller DND or forwarding sent on: the number they went to ("" if none)


MAX_HISTORY_SHOWN = 200


@dataclass(frozen=True)
class AppState:
    login: LoginView = field(default_factory=LoginView)
    calls: tuple[CallView, ...] = ()  # sorted by slot
    focused: int | None = None
    dial_history: tuple[str, ...] = ()  # newest first, no duplicates
    log: tuple[LogLine, ...] = ()
    log_seq: int = 0
    last_error: str = ""
    history: tuple[HistoryItem, ...] = ()  # newest first by start time (reducer.in_time_order)
    refused: int = 0  # callers refused here for lack of a free slot, this run
    turned_away: int = 0  # callers the switch sent elsewhere (DND, forwarding) and told us of, this run
    max_slots: int = MAX_SLOTS
    desk: DeskState = field(default_factory=DeskState)  # attendant: directory, presence, orbits, consult
    devices: tuple[DeviceChange, ...] = ()  # the latest news of each audio device (audio, then ringer)

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

    def device(self, kind: DeviceKind) -> DeviceChange | None:
        """The latest news of the ``kind`` device: in use, failed, restored, chosen; None if none yet."""
        return next((change for change in self.devices if change.kind is kind), None)

    @property
    def focused_call(self) -> CallView | None:
        return self.call_in(self.focused)

    def target(self, slot: int | None) -> CallView | None:
        """The call an operator's request is for: the one in ``slot``, or the selected one."""
        return self.call_in(slot if slot is not None else self.focused)

    def free_slot(self) -> int | None:
        used = {call.slot for call in self.calls}
        for slot in range(1, self.max_slots + 1):
            if slot not in used:
                return slot
        return None

    def ringing_calls(self) -> tuple[CallView, ...]:
        return tuple(call for call in self.calls if call.ringing_in)

    def transferable_calls(self) -> tuple[CallView, ...]:
        return tuple(call for call in self.calls if call.transferable)
