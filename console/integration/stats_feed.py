"""Today's figures in the event stream: a ``stats`` event after every call that ends here (docs/EVENTS.md).

A sink of the :class:`~console.integration.feed.EventFeed`: on ``call.ended`` it publishes today's figures
(:class:`~console.store.stats.TodaysFigures`, from the call records, calls.jsonl) as one ``stats`` event, the
same figures the wallboard shows. The record of the call that just ended is already counted: the record
keeper, which keeps the tally as it appends (the file is read once, not after every call), is subscribed to
the store when the controller is built, before any feed.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Callable

from console.store.effects.records import RecordKeeper, todays_figures

from .feed import Event, EventFeed

if TYPE_CHECKING:
    from console.persist import CallRecords

log = logging.getLogger("console.integration")


class StatsPublisher:
    """Publishes a ``stats`` event on ``feed`` after each ``call.ended``; ``remove()`` stops it."""

    def __init__(self, feed: EventFeed, records: CallRecords, service_level_s: float,
                 wall: Callable[[], float] = time.time, local_time: Callable[[float], time.struct_time] = time.localtime,
                 keeper: RecordKeeper | None = None):
        self._feed = feed
        self._today = todays_figures(keeper, records)  # the keeper's tally when it writes these records
        self._service_level_s = service_level_s
        self._wall = wall
        self._local_time = local_time
        self.remove = feed.add_sink(self)

    def __call__(self, event: Event) -> None:
        if event.get("type") != "call.ended":
            return
        now = self._wall()
        try:
            figures = self._today.figures(now, self._service_level_s, self._local_time)
        except OSError as exc:  # the figures are not worth a failed event: say why once per call
            log.warning("stats: the call records cannot be read (%s)", exc)
            return
        self._feed.publish("stats", **figures.as_event())
