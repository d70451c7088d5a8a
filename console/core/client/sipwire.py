"""SIP over WebSocket (RFC 7118) as a :class:`~console.core.client.wire.SessionWire`: the seed API over SIP.

This adapts the sans-I/O SIP stack (:mod:`console.core.sip`, its
:class:`~console.core.sip.agent.UserAgent`) to the session's requests and
reports; docs/SIP.md has the mapping, a table per concept. The server
address names the wire: ``sip+ws://host:port/path`` or ``sip+wss://...``;
the WebSocket itself is the driver's, opened with subprotocol ``sip``.

* login / login_with_token -> REGISTER (digest, or Bearer), its 2xx -> the login's reply; logout -> BYE every
  call, un-REGISTER;
* dial -> INVITE, named at once (``answer_follows``: the 200's SDP is a :class:`RemoteAnswer`); an incoming
  INVITE -> a call OFFERING plus its :class:`RemoteOffer`, answered by ``answer`` (200 with our answer);
* hold/retrieve/media offers -> re-INVITE, replied when its 200 arrives; a far end's re-INVITE -> a
  :class:`RemoteOffer` the session answers with a ``media`` request;
* dtmf -> RFC 4733 in the media (:class:`MediaDigits`) when the far end's SDP has telephone-event, else INFO;
* every call state -> :func:`console.core.sip.call.seed_state`, reported when it changes;
* the login identifier carries the instance URN and a snapshot of every established dialog, so
  ``try_restore_login`` re-registers the same binding (RFC 5626) and brings the calls back (re-INVITE).

The identifier holds no password, but it does hold the digest H(A1) for the realms answered (as
SIP phones keep it): like the JSON switch's session identifier it lets its holder restore the login,
so it is a secret of the same kind (the switchboard keeps it in its session file, mode 0600).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from console.core.callinfo import CallInfo
from console.core.enums import CALL_STATES, DISC_REASON, AuthMethod, Direction, ErrorCode
from console.core.machines import CallRequest
from console.core.sip import events as sev
from console.core.sip.agent import UserAgent
from console.core.sip.call import seed_state
from console.core.sip.config import AgentConfig
from console.core.sip.errors import SipError
from console.core.sip.subscription import LampChanged

from .failover import proxy_ring, same_service
from .sip_conference import LocalConferences
from .sip_desk import SipDesk, SipDeskSettings
from .sipmap import decode_identifier, encode_identifier, has_telephone_event, login_code, party, sdp_of
from .wire import (
    ATTENDANT_REQUESTS, CallCommand, CallReport, ConferenceCommand, DigitsReport, Exchange, IdentifierChanged, Inbound,
    LoginRequest, LoginResult,
    LogoutRequest, MediaDigits, Refusal, RemoteAnswer, RemoteOffer, RenewMedia, Reply, Request, RestoreRequest,
    SessionEnded, TransportFailed, WireCapabilities,
)

log = logging.getLogger("console.core.client.sip")
DTMF_INFO_MS = 160


@dataclass
class _Account:
    user: str
    aor: str
    password: str
    token: str | None
    instance: str
    contact_user: str
    ha1: dict[str, str]  # "<hash>:<realm>" -> H(A1): what a restore in another process authenticates with


class SipWire:
    name = "sip"

    def __init__(self, server: str, *, expires: int = 600, keepalive: float | None = 120.0,
                 desk: SipDeskSettings | None = None) -> None:
        parts = urlsplit(server.strip())
        if parts.scheme not in ("sip+ws", "sip+wss") or not parts.hostname:
            raise ValueError(f"not a SIP server address: {server!r} (sip+ws://host:port/path or sip+wss://...)")
        self.server = server.strip()
        self.secure = parts.scheme == "sip+wss"
        self.capabilities = WireCapabilities(
            blind_transfer=True,  # REFER to a number (RFC 3515)
            desk=True,  # directory, lamps (RFC 4235), DND and forwarding: sip_desk.py
            media_required=True,  # every call negotiates media (SDP), elements set or not
            subprotocol="sip",
            secure=self.secure,  # the scheme names the transport
            local_conference=True,  # no focus at a bare proxy: the console mixes (sip_conference.py)
            recall_transfer=True,  # consult, then REFER with Replaces, or the caller back (sip_transfer.py)
            local_park=True,  # held at the console on an orbit, or REFER to the server's park extension
            renew_dead_media=True,  # dead media gets a re-INVITE with fresh media first (a restarted rtpengine)
        )
        self.host = parts.hostname
        self.port = parts.port or (443 if self.secure else 80)
        # a pair of proxies sharing registrations: a restore through another of them keeps this wire and its dialogs
        self.ring = proxy_ring(self.server, desk.outbound_proxies if desk is not None else ())
        self.expires = expires
        self.keepalive = keepalive
        self.agent: UserAgent | None = None
        self.desk = SipDesk(desk)
        self.account: _Account | None = None
        self._login_rid: int | None = None
        self._restoring = False
        self._saved: list[dict[str, Any]] = []
        self._logout_rid: int | None = None
        self.registered = False
        self.expiry: float | None = None  # when the binding runs out (the session's clock)
        self._waiting: dict[str, int] = {}  # Call-ID -> request id of a re-INVITE awaiting its answer
        self._reported: dict[str, CALL_STATES] = {}
        self._held_reported: dict[str, bool] = {}  # held_by_remote last reported per call
        self._remote_sdp: dict[str, str] = {}
        self._remote: dict[str, tuple[str, str]] = {}
        self._identifier: str | None = None
        # transfers: a REFER we received moves a session call onto a new dialog (its SIP Call-ID changes)
        self._current: dict[str, str] = {}  # session call id -> the SIP Call-ID carrying it now
        self._session_of: dict[str, str] = {}  # a new dialog's Call-ID -> the session call id it carries
        self._superseded: set[str] = set()  # dialogs replaced by a transfer: their end is not the call's
        self._asked: dict[str, tuple[str, tuple[str, str, str] | None]] = {}  # session id -> REFER target, Replaces
        self._referred: dict[str, str | None] = {}  # a REFER we sent: on Call-ID -> the call it replaces
        self.conferences = LocalConferences()

    # -- SessionWire --------------------------------------------------------------------
    def send(self, request_id: int, request: Request, now: float) -> Exchange:
        out: list[Inbound] = []
        try:
            if isinstance(request, LoginRequest):
                self._login(request_id, request, now, out)
            elif isinstance(request, RestoreRequest):
                self._restore(request_id, request, now, out)
            elif isinstance(request, LogoutRequest):
                self._logout(request_id, now, out)
            elif isinstance(request, ATTENDANT_REQUESTS):
                out += self.desk.handle(request_id, request, self._need_agent(), now)
            elif isinstance(request, ConferenceCommand):
                self._conference(request_id, request, now, out)
            else:
                self._call_command(request_id, request, now, out)
        except SipError as exc:
            log.info("SIP: %s refused: %s", type(request).__name__, exc)
            out.append(Refusal(request_id, f"sip_{exc.status or 'state'}", str(exc)))
        return self._collect(now, out)

    def receive(self, frame: str | bytes, now: float) -> Exchange:
        if self.agent is None:
            return Exchange()
        self.agent.receive(frame, now)  # never raises: bad input is answered and reported
        return self._collect(now, [])

    def tick(self, now: float) -> Exchange:
        if self.agent is None:
            return Exchange()
        self.agent.on_timer(now)
        return self._collect(now, [])

    def next_deadline(self) -> float | None:
        return self.agent.next_deadline() if self.agent is not None else None

    def closed(self, now: float) -> Exchange:
        self.registered = False
        if self.agent is None:
            return Exchange()
        self.agent.connection_lost(now)
        exchange = self._collect(now, [])
        self.agent.data_to_send()  # nothing can be sent on a closed connection
        return Exchange(inbound=exchange.inbound)

    def status(self, now: float) -> dict[str, str]:
        """For a status line: the AOR, the registration's expiry and the transport's health."""
        out: dict[str, str] = {}
        if self.account is not None:
            out["AOR"] = self.account.aor
        if self.registered and self.expiry is not None:
            out["registration"] = f"expires in {max(0, int(self.expiry - now))} s"
        elif self.account is not None:
            out["registration"] = "not registered"
        if self.agent is not None:
            flow = {"idle": "ok", "waiting": "awaiting pong", "failed": "failed"}.get(str(self.agent.keepalive.state), "")
            out["transport"] = f"{'wss' if self.secure else 'ws'}" + (f", keep-alive {flow}" if self.registered else ", down")
        return out

    def serves(self, server: str) -> bool:
        """Whether ``server`` is this wire's SIP service: its address, or another node of its proxy pair."""
        same_scheme = urlsplit(server.strip()).scheme == urlsplit(self.server).scheme  # the wire's TLS is fixed
        return same_scheme and same_service(self.server, server, self.ring)

    def use_server(self, server: str) -> None:
        """Go on through ``server``, another node of the pair (a failover): the REGISTER of the restore and
        later out-of-dialog requests are routed there; the dialogs keep their route sets (the nodes treat
        each other's addresses as their own, docs/sip/kamailio-pair.cfg)."""
        parts = urlsplit(server.strip())
        if server.strip() == self.server or not parts.hostname or not self.serves(server):
            return
        log.info("SIP: %s -> %s", self.server, server.strip())
        self.server, self.host = server.strip(), parts.hostname
        self.port = parts.port or (443 if self.secure else 80)
        if self.agent is not None:
            self.agent.use_proxy(self._proxy())

    @property
    def aor(self) -> str | None:
        return self.account.aor if self.account else None

    # -- login ----------------------------------------------------------------------------
    def _login(self, rid: int, request: LoginRequest, now: float, out: list[Inbound]) -> None:
        user = (request.username or "").strip()
        if not user:
            out.append(Refusal(rid, str(ErrorCode.DIAL_STRING_MISSING), "a SIP login needs a user name"))
            return
        token = request.token if request.auth is AuthMethod.TOKEN else None
        number, _, domain = user.partition("@")
        aor = f"sip:{number}@{domain or self.host}"
        instance = self.account.instance if self.account is not None and self.account.aor == aor else (
            f"urn:uuid:{uuid.uuid4()}")
        self.account = _Account(number, aor, request.password or "", token, instance, uuid.uuid4().hex[:12], {})
        self.agent = UserAgent(self._config(self.account))
        self._reset()
        self._login_rid, self._restoring, self._saved = rid, False, []
        self.agent.register(now)

    def _restore(self, rid: int, request: RestoreRequest, now: float, out: list[Inbound]) -> None:
        saved = decode_identifier(request.identifier)
        if saved is None:
            out.append(Refusal(rid, str(ErrorCode.RESTORE_FAILED), "not an identifier of a SIP login"))
            return
        same = self.account is not None and self.account.instance == saved["instance"] and self.agent is not None
        if not same:
            if self.account is None or self.account.aor != saved["aor"]:
                if not saved["ha1"]:
                    out.append(Refusal(rid, str(ErrorCode.RESTORE_FAILED),
                                       "the identifier has no credentials for this SIP account: log in again"))
                    return
                user = saved["aor"].removeprefix("sip:").partition("@")[0]
                self.account = _Account(user, saved["aor"], "", None, saved["instance"], saved["contact"], {})
            self.account.ha1.update(saved["ha1"])
            self.account.instance, self.account.contact_user = saved["instance"], saved["contact"]
            self.agent = UserAgent(self._config(self.account))
            self._reset()
            self._saved = list(saved["calls"])
        self._login_rid, self._restoring = rid, True
        assert self.agent is not None
        self.agent.refresh_registration(now)

    def _logout(self, rid: int, now: float, out: list[Inbound]) -> None:
        agent = self._need_agent()
        for call_id, call in list(agent.calls.calls.items()):
            if not call.ended:
                agent.calls.hangup(call_id, now)
        self._logout_rid = rid
        agent.unregister(now)

    def _conference(self, rid: int, request: ConferenceCommand, now: float, out: list[Inbound]) -> None:
        calls = self._need_agent().calls
        if request.leave:
            leaving = self.conferences.leave(request.conference or "")
            if leaving.join is not None:  # the two others stay connected: joined by REFER with Replaces
                first, second = (self._sip(c) for c in leaving.join)
                calls.transfer(first, "", now, replaces_call=second)
                self._referred[first] = second
            for call in leaving.end:
                if self._sip(call) in self._reported:  # still up
                    calls.hangup(self._sip(call), now)
            out.extend((Reply(rid), leaving.report))
            return
        if any(self._reported.get(self._sip(c)) is None for c in request.calls):
            out.append(Refusal(rid, str(ErrorCode.UNKNOWN_CALL), "conference: a call that is not ours"))
            return
        try:
            report = self.conferences.join(request.calls)
        except ValueError as exc:
            out.append(Refusal(rid, "conference_full", str(exc)))
            return
        out.extend((Reply(rid), report))

    def _config(self, account: _Account) -> AgentConfig:
        transport = "WSS" if self.secure else "WS"
        return AgentConfig(
            aor=account.aor, username=account.user, password=account.password, token=account.token,
            instance_id=account.instance, contact_user=account.contact_user, expires=self.expires,
            outbound_proxy=self._proxy(), transport=transport,
            keepalive_interval=self.keepalive, saved_ha1=tuple(account.ha1.items()),
        )

    def _proxy(self) -> str:
        return f"sip:{self.host}:{self.port};transport={'wss' if self.secure else 'ws'};lr"

    def _sip(self, call: str | None) -> str:
        return self._current.get(call or "", call or "")

    def _sid(self, sip_id: str) -> str:
        return self._session_of.get(sip_id, sip_id)

    def _reset(self) -> None:
        for table in (self._current, self._session_of, self._superseded, self._asked, self._referred):
            table.clear()
        self._waiting.clear()
        self.conferences.clear()
        self._reported.clear()
        self._held_reported.clear()
        self._remote_sdp.clear()
        self._remote.clear()
        self._logout_rid = None

    # -- calls ---------------------------------------------------------------------------
    def _call_command(self, rid: int, command: CallCommand, now: float, out: list[Inbound]) -> None:  # noqa: C901
        agent = self._need_agent()
        calls = agent.calls
        kind, call_id = command.request, self._sip(command.call)
        offer = sdp_of(command.sdp, "offer")
        answer = sdp_of(command.sdp, "answer")
        if kind is CallRequest.DIAL:
            if offer is None:
                out.append(Refusal(rid, str(ErrorCode.INVALID_SDP), "a SIP call needs media (an SDP offer)"))
                return
            number, replaces = self.desk.dial_target(command.number or "", agent)  # a pickup may go by Replaces
            call_id = calls.dial(number, offer, now, replaces=replaces)
            self._reported[call_id] = CALL_STATES.DIALING
            self._remote[call_id] = (number, "")
            out.append(Reply(rid, call=self._info(call_id, Direction.OUT, CALL_STATES.DIALING), answer_follows=True))
        elif kind is CallRequest.ACCEPT:
            calls.accept(call_id, now)
            out.append(Reply(rid))
        elif kind is CallRequest.ANSWER:
            if answer is None:
                out.append(Refusal(rid, str(ErrorCode.INVALID_SDP), "answer needs our SDP answer to the caller's offer"))
                return
            calls.answer(call_id, answer, now)
            out.append(Reply(rid))
        elif kind is CallRequest.DECLINE:
            calls.decline(call_id, now)
            out.append(Reply(rid))
        elif kind is CallRequest.DISCONNECT:
            calls.hangup(call_id, now)
            out.append(Reply(rid))
        elif kind in (CallRequest.HOLD, CallRequest.RETRIEVE, CallRequest.MEDIA):
            self._negotiate(rid, command, offer, answer, now, out)
        elif kind is CallRequest.DTMF:
            digits = command.digits or ""
            sdp = self._remote_sdp.get(call_id, "")
            if has_telephone_event(sdp):
                out.append(MediaDigits(call_id, digits))
            else:
                for digit in digits:
                    calls.send_dtmf(call_id, digit, DTMF_INFO_MS, now)
            out.append(Reply(rid))
        elif kind is CallRequest.TRANSFER:
            other = self._sip(command.to) if command.to else None
            calls.transfer(call_id, "", now, replaces_call=other)
            self._referred[call_id] = other
            out.append(Reply(rid))
        elif kind is CallRequest.BLIND_TRANSFER:
            # REFER the far end to the number; its NOTIFY 200 ends our call (SUCCESS), a failure leaves it
            calls.transfer(call_id, command.number or "", now)
            self._referred[call_id] = None
            out.append(Reply(rid))
        else:
            out.append(Refusal(rid, "unsupported", f"{kind} does not map to SIP"))

    def _negotiate(self, rid: int, command: CallCommand, offer: str | None, answer: str | None, now: float,
                   out: list[Inbound]) -> None:
        calls = self._need_agent().calls
        call_id = self._sip(command.call)
        asked = self._asked.pop(command.call or "", None)
        if asked is not None:  # the fresh offer for the dialog a REFER asked for
            if offer is None:
                calls.notify_transfer(call_id, 603, now)
                out.append(Reply(rid))
                return
            target, replaces = asked
            new = calls.dial(target, offer, now, replaces=replaces)
            self._session_of[new] = command.call or ""
            self._reported[new] = self._reported.get(call_id, CALL_STATES.CONNECTED)
            self._remote[new] = party(f"<{target}>")
            self._waiting[new] = rid
            return
        if answer is not None:  # our answer to the far end's re-INVITE
            calls.answer_offer(call_id, answer, now)
            out.append(Reply(rid))
            return
        if offer is None:
            call = calls.get(call_id)
            if call.offer_tx is not None:  # an offer we cannot answer now: our own re-INVITE crossed it, or no media
                calls.reject_offer(call_id, now, 491 if call.reinvite_tx is not None else 488)
            if command.request is CallRequest.MEDIA:
                out.append(Reply(rid))
            else:
                out.append(Refusal(rid, str(ErrorCode.INVALID_SDP), f"{command.request} over SIP needs media (an SDP offer)"))
            return
        if command.request is CallRequest.HOLD:
            calls.hold(call_id, offer, now)
        elif command.request is CallRequest.RETRIEVE:
            calls.retrieve(call_id, offer, now)
        else:
            calls.reoffer(call_id, offer, now)
        self._waiting[call_id] = rid

    # -- what the stack reported ------------------------------------------------------------
    def _collect(self, now: float, out: list[Inbound]) -> Exchange:
        agent = self.agent
        if agent is None:
            return Exchange(inbound=tuple(out))
        for event in agent.events():
            self._event(event, now, out)
        for call_id, call in list(agent.calls.calls.items()):
            if call.ended or call_id not in self._reported or call_id in self._superseded:
                continue
            state = seed_state(call)
            if call_id in self._session_of and state in (CALL_STATES.DIALING, CALL_STATES.RINGING):
                continue  # a transfer's new dialog: the call it carries keeps its state until it is answered
            held_changed = call.remote_hold != self._held_reported.get(call_id, call.remote_hold)
            if (state is not self._reported[call_id] or held_changed) and state is not CALL_STATES.DISCONNECTED:
                self._reported[call_id] = state
                out.append(CallReport(self._info(call_id, call.direction, state)))
        if self.registered and self.account is not None:
            identifier = self._make_identifier()
            if identifier != self._identifier:
                self._identifier = identifier
                out.append(IdentifierChanged(identifier))
        frames = tuple(data.decode("utf-8", errors="replace") for data in agent.data_to_send())
        return Exchange(inbound=tuple(out), frames=frames)

    def _event(self, event: sev.Event, now: float, out: list[Inbound]) -> None:  # noqa: C901 - one branch each
        agent = self.agent
        assert agent is not None
        if isinstance(event, LampChanged):
            out.append(self.desk.lamp(event))
        elif isinstance(event, sev.Registered):
            if not self.registered:  # registered anew (a reconnect, a restore): the lamps subscribe again
                self.desk.registered(agent, now)
            self.registered = True
            self.expiry = now + event.expires
            if self._login_rid is not None:
                rid, self._login_rid = self._login_rid, None
                out.append(Reply(rid, login=self._login_result(now)))
        elif isinstance(event, sev.RegistrationFailed):
            log.warning("SIP: REGISTER refused: %s %s", event.status, event.reason)
            if self._login_rid is not None:
                rid, self._login_rid = self._login_rid, None
                out.append(Refusal(rid, login_code(event.status, self._restoring, event.auth_failed),
                                   f"REGISTER: {event.status} {event.reason}"))
            elif self.registered:
                self.registered = False
                if event.status == 408:
                    out.append(TransportFailed("the registration refresh got no answer"))
                else:
                    out.append(SessionEnded(f"registration refused: {event.status} {event.reason}"))
        elif isinstance(event, sev.Unregistered):
            self.registered = False
            if self._logout_rid is not None:
                rid, self._logout_rid = self._logout_rid, None
                out.append(Reply(rid))
        elif isinstance(event, sev.FlowFailed):
            out.append(TransportFailed("no answer to the CRLF keep-alive"))
        elif isinstance(event, sev.IncomingCall):
            self._remote[event.call] = party(event.remote)
            self._remote_sdp[event.call] = event.sdp
            self._reported[event.call] = CALL_STATES.OFFERING
            out.append(CallReport(self._info(event.call, Direction.IN, CALL_STATES.OFFERING)))
            out.append(RemoteOffer(event.call, event.sdp))
        elif isinstance(event, sev.CallAnswered):
            self._remote_sdp[event.call] = event.sdp
            carried = self._session_of.get(event.call)
            if carried is not None and event.call in self._waiting:  # a REFER's new dialog is up
                old = self._sip(carried)
                self._current[carried] = event.call
                self._superseded.add(old)
                out.append(Reply(self._waiting.pop(event.call), sdp={"type": "answer", "sdp": event.sdp}))
                out.append(CallReport(self._info(event.call, agent.calls.calls[event.call].direction,
                                                 self._reported[event.call])))
                if old in agent.calls.calls and not agent.calls.calls[old].ended:
                    agent.calls.notify_transfer(old, 200, now)
            else:
                out.append(RemoteAnswer(self._sid(event.call), event.sdp))
        elif isinstance(event, sev.CallEnded):
            if event.call in self._superseded:
                self._superseded.discard(event.call)
                self._reported.pop(event.call, None)
                return  # the dialog a transfer replaced: the call goes on in its new one
            rid = self._waiting.pop(event.call, None)
            if rid is not None:
                out.append(Refusal(rid, "call_ended", "the call ended"))
            carried = self._session_of.get(event.call)
            if carried is not None and self._sip(carried) != event.call:  # the REFER's new dialog failed
                old = self._sip(carried)
                self._reported.pop(event.call, None)
                if old in agent.calls.calls and not agent.calls.calls[old].ended:
                    agent.calls.notify_transfer(old, event.status or 500, now)
                    agent.calls.hangup(old, now, DISC_REASON.MEDIA)  # its media went to the new dialog
                return
            self._held_reported.pop(event.call, None)
            shrunk = self.conferences.ended(self._sid(event.call))
            if shrunk is not None:
                out.append(shrunk)
            if self._reported.pop(event.call, None) is not None:
                direction = agent.calls.calls[event.call].direction if event.call in agent.calls.calls else Direction.OUT
                out.append(CallReport(self._info(event.call, direction, CALL_STATES.DISCONNECTED, event.reason)))
            self._remote_sdp.pop(event.call, None)
            self._remote.pop(event.call, None)
        elif isinstance(event, sev.OfferReceived):
            self._remote_sdp[event.call] = event.sdp
            out.append(RemoteOffer(self._sid(event.call), event.sdp))
        elif isinstance(event, sev.AnswerReceived):
            self._remote_sdp[event.call] = event.sdp
            rid = self._waiting.pop(event.call, None)
            if rid is not None:
                out.append(Reply(rid, sdp={"type": "answer", "sdp": event.sdp}))
        elif isinstance(event, sev.OfferFailed):
            rid = self._waiting.pop(event.call, None)
            if rid is not None:
                out.append(Refusal(rid, f"sip_{event.status}", f"the far end refused the offer ({event.status})"))
        elif isinstance(event, sev.DtmfReceived):
            out.append(DigitsReport(self._sid(event.call), event.digit))
        elif isinstance(event, sev.TransferRequested):
            sid = self._sid(event.call)
            if sid in self._asked or event.call in self._session_of or event.call not in self._reported:
                log.info("SIP: call %s: a second transfer request at once; refused", event.call)
                agent.calls.notify_transfer(event.call, 603, now)
            else:  # the call moves to a new dialog with the target: a fresh offer on new media first
                log.info("SIP: call %s: the far end transfers us to %s", event.call, event.target)
                self._asked[sid] = (event.target, event.replaces)
                out.append(RenewMedia(sid))
        elif isinstance(event, sev.TransferProgress):
            log.info("SIP: transfer of call %s: %s", event.call, event.status)
            if event.final:
                replaced = self._referred.pop(event.call, None)
                if 200 <= event.status < 300:  # done: both of our legs leave
                    for call_id in (event.call, replaced):
                        call = agent.calls.calls.get(call_id or "")
                        if call is not None and not call.ended:
                            agent.calls.hangup(call.call_id, now, DISC_REASON.SUCCESS)
        elif isinstance(event, sev.MessageRejected):
            log.warning("SIP from %s refused: %s (answered %s)", self.server, event.detail, event.status)

    # -- helpers -------------------------------------------------------------------------------
    def _login_result(self, now: float) -> LoginResult:
        agent, account = self.agent, self.account
        assert agent is not None and account is not None
        restored: list[CallInfo] = []
        if self._restoring:
            for data in self._saved:
                try:
                    call_id = agent.calls.restore(data)
                except SipError as exc:
                    log.warning("SIP: a saved call cannot be restored: %s", exc)
                    continue
                self._remote.setdefault(call_id, party(str(data.get("dialog", {}).get("remote_uri", ""))))
            self._saved = []
            for call_id, call in agent.calls.calls.items():
                if not call.ended and call_id not in self._superseded:
                    state = seed_state(call)
                    self._reported[call_id] = state
                    restored.append(self._info(call_id, call.direction, state))
        self._identifier = self._make_identifier()
        return LoginResult(identifier=self._identifier, number=account.user, name=agent.config.display_name or None,
                           lifetime=float(self.expires), calls=tuple(restored))

    def _make_identifier(self) -> str:
        agent, account = self.agent, self.account
        assert agent is not None and account is not None
        calls = []
        for call_id, call in agent.calls.calls.items():
            if call.dialog is not None and not call.ended and call_id not in self._superseded and seed_state(call) in (
                    CALL_STATES.CONNECTED, CALL_STATES.HELD, CALL_STATES.HOLDING):
                try:
                    calls.append(agent.calls.snapshot(call_id))
                except SipError:
                    continue
        account.ha1.update(agent.registration.ha1s())
        return encode_identifier({"aor": account.aor, "instance": account.instance, "contact": account.contact_user,
                                  "ha1": account.ha1, "calls": calls})

    def _info(self, call_id: str, direction: Direction, state: CALL_STATES,
              reason: DISC_REASON | None = None) -> CallInfo:
        number, name = self._remote.get(call_id, ("", ""))
        local = self.account.user if self.account else ""
        call = self.agent.calls.calls.get(call_id) if self.agent is not None else None
        # the far end holds us (its sendonly/inactive offer): said for every live call, as the switch does
        held = None if call is None or state is CALL_STATES.DISCONNECTED else call.remote_hold
        if held is not None:
            self._held_reported[call_id] = held
        return CallInfo(self._sid(call_id)[:256], direction, state, local_number=local[:256], remote_number=number[:256],
                        remote_name=name[:256], reason=reason, held_by_remote=held)

    def _need_agent(self) -> UserAgent:
        if self.agent is None:
            from console.core.sip.errors import SipStateError

            raise SipStateError("not logged in")
        return self.agent
