"""The wallboard (``W``): today's figures in big digits (:mod:`console.ui.widgets.big_digits`, as large as
each tile allows), updated as calls end.

The figures come from the call records (calls.jsonl): the tally
(:class:`console.store.stats.TodaysFigures`) that :class:`console.store.effects.RecordKeeper`
keeps as it appends, before the screen hears of the state, so the file is read once, not after every
call that ends; the callers waiting
now come from the live state. Tiles sit in a grid that fills the screen, so a
200x60 wall screen gets large boxes and an 80x24 terminal still shows every
figure. Esc or ``W`` closes.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.persist import CallRecords
from console.store.effects.records import todays_figures
from console.store.state import AppState
from console.store.stats import Figures, TodaysFigures, day_start

from ..widgets.big_digits import BigDigits

if TYPE_CHECKING:
    from ..app import SwitchboardApp

# (tile id, label): the big figures, in reading order
TILES = (
    ("waiting", "Waiting now"),
    ("offered", "Calls today"),
    ("answered", "Answered"),
    ("abandoned", "Abandoned"),
    ("service", "Service level %"),
    ("longest", "Longest wait"),
)


MAX_QUEUES_SHOWN = 3  # lines under the tiles, one per shared queue


def clock_text(seconds: float | None) -> str:
    """Seconds as m:ss (h:mm:ss past an hour); "-" for none."""
    if seconds is None:
        return "-"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def tile_values(figures: Figures, waiting: int) -> dict[str, str]:
    total = figures.total
    level = figures.service_level
    return {"waiting": str(waiting), "offered": str(total.offered), "answered": str(total.answered),
            "abandoned": str(total.abandoned), "service": "-" if level is None else f"{level:.0f}",
            "longest": clock_text(figures.longest_wait)}


def detail_line(figures: Figures) -> str:
    """The smaller figures under the tiles: averages, the abandoned callers' waits, missed, per hour."""
    total = figures.total
    hours = " ".join(f"{hour:02d}h:{count}" for hour, count in figures.per_hour[-8:]) or "-"
    return (f"Average wait {clock_text(figures.average_wait)} · abandoned after "
            f"{clock_text(figures.average_abandoned_wait)} on average (longest "
            f"{clock_text(figures.longest_abandoned_wait)}) · missed {total.missed} · outgoing {total.outgoing}"
            f" · answered within {figures.service_level_s:g} s: {total.answered_in_time}\nCalls per hour: {hours}"
            + "".join(f"\nQueue {queue}: {tally.answered} of {tally.offered} answered, {tally.abandoned} abandoned, "
                      f"service level {'-' if tally.service_level is None else f'{tally.service_level:.0f}'} %"
                      for queue, tally in figures.queues[:MAX_QUEUES_SHOWN]))


class Tile(Vertical):
    """One figure: its label over big digits."""

    def __init__(self, label: str, id: str) -> None:
        super().__init__(id=id, classes="wallboard-tile")
        self.label = label

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="wallboard-label")
        yield BigDigits("-", classes="wallboard-digits")


class WallboardScreen(Screen):
    DEFAULT_CSS = """
    WallboardScreen { layout: vertical; }
    #wallboard-title { height: 1; padding: 0 1; text-style: bold; }
    #wallboard-grid { grid-size: 3 2; grid-gutter: 0 1; height: 1fr; min-height: 12; padding: 0 1; }
    .wallboard-tile { border: round $primary; height: 1fr; min-height: 6; }
    .wallboard-label { width: 100%; content-align: center middle; text-style: bold; }
    .wallboard-digits { width: 100%; height: 1fr; min-height: 3; }
    #wallboard-detail { height: auto; max-height: 7; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,W", "close", "Close", id="wallboard_close")]
    app: SwitchboardApp

    def __init__(self, records: CallRecords | None = None, service_level_s: float | None = None,
                 wall: Callable[[], float] | None = None,
                 local_time: Callable[[float], time.struct_time] = time.localtime) -> None:
        super().__init__()
        self._records = records
        self._today: TodaysFigures | None = None
        self._service_level_s = service_level_s
        self._wall = wall
        self._local_time = local_time
        self._ended: frozenset[str] = frozenset()
        self._unrung = (0, 0)
        self._day = 0.0
        self._waiting = 0
        self.figures: Figures | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="wallboard-title")
        with Grid(id="wallboard-grid"):
            for tile_id, label in TILES:
                yield Tile(label, id=f"tile-{tile_id}")
        yield Static(id="wallboard-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        app = self.app
        config = app.settings.config
        if self._records is None and app.settings.dirs is not None:
            self._records = CallRecords(app.settings.dirs, config.records_file_bytes, config.records_files)
        if self._records is not None:
            self._today = todays_figures(app.controller.record_keeper, self._records)
        if self._service_level_s is None:
            self._service_level_s = config.service_level
        if self._wall is None:
            self._wall = app.controller.wall
        self.watch(app, "snapshot", self._state, init=True)
        self.watch(app, "now", lambda _: self._new_day(), init=False)

    def _state(self, state: AppState) -> None:
        ended = frozenset(call.key for call in state.calls if call.ended)
        unrung = (state.refused, state.turned_away)  # callers with no card: refused, or sent elsewhere
        waiting = len(state.ringing_calls())
        news = bool(ended - self._ended) or unrung != self._unrung  # their records are written by now
        self._ended, self._unrung = ended, unrung
        if news or self.figures is None:
            self.refresh_figures(waiting)
        elif waiting != self._waiting:
            self._waiting = waiting
            self.query_one("#tile-waiting BigDigits", BigDigits).update(str(waiting))

    def _new_day(self) -> None:
        if self._wall is not None and day_start(self._wall(), self._local_time) != self._day:
            self.refresh_figures(self._waiting)

    def refresh_figures(self, waiting: int | None = None) -> None:
        """Show today's figures (the record keeper's tally: the file is not read again)."""
        assert self._wall is not None and self._service_level_s is not None
        now = self._wall()
        self._day = day_start(now, self._local_time)
        self._waiting = self._waiting if waiting is None else waiting
        self.figures = (self._today.figures(now, self._service_level_s, self._local_time) if self._today is not None
                        else Figures(now, self._service_level_s))
        for tile_id, value in tile_values(self.figures, self._waiting).items():
            self.query_one(f"#tile-{tile_id} BigDigits", BigDigits).update(value)
        stamp = time.strftime("%H:%M", self._local_time(now))
        self.query_one("#wallboard-title", Static).update(
            f"Wallboard · today · updated {stamp} · service level = answered within {self._service_level_s:g} s")
        self.query_one("#wallboard-detail", Static).update(detail_line(self.figures))

    def action_close(self) -> None:
        self.app.pop_screen()
