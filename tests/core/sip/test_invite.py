"""The INVITE user agent in memory: calls out and in, cancel, hold, DTMF, transfer, hostile peers."""

from __future__ import annotations

import pytest
from sipkit import OFFER, make_agent, one, reply, request, sent

from console.core.enums import CALL_STATES, DISC_REASON
from console.core.sip.call import CallPhase, seed_state
from console.core.sip.errors import SipStateError
from console.core.sip.events import (AnswerReceived, CallAnswered, CallConfirmed, CallEnded, CallProgress,
                                     DtmfReceived, IncomingCall, MessageRejected, OfferFailed, OfferReceived,
                                     TransferProgress, TransferRequested)
from console.core.sip.sdp import SessionDescription

RR = [("Record-Route", "<sip:127.0.0.1:5060;r2=on;lr>"), ("Record-Route", "<sip:127.0.0.1:8080;transport=ws;r2=on;lr>")]
CONTACT = ("Contact", "<sip:1001@127.0.0.1:5080>")


def dial_and_answer(agent, now=0.0):
    sent(agent)
    call = agent.calls.dial("1001", OFFER, now)
    invite = one(agent)
    agent.receive(reply(invite, 100, to_tag=None), now)
    agent.receive(reply(invite, 180, headers=[CONTACT]), now)
    agent.receive(reply(invite, 200, headers=[*RR, CONTACT], body=OFFER), now)
    return call, invite


def test_outgoing_call_rings_answers_acks_and_hangs_up():
    agent = make_agent()
    call, invite = dial_and_answer(agent)
    assert invite.uri == "sip:1001@example.org" and invite.headers.get("Route") == "<sip:127.0.0.1:5060;transport=ws;lr>"
    assert invite.content_type == "application/sdp" and invite.body.startswith(b"v=0")
    assert agent.events() == [CallProgress(call, 180, None), CallAnswered(call, OFFER)]
    ack = one(agent)
    # the 2xx ACK belongs to the dialog: new branch, same CSeq number, route set = Record-Route reversed
    assert ack.method == "ACK" and ack.uri == "sip:1001@127.0.0.1:5080" and ack.cseq.number == 1
    assert ack.via[0].branch != invite.via[0].branch
    assert ack.headers.get_all("Route") == ["<sip:127.0.0.1:8080;transport=ws;r2=on;lr>", "<sip:127.0.0.1:5060;r2=on;lr>"]
    assert ack.to.tag == "srv1" and ack.from_.tag == invite.from_.tag
    assert seed_state(agent.calls.get(call)) is CALL_STATES.CONNECTED
    agent.calls.hangup(call, 1.0)
    bye = one(agent)
    assert bye.method == "BYE" and bye.cseq.number == 2 and "cause=16" in bye.headers.get("Reason")
    assert agent.events() == [CallEnded(call, DISC_REASON.USERTERMINATED, None, remote=False)]
    agent.receive(reply(bye, 200), 1.0)
    assert agent.calls.calls[call].phase is CallPhase.TERMINATED and agent.events() == []


def test_proxy_challenge_resends_invite_with_credentials():
    agent = make_agent()
    call = agent.calls.dial("sip:1001@example.org", OFFER, 0.0)
    invite = one(agent)
    agent.receive(reply(invite, 407, headers=[("Proxy-Authenticate", 'Digest realm="example.org", nonce="x"')]), 0.0)
    messages = sent(agent)
    assert [m.method for m in messages] == ["ACK", "INVITE"]  # the transaction ACKs the 407 itself
    ack, again = messages
    assert ack.via[0].branch == invite.via[0].branch and ack.to.tag == "srv1"
    assert again.cseq.number == 2 and again.call_id == invite.call_id and "Proxy-Authorization" in again.headers
    assert again.from_.tag == invite.from_.tag and again.via[0].branch != invite.via[0].branch
    agent.receive(reply(again, 407, headers=[("Proxy-Authenticate", 'Digest realm="example.org", nonce="x"')]), 0.0)
    assert agent.events() == [CallEnded(call, DISC_REASON.PERMISSION, 407)]


