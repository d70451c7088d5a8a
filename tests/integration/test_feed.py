"""The event feed in memory: store events in, schema-v1 events out (no loop, no socket, no clock)."""

from __future__ import annotations

import json

from console.core.directory import PresenceState
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.integration import EventFeed
from console.integration.feed import utc_stamp
from console.store import Store
from console.store import events as ev
from console.store.desk_state import DndSet, ForwardingSet, PresenceUpdated
from console.store.handover import TransferSent
from console.store.origin import Origin
from console.store.state import EndCause

S = CALL_STATES


def fed(store: Store | None = None):
    store = store or Store()
    feed = EventFeed(store, wall=lambda: 1_796_600_000.123)
    got: list[dict] = []
    feed.add_sink(got.append)
    return store, feed, got


def added(key: str, direction=Direction.IN, state=S.OFFERING, at=0.0, **kw) -> ev.CallAdded:
    return ev.CallAdded(key=key, direction=direction, state=state, at=at, wall=1000.0 + at, **kw)


def types(got) -> list[str]:
    return [e["type"] for e in got]


def test_every_event_is_versioned_numbered_timed_and_json():
    store, _, got = fed()
    store.dispatch(ev.LoginStarted("ws://h:1", "operator"))
    store.dispatch(ev.LoginChanged(LOGIN_STATES.SUCCESS, 1.0, number="200", display_name="Operator"))
    store.dispatch(added("k1", call_id="c-1", remote_number="201", remote_name="Alice", local_number="200"))
    assert [e["seq"] for e in got] == list(range(1, len(got) + 1))
    assert all(e["v"] == 1 and e["time"] == "2026-12-06T23:33:20.123Z" for e in got)
    assert json.loads(json.dumps(got)) == got
    assert got[0] == {"v": 1, "seq": 1, "time": got[0]["time"], "type": "login", "state": "SUCCESS",
                      "number": "200", "display_name": "Operator", "server": "ws://h:1"}
    assert got[1]["type"] == "call.state" and got[1]["call"] == "k1" and got[1]["call_id"] == "c-1"
    assert {k: got[1][k] for k in ("state", "reason", "direction", "number", "name", "local_number", "slot")} == \
        {"state": "OFFERING", "reason": None, "direction": "in", "number": "201", "name": "Alice",
         "local_number": "200", "slot": 1}


def test_an_incoming_call_rings_is_answered_held_and_ends_once_each():
    store, _, got = fed()
    store.dispatch(added("k1", remote_number="201", at=10.0))
    store.dispatch(ev.CallChanged("k1", S.RINGING, 10.5, remote_number="201"))  # accepted: still ringing
    store.dispatch(ev.LogAppended(11.0, ev.LogLevel.INFO, "console", "a log line is no call event"))
    store.dispatch(ev.CallChanged("k1", S.CONNECTED, 12.0, remote_number="201"))
    store.dispatch(ev.CallChanged("k1", S.HELD, 13.0, remote_number="201"))
    store.dispatch(ev.CallChanged("k1", S.CONNECTED, 14.0, remote_number="201"))
    store.dispatch(ev.CallChanged("k1", S.DISCONNECTED, 20.0, remote_number="201", reason=DISC_REASON.SUCCESS))
    store.dispatch(ev.CallFreed("k1"))
    assert types(got) == ["call.state", "call.ringing", "call.state", "call.state", "call.answered", "call.state",
                          "call.state", "call.state", "call.ended"]
    states = [e["state"] for e in got if e["type"] == "call.state"]
    assert states == ["OFFERING", "RINGING", "CONNECTED", "HELD", "CONNECTED", "DISCONNECTED"]
    ended = got[-1]
    assert ended["reason"] == "SUCCESS" and ended["talk"] == 8.0 and ended["waited"] == 2.0
    assert ended["cause"] == "far_end"


def test_an_outgoing_call_never_rings_in_and_a_call_freed_without_ending_still_ends():
    store, _, got = fed()
    store.dispatch(added("k1", Direction.OUT, S.IDLE, remote_number="9001"))
    store.dispatch(ev.CallFreed("k1"))  # the client refused the dial: the card goes without a DISCONNECTED
    assert types(got) == ["call.state", "call.ended"]
    assert got[-1]["call"] == "k1" and got[-1]["talk"] is None


def test_transfer_park_recall_and_conference_are_their_own_events():
    store, _, got = fed()
    store.dispatch(added("k1", state=S.CONNECTED, remote_number="201"))
    store.dispatch(TransferSent("k1", "202"))
    store.dispatch(TransferSent("k1", ""))  # the switch refused it: the call goes on
    store.dispatch(TransferSent("k1", "203"))
    store.dispatch(ev.CallChanged("k1", S.DISCONNECTED, 5.0, reason=DISC_REASON.SUCCESS, cause=EndCause.TRANSFERRED))
    transfers = [(e["to"], e["outcome"]) for e in got if e["type"] == "transfer"]
    assert transfers == [("202", "requested"), ("202", "refused"), ("203", "requested"), ("203", "completed")]

    store.dispatch(added("k2", state=S.CONNECTED, remote_number="204"))
    store.dispatch(ev.CallChanged("k2", S.DISCONNECTED, 6.0, reason=DISC_REASON.SUCCESS, parked_on="701"))
    assert [e for e in got if e["type"] == "park"][-1] | {"seq": 0, "time": ""} == \
        {"v": 1, "seq": 0, "time": "", "type": "park", "call": "k2", "orbit": "701"}

    store.dispatch(added("k3", remote_number="204", recall_from="701"))
    store.dispatch(added("k4", remote_number="201", origin=Origin(recall_target="203",
                                                                  recall_reason=DISC_REASON.BUSY)))
    recalls = [(e["call"], e["from"], e["kind"], e["reason"]) for e in got if e["type"] == "recall"]
    assert recalls == [("k3", "701", "park", None), ("k4", "203", "transfer", "BUSY")]
    assert types(got)[-2:] == ["call.state", "call.ringing"]  # a recall rings in as a call too

    store.dispatch(ev.CallChanged("k3", S.CONNECTED, 7.0, remote_number="204"))
    store.dispatch(ev.CallFeatures("k3", conference="conf-1", conference_parties=3))
    store.dispatch(ev.CallFeatures("k3", conference="", conference_parties=0))
    rooms = [(e["conference"], e["parties"]) for e in got if e["type"] == "conference"]
    assert rooms == [("conf-1", 3), (None, 0)]


