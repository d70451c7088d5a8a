"""Busy lamps: one SUBSCRIBE dialog (RFC 6665) to the dialog event package (RFC 4235) per watched extension.

:class:`LampWatcher` keeps a subscription per number: it sends the SUBSCRIBE
(answering a digest challenge once per nonce), refreshes it before it expires,
subscribes again when the server ends it (at once for ``deactivated``/``timeout``,
later for the rest, RFC 6665 4.1.3) or after a failure (growing back-off), and
turns each NOTIFY into a :class:`LampChanged` when the lamp changes. Everything
is bounded: at most ``max_watches`` numbers and ``rate`` new SUBSCRIBEs a second
(the rest wait their turn), so a directory of hundreds cannot flood the server.
After a reconnect the driver calls :meth:`LampWatcher.restart`: every subscription
starts again on a new dialog (the server may have lost the old ones).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from .auth import Authenticator
from .config import AgentConfig
from .dialog import Dialog
from .dialog_info import CONTENT_TYPE, DialogEntry, Lamp, lamp_of, merge, parse_dialog_info, peer_of, ringing_dialog
from .errors import SipParseError, SipStateError
from .events import Event
from .headers import Headers
from .ids import Ids
from .matching import TransactionLayer
from .message import SipRequest, SipResponse, response_to
from .requests import with_credentials
from .transaction import ClientTransaction, ServerTransaction
from .uri import SipUri

EVENT = "dialog"
MAX_WATCHES = 200
RATE = 10  # new SUBSCRIBEs a second
MIN_RETRY, MAX_RETRY = 5.0, 300.0


class WatchState(StrEnum):
    QUEUED = "queued"  # waiting for its turn (rate) or for the retry time
    SUBSCRIBING = "subscribing"  # a SUBSCRIBE is out
    ACTIVE = "active"  # the server accepted; NOTIFYs arrive
    ENDING = "ending"  # un-SUBSCRIBE (Expires: 0) sent


W = WatchState
WATCH_TABLE: dict[WatchState, frozenset[WatchState]] = {
    W.QUEUED: frozenset({W.SUBSCRIBING, W.ENDING}),
    W.SUBSCRIBING: frozenset({W.SUBSCRIBING, W.ACTIVE, W.QUEUED, W.ENDING}),
    W.ACTIVE: frozenset({W.SUBSCRIBING, W.ACTIVE, W.QUEUED, W.ENDING}),
    W.ENDING: frozenset({W.ENDING}),
}


@dataclass(frozen=True)
class LampChanged(Event):
    """An extension's lamp: its state, the other party of its call where the NOTIFY names one, and the
    early dialog ringing there (call-id, local tag, remote tag) for a pickup with Replaces."""

    number: str
    lamp: Lamp
    peer: str = ""
    ringing: tuple[str, str, str] | None = None


@dataclass
class Watch:
    number: str
    call_id: str
    tag: str
    state: WatchState = W.QUEUED
    request: SipRequest | None = None
    tx: ClientTransaction | None = None
    dialog: Dialog | None = None
    due: float = 0.0  # QUEUED: when it may go; ACTIVE: when to refresh
    failures: int = 0
    auth_tries: int = 0
    dialogs: dict[str, DialogEntry] = field(default_factory=dict)
    lamp: Lamp = Lamp.OFFLINE
    peer: str = ""

    def go(self, state: WatchState) -> None:
        if state not in WATCH_TABLE[self.state]:
            raise SipStateError(f"lamp {self.number}: {self.state} -> {state} is not a transition")
        self.state = state


@dataclass
class LampWatcher:
    config: AgentConfig
    ids: Ids
    tx: TransactionLayer
    expires: int = 600
    max_watches: int = MAX_WATCHES
    rate: int = RATE
    watches: dict[str, Watch] = field(default_factory=dict)
    _events: list[Event] = field(default_factory=list)
    _sent: deque = field(default_factory=deque)  # times of the SUBSCRIBEs sent in the last second
    _auth: Authenticator | None = None

    def __post_init__(self) -> None:
        self._auth = Authenticator(self.config.username, self.config.password, self.config.token,
                                   lambda: self.ids.random_hex(8), saved_ha1=dict(self.config.saved_ha1))

    # ------------------------------------------------------------------ commands
    def watch(self, numbers: list[str] | tuple[str, ...], now: float) -> None:
        """Watch exactly these numbers (the first ``max_watches``): new ones are queued, dropped ones un-subscribed."""
        wanted = list(dict.fromkeys(n for n in numbers if n))[: self.max_watches]
        for number in list(self.watches):
            if number not in wanted:
                self._unsubscribe(self.watches.pop(number), now)
        for number in wanted:
            if number not in self.watches:
                self.watches[number] = self._fresh(number, now)
        self._pump(now)

    def stop(self, now: float) -> None:
        for watch in self.watches.values():
            self._unsubscribe(watch, now)
        self.watches.clear()

    def restart(self, now: float) -> None:
        """After a reconnect or a restore: every subscription again, on a new dialog."""
        for number, watch in list(self.watches.items()):
            self.watches[number] = self._fresh(number, now, lamp=watch.lamp)
        self._pump(now)

    def lamps(self) -> dict[str, Lamp]:
        return {number: watch.lamp for number, watch in self.watches.items()}

    def ringing(self, number: str) -> tuple[str, str, str] | None:
        watch = self.watches.get(number)
        entry = ringing_dialog(watch.dialogs) if watch is not None else None
        return (entry.call_id, entry.local_tag, entry.remote_tag) if entry is not None else None

    # ------------------------------------------------------------------ driver side
    def drain_events(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def next_deadline(self) -> float | None:
        times = [w.due for w in self.watches.values() if w.state in (W.QUEUED, W.ACTIVE)]
        if self._sent and len(self._sent) >= self.rate and any(w.state is W.QUEUED for w in self.watches.values()):
            times.append(self._sent[0] + 1.0)
        return min(times, default=None)

    def on_timer(self, now: float) -> None:
        for watch in self.watches.values():
            if watch.state is W.ACTIVE and now >= watch.due and watch.dialog is not None:
                self._send(watch, self._in_dialog(watch, self.expires), now)
        self._pump(now)

    def owns(self, client: ClientTransaction | None) -> bool:
        return client is not None and client.method == "SUBSCRIBE"

    def on_response(self, client: ClientTransaction | None, response: SipResponse, now: float) -> None:
        watch = next((w for w in self.watches.values() if w.tx is client), None)
        if watch is None or response.status < 200:
            return
        watch.tx = None
        status = response.status
        if status < 300:
            if watch.dialog is None:
                watch.dialog = Dialog.as_uac(watch.request, response)
            granted = _int(response.headers.get("Expires"), self.expires)
            if granted <= 0:
                self._queue(watch, now, retry=True)
                return
            watch.go(W.ACTIVE)
            watch.failures, watch.auth_tries = 0, 0
            watch.due = now + max(granted / 2, granted - 30.0)
            return
        if status in (401, 407) and self._auth is not None and watch.request is not None:
            header = "WWW-Authenticate" if status == 401 else "Proxy-Authenticate"
            first = watch.auth_tries == 0
            watch.auth_tries += 1
            if self._auth.on_challenge(status, response.headers.get_all(header), first):
                retry = with_credentials(watch.request, self._via(), self._auth.headers_for("SUBSCRIBE", watch.request.uri))
                if watch.dialog is not None:
                    watch.dialog.local_seq = retry.cseq.number
                self._send(watch, retry, now, counted=False)
                return
        if status == 423 and watch.request is not None:  # Interval Too Brief: the server's minimum
            self.expires = max(self.expires, _int(response.headers.get("Min-Expires"), self.expires))
        self._queue(watch, now, retry=status not in (423, 481))

    def on_notify(self, server: ServerTransaction, request: SipRequest, now: float) -> bool:
        """A NOTIFY for one of our subscriptions (answered here, True), or not ours (False)."""
        if (request.headers.get("Event") or "").split(";")[0].strip().lower() != EVENT:
            return False
        watch = next((w for w in self.watches.values() if w.call_id == request.call_id), None)
        if watch is None or request.to.tag != watch.tag:
            self.tx.respond(server, response_to(request, 481), now)  # RFC 6665 4.1.3: no such subscription
            return True
        try:
            if watch.dialog is None:  # the NOTIFY overtook the 200 (RFC 6665 4.1.2.4)
                watch.dialog = Dialog.as_uas(request, watch.tag, f"<{self.config.contact_uri}>")
                watch.dialog.local_seq = watch.request.cseq.number if watch.request is not None else 1
            elif watch.dialog.remote_tag == request.from_.tag or not watch.dialog.remote_tag:
                watch.dialog.check_request(request)
        except (SipStateError, SipParseError):
            self.tx.respond(server, response_to(request, 500), now)
            return True
        body_ok = True
        try:
            info = parse_dialog_info(request.body)  # no body: no dialog (Kamailio's first NOTIFY)
        except SipParseError:
            body_ok = False  # answered 400; the lamp keeps what it showed
        else:
            watch.dialogs = merge(watch.dialogs, info)
        self.tx.respond(server, response_to(request, 200 if body_ok else 400), now)
        substate = (request.headers.get("Subscription-State") or "").lower()
        if substate.startswith("terminated"):
            reason = _param(substate, "reason")
            watch.dialog = None
            self._lamp(watch, Lamp.OFFLINE)
            if watch.state is not W.ENDING:
                retry_after = _int(_param(substate, "retry-after"), 0)
                self._queue(watch, now, retry=reason not in ("deactivated", "timeout", ""), after=retry_after)
            return True
        if body_ok:
            self._lamp(watch, lamp_of(watch.dialogs))
        return True

    # ------------------------------------------------------------------ details
    def _fresh(self, number: str, now: float, lamp: Lamp = Lamp.OFFLINE) -> Watch:
        return Watch(number, self.ids.call_id(), self.ids.tag(), due=now, lamp=lamp)

    def _pump(self, now: float) -> None:
        while self._sent and now - self._sent[0] >= 1.0:
            self._sent.popleft()
        for watch in self.watches.values():
            if len(self._sent) >= self.rate:
                return
            if watch.state is W.QUEUED and now >= watch.due:
                self._send(watch, self._initial(watch), now)

    def _send(self, watch: Watch, request: SipRequest, now: float, counted: bool = True) -> None:
        watch.go(W.SUBSCRIBING if watch.state is not W.ENDING else W.ENDING)
        watch.request = request
        watch.tx = self.tx.send_request(request, now)
        if counted:
            self._sent.append(now)

    def _queue(self, watch: Watch, now: float, retry: bool, after: float = 0.0) -> None:
        """Subscribe again on a new dialog: at once, or after a back-off that grows with each failure."""
        watch.go(W.QUEUED)
        watch.dialog, watch.tx, watch.request, watch.auth_tries = None, None, None, 0
        watch.call_id, watch.tag = self.ids.call_id(), self.ids.tag()
        delay = 0.0
        if retry:
            watch.failures += 1
            delay = min(MAX_RETRY, MIN_RETRY * 2 ** (watch.failures - 1))
            self._lamp(watch, Lamp.OFFLINE)
        watch.due = now + max(delay, after)

    def _unsubscribe(self, watch: Watch, now: float) -> None:
        if watch.state is W.ACTIVE and watch.dialog is not None:
            watch.go(W.ENDING)
            watch.request = self._in_dialog(watch, 0)
            watch.tx = self.tx.send_request(watch.request, now)
        elif watch.state is not W.ENDING:
            watch.go(W.ENDING)

    def _initial(self, watch: Watch) -> SipRequest:
        host = self.config.aor_uri
        uri = SipUri(host.host, watch.number, host.port)
        headers = Headers()
        headers.add("Via", self._via())
        if self.config.outbound_proxy:
            headers.add("Route", f"<{self.config.outbound_proxy}>")
        headers.add("Max-Forwards", "70")
        headers.add("From", f"{self.config.from_header};tag={watch.tag}")
        headers.add("To", f"<{uri}>")
        headers.add("Call-ID", watch.call_id)
        headers.add("CSeq", "1 SUBSCRIBE")
        headers.add("Contact", f"<{self.config.contact_uri}>")
        self._event_headers(headers, self.expires)
        return SipRequest(headers=headers, method="SUBSCRIBE", uri=str(uri))

    def _in_dialog(self, watch: Watch, expires: int) -> SipRequest:
        assert watch.dialog is not None
        request = watch.dialog.request("SUBSCRIBE", self.ids.branch(), self.config.via_host, self.config.transport)
        self._event_headers(request.headers, expires)
        return request

    def _event_headers(self, headers: Headers, expires: int) -> None:
        headers.add("Event", EVENT)
        headers.add("Accept", CONTENT_TYPE)
        headers.add("Expires", str(expires))
        headers.add("User-Agent", self.config.user_agent)

    def _lamp(self, watch: Watch, lamp: Lamp) -> None:
        peer = peer_of(watch.dialogs) if lamp is not Lamp.OFFLINE else ""
        if (lamp, peer) != (watch.lamp, watch.peer):
            watch.lamp, watch.peer = lamp, peer
            self._events.append(LampChanged(watch.number, lamp, peer, self.ringing(watch.number)))

    def _via(self) -> str:
        return f"SIP/2.0/{self.config.transport} {self.config.via_host};branch={self.ids.branch()}"


def _int(value: str | None, default: int) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else default


def _param(header: str, name: str) -> str:
    for part in header.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip() == name:
            return value.strip()
    return ""