def test_cancel_waits_for_a_provisional_and_ends_once():
    agent = make_agent()
    call = agent.calls.dial("1001", OFFER, 0.0)
    invite = one(agent)
    agent.calls.hangup(call, 0.5)
    assert sent(agent) == []  # RFC 3261 9.1: no CANCEL before a provisional response
    assert agent.events() == [CallEnded(call, DISC_REASON.USERTERMINATED, None, remote=False)]
    agent.receive(reply(invite, 100, to_tag=None), 0.6)
    cancel = one(agent)
    assert cancel.method == "CANCEL" and cancel.via[0].branch == invite.via[0].branch
    assert cancel.cseq.number == 1 and cancel.headers.get("Route") == invite.headers.get("Route")
    agent.receive(reply(cancel, 200), 0.7)
    agent.receive(reply(invite, 487), 0.7)
    assert one(agent).method == "ACK"
    assert agent.events() == []


def test_a_200_that_crosses_the_cancel_is_acked_and_byed():
    agent = make_agent()
    call = agent.calls.dial("1001", OFFER, 0.0)
    invite = one(agent)
    agent.receive(reply(invite, 180), 0.0)
    agent.calls.hangup(call, 0.1)
    assert one(agent).method == "CANCEL"
    agent.receive(reply(invite, 200, headers=[CONTACT], body=OFFER), 0.2)
    assert [m.method for m in sent(agent)] == ["ACK", "BYE"]


def test_incoming_call_accept_answer_confirm_and_remote_bye():
    agent = make_agent()
    agent.receive(request("INVITE", body=OFFER), 0.0)
    (event,) = agent.events()
    assert isinstance(event, IncomingCall) and event.sdp == OFFER and "1001" in event.remote
    assert one(agent).status == 100
    call = event.call
    assert seed_state(agent.calls.get(call)) is CALL_STATES.OFFERING
    agent.calls.accept(call, 0.1)
    ringing = one(agent)
    assert ringing.status == 180 and ringing.to.tag and ringing.contact
    assert seed_state(agent.calls.get(call)) is CALL_STATES.RINGING
    agent.calls.answer(call, OFFER, 0.2)
    ok = one(agent)
    assert ok.status == 200 and ok.to.tag == ringing.to.tag and ok.body.startswith(b"v=0")
    assert ok.headers.get_all("Record-Route") == ["<sip:127.0.0.1:8080;transport=ws;r2=on;lr>", "<sip:127.0.0.1:5060;r2=on;lr>"]
    agent.receive(request("ACK", to_tag=ok.to.tag, branch="z9hG4bKack"), 0.3)
    assert agent.events() == [CallConfirmed(call)]
    agent.receive(request("BYE", to_tag=ok.to.tag, cseq=2, branch="z9hG4bKbye",
                          headers=[("Reason", "Q.850;cause=16")]), 1.0)
    assert one(agent).status == 200
    assert agent.events() == [CallEnded(call, DISC_REASON.SUCCESS, None)]


@pytest.mark.parametrize("reason, status", [(DISC_REASON.BUSY, 486), (DISC_REASON.REJECTED, 603)])
def test_decline_answers_busy_or_decline_and_absorbs_the_ack(reason, status):
    agent = make_agent()
    agent.receive(request("INVITE", body=OFFER), 0.0)
    (event,) = agent.events()
    sent(agent)
    agent.calls.decline(event.call, 0.1, reason)
    answer = one(agent)
    assert answer.status == status
    assert agent.events() == [CallEnded(event.call, reason, None, remote=False)]
    agent.receive(request("ACK", to_tag=answer.to.tag), 0.2)  # same branch: the transaction's
    assert sent(agent) == [] and agent.events() == []


def test_caller_cancels_an_incoming_call():
    agent = make_agent()
    agent.receive(request("INVITE", body=OFFER), 0.0)
    (event,) = agent.events()
    sent(agent)
    agent.receive(request("CANCEL", headers=[("Reason", 'SIP;cause=200;text="Call completed elsewhere"')]), 0.5)
    statuses = sorted((m.status, m.cseq.method) for m in sent(agent))
    assert statuses == [(200, "CANCEL"), (487, "INVITE")]
    assert agent.events() == [CallEnded(event.call, DISC_REASON.NOTSELECTED, 487)]


