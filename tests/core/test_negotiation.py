"""The offer/answer table in memory: every transition, as offerer and as answerer, legal and illegal; and the
session keeping to it (frames and driver calls in, events out)."""

from __future__ import annotations

import itertools

import pytest

from console.core.callinfo import CallInfo
from console.core.client import ClientSession, LoginRequest
from console.core.client import events as ev
from console.core.client.negotiation import (
    TABLE, Negotiation, NegotiationError, NegotiationState as N, Step,
)
from console.core.client.wire import (
    CallCommand, CallReport, Exchange, LoginResult, RemoteOffer, Reply, WireCapabilities,
)
from console.core.enums import CALL_STATES, AuthMethod, Direction
from console.core.errors import RemoteProtocolError
from console.core.machines import CallRequest

HOLD = CallCommand(CallRequest.HOLD, "c1")
OFFER = {"type": "offer", "sdp": "v=0 far"}

OFFERER = [  # (state, step, next): the console offers, the far end answers
    (N.STABLE, Step.OFFER, N.MAKING_OFFER),
    (N.MAKING_OFFER, Step.SEND, N.OFFER_SENT),
    (N.MAKING_OFFER, Step.DROP, N.STABLE),
    (N.OFFER_SENT, Step.ANSWERED, N.APPLYING),
    (N.OFFER_SENT, Step.DEFERRED, N.ANSWER_FOLLOWS),
    (N.OFFER_SENT, Step.CONFIRMED, N.STABLE),
    (N.OFFER_SENT, Step.REFUSED, N.STABLE),
    (N.ANSWER_FOLLOWS, Step.REMOTE_ANSWER, N.APPLYING),
    (N.APPLYING, Step.APPLIED, N.STABLE),
    (N.APPLYING, Step.APPLY_FAILED, N.STABLE),
]
ANSWERER = [  # the far end offered, the console answers
    (N.STABLE, Step.ANSWER_OFFER, N.MAKING_ANSWER),
    (N.MAKING_ANSWER, Step.SEND, N.ANSWER_SENT),
    (N.MAKING_ANSWER, Step.DROP, N.STABLE),
    (N.ANSWER_SENT, Step.CONFIRMED, N.STABLE),
    (N.ANSWER_SENT, Step.REFUSED, N.STABLE),
]
LEGAL = {(state, step): new for state, step, new in OFFERER + ANSWERER}


def test_the_table_is_the_two_sides_and_nothing_else():
    assert TABLE == LEGAL


@pytest.mark.parametrize(("state", "step", "new"), OFFERER + ANSWERER, ids=lambda v: str(v))
def test_every_legal_transition(state, step, new):
    negotiation = Negotiation(state=state)
    assert negotiation.allows(step)
    assert negotiation.advance(step) is new and negotiation.state is new


ILLEGAL = [(state, step) for state, step in itertools.product(N, Step) if (state, step) not in LEGAL]


@pytest.mark.parametrize(("state", "step"), ILLEGAL, ids=lambda v: str(v))
def test_every_illegal_transition_is_rejected_and_changes_nothing(state, step):
    negotiation = Negotiation(state=state)
    assert not negotiation.allows(step)
    with pytest.raises(NegotiationError, match=f"{step} is not possible in state {state}"):
        negotiation.advance(step)
    assert negotiation.state is state


def test_illegal_examples_on_each_side():
    """An answer to our answer, a second offer while one is out, an answer nobody waits for."""
    assert (N.ANSWER_SENT, Step.ANSWERED) in ILLEGAL and (N.ANSWER_SENT, Step.DEFERRED) in ILLEGAL
    assert (N.OFFER_SENT, Step.OFFER) in ILLEGAL and (N.APPLYING, Step.ANSWER_OFFER) in ILLEGAL
    assert (N.STABLE, Step.REMOTE_ANSWER) in ILLEGAL and (N.STABLE, Step.APPLIED) in ILLEGAL


