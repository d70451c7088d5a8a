"""LocalParker: park where the wire has no switch to keep the call (SIP), the driver of
:mod:`console.core.client.local_park`.

``park="local"`` (the default): the call is held at the console with music on hold and shown on an orbit
(the attendant view's orbits, so the switchboard's park strip shows it); taking it off hold picks it up;
every ``park_recall`` seconds on the orbit the operator is told (the error handler, as other refusals
and notices are). ``park="refer:<number>"``: park is a REFER of the far end to the server's park
extension (Asterisk, FreeSWITCH), which keeps the call; this console's call then ends SUCCESS.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from console.core.client import events as ev
from console.core.client.local_park import ParkLot
from console.core.enums import CALL_STATES

from .call import WebRtcCall

log = logging.getLogger("console.webrtc")

PARK_LOCAL = "local"
PARK_REFER = "refer:"


def check_park_mode(mode: str) -> str:
    if mode == PARK_LOCAL or (mode.startswith(PARK_REFER) and mode[len(PARK_REFER):].strip()):
        return mode
    raise ValueError(f"park must be 'local' or 'refer:<park extension>', not {mode!r}")


class LocalParker:
    def __init__(self, lot: ParkLot, media: Any, absorb: Callable[[ev.Event], None],
                 report: Callable[[WebRtcCall | None, str], None]) -> None:
        self.lot = lot
        self._media = media  # the CallMediaManager: the parked call's media plays the music
        self._absorb = absorb  # orbit changes to the attendant view (and its handlers)
        self._report = report
        self._calls: dict[int, WebRtcCall] = {}
        self._timer: asyncio.TimerHandle | None = None

    def park(self, call: WebRtcCall, orbit: str | None) -> None:
        state = call.get_state()
        if state not in (CALL_STATES.CONNECTED, CALL_STATES.HELD, CALL_STATES.HOLDING):
            self._report(call, f"park: the call is {state}, not connected or held")
            return
        try:
            shown = self.lot.park(call.ref, call.get_remote_number(), call.get_remote_name(), self._now(), orbit)
        except ValueError as exc:
            self._report(call, f"park: {exc}")
            return
        log.info("call %s parked here on orbit %s", call.id, shown.orbit)
        self._calls[call.ref] = call
        self._music(call, True)
        if state is not CALL_STATES.HELD:
            call.hold()
        self._absorb(ev.OrbitsChanged((shown,)))
        self._arm()

    def call_changed(self, call: WebRtcCall) -> None:
        """A parked call taken off hold is picked up; one that ends leaves its orbit."""
        if call.ref not in self._calls or call.get_state() not in (CALL_STATES.CONNECTED, CALL_STATES.DISCONNECTED):
            return
        del self._calls[call.ref]
        self._music(call, False)
        emptied = self.lot.unpark(call.ref)
        if emptied is not None:
            self._absorb(ev.OrbitsChanged((emptied,)))
        self._arm()

    def _music(self, call: WebRtcCall, on: bool) -> None:
        media = self._media.get(call.ref)
        if media is not None:
            if on:
                from console.media.hold_music import HoldMusic

                media.hold_music = HoldMusic().frame
            else:
                media.hold_music = None

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.lot.next_deadline()
        if deadline is not None:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._recall)

    def _recall(self) -> None:
        self._timer = None
        for ref, orbit, waited in self.lot.due(self._now()):
            call = self._calls.get(ref)
            who = f"{orbit.number}" + (f" ({orbit.name})" if orbit.name else "")
            self._report(call, f"park recall: {who} has waited {waited:.0f} s on orbit {orbit.orbit}")
        self._arm()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
