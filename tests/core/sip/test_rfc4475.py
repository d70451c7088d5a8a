"""RFC 4475 (SIP torture test messages): every message of its Appendix A archive, byte for byte
(``rfc4475/*.dat``), fed to the parser and to the user agent, with the outcome the RFC gives for each.

The RFC's words for the outcomes, per section, are in the table: valid messages (3.1.1) parse with the
right field values and get their method's answer; invalid ones (3.1.2) are answered 400 (505 for a
version) whenever Via, From, To and Call-ID can be read, or parsed liberally where the RFC allows it
("an element that is liberal in what it accepts may ignore these extra SP characters", 3.1.2.9/10;
"ignore the Date header field", 3.1.2.12); transaction and application semantics (3.2, 3.3) get 416,
420 with Unsupported, 415 with Accept, 406, 400; RFC 2543 syntax (3.4.1) is accepted. Responses are
never answered. Nothing raises out of the user agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from sipkit import make_agent

from console.core.sip.errors import SipParseError
from console.core.sip.events import IncomingCall, MessageRejected
from console.core.sip.message import SipMessage, SipRequest, SipResponse, parse

ARCHIVE = Path(__file__).parent / "rfc4475"
RINGS = "rings"  # an INVITE that becomes an incoming call: 100 Trying and IncomingCall


@dataclass(frozen=True)
class Case:
    section: str
    parsed: int | None  # None: parse() accepts it; else the status of the SipParseError it raises
    answer: int | str | None  # the user agent's answer: a status, RINGS, or None (nothing is sent)
    check: Callable[[SipMessage], None] | None = None  # field values of a message that parses


def _wsinv(m: SipRequest) -> None:
    assert (m.method, m.uri) == ("INVITE", "sip:vivekg@chair-dnrc.example.com;unknownparam")
    assert m.to.tag == "1918181833n" and m.to.uri.user == "vivekg"
    assert m.from_.display == 'J Rosenberg \\"' and m.from_.tag == "98asjd8"  # escaped quotes kept
    assert int(m.headers.get("Max-Forwards")) == 68 and (m.cseq.number, m.cseq.method) == (9, "INVITE")
    assert [(v.transport, v.host, v.branch) for v in m.via] == [
        ("UDP", "192.0.2.2", "390skdjuw"), ("TCP", "spindle.example.com", "z9hG4bK9ikj8"),
        ("UDP", "192.168.255.111", "z9hG4bK30239")]  # white space around "/" and ";" and "="
    (contact,) = m.contact
    assert contact.display == 'Quoted string ""' and contact.params == {"newparam": "newvalue", "secondparam": None, "q": "0.33"}
    assert m.headers.get("Subject") == "" and m.headers.get("NewFangledHeader") == "newfangled value continued newfangled value"
    assert m.headers.get("Route") == "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>"
    assert m.content_type == "application/sdp" and len(m.body) == 150


def _intmeth(m: SipRequest) -> None:
    assert m.method == "!interesting-Method0123456789_*+`.%indeed'~" and m.cseq.method == m.method
    uri = parse_uri(m.uri)
    assert uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*" and uri.host == "example.com"
    assert not uri.headers  # the "?" is in the user part, not the start of headers
    assert m.to.display == "BEL:\x07 NUL:\x00 DEL:\x7f" and m.to.uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert m.from_.display == "token1~` token2'+_ token3*%!.-" and m.from_.tag == "_token~1'+`*%!-."
    assert m.from_.params["fromparam''~+*_!.-%"] == "работающий"
    assert m.call_id == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{" and m.cseq.number == 139122385
    assert m.via[0].branch == "z9hG4bK-.!%66*_+`'~"


def _esc01(m: SipRequest) -> None:
    uri = parse_uri(m.uri)
    assert (uri.user, uri.host) == ("sips%3Auser%40example.com", "example.net")
    assert m.to.uri.user == "%75se%72" and m.from_.uri.user == "I%20have%20spaces"
    assert m.contact[0].uri.user == "cal%6Cer" and m.contact[0].uri.params["n%61me"] == "v%61lue%25%34%31"


def _escnull(m: SipRequest) -> None:
    assert m.to.uri.user == "null-%00-null" and [c.uri.user for c in m.contact] == ["%00", "%00%00"]


def _esc02(m: SipRequest) -> None:
    assert m.method == "RE%47IST%45R" and m.to.display == "%Z%45" and m.via[0].branch == "z9hG4bK209%fzsnel234"
    assert [c.uri.host for c in m.contact] == ["host1.example.com", "host3.example.com"]  # C%6Fntact is not Contact


def _lwsdisp(m: SipRequest) -> None:
    assert m.from_.display == "caller" and m.from_.uri.user == "caller" and m.from_.tag == "323"


def _longreq(m: SipRequest) -> None:
    assert len(m.via) == 34 and m.via[-1].params["received"] == "192.0.2.5"
    assert m.to.display.startswith("I have a user name of extremeextreme") and m.to.uri.port == 6000
    assert m.call_id.startswith("longreq.onereally") and m.cseq.number == 3882340 and len(m.body) == 150


def _dblreq(m: SipRequest) -> None:
    assert m.method == "REGISTER" and m.body == b""  # the INVITE after it is not this message


def _semiuri(m: SipRequest) -> None:
    uri = parse_uri(m.uri)
    assert (uri.user, uri.host) == ("user;par=u%40example.net", "example.com") and not uri.params
    assert len(m.headers.get_all("Accept")) == 6


def _transports(m: SipRequest) -> None:
    assert [v.transport for v in m.via] == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]


def _mpart01(m: SipRequest) -> None:
    assert m.content_type == "multipart/mixed" and len(m.body) == int(m.headers.get("Content-Length"))


def _unreason(m: SipResponse) -> None:
    assert m.status == 200 and m.reason == "= 2**3 * 5**2 но сто девяносто девять - простое"


def _noreason(m: SipResponse) -> None:
    assert (m.status, m.reason) == (100, "")


def _lwsstart(m: SipRequest) -> None:
    assert (m.method, m.uri) == ("INVITE", "sip:user@example.com")


def _trws(m: SipRequest) -> None:
    assert (m.method, m.uri) == ("OPTIONS", "sip:remote-target@example.com")


def _unksm2(m: SipRequest) -> None:
    assert str(m.to.uri) == "isbn:2983792873" and str(m.from_.uri) == "http://www.example.com"
    assert m.from_.tag == "3234233" and str(m.contact[0].uri) == "name:John_Smith"


def _cparam01(m: SipRequest) -> None:
    (contact,) = m.contact
    assert "unknownparam" in contact.params and not contact.uri.params  # a header parameter


def _cparam02(m: SipRequest) -> None:
    (contact,) = m.contact
    assert "unknownparam" in contact.uri.params and not contact.params  # a URI parameter


def _regescrt(m: SipRequest) -> None:
    assert m.contact[0].uri.headers == "Route=%3Csip:sip.example.com%3E"


def _inv2543(m: SipRequest) -> None:
    assert m.from_.tag is None and m.via[0].branch is None
    assert m.to.params == {"user": "phone"} and not m.to.uri.params  # addr-spec: a header parameter


def parse_uri(text: str):
    from console.core.sip.uri import SipUri

    return SipUri.parse(text)


CASES: dict[str, Case] = {
    # 3.1.1 Valid messages
    "wsinv": Case("3.1.1.1", None, 481, _wsinv),  # valid; its To tag names a dialog we do not have
    "intmeth": Case("3.1.1.2", None, 501, _intmeth),
    "esc01": Case("3.1.1.3", None, RINGS, _esc01),
    "escnull": Case("3.1.1.4", None, 405, _escnull),
    "esc02": Case("3.1.1.5", None, 501, _esc02),  # RE%47IST%45R is not REGISTER
    "lwsdisp": Case("3.1.1.6", None, 200, _lwsdisp),
    "longreq": Case("3.1.1.7", None, RINGS, _longreq),
    "dblreq": Case("3.1.1.8", None, 405, _dblreq),
    "semiuri": Case("3.1.1.9", None, 200, _semiuri),
    "transports": Case("3.1.1.10", None, 200, _transports),
    "mpart01": Case("3.1.1.11", None, 405, _mpart01),  # valid; a MESSAGE, which we do not take
    "unreason": Case("3.1.1.12", None, None, _unreason),
    "noreason": Case("3.1.1.13", None, None, _noreason),
    # 3.1.2 Invalid messages
    "badinv01": Case("3.1.2.1", 400, 400),
    "clerr": Case("3.1.2.2", 400, 400),
    "ncl": Case("3.1.2.3", 400, 400),
    "scalar02": Case("3.1.2.4", 400, 400),
    "scalarlg": Case("3.1.2.5", 400, None),  # a response: never answered
    "quotbal": Case("3.1.2.6", 400, 400),
    "ltgtruri": Case("3.1.2.7", 400, 400),
    "lwsruri": Case("3.1.2.8", 400, 400),
    "lwsstart": Case("3.1.2.9", None, RINGS, _lwsstart),  # liberal: extra SP ignored
    "trws": Case("3.1.2.10", None, 200, _trws),  # liberal: trailing SP ignored
    "escruri": Case("3.1.2.11", 400, 400),
    "baddate": Case("3.1.2.12", None, RINGS),  # liberal: the Date header is not used
    "regbadct": Case("3.1.2.13", 400, 400),
    "badaspec": Case("3.1.2.14", 400, 400),
    "baddn": Case("3.1.2.15", 400, 400),
    "badvers": Case("3.1.2.16", 505, 505),
    "mismatch01": Case("3.1.2.17", 400, 400),
    "mismatch02": Case("3.1.2.18", 400, 400),
    "bigcode": Case("3.1.2.19", 400, None),  # a response
    # 3.2 Transaction layer semantics
    "badbranch": Case("3.2.1", None, 200),  # the bare magic cookie: matched the RFC 2543 way
    # 3.3 Application layer semantics
    "insuf": Case("3.3.1", 400, None),  # no Call-ID, From or To: nothing to answer with
    "unkscm": Case("3.3.2", None, 416),
    "novelsc": Case("3.3.3", None, 416),
    "unksm2": Case("3.3.4", None, 405, _unksm2),  # non-SIP URIs in To/From/Contact accepted
    "bext01": Case("3.3.5", None, 420),
    "invut": Case("3.3.6", None, 415),
    "regaut01": Case("3.3.7", None, 405),
    "multi01": Case("3.3.8", 400, 400),
    "mcl01": Case("3.3.9", 400, 400),
    "bcast": Case("3.3.10", None, None),  # a response for no transaction of ours
    "zeromf": Case("3.3.11", None, 200),  # Max-Forwards 0 is fine for the target
    "cparam01": Case("3.3.12", None, 405, _cparam01),
    "cparam02": Case("3.3.13", None, 405, _cparam02),
    "regescrt": Case("3.3.14", None, 405, _regescrt),
    "sdp01": Case("3.3.15", None, 406),
    # 3.4 Backward compatibility
    "inv2543": Case("3.4.1", None, RINGS, _inv2543),
    # in the archive, in no section: no Via, no CSeq
    "test": Case("-", 400, None),
}


def test_the_archive_is_complete_and_unchanged():
    files = {p.stem for p in ARCHIVE.glob("*.dat")}
    assert files == set(CASES) and len(files) == 50
    wsinv = (ARCHIVE / "wsinv.dat").read_bytes()
    assert len(wsinv) == 1001 and wsinv.count(b"\r\n") == 37  # CRLF kept (git does not touch *.dat)
    assert b"%00" in (ARCHIVE / "escnull.dat").read_bytes() and b"\x00" in (ARCHIVE / "intmeth.dat").read_bytes()


@pytest.mark.parametrize("name", sorted(CASES))
def test_parser(name):
    case, data = CASES[name], (ARCHIVE / f"{name}.dat").read_bytes()
    if case.parsed is None:
        message = parse(data)
        if case.check is not None:
            case.check(message)
    else:
        with pytest.raises(SipParseError) as info:
            parse(data)
        assert info.value.status == case.parsed, str(info.value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_user_agent(name):
    case, data = CASES[name], (ARCHIVE / f"{name}.dat").read_bytes()
    agent = make_agent()
    agent.receive(data, 1.0)  # never raises
    agent.on_timer(2.0)
    frames = [f for f in agent.data_to_send() if f.strip(b"\r\n")]
    events = agent.events()
    if case.answer is None:
        assert frames == [], frames
        return
    (frame,) = frames  # one answer, to the one message (dblreq's trailing INVITE is not a second one)
    status = int(frame.split(b" ", 2)[1])
    if case.answer == RINGS:
        assert status == 100 and [type(e) for e in events] == [IncomingCall]
        return
    assert status == case.answer, frame.decode(errors="replace")
    head = frame.split(b"\r\n\r\n")[0].decode(errors="replace")
    request = data.split(b"\r\n\r\n")[0].decode(errors="replace")
    call_id = next(line.split(":", 1)[1].strip() for line in request.split("\r\n")
                   if line.split(":")[0].strip().lower() in ("call-id", "i"))
    assert f"\r\nCall-ID: {call_id}\r\n" in head  # answered in the request's own transaction
    if status == 420:
        assert "\r\nUnsupported: nothingSupportsThis, nothingSupportsThisEither\r\n" in head
    if status == 415:
        assert "\r\nAccept: application/sdp\r\n" in head
    if status in (400, 505):
        assert "\r\nWarning: 399 console " in head and any(isinstance(e, MessageRejected) for e in events)


def test_a_call_from_a_tel_uri_rings():
    """RFC 3261 allows any URI in From (20.20): a gateway's INVITE From <tel:+15551234567> is a call
    whose caller is that number (it used to be refused: "not a SIP URI")."""
    from sipkit import OFFER, request

    data = request("INVITE", body=OFFER).replace(
        b'From: "Peer" <sip:1001@example.org>', b'From: "Gateway" <tel:+15551234567;phone-context=+1>')
    agent = make_agent()
    agent.receive(data, 1.0)
    (incoming,) = [e for e in agent.events() if isinstance(e, IncomingCall)]
    assert "tel:+15551234567" in incoming.remote
    message = parse(data)
    assert message.from_.uri.user == "+15551234567" and message.from_.uri.aor == "tel:+15551234567"
    assert str(message.from_.uri) == "tel:+15551234567;phone-context=+1" and message.from_.display == "Gateway"
