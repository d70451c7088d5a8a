"""Errors are values, one per recipient: a failure is a fresh error, its cause is never rewritten."""

from __future__ import annotations

import json

from console.core.client import ClientSession, JsonWire, LoginRequest
from console.core.client import events as ev
from console.core.enums import AuthMethod
from console.core.errors import CommClosed, RequestRefused
from console.core.machines import CallRequest


def frame(**body) -> str:
    return json.dumps({"v": 1, **body})


def errors(events) -> list:
    return [e.error for e in events if isinstance(e, ev.ErrorReported)]


def logged_in():
    session = ClientSession(JsonWire(), client_description="test")
    conn = session.login("ws://x", False, LoginRequest(AuthMethod.PASSWORD, "alice", "alice"))[-1].conn
    (request,) = [json.loads(e.frame) for e in session.connected(conn, 0.0) if isinstance(e, ev.Send)]
    session.receive(conn, frame(type="result", id=request["id"], identifier="id1", number="100"), 0.0)
    return session, conn


def incoming(session, conn, cid):
    call = {"call": cid, "direction": "in", "state": "OFFERING", "remote_number": "200", "reason": None}
    session.receive(conn, frame(type="call", call=call), 0.0)
    return next(c for c in session.calls if c.id == cid)


def test_failed_is_a_fresh_error_of_the_same_kind_and_leaves_its_cause_alone():
    cause = RequestRefused("busy", "the line is busy")
    hold, retrieve = cause.failed("hold"), cause.failed("retrieve")
    assert str(cause) == "busy: the line is busy" and cause.args == ("busy: the line is busy",)
    assert str(hold) == "hold failed: busy: the line is busy"
    assert str(retrieve) == "retrieve failed: busy: the line is busy"
    assert isinstance(hold, RequestRefused) and hold.code == "busy" and hold.__cause__ is cause


def test_each_request_pending_at_a_close_fails_once_with_its_own_error():
    session, conn = logged_in()
    a, b = incoming(session, conn, "a"), incoming(session, conn, "b")
    session.request(a.ref, CallRequest.ACCEPT, 0.0)
    session.request(b.ref, CallRequest.ACCEPT, 0.0)
    out = session.closed(conn, CommClosed(1006, "gone"), 1.0)
    first, second = errors(out)
    assert first is not second
    assert str(first) == str(second) == "accept failed: connection closed (1006) gone"
    assert [e.ref for e in out if isinstance(e, ev.ErrorReported)] == [a.ref, b.ref]
