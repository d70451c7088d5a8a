"""Today's figures in the event stream: a ``stats`` event after each call that ends (issue 21: "the same
figures in the event stream"), counted from the call records the record keeper has just written."""

from __future__ import annotations

import time

from console.core.enums import CALL_STATES, DISC_REASON, Direction
from console.integration import EventFeed
from console.integration.stats_feed import StatsPublisher
from console.persist import AppDirs, CallRecords
from console.store import Store
from console.store import events as ev
from console.store.effects.records import RecordKeeper

S = CALL_STATES


def test_a_stats_event_follows_each_ended_call_with_the_records_figures(tmp_path):
    now = time.time()
    records = CallRecords(AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d"))
    store = Store()
    store.subscribe(RecordKeeper(records, lambda text: None))  # as build_controller does, before any feed
    feed = EventFeed(store, wall=lambda: now)
    got: list[dict] = []
    feed.add_sink(got.append)
    StatsPublisher(feed, records, 20, wall=lambda: now)

    def call(key: str, answered: bool) -> None:
        store.dispatch(ev.CallAdded(key=key, direction=Direction.IN, state=S.OFFERING, at=100.0, wall=now - 60,
                                    remote_number="201", local_number="200"))
        if answered:
            store.dispatch(ev.CallChanged(key, S.CONNECTED, 105.0, remote_number="201"))
        store.dispatch(ev.CallChanged(key, S.DISCONNECTED, 130.0, remote_number="201", reason=DISC_REASON.SUCCESS))

    call("k1", answered=True)
    stats = [e for e in got if e["type"] == "stats"]
    assert len(stats) == 1 and [e["type"] for e in got][-2:] == ["call.ended", "stats"]
    assert stats[0]["offered"] == 1 and stats[0]["answered"] == 1 and stats[0]["abandoned"] == 0
    call("k2", answered=False)  # the caller gave up while it rang
    stats = [e for e in got if e["type"] == "stats"]
    assert len(stats) == 2 and stats[1]["offered"] == 2 and stats[1]["answered"] == 1 and stats[1]["abandoned"] == 1
    assert [e["seq"] for e in got] == sorted(e["seq"] for e in got)
