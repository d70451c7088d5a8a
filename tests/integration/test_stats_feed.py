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
    keeper = RecordKeeper(records, lambda text: None)
    store.subscribe(keeper)  # as build_controller does, before any feed
    feed = EventFeed(store, wall=lambda: now)
    got: list[dict] = []
    feed.add_sink(got.append)
    StatsPublisher(feed, records, 20, wall=lambda: now, keeper=keeper)

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


def test_the_call_records_are_read_once_not_again_after_each_ended_call(tmp_path, monkeypatch):
    """calls.jsonl (a few MB by evening) is read once: the record keeper keeps today's figures as it appends,
    and the stats events (and the wallboard) read those, not the file, after every call that ends."""
    reads: list[float | None] = []
    load = CallRecords.load

    def counted(self, since=None, until=None):
        reads.append(since)
        return load(self, since, until)

    monkeypatch.setattr(CallRecords, "load", counted)
    now = time.time()
    dirs = AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    store = Store()
    keeper = RecordKeeper(CallRecords(dirs), lambda text: None)
    store.subscribe(keeper)
    feed = EventFeed(store, wall=lambda: now)
    got: list[dict] = []
    feed.add_sink(got.append)
    StatsPublisher(feed, CallRecords(dirs), 20, wall=lambda: now, keeper=keeper)
    for n in range(5):
        key = f"k{n}"
        store.dispatch(ev.CallAdded(key=key, direction=Direction.IN, state=S.OFFERING, at=100.0, wall=now - 60,
                                    remote_number="201", local_number="200"))
        store.dispatch(ev.CallChanged(key, S.CONNECTED, 105.0 + n, remote_number="201"))
        store.dispatch(ev.CallChanged(key, S.DISCONNECTED, 130.0, remote_number="201", reason=DISC_REASON.SUCCESS))
    stats = [e for e in got if e["type"] == "stats"]
    assert [e["answered"] for e in stats] == [1, 2, 3, 4, 5]
    assert stats[-1]["longest_wait"] == 9.0 and stats[-1]["average_wait"] == 7.0
    assert len(reads) == 1, reads