def test_hold_and_retrieve_with_reinvite_keep_the_origin():
    agent = make_agent()
    call, _ = dial_and_answer(agent)
    agent.events()
    sent(agent)
    agent.calls.hold(call, OFFER, 1.0)
    hold = one(agent)
    desc = SessionDescription.parse(hold.body)
    assert hold.method == "INVITE" and hold.cseq.number == 2 and desc.direction == "sendonly"
    assert desc.origin == ("4611731400430051336", 3)  # same session id, version counted up
    assert seed_state(agent.calls.get(call)) is CALL_STATES.HELD
    with pytest.raises(SipStateError):
        agent.calls.retrieve(call, OFFER, 1.0)  # one offer at a time
    agent.receive(reply(hold, 200, headers=[CONTACT], body=OFFER.replace("sendrecv", "recvonly")), 1.1)
    assert isinstance(agent.events()[0], AnswerReceived)
    assert one(agent).method == "ACK"
    agent.calls.retrieve(call, OFFER, 2.0)
    back = one(agent)
    assert SessionDescription.parse(back.body).direction == "sendrecv"


def test_far_end_hold_is_holding_and_our_answer_mirrors_it():
    agent = make_agent()
    call, invite = dial_and_answer(agent)
    agent.events()
    sent(agent)
    held = OFFER.replace("sendrecv", "sendonly")
    agent.receive(request("INVITE", call_id=invite.call_id, from_tag="srv1", to_tag=invite.from_.tag, cseq=5,
                          body=held, branch="z9hG4bKre"), 1.0)
    assert agent.events() == [OfferReceived(call, held, True)]
    assert seed_state(agent.calls.get(call)) is CALL_STATES.HOLDING
    # while their offer waits, ours is refused, and a second one from them gets 491
    agent.receive(request("INVITE", call_id=invite.call_id, from_tag="srv1", to_tag=invite.from_.tag, cseq=6,
                          body=held, branch="z9hG4bKre2"), 1.0)
    assert one(agent).status == 491
    agent.calls.answer_offer(call, OFFER, 1.1)
    answer = one(agent)
    assert answer.status == 200 and SessionDescription.parse(answer.body).direction == "recvonly"


def test_dtmf_info_both_ways_and_bad_info():
    agent = make_agent()
    call, invite = dial_and_answer(agent)
    agent.events()
    sent(agent)
    agent.calls.send_dtmf(call, "5", 160, 1.0)
    info = one(agent)
    assert info.method == "INFO" and info.content_type == "application/dtmf-relay"
    assert info.body == b"Signal=5\r\nDuration=160\r\n"
    common = dict(call_id=invite.call_id, from_tag="srv1", to_tag=invite.from_.tag)
    agent.receive(request("INFO", cseq=3, body="Signal=#\r\nDuration=250\r\n", content_type="application/dtmf-relay",
                          branch="z9hG4bKi1", **common), 1.0)
    assert one(agent).status == 200 and agent.events() == [DtmfReceived(call, "#", 250)]
    agent.receive(request("INFO", cseq=4, body="Signal=Z\r\n", content_type="application/dtmf-relay",
                          branch="z9hG4bKi2", **common), 1.0)
    assert one(agent).status == 400
    agent.receive(request("INFO", cseq=5, body="x", content_type="text/plain", branch="z9hG4bKi3", **common), 1.0)
    assert one(agent).status == 415


