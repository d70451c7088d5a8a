"""Plain words and symbols for every state and reason, so nothing is told by colour alone.

Each entry pairs a one-cell symbol with a short phrase; screens show both, and
the seed's own name beside them. Symbols are chosen from characters that are
one cell wide in every common terminal font (no emoji).
"""

from __future__ import annotations

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction

from console.store.state import CallKind, EndCause, Health, HoldSide, LoginFailure, Request

LOGIN_WORDS: dict[LOGIN_STATES | None, tuple[str, str]] = {
    None: ("○", "Not logged in"),
    LOGIN_STATES.CONNECTING: ("…", "Connecting"),
    LOGIN_STATES.SUCCESS: ("●", "Logged in"),
    LOGIN_STATES.SERVER_ACCESS: ("✕", "Server refused or unreachable (address, certificate or credentials)"),
    LOGIN_STATES.DIAL_STRING_MISSING: ("!", "The server needs a number with the login"),
    LOGIN_STATES.NO_DIAL_STRING_FOR_USER: ("!", "The server has no number for this user"),
    LOGIN_STATES.CONNECTION_LOST: ("↯", "Connection lost"),
    LOGIN_STATES.LOGGED_OUT_IMPLICIT: ("○", "Logged out by the server"),
    LOGIN_STATES.LOGGED_OUT_EXPLICIT: ("○", "Logged out"),
    LOGIN_STATES.LOGIN_RESTORE_FAILED: ("✕", "The saved session could not be restored"),
}

CALL_WORDS: dict[CALL_STATES, tuple[str, str]] = {
    CALL_STATES.IDLE: ("○", "Idle"),
    CALL_STATES.DIALING: ("↗", "Dialling"),
    CALL_STATES.OFFERING: ("☎", "Incoming call"),
    CALL_STATES.RINGING: ("♪", "Ringing"),
    CALL_STATES.CONNECTED: ("●", "Connected"),
    CALL_STATES.HOLDING: ("◐", "Held by the far end"),
    CALL_STATES.HELD: ("‖", "On hold (by us)"),
    CALL_STATES.DISCONNECTED: ("✕", "Ended"),
}

REASON_WORDS: dict[DISC_REASON, str] = {
    DISC_REASON.SUCCESS: "Call completed normally",
    DISC_REASON.DIALSTRING: "Number not valid or not known",
    DISC_REASON.PERMISSION: "Not permitted to dial that number",
    DISC_REASON.CONGESTION: "Network congestion",
    DISC_REASON.EQUIPMENT: "No media resources available",
    DISC_REASON.BUSY: "The called party is busy",
    DISC_REASON.REDIRECTED: "The call was redirected",
    DISC_REASON.NOTRESPONDING: "No answer",
    DISC_REASON.NOTSELECTED: "Answered elsewhere",
    DISC_REASON.REJECTED: "Rejected",
    DISC_REASON.USERTERMINATED: "Hung up here",
    DISC_REASON.MEDIA: "Media failure",
    DISC_REASON.ERROR: "Unspecified error",
}

HEALTH_WORDS: dict[Health, tuple[str, str]] = {
    Health.OFFLINE: ("○", "offline"),
    Health.CONNECTING: ("…", "connecting"),
    Health.ONLINE: ("▲", "online"),
    Health.LOST: ("↯", "lost"),
}

HOLD_WORDS: dict[HoldSide, str] = {
    HoldSide.NONE: "not held",
    HoldSide.OURS: "held by us",
    HoldSide.THEIRS: "held by far end",
    HoldSide.BOTH: "held by both ends",
}

# What the card says when this console knows more than the switch's reason.
CAUSE_WORDS: dict[EndCause, str] = {
    EndCause.DECLINED_HERE: "Declined",
    EndCause.CALLER_GAVE_UP: "Missed: caller hung up while ringing",
    EndCause.ANSWERED_ELSEWHERE: "Answered elsewhere",
    EndCause.NOT_ANSWERED: "Missed: nobody answered in time",
    EndCause.HUNG_UP_HERE: "Hung up here",
    EndCause.SERVER_LOST: "Ended: the server no longer has this call",
    EndCause.LOGGED_OUT: "Ended by logging out",
    EndCause.NO_FREE_SLOT: "Missed: refused here, every slot was in use",
    EndCause.DND: "Missed: turned away by do not disturb",
    EndCause.FORWARDED: "Missed: forwarded elsewhere",
    EndCause.PARKED: "Parked",
    EndCause.TRANSFERRED: "Transferred",
    EndCause.LEFT_CONFERENCE: "You left the conference; the others talk on",
}

