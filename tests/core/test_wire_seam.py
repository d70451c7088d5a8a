"""The seam in memory: a pure wire adapted, a stateful wire's exchanges, the time it is given, wire selection,
and the SIP wire's login identifier (what a restore may trust of it)."""

from __future__ import annotations

from console.core.client import ClientSession, JsonWire, LoginRequest
from console.core.client import events as ev
from console.core.client.sipmap import decode_identifier, encode_identifier
from console.core.client.sipwire import SipWire
from console.core.client.wire import (
    CallCommand, CallReport, Exchange, LoginResult, PureWire, RemoteAnswer, Reply, WireCapabilities, as_session_wire,
)
from console.core.client.wires import wire_for
from console.core.callinfo import CallInfo
from console.core.enums import CALL_STATES, LOGIN_STATES, AuthMethod, Direction
from console.core.machines import CallRequest

ALICE = LoginRequest(AuthMethod.PASSWORD, "alice", "alice")


def test_a_pure_wire_is_adapted_and_json_is_one():
    wire = as_session_wire(JsonWire())
    assert isinstance(wire, PureWire) and wire.capabilities.subprotocol is None and wire.next_deadline() is None
    assert len(wire.send(1, ALICE, 0.0).frames) == 1 and wire.tick(5.0) == Exchange()


def test_wire_chosen_by_the_server_address():
    assert isinstance(wire_for("ws://127.0.0.1:1"), JsonWire)
    sip = wire_for("sip+wss://pbx.example:443/ws")
    assert isinstance(sip, SipWire) and sip.secure and sip.capabilities.subprotocol == "sip"


def test_a_sip_address_without_a_host_is_server_access_not_a_crash():
    session = ClientSession(None)
    out = session.login("sip+ws://", False, ALICE)
    assert [e.state for e in out if isinstance(e, ev.LoginChanged)] == [LOGIN_STATES.CONNECTING, LOGIN_STATES.SERVER_ACCESS]


def test_the_scheme_decides_tls_and_the_subprotocol_for_sip():
    session = ClientSession(None)
    connect = [e for e in session.login("sip+ws://127.0.0.1:5066", True, ALICE) if isinstance(e, ev.Connect)][0]
    assert connect.secure is False and connect.subprotocol == "sip"


class Stateful:
    """A stateful wire: names a dial at once, answers it later, and has a deadline of its own."""

    name, capabilities = "fake", WireCapabilities()

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.deadline: float | None = 7.0

    def send(self, request_id, request, now):
        if isinstance(request, LoginRequest):
            return Exchange((Reply(request_id, login=LoginResult(identifier="i", number="1")),), ("login",))
        assert isinstance(request, CallCommand) and request.request is CallRequest.DIAL
        info = CallInfo("c1", Direction.OUT, CALL_STATES.DIALING)
        return Exchange((Reply(request_id, call=info, answer_follows=True),), ("invite",))

    def receive(self, frame, now):
        if frame == "ringing":
            return Exchange((CallReport(CallInfo("c1", Direction.OUT, CALL_STATES.RINGING)),))
        return Exchange((RemoteAnswer("c1", "v=0"), CallReport(CallInfo("c1", Direction.OUT, CALL_STATES.CONNECTED))))

    def tick(self, now):
        self.ticks.append(now)
        self.deadline = None
        return Exchange(frames=("\r\n\r\n",))

    def next_deadline(self):
        return self.deadline

    def closed(self, now):
        return Exchange()

    def status(self, now):
        return {}


def test_a_stateful_wire_answers_later_and_is_given_the_time():
    wire = Stateful()
    session = ClientSession(wire)
    conn = session.login("x", False, ALICE)[-1].conn
    assert session.next_deadline() is None  # not connected: the wire's timers do not count yet
    out = session.connected(conn, 0.0)
    assert [e.frame for e in out if isinstance(e, ev.Send)] == ["login"] and session.login_state is LOGIN_STATES.SUCCESS
    assert session.next_deadline() == 7.0
    assert [e.frame for e in session.tick(7.0) if isinstance(e, ev.Send)] == ["\r\n\r\n"] and wire.ticks == [7.0]
    ref = session.create_call()
    session.dial(ref, "200", "", True, 8.0)
    out = session.offer_ready(ref, {"type": "offer", "sdp": "v=0"}, 8.0)
    assert [e.frame for e in out if isinstance(e, ev.Send)] == ["invite"]
    assert session.call(ref).id == "c1"
    out = session.receive(conn, "ringing", 9.0)  # not held back while the answer is still to come
    assert [e.state for e in out if isinstance(e, ev.CallChanged)] == [CALL_STATES.RINGING]
    out = session.receive(conn, "answered", 10.0)
    assert [type(e) for e in out] == [ev.ApplyAnswer]  # CONNECTED waits for the answer to be applied
    out = session.answer_applied(ref, 10.5)
    assert [e.state for e in out if isinstance(e, ev.CallChanged)] == [CALL_STATES.CONNECTED]


