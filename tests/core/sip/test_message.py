"""Parsing and building SIP messages, including hostile input."""

from __future__ import annotations

import random

import pytest

from console.core.sip.address import NameAddr, Via
from console.core.sip.errors import SipError, SipParseError
from console.core.sip.message import MAX_BODY, SipRequest, SipResponse, error_response, parse, response_to
from console.core.sip.uri import SipUri

INVITE = (
    "INVITE sip:1001@example.org SIP/2.0\r\n"
    "v: SIP/2.0/WS a.invalid;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK2;received=1.2.3.4\r\n"
    "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK3\r\n"
    "f: \"Alice, the first\" <sip:1000@example.org>;tag=abc\r\n"
    "t: <sip:1001@example.org>\r\n"
    "i: call-1@host\r\n"
    "CSeq: 7 INVITE\r\n"
    "Max-Forwards: 70\r\n"
    "m: <sip:a@a.invalid;transport=ws>;expires=60, <sip:b@10.0.0.1>\r\n"
    "Subject: a folded\r\n"
    " subject line\r\n"
    "c: application/sdp\r\n"
    "l: 5\r\n"
    "\r\n"
    "v=0\r\nEXTRA"
)


def test_parses_compact_forms_folding_lists_and_body():
    msg = parse(INVITE)
    assert isinstance(msg, SipRequest)
    assert (msg.method, msg.uri) == ("INVITE", "sip:1001@example.org")
    assert [v.branch for v in msg.via] == ["z9hG4bK1", "z9hG4bK2", "z9hG4bK3"]
    assert msg.via[1].params["received"] == "1.2.3.4" and msg.via[1].port == 5060
    assert msg.from_.display == "Alice, the first" and msg.from_.tag == "abc"
    assert msg.call_id == "call-1@host"
    assert (msg.cseq.number, msg.cseq.method) == (7, "INVITE")
    assert [str(c.uri) for c in msg.contact] == ["sip:a@a.invalid;transport=ws", "sip:b@10.0.0.1"]
    assert msg.contact[0].params["expires"] == "60"
    assert msg.headers.get("Subject") == "a folded subject line"
    assert msg.content_type == "application/sdp"
    assert msg.body == b"v=0\r\n"  # Content-Length wins over trailing bytes


def test_serialize_round_trip_sets_content_length():
    msg = parse(INVITE)
    msg.body = b"hello"
    again = parse(msg.serialize())
    assert again.body == b"hello" and again.headers.get("Content-Length") == "5"
    assert [v.branch for v in again.via] == ["z9hG4bK1", "z9hG4bK2", "z9hG4bK3"]


def test_response_parse_and_response_to_copies_headers():
    req = parse(INVITE)
    resp = response_to(req, 180, to_tag="xyz")
    again = parse(resp.serialize())
    assert isinstance(again, SipResponse) and again.status == 180 and again.reason == "Ringing"
    assert again.to.tag == "xyz" and len(again.via) == 3 and again.cseq.method == "INVITE"


def test_uri_and_addresses():
    uri = SipUri.parse("sip:1000@[::1]:5061;transport=ws;lr?Replaces=a%3Bb")
    assert (uri.user, uri.host, uri.port, uri.params) == ("1000", "[::1]", 5061, {"transport": "ws", "lr": None})
    assert uri.headers == "Replaces=a%3Bb" and uri.aor == "sip:1000@[::1]"
    addr = NameAddr.parse("sip:1000@example.org;tag=9")  # addr-spec: the tag is the header's
    assert addr.tag == "9" and addr.uri.params == {}
    assert NameAddr.parse("*").star
    assert Via.parse("SIP/2.0/WSS h.invalid;branch=z9hG4bKx;rport").sent_by == "h.invalid:5060"


