"""The park strip: the calls waiting on park orbits, on the main screen at any size.

Each parked call shows its orbit, the caller (number and name) and how long it has waited there, longest
waiting first (the one ``g`` picks up). On a small screen it is one line, and what does not fit is counted
("+3 more"), never dropped silently; on a roomy one (``roomy``) each parked call has a line of its own, with
who parked it. The screen hides the strip while no call is parked. The switch says when each call was parked
(the orbit object's ``since``, Unix seconds); ``wall`` is this console's wall clock, set every tick.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from console.core.directory import Orbit

from ..words import PARKED_MARK, format_duration

ROOMY_ROWS = 10  # parked calls listed one a line on a roomy screen (the default ten orbits); more are counted
SEPARATOR = " │ "


def longest_waiting_first(orbits: tuple[Orbit, ...]) -> tuple[Orbit, ...]:
    """Occupied orbits, the one parked earliest first (orbits whose time is unknown last, in orbit order)."""
    occupied = [o for o in orbits if o.occupied]
    return tuple(sorted(occupied, key=lambda o: (o.since is None, o.since or 0.0)))


def waited(orbit: Orbit, wall: float) -> str:
    """How long the call has waited on its orbit, as the cards show durations ("" if the switch did not say)."""
    if orbit.since is None:
        return ""
    return format_duration(max(0.0, wall - orbit.since))


def _who(orbit: Orbit) -> str:
    return f"{orbit.number or '?'} {orbit.name}".strip()


class ParkStrip(Static):
    """Gets the orbits, the wall clock and whether the screen is roomy as attributes; paints nothing else."""

    orbits: reactive[tuple[Orbit, ...]] = reactive(tuple, layout=True)  # the line count follows them
    wall: reactive[float] = reactive(0.0)
    roomy: reactive[bool] = reactive(False, layout=True)

    def show_time(self, wall: float) -> None:
        """The clock moved: repaint only when a shown waiting time changes (whole seconds)."""
        if int(wall) != int(self.wall):
            self.wall = wall

    def rows(self) -> int:
        """The lines the strip takes on the screen (0 while no call is parked)."""
        parked = longest_waiting_first(self.orbits)
        if not parked:
            return 0
        return 1 + min(len(parked), ROOMY_ROWS) if self.roomy else 1

    def render(self) -> Text:
        parked = longest_waiting_first(self.orbits)
        if not parked:
            return Text("")
        width = max(20, (self.size.width or 80) - 2)  # the strip's padding
        if self.roomy:
            text = self._roomy(parked, width)
        else:  # number and name while they fit; else the name alone (the number if none), to show more
            full = self._one_line(parked, width, lambda o: f"{o.orbit} {_who(o)} {waited(o, self.wall)}")
            short = self._one_line(parked, width, lambda o: f"{o.orbit} {o.name or o.number} {waited(o, self.wall)}")
            text = full[0] if full[1] >= short[1] else short[0]
        text.no_wrap = True
        return text

    def _one_line(self, parked: tuple[Orbit, ...], width: int, words: Callable[[Orbit], str]) -> tuple[Text, int]:
        """The line, and how many parked calls it names."""
        line = Text(f"{PARKED_MARK} Parked ", style="bold")
        entries = [words(o).rstrip() for o in parked]
        shown = 0
        for index, entry in enumerate(entries):
            rest = len(entries) - index - 1
            count = f"{SEPARATOR}+{rest} more" if rest else ""  # room kept to say what is left
            gap = SEPARATOR if shown else ""
            if line.cell_len + len(gap) + len(entry) + len(count) > width:
                if shown == 0:  # not even the first fits whole: cut it, never drop it
                    room = max(4, width - line.cell_len - len(count))
                    line.append(entry[: room - 1] + "…")
                    shown = 1
                break
            line.append(gap + entry)
            shown += 1
        hidden = len(entries) - shown
        if hidden:
            line.append(f"{SEPARATOR}+{hidden} more", style="bold")
        hint = " (g picks up, b lamps)" if hidden else "  (g picks up)"
        if line.cell_len + len(hint) <= width:
            line.append(hint)
        return line, shown

    def _roomy(self, parked: tuple[Orbit, ...], width: int) -> Text:
        out = Text(f"{PARKED_MARK} Parked calls: {len(parked)}", style="bold")
        out.append("  · g picks up the longest waiting · b lamps (Enter picks one up) · / search")
        shown = parked if len(parked) <= ROOMY_ROWS else parked[: ROOMY_ROWS - 1]
        for orbit in shown:
            line = (f"  {orbit.orbit:<6} {orbit.number or '?':<18} {orbit.name[:28]:<28} "
                    f"waiting {waited(orbit, self.wall) or '—':>8}")
            if orbit.parked_by:
                line += f"   parked by {orbit.parked_by}"
            out.append("\n" + line[:width])
        if len(shown) < len(parked):
            out.append(f"\n  +{len(parked) - len(shown)} more (b: the busy lamp field lists every orbit)",
                       style="bold")
        return out