KIND_WORDS: dict[CallKind, tuple[str, str]] = {
    CallKind.INCOMING: ("←", "incoming"),
    CallKind.OUTGOING: ("→", "outgoing"),
    CallKind.MISSED: ("✕", "missed"),
    CallKind.ABANDONED: ("↩", "abandoned"),
    CallKind.DECLINED: ("⊘", "declined"),
}

FAILURE_WORDS: dict[LoginFailure, str] = {
    LoginFailure.CREDENTIALS: "Wrong username, password or token",
    LoginFailure.UNREACHABLE: "The server cannot be reached (nothing answers at that address and port)",
    LoginFailure.BAD_URL: "The server address is not valid",
    LoginFailure.TLS: "TLS failed (wss:// against a plain server, or a certificate that does not check out)",
    LoginFailure.CERTIFICATE: "The server's TLS certificate was not accepted (signed by a CA not trusted here, "
                              "or made out for another name); --ca-file or config.toml ca_file names the CA to trust",
    LoginFailure.SESSION_EXPIRED: "The saved session has expired on the server; log in again",
    LoginFailure.REFUSED: "The server refused the login",
}

REQUEST_WORDS: dict[Request, str] = {
    Request.ANSWER: "answering…",
    Request.ACCEPT: "accepting…",
    Request.DECLINE: "declining…",
    Request.HOLD: "holding…",
    Request.RETRIEVE: "retrieving…",
    Request.HANGUP: "ending…",
}

DIRECTION_WORDS: dict[Direction, tuple[str, str]] = {
    Direction.IN: ("←", "in"),
    Direction.OUT: ("→", "out"),
}


def login_words(state: LOGIN_STATES | None) -> str:
    symbol, words = LOGIN_WORDS[state]
    return f"{symbol} {words}" + (f" ({state})" if state is not None else "")


def reason_words(reason: DISC_REASON | None, cause: EndCause | None = None) -> str:
    """Why a call ended: this console's own knowledge first (declined here, caller gave up), the switch's
    reason in brackets."""
    if cause is not None and cause not in (EndCause.FAR_END,):
        return f"{CAUSE_WORDS[cause]}" + (f" ({reason})" if reason is not None else "")
    if reason is None:
        return ""
    return f"{REASON_WORDS[reason]} ({reason})"


def short_state(state: CALL_STATES, hold: HoldSide) -> str:
    """Symbol and a word or two, for the one-line queue view."""
    if hold is HoldSide.BOTH:
        return "‖ Held both"
    symbol, words = CALL_WORDS[state]
    short = {CALL_STATES.HELD: "On hold", CALL_STATES.HOLDING: "Held by far", CALL_STATES.OFFERING: "Incoming"}
    return f"{symbol} {short.get(state, words)}"


# The queue view's state column: a symbol and a word for every state, at most QUEUE_STATE_WIDTH cells, so
# rows differ in words where colour and bold are gone (NO_COLOR, a vt100).
QUEUE_STATE_WIDTH = 10
QUEUE_STATE_WORDS: dict[CALL_STATES, str] = {
    CALL_STATES.IDLE: "○ idle",
    CALL_STATES.DIALING: "↗ dialling",
    CALL_STATES.OFFERING: "☎ incoming",
    CALL_STATES.RINGING: "♪ ringing",
    CALL_STATES.CONNECTED: "● talking",
    CALL_STATES.HOLDING: "◐ far hold",
    CALL_STATES.HELD: "‖ on hold",
    CALL_STATES.DISCONNECTED: "✕ ended",
}
QUEUE_HELD_BOTH = "‖ held+far"
QUEUE_OVERDUE = "! overdue"  # on hold longer than hold_recall: the operator should go back to the caller
QUEUE_RECALL = "↩ recall"  # a call back from a transfer that failed (issue 19 item 1): room kept in the column
QUEUE_REQUEST_WORDS: dict[Request, str] = {
    Request.ANSWER: "… answer",
    Request.ACCEPT: "… accept",
    Request.DECLINE: "… decline",
    Request.HOLD: "… hold",
    Request.RETRIEVE: "… retrieve",
    Request.HANGUP: "… end",
}


