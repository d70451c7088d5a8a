"""Busy lamps over SIP in memory: the SUBSCRIBE dialogs (RFC 6665) of the dialog event package (RFC 4235),
and DND / forwarding answered by the agent itself."""

from __future__ import annotations

from sipkit import OFFER, make_agent, one, reply, request, sent

from console.core.sip.dialog_info import Lamp
from console.core.sip.subscription import LampChanged, WatchState

CHALLENGE = ("Proxy-Authenticate", 'Digest realm="example.org", nonce="n1"')
SERVER_CONTACT = ("Contact", "<sip:127.0.0.1:5060;transport=ws>")


def early(call_id: str = "c1") -> str:
    return ('<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="2" state="full" '
            f'entity="sip:1001@example.org"><dialog id="padi-1" call-id="{call_id}" local-tag="lt" remote-tag="rt" '
            'direction="recipient"><state>early</state><remote><identity>sip:1002@example.org:5060</identity>'
            '</remote></dialog></dialog-info>')


def confirmed() -> str:
    return early().replace("<state>early</state>", "<state>confirmed</state>").replace(' local-tag="lt" remote-tag="rt"', "")


def notify(subscribe, cseq: int, body: str = "", state: str = "active;expires=599", from_tag: str = "srv1") -> bytes:
    """The presence server's NOTIFY in the subscription's dialog."""
    return request("NOTIFY", call_id=subscribe.call_id, cseq=cseq, from_tag=from_tag, to_tag=subscribe.from_.tag,
                   branch=f"z9hG4bKn{cseq}{subscribe.call_id}", body=body, content_type="application/dialog-info+xml",
                   headers=[("Event", "dialog"), ("Subscription-State", state)])


def subscribed(agent, number: str = "1001", now: float = 0.0):
    agent.lamps.watch([number], now)
    first = one(agent)
    agent.receive(reply(first, 407, headers=[CHALLENGE], to_tag=None), now)
    again = one(agent)
    agent.receive(reply(again, 200, headers=[("Expires", "600"), SERVER_CONTACT]), now)
    assert sent(agent) == []
    return first, again


def test_subscribe_with_digest_then_notifies_light_the_lamp():
    agent = make_agent()
    first, again = subscribed(agent)
    assert first.method == "SUBSCRIBE" and first.uri == "sip:1001@example.org"
    assert first.headers.get("Event") == "dialog" and first.headers.get("Accept") == "application/dialog-info+xml"
    assert again.cseq.number == 2 and "Proxy-Authorization" in again.headers and again.call_id == first.call_id
    agent.receive(notify(again, 1), 0.1)  # Kamailio's first NOTIFY: no body
    answer = one(agent)
    assert answer.status == 200
    assert agent.events() == [LampChanged("1001", Lamp.IDLE)]
    agent.receive(notify(again, 2, early()), 0.2)
    assert one(agent).status == 200
    assert agent.events() == [LampChanged("1001", Lamp.RINGING, "sip:1002@example.org:5060", ("c1", "lt", "rt"))]
    agent.receive(notify(again, 3, confirmed()), 0.3)
    one(agent)
    assert agent.events() == [LampChanged("1001", Lamp.BUSY, "sip:1002@example.org:5060")]
    agent.receive(notify(again, 4), 0.4)
    one(agent)
    assert agent.events() == [LampChanged("1001", Lamp.IDLE)]


def test_refreshed_in_dialog_before_expiry():
    agent = make_agent()
    _, again = subscribed(agent)
    assert agent.next_deadline() is not None and agent.next_deadline() <= 570.0
    agent.on_timer(569.0)
    assert [m for m in sent(agent) if m.method == "SUBSCRIBE"] == []
    agent.on_timer(570.0)
    refresh = one(agent)
    assert refresh.method == "SUBSCRIBE" and refresh.call_id == again.call_id and refresh.to.tag == "srv1"
    assert refresh.uri == "sip:127.0.0.1:5060;transport=ws" and refresh.cseq.number == 3
    agent.receive(reply(refresh, 200, headers=[("Expires", "600")]), 570.1)
    assert agent.lamps.watches["1001"].state is WatchState.ACTIVE