@pytest.mark.parametrize("text, status, answerable", [
    (INVITE.replace("CSeq: 7 INVITE", "CSeq: 7 BYE"), 400, True),  # CSeq method disagrees
    (INVITE.replace("CSeq: 7 INVITE", "CSeq: seven INVITE"), 400, True),
    (INVITE.replace("CSeq: 7 INVITE", "CSeq: 99999999999 INVITE"), 400, True),
    (INVITE.replace("i: call-1@host\r\n", ""), 400, False),  # no Call-ID: cannot even answer
    # answered although To is broken: RFC 3261 8.2.6.2 copies it as it is (RFC 4475 3.1.2.6 wants the 400)
    (INVITE.replace("t: <sip:1001@example.org>\r\n", "t: <sip:1001@example.org\r\n"), 400, True),
    (INVITE.replace("Max-Forwards: 70", "Max-Forwards: lots"), 400, True),
    (INVITE.replace("l: 5", "l: 500"), 400, True),  # body shorter than Content-Length
    (INVITE.replace("l: 5", "l: -1"), 400, True),
    (INVITE.replace("Max-Forwards: 70", "Bad Header Name: 1"), 400, True),
    (INVITE.replace("SIP/2.0\r\nv:", "SIP/3.0\r\nv:", 1), 505, True),  # RFC 4475 3.1.2.16: answered 505
    ("SIP/2.0 99 Odd\r\n\r\n", 400, False),
    ("\r\n\r\n", 400, False),
    ("GARBAGE\r\n\r\n", 400, False),
    (b"INVITE sip:x SIP/2.0\r\nVia: \xff\xfe\r\n\r\n", 400, False),
])
def test_malformed_input_raises_only_the_stacks_error_with_a_status(text, status, answerable):
    with pytest.raises(SipParseError) as info:
        parse(text)
    assert info.value.status == status
    answer = error_response(info.value)
    assert (answer is not None) == answerable
    if answer is not None:  # its status line, Via and Call-ID are what the request had
        wire = answer.serialize()
        assert wire.startswith(f"SIP/2.0 {status} ".encode()) and b"\r\ni: call-1@host" not in wire
        assert answer.headers.get("Call-ID") == "call-1@host" and answer.headers.get("CSeq")
        assert [Via.parse(v).branch for v in answer.headers.get_all("Via")] == ["z9hG4bK1", "z9hG4bK2", "z9hG4bK3"]


def test_huge_body_is_413_and_answerable():
    big = INVITE.replace("l: 5", f"l: {MAX_BODY + 1}").replace("v=0\r\nEXTRA", "x" * (MAX_BODY + 1))
    with pytest.raises(SipParseError) as info:
        parse(big)
    assert info.value.status == 413
    assert error_response(info.value).status == 413


def test_oversized_message_and_too_many_headers():
    with pytest.raises(SipParseError) as info:
        parse("INVITE sip:x SIP/2.0\r\n" + "X-A: b\r\n" * 20000 + "\r\n")
    assert info.value.status == 413
    with pytest.raises(SipParseError):
        parse("INVITE sip:x SIP/2.0\r\n" + "X-A: b\r\n" * 300 + "\r\n")


def test_random_mutations_never_raise_anything_else():
    rng = random.Random(7)
    base = INVITE.encode()
    for _ in range(3000):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            op = rng.random()
            pos = rng.randrange(len(data))
            if op < 0.4:
                data[pos] = rng.randrange(256)
            elif op < 0.7:
                del data[pos:pos + rng.randint(1, 20)]
            else:
                data[pos:pos] = rng.choice([b"\r\n", b":", b";", b"<", b"\"", b",", b" ", b"\x00"])
        try:
            msg = parse(bytes(data))
            msg.serialize()
        except SipError as exc:
            error_response(exc)


def test_display_names_quoted_escaped_and_unquoted():
    """A quoted display name is unescaped and escaped again on the way out; an unquoted one may have letters
    outside ASCII (phones send them) but no separator (RFC 4475 3.1.2.15: "Bell, Alexander" is refused)."""
    addr = NameAddr.parse('"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=1')
    assert addr.display == 'J Rosenberg \\"' and NameAddr.parse(str(addr)) == addr
    assert NameAddr.parse("Jürgen Müller <sip:1001@example.org>").display == "Jürgen Müller"
    for bad in ("Bell, Alexander <sip:a@example.com>", '"unterminated <sip:a@example.com>',
                "< sip:a@example.com >", "sip:a@example.com?Route=x"):
        with pytest.raises(SipParseError):
            NameAddr.parse(bad)
