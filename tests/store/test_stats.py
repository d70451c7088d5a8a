"""Statistics from call records with known times match a scripted day exactly (issue 21: "statistics match a
scripted scenario exactly")."""

from __future__ import annotations

import time

from console.persist import AppDirs, CallRecord, CallRecords, Outcome
from console.store.stats import Tally, TodaysFigures, day_start, figures

DAY = 1_796_083_200.0  # 2026-12-01 00:00 UTC


def record(hour: float, wait: float, outcome: Outcome, *, answered: bool = False, talk: float = 0.0,
           direction: str = "in", operator: str = "200", queue: str = "") -> CallRecord:
    start = DAY + hour * 3600
    answer = start + wait if answered else None
    return CallRecord(call=f"k{hour}", call_id="", direction=direction, local_number=operator, remote_number="201",
                      remote_name="", start=start, answer=answer, end=start + wait + talk, wait=wait, talk=talk,
                      outcome=outcome, queue=queue)


SCRIPT = [
    record(8.0, 5.0, Outcome.ANSWERED, answered=True, talk=60.0, queue="100"),
    record(8.5, 25.0, Outcome.ANSWERED, answered=True, talk=30.0, queue="100"),
    record(8.75, 12.0, Outcome.ABANDONED, queue="100"),
    record(9.0, 20.0, Outcome.TRANSFERRED, answered=True, talk=10.0, operator="201"),
    record(9.25, 40.0, Outcome.ABANDONED, operator="201"),
    record(9.5, 30.0, Outcome.MISSED),
    record(10.0, 2.0, Outcome.DECLINED),
    record(10.1, 3.0, Outcome.ANSWERED_ELSEWHERE, queue="100"),
    record(10.2, 0.0, Outcome.TURNED_AWAY),
    record(10.3, 4.0, Outcome.ANSWERED, answered=True, talk=50.0, direction="out"),
    record(10.4, 9.0, Outcome.UNANSWERED, direction="out"),
]


def test_a_scripted_day_gives_exact_figures():
    got = figures(SCRIPT, DAY + 11 * 3600, service_level_s=20, local_time=time.gmtime)
    total = got.total
    assert (total.offered, total.answered, total.abandoned, total.missed) == (7, 3, 2, 2)
    assert (total.answered_elsewhere, total.turned_away, total.outgoing) == (1, 1, 2)
    assert total.answered_in_time == 2  # 5 s and exactly 20 s; 25 s is late
    assert got.service_level == round(100 * 2 / 7, 1) == 28.6
    assert (got.average_wait, got.longest_wait) == (round(50 / 3, 1), 25.0)
    assert (got.average_abandoned_wait, got.longest_abandoned_wait) == (26.0, 40.0)
    assert got.average_talk == round(100 / 3, 1)
    assert got.per_hour == ((8, 3), (9, 3), (10, 1))
    assert dict(got.operators)["201"] == Tally(offered=2, answered=1, abandoned=1, answered_in_time=1)
    assert dict(got.operators)["200"].outgoing == 2
    assert dict(got.queues) == {"100": Tally(offered=3, answered=2, abandoned=1, answered_elsewhere=1,
                                             answered_in_time=1)}


def test_the_service_level_threshold_is_the_callers_choice():
    assert figures(SCRIPT, DAY, service_level_s=25, local_time=time.gmtime).service_level == round(300 / 7, 1)
    assert figures(SCRIPT, DAY, service_level_s=4, local_time=time.gmtime).service_level == 0.0


def test_no_calls_no_averages_and_no_service_level():
    got = figures([], DAY, local_time=time.gmtime)
    assert got.total == Tally() and got.service_level is None
    assert (got.average_wait, got.longest_wait, got.average_abandoned_wait) == (None, None, None)


def test_the_stats_event_carries_every_figure_as_plain_json():
    import json

    event = figures(SCRIPT, DAY + 11 * 3600, local_time=time.gmtime).as_event()
    assert json.loads(json.dumps(event)) == event
    assert (event["offered"], event["answered"], event["abandoned"], event["service_level"]) == (7, 3, 2, 28.6)
    assert event["service_level_s"] == 20 and event["longest_abandoned_wait"] == 40.0
    assert event["per_hour"] == {"08": 3, "09": 3, "10": 1}
    assert event["operators"]["201"]["abandoned"] == 1 and event["queues"]["100"]["service_level"] == 33.3
    assert "type" not in event  # the feed adds v, seq, time and type


def test_today_starts_at_local_midnight():
    assert day_start(DAY + 13 * 3600 + 61.5, time.gmtime) == DAY
    assert day_start(DAY, time.gmtime) == DAY
    now = time.time()
    midnight = day_start(now)
    assert time.localtime(midnight)[3:6] == (0, 0, 0) and 0 <= now - midnight < 25 * 3600


def test_a_recalled_caller_is_one_caller_not_two():
    """A caller transferred on, who came back (a transfer or park recall) and was answered again, is one
    offered and one answered call: the recall's record counts as a recall, not a second caller."""
    first = record(9.0, 5.0, Outcome.TRANSFERRED, answered=True, talk=10.0)
    recall = CallRecord(call="k-recall", call_id="", direction="in", local_number="200", remote_number="201",
                        remote_name="", start=first.start, answer=first.start + 45.0, end=first.start + 90.0,
                        wait=45.0, talk=45.0, outcome=Outcome.ANSWERED, recall="transfer")
    got = figures([first, recall], DAY + 11 * 3600, service_level_s=20, local_time=time.gmtime)
    assert (got.total.offered, got.total.answered, got.total.recalls) == (1, 1, 1)
    assert (got.average_wait, got.longest_wait, got.per_hour) == (5.0, 5.0, ((9, 1),))


def test_todays_tally_reads_the_file_once_matches_a_fresh_read_and_starts_again_on_a_new_day(tmp_path):
    """The record keeper's tally: told of each record as it is appended, it gives exactly the figures a fresh
    read of the file gives, without reading it again; a restart (a new tally) reads it once; the next day
    starts from that day's records."""
    reads: list[float | None] = []

    class Counted(CallRecords):
        def load(self, since=None, until=None):
            reads.append(since)
            return super().load(since, until)

    records = Counted(AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d"))
    yesterday = record(-1.0, 3.0, Outcome.ANSWERED, answered=True, talk=5.0)
    records.append(yesterday)
    records.append(SCRIPT[0])
    today = TodaysFigures(records)
    now = DAY + 23 * 3600
    first = today.figures(now, 20, time.gmtime)
    assert first.total.offered == 1 and reads == [DAY]
    for n, item in enumerate(SCRIPT[1:], start=2):
        records.append(item)
        today.add(item)
        assert today.figures(now, 20, time.gmtime) == figures(SCRIPT[:n], now, 20, time.gmtime)
    assert reads == [DAY]
    assert today.figures(now, 20, time.gmtime) == figures(SCRIPT, now, 20, time.gmtime)
    restarted = TodaysFigures(records)
    assert restarted.figures(now, 20, time.gmtime) == figures(SCRIPT, now, 20, time.gmtime) and reads == [DAY, DAY]
    tomorrow = now + 2 * 3600
    assert today.figures(tomorrow, 20, time.gmtime).total == Tally() and reads[-1] == DAY + 86400
    late = record(25.0, 1.0, Outcome.ANSWERED, answered=True, talk=2.0)
    records.append(late)
    today.add(late)
    assert today.figures(tomorrow, 20, time.gmtime).total.answered == 1 and len(reads) == 3
