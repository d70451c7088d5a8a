"""A call saved before a restart comes back: same dialog, next CSeq, a fresh offer with the old origin."""

from __future__ import annotations

import json

import pytest
from sipkit import OFFER, make_agent, one, reply, sent

from console.core.enums import CALL_STATES
from console.core.sip.call import seed_state
from console.core.sip.errors import SipParseError
from console.core.sip.events import AnswerReceived
from console.core.sip.sdp import SessionDescription

RR = [("Record-Route", "<sip:127.0.0.1:5060;r2=on;lr>"), ("Record-Route", "<sip:127.0.0.1:8080;transport=ws;r2=on;lr>")]


def test_saved_call_is_reinvited_after_a_restart():
    before = make_agent()
    call = before.calls.dial("1001", OFFER, 0.0)
    invite = one(before)
    before.receive(reply(invite, 200, headers=[*RR, ("Contact", "<sip:1001@127.0.0.1:5080>")], body=OFFER), 0.0)
    before.calls.hold(call, OFFER, 1.0)
    hold = [m for m in sent(before) if m.method == "INVITE"][0]
    before.receive(reply(hold, 200, body=OFFER.replace("sendrecv", "recvonly")), 1.0)
    saved = json.loads(json.dumps(before.calls.snapshot(call)))  # it survives a file

    after = make_agent(contact_user="fresh")
    assert after.calls.restore(saved) == call
    assert seed_state(after.calls.get(call)) is CALL_STATES.HELD
    after.calls.reoffer(call, OFFER.replace("4611731400430051336 2", "77 1"), 100.0)
    again = one(after)
    assert again.method == "INVITE" and again.call_id == call and again.cseq.number == 3
    assert (again.from_.tag, again.to.tag) == (invite.from_.tag, "srv1")
    assert again.uri == "sip:1001@127.0.0.1:5080"
    assert again.headers.get_all("Route") == ["<sip:127.0.0.1:8080;transport=ws;r2=on;lr>", "<sip:127.0.0.1:5060;r2=on;lr>"]
    assert again.headers.get("Contact") == "<sip:fresh@console.invalid;transport=ws>"
    desc = SessionDescription.parse(again.body)
    assert desc.origin == ("4611731400430051336", 4) and desc.direction == "sendonly"  # still held
    after.receive(reply(again, 200, body=OFFER.replace("sendrecv", "recvonly")), 100.0)
    assert isinstance(after.events()[0], AnswerReceived)


@pytest.mark.parametrize("broken", [{}, {"version": 2}, {"version": 1, "dialog": {"call_id": "x"}},
                                    {"version": 1, "dialog": None, "origin": [1, 2]}])
def test_broken_saved_calls_are_refused_with_the_stacks_error(broken):
    with pytest.raises(SipParseError):
        make_agent().calls.restore(broken)
