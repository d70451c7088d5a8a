"""Every SIP final response and Reason header maps to one DISC_REASON, reached through the agent."""

from __future__ import annotations

import pytest
from sipkit import OFFER, make_agent, one, reply, request, sent

from console.core.enums import DISC_REASON as R
from console.core.sip.events import CallEnded
from console.core.sip.reasons import (CLASS_REASON, DECLINE_STATUS, Q850_REASON, STATUS_REASON, reason_for_status,
                                      reason_from_header)

# the brief's table, spelled out so a change to reasons.py must change this too
EXPECTED = {486: R.BUSY, 600: R.BUSY, 603: R.REJECTED, 403: R.REJECTED, 480: R.NOTRESPONDING,
            408: R.NOTRESPONDING, 404: R.DIALSTRING, 484: R.DIALSTRING, 503: R.CONGESTION, 500: R.CONGESTION,
            488: R.MEDIA, 302: R.REDIRECTED, 401: R.PERMISSION, 502: R.EQUIPMENT, 400: R.ERROR}


@pytest.mark.parametrize("status", sorted(STATUS_REASON))
def test_each_final_status_ends_a_dialled_call_with_its_reason(status):
    agent = make_agent()
    call = agent.calls.dial("1001", OFFER, 0.0)
    invite = one(agent)
    if status in (401, 407):
        header = "WWW-Authenticate" if status == 401 else "Proxy-Authenticate"
        agent.receive(reply(invite, status, headers=[(header, 'Digest realm="r", nonce="n"')]), 0.0)
        invite = [m for m in sent(agent) if m.method == "INVITE"][0]
        agent.receive(reply(invite, status, headers=[(header, 'Digest realm="r", nonce="n"')]), 0.0)
    else:
        agent.receive(reply(invite, status), 0.0)
    assert agent.events() == [CallEnded(call, STATUS_REASON[status], status)]
    assert STATUS_REASON[status] == EXPECTED.get(status, STATUS_REASON[status])


def test_the_briefs_table_and_class_fallbacks():
    for status, reason in EXPECTED.items():
        assert reason_for_status(status) is reason, status
    assert reason_for_status(499) is R.ERROR and reason_for_status(599) is R.CONGESTION
    assert reason_for_status(699) is R.REJECTED and reason_for_status(399) is R.REDIRECTED
    assert set(CLASS_REASON) == {3, 4, 5, 6}


def test_every_disc_reason_is_reachable_from_sip():
    reachable = set(STATUS_REASON.values()) | set(Q850_REASON.values()) | {R.SUCCESS}
    assert reachable == set(R)


def test_reason_header_wins_over_the_status():
    agent = make_agent()
    call = agent.calls.dial("1001", OFFER, 0.0)
    agent.receive(reply(one(agent), 480, headers=[("Reason", "Q.850;cause=17;text=\"User busy\"")]), 0.0)
    assert agent.events() == [CallEnded(call, R.BUSY, 480)]


@pytest.mark.parametrize("values, expected", [
    (["Q.850;cause=16"], R.SUCCESS), (["SIP;cause=200;text=\"Call completed elsewhere\""], R.NOTSELECTED),
    (["SIP;cause=486", "Q.850;cause=21"], R.REJECTED), (["SIP;cause=404"], R.DIALSTRING),
    (["X.999;cause=1", "garbage"], None), ([], None), (["Q.850;cause=abc"], None),
])
def test_reason_header_parsing(values, expected):
    assert reason_from_header(values) is expected


@pytest.mark.parametrize("values, expected", [
    ("Q.850;cause=16", R.SUCCESS), ("Q.850;cause=31", R.SUCCESS), (None, R.SUCCESS),
    ("SIP;cause=200;text=\"Call completed elsewhere\"", R.NOTSELECTED),
])
def test_remote_bye_reasons(values, expected):
    agent = make_agent()
    agent.receive(request("INVITE", body=OFFER), 0.0)
    (incoming,) = agent.events()
    agent.calls.answer(incoming.call, OFFER, 0.0)
    tag = [m for m in sent(agent) if m.status == 200][0].to.tag
    agent.receive(request("BYE", cseq=2, to_tag=tag, branch="z9hG4bKb",
                          headers=[("Reason", values)] if values else []), 1.0)
    assert agent.events()[-1] == CallEnded(incoming.call, expected, None)


def test_decline_statuses_round_trip():
    for reason, status in DECLINE_STATUS.items():
        if reason is not R.PERMISSION:
            assert reason_for_status(status) is reason
