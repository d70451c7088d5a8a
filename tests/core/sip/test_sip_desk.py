"""The attendant requests on the SIP wire, in memory (console/core/client/sip_desk.py): directory from the
settings, lamps as presence reports, subscribed again after a new registration, DND, pickup by Replaces."""

from __future__ import annotations

from sipkit import OFFER, reply, request
from test_lamps import SERVER_CONTACT, early, invite, notify

from console.core.client.sip_settings import SipDeskSettings
from console.core.client.sipwire import SipWire
from console.core.client.wire import (CallCommand, DirectoryRequest, DndRequest, LoginRequest, PresenceReport, Reply,
                                      RestoreRequest, SubscribeRequest)
from console.core.directory import DirectoryEntry, PresenceState
from console.core.enums import AuthMethod
from console.core.machines import CallRequest
from console.core.sip.message import parse

DIRECTORY = (DirectoryEntry("1001", "Reception"),)


def messages(exchange):
    return [parse(f) for f in exchange.frames if f.strip("\r\n")]


def logged_in(**settings) -> SipWire:
    wire = SipWire("sip+ws://example.org:8080/ws", desk=SipDeskSettings(directory=DIRECTORY, **settings))
    (register,) = messages(wire.send(1, LoginRequest(AuthMethod.PASSWORD, "1000", "secret1000"), 0.0))
    contact = register.headers.get("Contact")
    out = wire.receive(reply(register, 200, headers=[("Contact", f"{contact};expires=600")]), 0.1)
    assert any(isinstance(r, Reply) and r.login for r in out.inbound)
    return wire


def subscribed(wire: SipWire, now: float = 1.0):
    out = wire.send(2, SubscribeRequest(True), now)
    (reply_,) = out.inbound
    assert reply_.attendant.presence == {"1001": PresenceState.OFFLINE}  # until the server says more
    (subscribe,) = messages(out)
    assert subscribe.method == "SUBSCRIBE" and subscribe.uri == "sip:1001@example.org"
    wire.receive(reply(subscribe, 200, headers=[("Expires", "600"), SERVER_CONTACT]), now)
    return subscribe


def test_the_directory_is_the_configured_one_and_lamps_become_presence_reports():
    wire = logged_in()
    (directory,) = wire.send(5, DirectoryRequest(), 0.5).inbound
    assert directory.attendant.entries == DIRECTORY
    subscribe = subscribed(wire)
    out = wire.receive(notify(subscribe, 1), 1.1)
    assert out.inbound == (PresenceReport("1001", PresenceState.AVAILABLE),)
    out = wire.receive(notify(subscribe, 2, early()), 1.2)
    assert out.inbound == (PresenceReport("1001", PresenceState.RINGING),) and messages(out)[0].status == 200


def test_after_a_lost_connection_the_new_registration_subscribes_again():
    wire = logged_in()
    subscribe = subscribed(wire)
    wire.closed(2.0)
    out = wire.send(3, RestoreRequest(wire._identifier or ""), 3.0)
    (register,) = messages(out)
    contact = register.headers.get("Contact")
    out = wire.receive(reply(register, 200, headers=[("Contact", f"{contact};expires=600")]), 3.1)
    again = [m for m in messages(out) if m.method == "SUBSCRIBE"]
    assert len(again) == 1 and again[0].call_id != subscribe.call_id and not again[0].to.tag
    # a plain refresh of the registration does not subscribe again
    wire.receive(reply(again[0], 200, headers=[("Expires", "600"), SERVER_CONTACT]), 3.2)
    out = wire.tick(3.1 + 570)
    (refresh,) = [m for m in messages(out) if m.method == "REGISTER"]
    out = wire.receive(reply(refresh, 200, headers=[("Contact", f"{contact};expires=600")]), 3.2 + 570)
    assert [m for m in messages(out) if m.method == "SUBSCRIBE" and not m.to.tag] == []


def test_dnd_over_the_wire_answers_486():
    wire = logged_in(dnd_status=480)
    assert isinstance(wire.send(4, DndRequest(True), 1.0).inbound[0], Reply)
    out = wire.receive(invite(), 1.1)
    assert [m.status for m in messages(out)] == [480] and out.inbound == ()


def test_pickup_by_replaces_invites_the_caller_replacing_its_early_dialog():
    """RFC 3891 3: only the UA that started an early dialog lets it be replaced: the INVITE goes to the caller
    (1002, the lamp's remote party), to-tag its own tag, from-tag the ringing phone's."""
    wire = logged_in(pickup_replaces=True)
    subscribe = subscribed(wire)
    wire.receive(notify(subscribe, 1, early("c1")), 1.1)
    out = wire.send(6, CallCommand(CallRequest.DIAL, number="*81001", sdp={"type": "offer", "sdp": OFFER}), 1.2)
    (invite_,) = messages(out)
    assert invite_.uri == "sip:1002@example.org"
    assert invite_.headers.get("Replaces") == "c1;to-tag=rt;from-tag=lt"
    # without an early dialog on the lamp it is the code, dialled as it is
    wire.receive(notify(subscribe, 2), 1.3)
    (code,) = messages(wire.send(7, CallCommand(CallRequest.DIAL, number="*81001", sdp={"type": "offer", "sdp": OFFER}), 1.4))
    assert code.uri == "sip:*81001@example.org" and code.headers.get("Replaces") is None


def test_a_request_from_the_server_for_no_subscription_does_not_disturb_the_calls():
    wire = logged_in()
    out = wire.receive(request("NOTIFY", to_tag="nobody", headers=[("Event", "dialog"),
                                                                     ("Subscription-State", "active")]), 1.0)
    assert [m.status for m in messages(out)] == [481]