def test_terminated_by_the_server_subscribes_again_on_a_new_dialog():
    agent = make_agent()
    _, again = subscribed(agent)
    agent.receive(notify(again, 1, state="terminated;reason=timeout"), 1.0)
    assert one(agent).status == 200
    assert agent.lamps.watches["1001"].lamp is Lamp.OFFLINE and agent.events() == []  # never lit: no change
    agent.on_timer(1.0)
    anew = one(agent)
    assert anew.method == "SUBSCRIBE" and anew.call_id != again.call_id and not anew.to.tag


def test_a_refused_subscription_is_offline_and_retried_later_with_back_off():
    agent = make_agent()
    agent.lamps.watch(["1001"], 0.0)
    agent.receive(reply(one(agent), 404, to_tag=None), 0.0)
    sent(agent)
    assert agent.lamps.watches["1001"].lamp is Lamp.OFFLINE
    agent.on_timer(4.0)
    assert sent(agent) == []
    agent.on_timer(5.0)
    retry = one(agent)
    agent.receive(reply(retry, 404, to_tag=None), 5.0)
    sent(agent)
    agent.on_timer(14.0)
    assert sent(agent) == []  # the second failure waits 10 s
    agent.on_timer(15.0)
    assert one(agent).method == "SUBSCRIBE"


def test_bounded_in_number_and_rate_and_restarted_after_a_reconnect():
    agent = make_agent()
    agent.lamps.watch([str(n) for n in range(2000, 2300)], 0.0)
    assert len(agent.lamps.watches) == 200
    assert len(sent(agent)) == 10  # ten a second
    agent.on_timer(0.5)
    assert sent(agent) == []
    agent.on_timer(1.0)
    assert len(sent(agent)) == 10
    agent.lamps.restart(2.0)
    assert len(sent(agent)) == 10
    assert all(w.state in (WatchState.QUEUED, WatchState.SUBSCRIBING) for w in agent.lamps.watches.values())


def test_a_notify_for_no_subscription_is_481_and_one_that_overtakes_the_200_is_taken():
    agent = make_agent()
    agent.receive(request("NOTIFY", to_tag="nobody", headers=[("Event", "dialog"), ("Subscription-State", "active")]), 0.0)
    assert one(agent).status == 481
    agent.lamps.watch(["1001"], 0.0)
    subscribe = one(agent)
    agent.receive(notify(subscribe, 1, early()), 0.0)
    assert one(agent).status == 200
    assert agent.lamps.watches["1001"].lamp is Lamp.RINGING


def test_unwatching_unsubscribes_with_expires_zero():
    agent = make_agent()
    subscribed(agent)
    agent.lamps.watch([], 1.0)
    bye = one(agent)
    assert bye.method == "SUBSCRIBE" and bye.headers.get("Expires") == "0" and bye.to.tag == "srv1"


def invite(call_id: str = "in-1"):
    return request("INVITE", call_id=call_id, body=OFFER, branch=f"z9hG4bK{call_id}")


def test_dnd_answers_486_and_forwarding_302_with_the_target_in_contact():
    agent = make_agent()
    agent.policy.dnd = True
    agent.receive(invite(), 0.0)
    busy = one(agent)
    assert busy.status == 486 and busy.to.tag and agent.events() == []
    agent.policy.dnd, agent.policy.always = False, "1001"
    agent.receive(invite("in-2"), 0.0)
    moved = one(agent)
    assert moved.status == 302 and moved.headers.get("Contact") == "<sip:1001@example.org>"
    agent.policy.always, agent.policy.dnd, agent.policy.busy = None, True, "1002"  # DND with a busy target: forwarded
    agent.receive(invite("in-3"), 0.0)
    to_busy = one(agent)
    assert to_busy.status == 302 and "1002@" in to_busy.headers.get("Contact")


def test_forwarding_on_busy_and_on_no_answer():
    agent = make_agent()
    agent.policy.busy, agent.policy.no_answer, agent.policy.no_answer_after = "1002", "1003", 20.0
    agent.receive(invite("in-1"), 0.0)
    assert [m.status for m in sent(agent)] == [100]
    agent.receive(invite("in-2"), 1.0)
    moved = one(agent)
    assert moved.status == 302 and "1002@" in moved.headers.get("Contact")
    agent.on_timer(19.0)
    assert sent(agent) == []
    assert agent.next_deadline() is not None and agent.next_deadline() <= 20.0
    agent.on_timer(20.0)
    late = one(agent)
    assert late.status == 302 and "1003@" in late.headers.get("Contact")