def test_attended_transfer_refer_with_replaces_and_notify():
    agent = make_agent()
    a, _ = dial_and_answer(agent)
    b, invite_b = dial_and_answer(agent)
    agent.events()
    sent(agent)
    agent.calls.transfer(a, "", 1.0, replaces_call=b)
    refer = one(agent)
    refer_to = refer.headers.get("Refer-To")
    assert refer.method == "REFER" and refer_to.startswith("<sip:1001@example.org?Replaces=")
    assert f"{invite_b.call_id}%3Bto-tag%3Dsrv1%3Bfrom-tag%3D{invite_b.from_.tag}" in refer_to
    agent.receive(reply(refer, 202), 1.1)
    dialog = agent.calls.get(a).dialog
    notify = dict(call_id=dialog.call_id, from_tag=dialog.remote_tag, to_tag=dialog.local_tag,
                  content_type="message/sipfrag", headers=[("Event", "refer")])
    agent.receive(request("NOTIFY", cseq=10, body="SIP/2.0 100 Trying\r\n", branch="z9hG4bKn1",
                          **{**notify, "headers": [*notify["headers"], ("Subscription-State", "active")]}), 1.2)
    agent.receive(request("NOTIFY", cseq=11, body="SIP/2.0 200 OK\r\n", branch="z9hG4bKn2",
                          **{**notify, "headers": [*notify["headers"], ("Subscription-State", "terminated")]}), 1.3)
    assert [m.status for m in sent(agent)] == [200, 200]
    assert agent.events() == [TransferProgress(a, 100, False), TransferProgress(a, 200, True)]


def test_received_refer_is_accepted_notified_and_reported():
    agent = make_agent()
    agent.receive(request("INVITE", body=OFFER), 0.0)
    (event,) = agent.events()
    agent.calls.answer(event.call, OFFER, 0.1)
    ok = [m for m in sent(agent) if m.status == 200][0]
    common = dict(to_tag=ok.to.tag)
    agent.receive(request("ACK", branch="z9hG4bKa", **common), 0.2)
    agent.events()
    agent.receive(request("REFER", cseq=2, branch="z9hG4bKr", headers=[
        ("Refer-To", "<sip:1002@example.org?Replaces=abc%3Bto-tag%3Dt1%3Bfrom-tag%3Df1>")], **common), 1.0)
    accepted, notify = sent(agent)
    assert accepted.status == 202 and notify.method == "NOTIFY" and notify.body == b"SIP/2.0 100 Trying\r\n"
    assert notify.headers.get("Event") == "refer"
    assert agent.events() == [TransferRequested(event.call, "sip:1002@example.org", ("abc", "t1", "f1"))]
    agent.calls.notify_transfer(event.call, 200, 2.0)
    final = one(agent)
    assert final.body == b"SIP/2.0 200 OK\r\n" and final.headers.get("Subscription-State").startswith("terminated")


def test_hostile_requests_get_defined_answers():
    agent = make_agent()
    call, invite = dial_and_answer(agent)
    agent.events()
    sent(agent)
    common = dict(call_id=invite.call_id, from_tag="srv1", to_tag=invite.from_.tag)
    agent.receive(request("INFO", cseq=9, body="Signal=1", content_type="application/dtmf-relay",
                          branch="z9hG4bKh1", **common), 1.0)
    assert one(agent).status == 200
    agent.receive(request("INFO", cseq=3, body="Signal=1", content_type="application/dtmf-relay",
                          branch="z9hG4bKh2", **common), 1.0)  # CSeq went backwards
    assert one(agent).status == 500
    agent.receive(request("BYE", call_id="nope", to_tag="x", branch="z9hG4bKh3"), 1.0)
    assert one(agent).status == 481
    agent.receive(request("FROBNICATE", branch="z9hG4bKh4"), 1.0)
    unknown = one(agent)
    assert unknown.status == 501 and "INVITE" in unknown.headers.get("Allow")
    agent.receive(request("MESSAGE", branch="z9hG4bKh5"), 1.0)
    assert one(agent).status == 405
    agent.receive(request("INVITE", call_id="nosdp", branch="z9hG4bKh6"), 1.0)
    assert one(agent).status == 488
    agent.receive(request("INVITE", call_id="badsdp", body="nonsense", branch="z9hG4bKh7"), 1.0)
    assert one(agent).status == 488
    agent.receive(request("INVITE", call_id="big", body="v=0\r\n" + "a=x\r\n" * 20000, branch="z9hG4bKh8"), 1.0)
    assert one(agent).status == 413
    agent.receive(request("OPTIONS", branch="z9hG4bKh9"), 1.0)
    assert one(agent).status == 200
    agent.receive(request("BYE", branch="z9hG4bKh10"), 1.0)  # no To tag
    assert one(agent).status == 481
    # a request with an old-style (RFC 2543) branch is matched the RFC 2543 way and answered
    # (RFC 4475 3.2.1 and 3.4.1 want it handled; it used to be refused with 400)
    agent.receive(request("OPTIONS", branch="oldstyle"), 1.0)
    assert one(agent).status == 200
    agent.receive(request("OPTIONS", call_id="nope", cseq=1).replace(b"CSeq: 1 OPTIONS", b"CSeq: 1 INVITE"), 1.0)
    assert one(agent).status == 400  # CSeq method mismatch (RFC 4475 3.1.2.17)
    rejected = [e for e in agent.events() if isinstance(e, MessageRejected)]
    assert {e.status for e in rejected} >= {500, 501, 413, 400}
    # and the call is unharmed
    assert seed_state(agent.calls.get(call)) is CALL_STATES.CONNECTED


