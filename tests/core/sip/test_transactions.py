"""Transactions over a reliable transport, and dialog bookkeeping."""

from __future__ import annotations

import pytest
from sipkit import OFFER, request

from console.core.sip.dialog import Dialog
from console.core.sip.errors import SipParseError, SipStateError
from console.core.sip.headers import Headers
from console.core.sip.matching import Kind, TransactionLayer
from console.core.sip.message import SipRequest, parse, response_to
from console.core.sip.transaction import TIMER_F, TIMER_H, TxState


def outgoing(method: str, branch: str = "z9hG4bKc1") -> SipRequest:
    headers = Headers([("Via", f"SIP/2.0/WS a.invalid;branch={branch}"), ("From", "<sip:a@x>;tag=a"),
                       ("To", "<sip:b@x>"), ("Call-ID", "c1"), ("CSeq", f"1 {method}"),
                       ("Route", "<sip:proxy;lr>")])
    return SipRequest(headers=headers, method=method, uri="sip:b@x")


def test_non_invite_client_timer_f_gives_408():
    layer = TransactionLayer()
    tx = layer.send_request(outgoing("OPTIONS"), 10.0)
    assert layer.next_deadline() == 10.0 + TIMER_F
    layer.receive(response_to(tx.request, 100), 11.0)
    assert tx.deadline == 10.0 + TIMER_F  # a provisional does not stop Timer F
    (timeout,) = layer.on_timer(10.0 + TIMER_F)
    assert timeout.kind is Kind.TIMEOUT and timeout.message.status == 408 and not layer.clients


def test_invite_client_acks_a_failure_itself_and_passes_each_2xx():
    layer = TransactionLayer()
    tx = layer.send_request(outgoing("INVITE"), 0.0)
    layer.outbox.clear()
    layer.receive(response_to(tx.request, 180, to_tag="t"), 0.0)
    assert tx.state is TxState.PROCEEDING and tx.deadline is None  # Timer B stops at the first 1xx
    busy = layer.receive(response_to(tx.request, 486, to_tag="t"), 0.0)
    assert busy.kind is Kind.RESPONSE
    (ack,) = layer.outbox
    assert ack.method == "ACK" and ack.via[0].branch == "z9hG4bKc1" and ack.to.tag == "t"
    assert ack.headers.get("Route") == "<sip:proxy;lr>" and ack.cseq.number == 1
    again = layer.receive(response_to(tx.request, 486, to_tag="t"), 0.1)
    assert again.kind is Kind.IGNORED

    tx2 = layer.send_request(outgoing("INVITE", "z9hG4bKc2"), 0.0)
    layer.outbox.clear()
    ok = response_to(tx2.request, 200, to_tag="t2")
    assert layer.receive(ok, 0.0).kind is Kind.RESPONSE and not layer.outbox  # the dialog ACKs a 2xx
    assert tx2.state is TxState.ACCEPTED
    assert layer.receive(ok, 0.1).kind is Kind.RESPONSE  # repeats still reach the dialog
    layer.on_timer(100.0)
    assert layer.receive(ok, 100.0).kind is Kind.STRAY_2XX


def test_invite_server_waits_for_ack_with_timer_h_and_resends_on_repeat():
    layer = TransactionLayer()
    first = layer.receive(parse(request("INVITE", body=OFFER)), 0.0)
    assert first.kind is Kind.REQUEST
    server = first.server
    layer.respond(server, response_to(server.request, 180, to_tag="me"), 0.0)
    layer.outbox.clear()
    repeat = layer.receive(parse(request("INVITE", body=OFFER)), 0.1)
    assert repeat.kind is Kind.IGNORED and layer.outbox[0].status == 180
    layer.respond(server, response_to(server.request, 486, to_tag="me"), 0.2)
    with pytest.raises(SipStateError):
        layer.respond(server, response_to(server.request, 200, to_tag="me"), 0.2)
    (lost,) = layer.on_timer(0.2 + TIMER_H)
    assert lost.kind is Kind.ACK_LOST and not layer.servers


def test_cancel_matches_its_invite_and_ack_of_a_failure_is_absorbed():
    layer = TransactionLayer()
    server = layer.receive(parse(request("INVITE", body=OFFER)), 0.0).server
    cancel = layer.receive(parse(request("CANCEL")), 0.1)
    assert cancel.kind is Kind.CANCEL and cancel.invite is server
    layer.respond(server, response_to(server.request, 487, to_tag="me"), 0.2)
    ack = layer.receive(parse(request("ACK", to_tag="me")), 0.3)
    assert ack.kind is Kind.IGNORED and server.state is TxState.TERMINATED
    assert layer.receive(parse(request("ACK", to_tag="me", branch="z9hG4bKother")), 0.3).kind is Kind.ACK_2XX


def test_open_transactions_are_bounded():
    layer = TransactionLayer(limit=3)
    for n in range(3):
        layer.receive(parse(request("OPTIONS", branch=f"z9hG4bK{n}", call_id=f"c{n}")), 0.0)
    with pytest.raises(SipParseError) as info:
        layer.receive(parse(request("OPTIONS", branch="z9hG4bKx", call_id="cx")), 0.0)
    assert info.value.status == 503


def test_dialog_strict_route_persistence_and_cseq():
    req = parse(request("INVITE", body=OFFER))
    dialog = Dialog.as_uas(req, "me", "<sip:console@console.invalid;transport=ws>")
    assert dialog.route_set == ["<sip:127.0.0.1:8080;transport=ws;r2=on;lr>", "<sip:127.0.0.1:5060;r2=on;lr>"]
    bye = dialog.request("BYE", "z9hG4bKb", "h.invalid")
    assert bye.uri == "sip:1001@127.0.0.1:5080" and bye.cseq.number == 1 and bye.to.tag == "peer1"
    dialog.route_set = ["<sip:strict.example.org>"]
    strict = dialog.request("INFO", "z9hG4bKc", "h.invalid")
    assert strict.uri == "sip:strict.example.org" and strict.headers.get_all("Route") == ["<sip:1001@127.0.0.1:5080>"]
    again = Dialog.from_dict(dialog.to_dict())
    assert again == dialog
    with pytest.raises(SipParseError):
        Dialog.from_dict({**dialog.to_dict(), "remote_target": "http://x"})
    with pytest.raises(SipStateError):
        dialog.check_request(parse(request("INFO", cseq=1)))


def test_a_failure_after_a_2xx_is_ignored():
    layer = TransactionLayer()
    tx = layer.send_request(outgoing("INVITE"), 0.0)
    layer.receive(response_to(tx.request, 200, to_tag="t"), 0.0)
    layer.outbox.clear()
    assert layer.receive(response_to(tx.request, 486, to_tag="t"), 0.1).kind is Kind.IGNORED
    assert not layer.outbox and tx.state is TxState.ACCEPTED