def test_presence_and_settings_say_only_what_changed():
    store, _, got = fed()
    store.dispatch(PresenceUpdated((("201", PresenceState.AVAILABLE), ("202", PresenceState.BUSY)), snapshot=True))
    store.dispatch(PresenceUpdated((("202", PresenceState.AVAILABLE),)))
    store.dispatch(DndSet(True))
    store.dispatch(ForwardingSet("always → 202"))
    assert [(e["type"], e.get("number"), e.get("state")) for e in got[:3]] == [
        ("presence", "201", "available"), ("presence", "202", "busy"), ("presence", "202", "available")]
    assert [(e["dnd"], e["forwarding"]) for e in got if e["type"] == "settings"] == [(True, ""), (True, "always → 202")]


def test_a_sink_that_raises_costs_nobody_else_an_event(caplog):
    store, feed, got = fed()

    def broken(event):
        raise RuntimeError("sink bug")

    feed.add_sink(broken)
    later: list[dict] = []
    remove = feed.add_sink(later.append)
    store.dispatch(added("k1"))
    assert types(got) == types(later) == ["call.state", "call.ringing"]
    assert store.state.calls[0].key == "k1"
    remove()
    feed.publish("stats", answered=1)
    assert got[-1]["type"] == "stats" and got[-1]["answered"] == 1 and len(later) == 2
    assert "event sink" in caplog.text


def test_a_feed_started_late_does_not_replay_what_was():
    store = Store()
    store.dispatch(added("k1", state=S.CONNECTED))
    store, _, got = fed(store)
    store.dispatch(ev.CallChanged("k1", S.HELD, 1.0))
    assert types(got) == ["call.state"]  # not ringing, not answered again


def test_utc_stamp_has_milliseconds_and_a_z():
    assert utc_stamp(0.0) == "1970-01-01T00:00:00.000Z"
    assert utc_stamp(1.9999) == "1970-01-01T00:00:01.999Z"


def test_an_event_published_by_a_sink_reaches_every_sink_in_seq_order():
    """A producer that is itself a sink (statistics counting calls) publishes while the feed is delivering:
    every sink still hears the events in ``seq`` order."""
    store, feed, first = fed()

    def counter(event):
        if event["type"] == "call.ringing":
            feed.publish("stats", ringing=1)

    feed.add_sink(counter)
    last: list[dict] = []
    feed.add_sink(last.append)
    store.dispatch(added("k1"))
    assert [e["seq"] for e in first] == [e["seq"] for e in last] == [1, 2, 3]
    assert types(last) == ["call.state", "call.ringing", "stats"]


def test_calls_restored_after_a_restart_are_not_rung_answered_or_recalled_again():
    """Found driving the switchboard: after a kill -9 and a restart, the screen pop ran again for every
    restored ringing caller and for the call the operator was talking on (a second ``call.answered``), and the
    webhooks got them twice (docs/EVENTS.md: ``call.ringing`` and ``call.answered`` come once per call; the
    switch's ``call_id`` is the same across the restart). A restored call says its state; what happens to it
    from then on (answered, ended) is new and is said."""
    store, _, got = fed()
    store.dispatch(added("k1", state=S.CONNECTED, call_id="c-1", remote_number="201", restored=True))
    store.dispatch(added("k2", state=S.OFFERING, call_id="c-2", remote_number="202", restored=True))
    store.dispatch(added("k3", state=S.HELD, call_id="c-3", remote_number="203", restored=True))
    store.dispatch(added("k4", state=S.OFFERING, call_id="c-4", remote_number="9003", restored=True,
                         origin=Origin(recall_target="202", recall_reason=DISC_REASON.BUSY)))
    assert types(got) == ["call.state"] * 4
    store.dispatch(ev.CallChanged("k3", S.CONNECTED, 5.0, remote_number="203"))  # retrieved: answered long ago
    store.dispatch(ev.CallChanged("k2", S.CONNECTED, 6.0, remote_number="202"))  # answered now: the first time
    store.dispatch(ev.CallChanged("k1", S.DISCONNECTED, 7.0, remote_number="201", reason=DISC_REASON.SUCCESS))
    assert types(got)[4:] == ["call.state", "call.state", "call.answered", "call.state", "call.ended"]
    assert got[6]["call"] == "k2" and got[8]["call"] == "k1"


def test_a_pause_in_the_queues_is_a_settings_change():
    """Found driving the switchboard: the operator paused (P) and nothing outside the console could tell (no
    event, and ``ctl status`` said dnd and forwarding only), so a wallboard or CRM kept offering work to an
    operator who had stepped away. The ``settings`` event and the status carry ``queue_paused``."""
    from console.store.desk_state import QueuePauseSet

    store, _, got = fed()
    store.dispatch(QueuePauseSet(True))
    store.dispatch(DndSet(True))
    store.dispatch(QueuePauseSet(False))
    assert [(e["type"], e["dnd"], e["queue_paused"]) for e in got] == [
        ("settings", False, True), ("settings", True, True), ("settings", True, False)]