def test_max_calls_answers_busy():
    agent = make_agent()
    agent.calls.max_calls = 1
    agent.receive(request("INVITE", body=OFFER), 0.0)
    sent(agent)
    agent.receive(request("INVITE", call_id="second", branch="z9hG4bKsecond", body=OFFER), 0.0)
    assert one(agent).status == 486


def test_commands_in_the_wrong_state_raise_the_stacks_error():
    agent = make_agent()
    call = agent.calls.dial("1001", OFFER, 0.0)
    with pytest.raises(SipStateError):
        agent.calls.answer(call, OFFER, 0.0)
    with pytest.raises(SipStateError):
        agent.calls.hold(call, OFFER, 0.0)
    with pytest.raises(SipStateError):
        agent.calls.get("unknown")


def test_each_call_answers_its_own_fresh_challenge_and_stops_at_the_second():
    agent = make_agent()
    for n, call_nonce in enumerate(("a", "a")):  # the same nonce for two calls is fine
        call = agent.calls.dial("1001", OFFER, 0.0)
        invite = [m for m in sent(agent) if m.method == "INVITE"][0]
        challenge = ("Proxy-Authenticate", f'Digest realm="example.org", nonce="{call_nonce}"')
        agent.receive(reply(invite, 407, headers=[challenge]), 0.0)
        again = [m for m in sent(agent) if m.method == "INVITE"][0]
        assert f'nonce="{call_nonce}"' in again.headers.get("Proxy-Authorization")
        if n == 0:
            agent.receive(reply(again, 200, headers=[CONTACT], body=OFFER), 0.0)
            assert isinstance(agent.events()[-1], CallAnswered)
        else:  # a new nonce right after our answer: the password is wrong, no third INVITE
            agent.receive(reply(again, 407, headers=[(challenge[0], challenge[1].replace('"a"', '"c"'))]), 0.0)
            assert [m.method for m in sent(agent)] == ["ACK"]
            assert agent.events() == [CallEnded(call, DISC_REASON.PERMISSION, 407)]


def test_a_refused_hold_leaves_the_call_connected_and_a_refused_command_changes_nothing():
    agent = make_agent()
    call, _ = dial_and_answer(agent)
    sent(agent)
    agent.events()
    agent.calls.hold(call, OFFER, 1.0)
    hold = one(agent)
    with pytest.raises(SipStateError):
        agent.calls.retrieve(call, OFFER, 1.0)
    assert seed_state(agent.calls.get(call)) is CALL_STATES.HELD  # the refused retrieve changed nothing
    agent.receive(reply(hold, 488), 1.1)
    assert agent.events() == [OfferFailed(call, 488)]
    assert seed_state(agent.calls.get(call)) is CALL_STATES.CONNECTED


def test_hangup_before_the_ack_sends_bye_after_it():
    agent = make_agent()
    agent.receive(request("INVITE", body=OFFER), 0.0)
    (event,) = agent.events()
    agent.calls.answer(event.call, OFFER, 0.1)
    ok = [m for m in sent(agent) if m.status == 200][0]
    agent.calls.hangup(event.call, 0.2)
    assert sent(agent) == []
    assert agent.events() == [CallEnded(event.call, DISC_REASON.USERTERMINATED, None, remote=False)]
    agent.receive(request("ACK", to_tag=ok.to.tag, branch="z9hG4bKack"), 0.3)
    assert one(agent).method == "BYE" and agent.events() == []