def test_the_identifier_round_trips_and_rejects_what_is_not_one():
    data = {"aor": "sip:1@h", "instance": "urn:uuid:x", "contact": "c", "ha1": {"MD5:h": "ab"}, "calls": [{}]}
    assert decode_identifier(encode_identifier(data)) == data
    for bad in ("", "abc", "sip1.!!!", "sip1." + "A" * 70000, encode_identifier({"aor": 1}), None):
        assert decode_identifier(bad) is None  # type: ignore[arg-type]
    odd = decode_identifier(encode_identifier({**data, "ha1": ["x"], "calls": [1, {}]}))
    assert odd is not None and odd["ha1"] == {} and odd["calls"] == [{}]


class MediaOnly:
    """A pure wire that declares every call negotiates media (as SIP does), and nothing else."""

    name, capabilities = "media-only", WireCapabilities(media_required=True)

    def __init__(self) -> None:
        self.inner = JsonWire()

    def encode(self, request_id, request):
        return self.inner.encode(request_id, request)

    def decode(self, frame):
        return self.inner.decode(frame)


def test_a_pure_wire_forwards_what_it_declares():
    """A ClientWire that declares media_required is heard through PureWire: a dial without elements still offers."""
    wire = as_session_wire(MediaOnly())
    assert isinstance(wire, PureWire) and wire.capabilities == MediaOnly.capabilities
    session = ClientSession(MediaOnly())
    conn = session.login("ws://127.0.0.1:1", False, ALICE)[-1].conn
    session.connected(conn, 0.0)
    session.receive(conn, '{"v": 1, "type": "result", "id": 1, "identifier": "i", "number": "100", "name": "A"}', 0.0)
    assert session.login_state is LOGIN_STATES.SUCCESS
    ref = session.create_call()
    out = session.dial(ref, "200", "", False, 1.0)  # media False: the wire requires it anyway
    assert [type(e) for e in out if isinstance(e, (ev.MakeOffer, ev.Send))] == [ev.MakeOffer]


def test_capabilities_declared_by_each_wire():
    assert JsonWire.capabilities.attendant and JsonWire.capabilities.carries(CallRequest.PARK)
    sip = SipWire("sip+ws://pbx.example:80/ws").capabilities
    assert not sip.attendant and sip.blind_transfer and sip.media_required and sip.secure is False
    assert sip.carries(CallRequest.BLIND_TRANSFER) and not sip.carries(CallRequest.PARK)
    assert ClientSession(None).capabilities == WireCapabilities()


def test_the_same_address_keeps_its_wire():
    """A restore keeps the SIP wire's dialogs: the wire for the same address is the same object."""
    sip = wire_for("sip+ws://pbx.example:80/ws")
    assert wire_for(" sip+ws://pbx.example:80/ws ", sip) is sip
    assert wire_for("sip+ws://other.example:80/ws", sip) is not sip
    json = wire_for("ws://127.0.0.1:1")
    assert wire_for("ws://127.0.0.1:2", json) is json and isinstance(wire_for("ws://x", sip), JsonWire)


def test_the_session_reads_capabilities_and_never_probes_a_wire():
    """No getattr probes and no URL-scheme tests in the session: what a wire carries is declared (issue 18)."""
    from pathlib import Path

    import console.core.client.session as session_module

    source = Path(session_module.__file__).read_text()
    assert "getattr(" not in source and "sip+" not in source and "startswith(" not in source


def test_no_core_module_is_too_long_to_read_in_one_sitting():
    from pathlib import Path

    import console.core

    root = Path(console.core.__file__).parent
    long = {str(p.relative_to(root)): n for p in root.rglob("*.py") if (n := len(p.read_text().splitlines())) > 600}
    assert long == {}
