"""Conferences over SIP, mixed in the console (issue 20 item 6), in memory: the session's conference requests
on the SIP wire become conference reports the driver mixes; leaving joins two parties by REFER with Replaces,
or ends the calls; a party that hangs up leaves the others in the conference."""

from __future__ import annotations

import pytest
from sipkit import OFFER, request
from test_sipwire import ANSWER, frames, registered

from console.core.client import events as ev
from console.core.client.sip_conference import LocalConferences
from console.core.enums import CALL_STATES
from console.core.machines import CallRequest


def answered_calls(count: int):
    session, conn, _ = registered()
    refs, tags = [], []
    for n in range(count):
        call_id, from_tag = f"peer-call-{n}", f"peer{n}"
        out = session.receive(conn, request("INVITE", call_id=call_id, from_tag=from_tag, branch=f"z9hG4bKinv{n}",
                                            body=OFFER), 1.0 + n)
        (incoming,) = [e for e in out if isinstance(e, ev.IncomingCall)]
        session.request(incoming.ref, CallRequest.ANSWER, 1.1 + n)
        (ok,) = frames(session.offer_ready(incoming.ref, {"type": "answer", "sdp": ANSWER}, 1.2 + n))
        session.receive(conn, request("ACK", call_id=call_id, from_tag=from_tag, to_tag=ok.to.tag,
                                      branch=f"z9hG4bKack{n}"), 1.3 + n)
        refs.append(incoming.ref)
        tags.append((call_id, from_tag, ok.to.tag))
    return session, conn, refs, tags


def conference_changes(out) -> list[tuple[int, str, int]]:
    return [(e.ref, e.conference, e.parties) for e in out if isinstance(e, ev.ConferenceChanged)]


def test_a_conference_of_three_calls_is_mixed_in_the_console_and_shrinks_as_parties_hang_up():
    session, conn, refs, tags = answered_calls(3)
    assert session.capabilities.local_conference
    out = session.conference(refs[:2], 10.0)
    assert not [e for e in out if isinstance(e, ev.ErrorReported)], out
    assert frames(out) == []  # nothing on the wire: the console is the bridge
    room = session.call(refs[0]).conference
    assert room and conference_changes(out) == [(refs[0], room, 3), (refs[1], room, 3)]

    out = session.conference([refs[2], refs[0]], 11.0)  # a call already in one takes the other in
    assert sorted(conference_changes(out)) == sorted([(r, room, 4) for r in refs])

    records = [session.call(r) for r in refs]
    call_id, from_tag, local_tag = tags[1]
    out = session.receive(conn, request("BYE", call_id=call_id, from_tag=from_tag, to_tag=local_tag, cseq=2,
                                        branch="z9hG4bKbye1"), 12.0)
    assert records[1].state is CALL_STATES.DISCONNECTED
    assert sorted(conference_changes(out)) == sorted([(refs[0], room, 3), (refs[1], "", 0), (refs[2], room, 3)])

    call_id, from_tag, local_tag = tags[2]
    out = session.receive(conn, request("BYE", call_id=call_id, from_tag=from_tag, to_tag=local_tag, cseq=2,
                                        branch="z9hG4bKbye2"), 13.0)
    assert sorted(conference_changes(out)) == [(refs[0], "", 0), (refs[2], "", 0)]  # one call left: an ordinary call again
    assert session.call(refs[0]).state is CALL_STATES.CONNECTED


def test_leaving_a_conference_of_two_joins_them_by_refer_with_replaces():
    session, _, refs, tags = answered_calls(2)
    session.conference(refs, 10.0)
    out = session.leave_conference(refs[0], 11.0)
    (refer,) = frames(out)
    assert refer.method == "REFER"
    refer_to = refer.headers.get("Refer-To")
    assert "Replaces=" in refer_to and tags[1][0] in refer_to
    assert conference_changes(out) == [(refs[0], "", 0), (refs[1], "", 0)]


def test_leaving_a_conference_of_three_ends_every_call():
    session, _, refs, _ = answered_calls(3)
    session.conference(refs, 10.0)
    out = session.leave_conference(refs[0], 11.0)
    assert sorted(m.method for m in frames(out)) == ["BYE", "BYE", "BYE"]
    assert not session.calls


def test_at_most_eight_parties_and_at_least_two_calls():
    rooms = LocalConferences()
    report = rooms.join(tuple(f"c{n}" for n in range(7)))
    assert report.parties == 8
    with pytest.raises(ValueError, match="at most 8 parties"):
        rooms.join(("c0", "c7"))
    assert rooms.rooms[report.conference] == [f"c{n}" for n in range(7)]  # nothing changed
    with pytest.raises(ValueError, match="two calls"):
        LocalConferences().join(("c0",))