def test_offerer_begins_without_a_remote_offer():
    negotiation = Negotiation(fresh_media=True)
    assert negotiation.begin(HOLD) is None
    assert negotiation.state is N.MAKING_OFFER and negotiation.has_media and not negotiation.fresh_media
    assert negotiation.busy and not negotiation.holds_reports
    assert negotiation.take_command() == HOLD and negotiation.take_command() is None
    negotiation.advance(Step.SEND)
    assert negotiation.holds_reports
    negotiation.advance(Step.DEFERRED)
    assert negotiation.busy and not negotiation.holds_reports  # the far end's ringing is shown at once
    negotiation.advance(Step.REMOTE_ANSWER)
    assert negotiation.holds_reports
    negotiation.advance(Step.APPLIED)
    assert not negotiation.busy


def test_answerer_begins_with_the_far_ends_offer():
    negotiation = Negotiation(remote_offer=OFFER)
    assert negotiation.begin(HOLD) == OFFER and negotiation.remote_offer is None
    assert negotiation.state is N.MAKING_ANSWER
    with pytest.raises(NegotiationError):
        negotiation.begin(HOLD)  # one exchange at a time
    assert negotiation.drop() == HOLD and negotiation.state is N.STABLE
    assert negotiation.drop() is None  # nothing waits: nothing to drop


# -- the session keeps to the table -------------------------------------------------------

class AnswererWire:
    """A stateful wire whose far end offers an incoming call, and which wrongly answers our answer."""

    name, capabilities = "answerer", WireCapabilities(media_required=True)

    def send(self, request_id, request, now):
        if isinstance(request, LoginRequest):
            return Exchange((Reply(request_id, login=LoginResult(identifier="i", number="1")),), ("login",))
        assert isinstance(request, CallCommand) and request.request is CallRequest.ANSWER
        return Exchange((Reply(request_id, sdp={"type": "answer", "sdp": "v=0 again"}),), ("200",))

    def receive(self, frame, now):
        return Exchange((CallReport(CallInfo("c1", Direction.IN, CALL_STATES.OFFERING)), RemoteOffer("c1", "v=0 far")))

    def tick(self, now):
        return Exchange()

    def next_deadline(self):
        return None

    def closed(self, now):
        return Exchange()

    def status(self, now):
        return {}


def answering():
    session = ClientSession(AnswererWire())
    conn = session.login("x", False, LoginRequest(AuthMethod.PASSWORD, "a", "a"))[-1].conn
    session.connected(conn, 0.0)
    (incoming,) = [e for e in session.receive(conn, "INVITE", 1.0) if isinstance(e, ev.IncomingCall)]
    return session, incoming.ref


def test_the_session_answers_the_far_ends_offer_as_answerer():
    session, ref = answering()
    (make,) = [e for e in session.request(ref, CallRequest.ANSWER, 2.0) if isinstance(e, ev.MakeOffer)]
    assert make.offer == {"type": "offer", "sdp": "v=0 far"}
    assert session.call(ref).negotiation.state is N.MAKING_ANSWER


def test_an_answer_to_our_answer_is_the_wires_mistake_and_is_not_applied():
    session, ref = answering()
    session.request(ref, CallRequest.ANSWER, 2.0)
    out = session.offer_ready(ref, {"type": "answer", "sdp": "v=0 ours"}, 3.0)
    assert not [e for e in out if isinstance(e, ev.ApplyAnswer)]
    (error,) = [e.error for e in out if isinstance(e, ev.ErrorReported)]
    assert isinstance(error, RemoteProtocolError) and "answered does not fit the exchange (answer_sent)" in str(error)
    assert session.call(ref).negotiation.state is N.STABLE


def test_driver_steps_out_of_order_are_ignored():
    """answer_applied with no answer being applied, offer_ready with no offer asked for: nothing happens."""
    session, ref = answering()
    assert session.answer_applied(ref, 2.0) == [] and session.answer_failed(ref, RemoteProtocolError("x", "y"), 2.0) == []
    assert session.offer_ready(ref, {"type": "offer", "sdp": "v=0"}, 2.0) == []
    assert session.call(ref).negotiation.state is N.STABLE and session.call(ref).state is CALL_STATES.OFFERING
