"""Whatever bytes arrive, UserAgent.receive never raises, and the established call survives."""

from __future__ import annotations

import random

from sipkit import OFFER, make_agent, one, reply, request, sent

from console.core.enums import CALL_STATES
from console.core.sip.address import Via
from console.core.sip.call import seed_state
from console.core.sip.errors import SipParseError
from console.core.sip.message import parse


def sent_or_error_answer(agent) -> None:
    """What the agent sends parses, except the 400/505 to a malformed request, which copies the
    request's From and To as received even when they are what was wrong (RFC 3261 8.2.6.2; RFC 4475
    3.1.2.6 wants that 400): such an answer must still name what was wrong and carry a Via that parses."""
    for data in agent.data_to_send():
        if not data.strip(b"\r\n"):
            continue
        try:
            parse(data)
        except SipParseError:
            assert data.startswith((b"SIP/2.0 400 ", b"SIP/2.0 505 ")) and b"\r\nWarning: 399 console " in data, data
            vias = [line for line in data.split(b"\r\n") if line.startswith(b"Via: ")]
            assert vias and all(Via.routable(v[5:].decode()) for v in vias), data


def test_mutated_messages_never_escape_and_the_call_survives():
    agent = make_agent()
    call = agent.calls.dial("1001", OFFER, 0.0)
    invite = one(agent)
    agent.receive(reply(invite, 200, headers=[("Contact", "<sip:1001@127.0.0.1:5080>")], body=OFFER), 0.0)
    sent(agent)
    agent.events()
    dialog = dict(call_id=invite.call_id, from_tag="srv1", to_tag=invite.from_.tag)
    seeds = [
        request("INVITE", body=OFFER, call_id="other"),
        request("INFO", cseq=50, body="Signal=1\r\nDuration=100\r\n", content_type="application/dtmf-relay", **dialog),
        request("REFER", cseq=60, headers=[("Refer-To", "<sip:1002@example.org?Replaces=a%3Bto-tag%3Db%3Bfrom-tag%3Dc>")],
                **dialog),
        request("NOTIFY", cseq=70, body="SIP/2.0 200 OK\r\n", content_type="message/sipfrag",
                headers=[("Event", "refer")], **dialog),
        reply(invite, 180, body=OFFER),
        reply(invite, 401, headers=[("WWW-Authenticate", 'Digest realm="r", nonce="n", qop="auth"')]),
        request("CANCEL", call_id="other"),
        request("ACK", **dialog),
    ]
    rng = random.Random(11)
    for n in range(4000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(data))
            op = rng.random()
            if op < 0.4:
                data[pos] = rng.choice(b"0123456789:;<>@\", \r\nzZ=%")
            elif op < 0.7:
                del data[pos:pos + rng.randint(1, 12)]
            else:
                data[pos:pos] = rng.choice([b"\r\n", b";tag=x", b",", b" ", b"\r\n ", b"SIP/2.0 "])
        agent.receive(bytes(data), 0.0)  # must not raise (time stands still: no timer may end the call)
        agent.on_timer(0.0)
        sent_or_error_answer(agent)
        agent.events()
    assert seed_state(agent.calls.get(call)) in (CALL_STATES.CONNECTED, CALL_STATES.HOLDING)
