"""Statistics from the call records: what a wallboard and a supervisor want to know. Pure: records in,
figures out; time is an argument.

The figures count the incoming calls that rang at this console (its records):

- **offered**: rang here and ended here: answered + abandoned + missed;
- **answered**: someone here answered (a call answered and then transferred or parked counts);
- **abandoned**: the caller hung up while it rang (with how long they waited: average and longest);
- **missed**: rang until the switch gave up, was declined, or found every slot in use;
- **answered elsewhere** (another console took it) and **turned away** (DND, forwarding) are counted apart:
  they never were this console's to answer;
- **waits**: seconds from ringing in to being answered (average and longest over the answered calls);
- **service level**: the share (percent) of the offered calls answered within ``service_level_s``
  seconds; None while nothing was offered;
- **per hour**: offered calls by the local hour they rang in; **per operator** (the records' local number)
  and **per queue** (their queue; calls that came through none are not in a queue's line).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from console.persist.records import CallRecord, CallRecords, Outcome

LocalTime = Callable[[float], time.struct_time]
_NOT_OURS = frozenset({Outcome.ANSWERED_ELSEWHERE, Outcome.TURNED_AWAY})


@dataclass(frozen=True)
class Tally:
    """The counts of one group of calls (all of them, one operator's, one queue's)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    missed: int = 0
    answered_elsewhere: int = 0
    turned_away: int = 0
    outgoing: int = 0
    answered_in_time: int = 0  # answered within the service level's seconds
    recalls: int = 0  # callers who came back (transfer or park recall): counted once, when they first rang in

    def add(self, record: CallRecord, service_level_s: float) -> Tally:
        counts = dict(self.__dict__)
        if record.direction != "in":
            counts["outgoing"] += 1
        elif record.recall:
            counts["recalls"] += 1
        elif record.outcome is Outcome.ANSWERED_ELSEWHERE:
            counts["answered_elsewhere"] += 1
        elif record.outcome is Outcome.TURNED_AWAY:
            counts["turned_away"] += 1
        else:
            counts["offered"] += 1
            if record.answer is not None:
                counts["answered"] += 1
                counts["answered_in_time"] += record.wait <= service_level_s
            elif record.outcome is Outcome.ABANDONED:
                counts["abandoned"] += 1
            else:
                counts["missed"] += 1
        return Tally(**counts)

    @property
    def service_level(self) -> float | None:
        """Percent of the offered calls answered in time (one decimal); None while none was offered."""
        return round(100.0 * self.answered_in_time / self.offered, 1) if self.offered else None

    def as_event(self) -> dict[str, Any]:
        return {**self.__dict__, "service_level": self.service_level}


@dataclass(frozen=True)
class Figures:
    """The statistics of some call records (e.g. today's), at ``now``."""

    now: float
    service_level_s: float
    total: Tally = field(default_factory=Tally)
    average_wait: float | None = None  # answered calls: seconds until answered
    longest_wait: float | None = None
    average_abandoned_wait: float | None = None  # abandoned calls: how long they waited before hanging up
    longest_abandoned_wait: float | None = None
    average_talk: float | None = None
    per_hour: tuple[tuple[int, int], ...] = ()  # (local hour 0-23, offered calls), hours with calls, in order
    operators: tuple[tuple[str, Tally], ...] = ()  # by local number
    queues: tuple[tuple[str, Tally], ...] = ()  # by queue

    @property
    def service_level(self) -> float | None:
        return self.total.service_level

    def as_event(self) -> dict[str, Any]:
        """The fields of a ``stats`` event (docs/EVENTS.md; :mod:`console.integration.stats_feed` publishes them)."""
        return {
            **self.total.as_event(), "service_level_s": self.service_level_s,
            "average_wait": self.average_wait, "longest_wait": self.longest_wait,
            "average_abandoned_wait": self.average_abandoned_wait,
            "longest_abandoned_wait": self.longest_abandoned_wait, "average_talk": self.average_talk,
            "per_hour": {f"{hour:02d}": count for hour, count in self.per_hour},
            "operators": {number: tally.as_event() for number, tally in self.operators},
            "queues": {queue: tally.as_event() for queue, tally in self.queues},
        }