def format_duration(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


# The history pane's last column: a few words, so a row fits 80 columns.
HISTORY_CAUSE_WORDS: dict[EndCause, str] = {
    EndCause.DECLINED_HERE: "declined here",
    EndCause.CALLER_GAVE_UP: "caller hung up",
    EndCause.ANSWERED_ELSEWHERE: "answered elsewhere",
    EndCause.NOT_ANSWERED: "no answer",
    EndCause.HUNG_UP_HERE: "hung up here",
    EndCause.SERVER_LOST: "lost on the server",
    EndCause.LOGGED_OUT: "logged out",
    EndCause.NO_FREE_SLOT: "refused: no slot",
    EndCause.DND: "turned away: DND",
    EndCause.FORWARDED: "forwarded",
    EndCause.PARKED: "parked",
    EndCause.TRANSFERRED: "transferred",
}


def history_words(reason: DISC_REASON | None, cause: EndCause | None, to: str = "") -> str:
    if cause is not None and cause is not EndCause.FAR_END:
        return HISTORY_CAUSE_WORDS[cause] + (f" → {to}" if to else "")
    if reason is None:
        return ""
    return REASON_WORDS[reason].lower() if reason is not DISC_REASON.SUCCESS else "far end hung up"


# -- attendant extension ---------------------------------------------------------------
from console.core.directory import PresenceState  # noqa: E402 - kept with the words that use it

PRESENCE_WORDS: dict[PresenceState | None, tuple[str, str]] = {
    PresenceState.AVAILABLE: ("●", "available"),
    PresenceState.RINGING: ("♪", "ringing"),
    PresenceState.BUSY: ("■", "busy"),
    PresenceState.ON_HOLD: ("‖", "on hold"),
    PresenceState.DND: ("⊘", "DND"),
    PresenceState.OFFLINE: ("○", "offline"),
    None: ("?", "unknown"),
}
CONSULT_WORDS = {
    "waiting": "⇄ waiting: you consult the target · j completes · z back to caller",
    "consulting": "⇄ consulting about the held caller · j completes · z cancels",
}

# -- mute, recording, conference ---------------------------------------------------------
def setting_words(dnd: bool, forwarding: str, queue_paused: bool = False) -> str:
    """DND, forwarding and a pause in the queues as the status line shows them (they decide who reaches us)."""
    words = ("⊘ DND" if dnd else "", f"↪ {forwarding}" if forwarding else "", "⏸ PAUSED" if queue_paused else "")
    return "  ".join(word for word in words if word)


LOST_CONTACT = "lost contact"  # a call while the link to the switch is down (store/contact.py)
MUTED_MARK = "⊘ MUTED"
RECORDING_MARK = "● REC"
CONFERENCE_MARK = "⧉"
QUEUE_ORIGIN_MARK = "≡"  # offered by a shared queue (the card says which and the place in line)
PARKED_MARK = "◉"  # a parked call (the busy lamp field marks an occupied orbit the same way)


def feature_marks(call) -> str:
    """What a card's title and the status line add for a call: muted, recording, conference."""
    marks = []
    if call.muted:
        marks.append(MUTED_MARK)
    if call.recording:
        marks.append(RECORDING_MARK)
    if call.conference:  # the count is everyone on the bridge, the operator included
        marks.append(f"{CONFERENCE_MARK} conf {call.conference_parties}")
    return " ".join(marks)


# -- who handed a call here: recall, transfer, forward (console/store/origin.py) -----------
RECALL_MARK = "↩"
RECALL_REASON_WORDS: dict[DISC_REASON, str] = {
    DISC_REASON.BUSY: "busy",
    DISC_REASON.REJECTED: "declined",
    DISC_REASON.NOTRESPONDING: "no answer",
    DISC_REASON.DIALSTRING: "unknown number",
    DISC_REASON.PERMISSION: "not permitted",
    DISC_REASON.CONGESTION: "congested",
}


def recall_words(call) -> str:
    """A recall's first words, "↩ 202 busy"; "" for any other call."""
    origin = call.origin
    if origin is None or not origin.recall:
        return ""
    reason = origin.recall_reason
    why = RECALL_REASON_WORDS.get(reason, str(reason).lower()) if reason is not None else "not taken"
    return f"{RECALL_MARK} {origin.recall_target} {why}"


def origin_words(call) -> str:
    """What the card says of who handed the call here: "↩ recalled: 202 declined", "⇄ transferred by 200",
    "↪ forwarded from 202"; "" if nobody did."""
    origin = call.origin
    if origin is None:
        return ""
    if origin.recall:
        return "↩ recalled: " + recall_words(call).removeprefix(f"{RECALL_MARK} ")
    parts = []
    if origin.queue:
        parts.append(f"{QUEUE_ORIGIN_MARK} queue {origin.queue_name or origin.queue} ({origin.queue}) · #{origin.queue_position}")
    if origin.transferred_by:
        parts.append(f"⇄ transferred by {origin.transferred_by}")
    if origin.forwarded_from:
        parts.append(f"↪ forwarded from {origin.forwarded_from}")
    return " · ".join(parts)


def transferred_words(call) -> str:
    """How a card this console handed on ends: "⇄ Transferred to 202" (never "completed normally")."""
    return f"⇄ Transferred to {call.transferred_to}" if call.transferred_to else "⇄ Transferred"
