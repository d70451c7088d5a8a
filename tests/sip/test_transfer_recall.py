"""Transfer with recall over SIP (issue 20 item 6): "a blind transfer whose target is busy, declines or does not
answer in `transfer_recall` seconds returns the caller to the operator".

Console A (1000, the operator, microphone 600 Hz) blind-transfers a caller; the console consults first (the
caller held, the target called) and REFERs with Replaces only once the target answers, so a target that is
busy (baresip's ``hangup`` of a ringing call: 486), declines (console B: 603) or never answers leaves the
caller with A: A's call is CONNECTED again, the caller still on it (its audio back at A), the operator told
why. The target that answers is test_seed_api.py::test_blind_transfer_refers_the_far_end_to_a_number.
"""

from __future__ import annotations

import asyncio

import pytest
from test_calls import wait_for_calls
from test_seed_api import BARESIP_HZ, hears, sip_consoles, with_sink  # noqa: F401 - the fixture

from console.webrtc import CALL_STATES, DISC_REASON

S = CALL_STATES
TIMEOUT = 20.0
RECALL = 3.0


async def a_talks_to_b(sip_consoles, recall: float = RECALL):  # noqa: F811
    a = await sip_consoles("1000", mic_hz=600, transfer_recall=recall)
    b = await sip_consoles("1002", mic_hz=800)
    y = a.watch(a.inst.create_outgoing_call())
    with_sink(y)
    y.dial("1002")
    inc = await b.next_incoming(TIMEOUT)
    heard_b = with_sink(inc)
    inc.answer()
    await a.call_state(y, S.CONNECTED, TIMEOUT)
    await hears(heard_b, 600)
    return a, b, y, inc, heard_b


async def recalled(a, call, why: str) -> None:
    await a.call_state(call, S.HELD, TIMEOUT)  # the caller waits on hold while the target is tried
    await a.until(lambda: any(why in e for e in a.errors), f"the recall ({why}) to be reported", TIMEOUT)
    await a.call_state(call, S.CONNECTED, TIMEOUT)
    assert [e for e in a.errors if "failed" in e] == [f"transfer to 1001 failed ({why}): the caller is back"], a.errors


@pytest.mark.parametrize("baresip", ["manual"], indirect=True)
async def test_blind_transfer_to_a_busy_target_recalls_the_caller(sip_consoles, baresip):  # noqa: F811
    a, b, y, inc, heard_b = await a_talks_to_b(sip_consoles)
    y.blind_transfer("1001")
    await wait_for_calls(baresip, 1)  # the consultation rings at baresip
    await asyncio.to_thread(baresip.command, "hangup")  # 486 Busy Here
    await recalled(a, y, "BUSY")
    assert inc.get_state() is S.CONNECTED and inc.get_remote_number() == "1000"
    await hears(heard_b, 600)  # the caller is with the operator again
    await wait_for_calls(baresip, 0)


@pytest.mark.parametrize("baresip", ["manual"], indirect=True)
async def test_blind_transfer_to_a_target_that_does_not_answer_recalls_the_caller(sip_consoles, baresip):  # noqa: F811
    a, b, y, inc, heard_b = await a_talks_to_b(sip_consoles)
    y.blind_transfer("1001")
    await wait_for_calls(baresip, 1)
    await recalled(a, y, "NOTRESPONDING")  # after transfer_recall seconds
    await wait_for_calls(baresip, 0)  # the consultation was cancelled
    assert inc.get_state() is S.CONNECTED and inc.get_remote_number() == "1000"
    await hears(heard_b, 600)


async def test_blind_transfer_to_a_target_that_declines_recalls_the_caller(sip_consoles, baresip):  # noqa: F811
    """baresip (auto-answering) is the caller here; console B is the target and declines (603)."""
    a = await sip_consoles("1000", mic_hz=600, transfer_recall=RECALL)
    b = await sip_consoles("1002", mic_hz=800)
    x = a.watch(a.inst.create_outgoing_call())
    heard_a = with_sink(x)
    x.dial("1001")
    await a.call_state(x, S.CONNECTED, TIMEOUT)
    await hears(heard_a, BARESIP_HZ)
    x.blind_transfer("1002")
    (await b.next_incoming(TIMEOUT)).decline()
    await a.call_state(x, S.HELD, TIMEOUT)
    await a.until(lambda: any("transfer to 1002 failed (REJECTED)" in e for e in a.errors), "the recall", TIMEOUT)
    await a.call_state(x, S.CONNECTED, TIMEOUT)
    await hears(heard_a, BARESIP_HZ)  # baresip is back with the operator
    assert (await wait_for_calls(baresip, 1)).count("sip:") == 1


@pytest.mark.parametrize("baresip", ["manual"], indirect=True)
async def test_announced_transfer_to_a_ringing_target_completes_when_it_answers(sip_consoles, baresip):  # noqa: F811
    """The operator transfers the caller (B) to its own call to baresip while baresip still rings: the REFER
    with Replaces waits for the answer (a ringing phone's early dialog cannot be replaced), then B is with
    baresip and both of A's calls end SUCCESS."""
    a, b, y, inc, heard_b = await a_talks_to_b(sip_consoles, recall=15.0)  # room for baresip's second answer
    z = a.watch(a.inst.create_outgoing_call())
    with_sink(z)
    z.dial("1001")
    await a.call_state(z, S.RINGING, TIMEOUT)
    await a.call_state(y, S.HELD, TIMEOUT)
    y.transfer(z)
    await asyncio.to_thread(baresip.command, "accept")
    await a.call_state(z, S.CONNECTED, TIMEOUT)
    # baresip 1.0 in manual answer mode rings for B's INVITE with Replaces too (a phone that supports
    # Replaces takes it at once): answer it as well
    await wait_for_calls(baresip, 2)
    await asyncio.to_thread(baresip.command, "accept")
    await a.call_state(y, S.DISCONNECTED, TIMEOUT)
    await a.call_state(z, S.DISCONNECTED, TIMEOUT)
    assert y.get_disconnect_reason() is z.get_disconnect_reason() is DISC_REASON.SUCCESS, a.errors
    await b.until(lambda: inc.get_remote_number() == "1001", "B's call to name baresip", TIMEOUT)
    await hears(heard_b, BARESIP_HZ)
    assert (await wait_for_calls(baresip, 1)).count("sip:") == 1 and not a.errors, a.errors


@pytest.mark.parametrize("baresip", ["manual"], indirect=True)
async def test_announced_transfer_to_a_target_that_never_answers_recalls_the_caller(sip_consoles, baresip):  # noqa: F811
    a, b, y, inc, heard_b = await a_talks_to_b(sip_consoles)
    z = a.watch(a.inst.create_outgoing_call())
    z.dial("1001")
    await a.call_state(z, S.RINGING, TIMEOUT)
    y.transfer(z)
    await recalled(a, y, "NOTRESPONDING")
    await a.call_state(z, S.DISCONNECTED, TIMEOUT)  # the ringing consultation was cancelled
    assert inc.get_state() is S.CONNECTED and inc.get_remote_number() == "1000"
    await hears(heard_b, 600)