class RunningFigures:
    """Figures kept up to date one record at a time (the records of one day, in the order they ended):
    :func:`figures` folds the records through one, and the record keeper's :class:`TodaysFigures` keeps one
    as it appends, so both give exactly the same figures."""

    def __init__(self, service_level_s: float = 20, local_time: LocalTime = time.localtime) -> None:
        self.service_level_s = service_level_s
        self.local_time = local_time
        self.total = Tally()
        self.operators: dict[str, Tally] = {}
        self.queues: dict[str, Tally] = {}
        self.hours: dict[int, int] = {}
        self.waits = _Spread()  # answered calls: seconds until answered
        self.abandoned = _Spread()  # abandoned calls: how long they waited
        self.talks = _Spread()

    def add(self, record: CallRecord) -> None:
        level = self.service_level_s
        self.total = self.total.add(record, level)
        self.operators[record.local_number] = self.operators.get(record.local_number, Tally()).add(record, level)
        if record.queue:
            self.queues[record.queue] = self.queues.get(record.queue, Tally()).add(record, level)
        if record.direction != "in" or record.outcome in _NOT_OURS or record.recall:
            return
        hour = self.local_time(record.start).tm_hour
        self.hours[hour] = self.hours.get(hour, 0) + 1
        if record.answer is not None:
            self.waits.add(record.wait)
            self.talks.add(record.talk)
        elif record.outcome is Outcome.ABANDONED:
            self.abandoned.add(record.wait)

    def figures(self, now: float) -> Figures:
        return Figures(
            now=now, service_level_s=self.service_level_s, total=self.total,
            average_wait=self.waits.average, longest_wait=self.waits.longest,
            average_abandoned_wait=self.abandoned.average, longest_abandoned_wait=self.abandoned.longest,
            average_talk=self.talks.average, per_hour=tuple(sorted(self.hours.items())),
            operators=tuple(sorted(self.operators.items())), queues=tuple(sorted(self.queues.items())))


class _Spread:
    """The count, sum and largest of some seconds (for an average and a longest)."""

    def __init__(self) -> None:
        self.count = 0
        self.sum = 0.0
        self.longest: float | None = None

    def add(self, value: float) -> None:
        self.count += 1
        self.sum += value
        self.longest = value if self.longest is None else max(self.longest, value)

    @property
    def average(self) -> float | None:
        return round(self.sum / self.count, 1) if self.count else None


def figures(records: Iterable[CallRecord], now: float, service_level_s: float = 20,
            local_time: LocalTime = time.localtime) -> Figures:
    """The statistics of ``records`` (already chosen: e.g. :func:`day_start` to ``now``). ``local_time``
    turns a Unix time into the local hour for ``per_hour`` (``time.gmtime`` in tests)."""
    running = RunningFigures(service_level_s, local_time)
    for record in records:
        running.add(record)
    return running.figures(now)


def day_start(now: float, local_time: LocalTime = time.localtime) -> float:
    """The Unix time of the local midnight that began the day ``now`` is in (for "today's figures")."""
    moment = local_time(now)
    if local_time is time.localtime:  # mktime knows the zone's rules: right on the days clocks change too
        return time.mktime((moment.tm_year, moment.tm_mon, moment.tm_mday, 0, 0, 0, 0, 0, -1))
    return now - (moment.tm_hour * 3600 + moment.tm_min * 60 + moment.tm_sec) - (now % 1)


class TodaysFigures:
    """Today's figures from the call records, read once: the record keeper that appends to the file tells
    this tally each record it wrote (:meth:`add`), so the stats events and the wallboard ask it after every
    ended call instead of reading calls.jsonl (a few MB by evening) again each time.

    The file is read the first time figures are asked for (a restart reads it once), and again only when a
    new day begins (a new tally) or figures at another service level are asked for. One that no keeper feeds
    (``fed=False``) reads the file each time, as before.
    """

    def __init__(self, records: CallRecords, fed: bool = True) -> None:
        self.records = records
        self.fed = fed
        self._day: float | None = None
        self._running: dict[tuple[float, LocalTime], RunningFigures] = {}  # by service level and clock

    def add(self, record: CallRecord) -> None:
        """``record`` was just appended to the file."""
        if self._day is not None and record.start >= self._day:
            for running in self._running.values():
                running.add(record)

    def figures(self, now: float, service_level_s: float = 20, local_time: LocalTime = time.localtime) -> Figures:
        """Today's figures at ``now``; OSError if the file must be read and cannot be."""
        day = day_start(now, local_time)
        if not self.fed or day != self._day:
            self._day, self._running = day, {}
        running = self._running.get((service_level_s, local_time))
        if running is None:
            running = RunningFigures(service_level_s, local_time)
            for record in self.records.load(since=day):
                running.add(record)
            self._running[(service_level_s, local_time)] = running
        return running.figures(now)
