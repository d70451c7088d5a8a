"""What the operator set on a call comes back with it after a restart (issue 19).

The board file (:mod:`.effects.board`) remembers, per call, the selection, mute, a recording and an
announced transfer's two calls. When a restore hands a call back, :class:`Resume` sets them again:

- the selection goes back to the call that had it (and to no other: only the operator moves it);
- mute is set on the call before its media starts, so the far end never hears the microphone the
  operator muted (the client keeps mute per call, in memory: a new process has forgotten it);
- the consultation is linked again once both of its calls are back, so ``j`` and ``z`` work;
- a recording goes on in a new file of the recordings folder once the call's media runs again (a held
  call's once it is retrieved), or the status line says it stopped; the file the restart cut is repaired
  first, so it is a valid WAV.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from console.core.enums import CALL_STATES

from . import events as ev
from .desk_state import Consult, ConsultRole, ConsultStarted
from .state import HoldSide

if TYPE_CHECKING:
    from .features import Features
    from .host import Host
    from .port import CallPort

RETRY_SECONDS = 0.5
RECORDING_WAIT = 20.0  # how long a restored call's media may take before its recording is given up
_RECORDABLE = frozenset({CALL_STATES.CONNECTED, CALL_STATES.HELD, CALL_STATES.HOLDING})


class Resume:
    def __init__(self, host: Host, features: Features, wall: Callable[[], float]) -> None:
        self.host = host
        self.features = features
        self._wall = wall
        self._consult: dict[ConsultRole, tuple[str, str]] = {}  # role -> (key, the target's number)
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def restored(self, key: str, call: CallPort, hint: dict[str, Any] | None) -> None:
        """``call`` (card ``key``) came back with a restore; ``hint`` is what the board file said of it.
        Call it before the call's media is asked for (mute must be in place when the media starts)."""
        view = self.host.state.call_by_key(key)
        if not hint or view is None or view.ended:
            return
        label = f"[{view.slot}] {view.remote_number or '?'}"
        if hint.get("muted") is True:
            if self.host.attempt(f"mute {label}", lambda: call.set_mute(True)):
                self.features.refresh(call)
                self.host.note(f"{label} muted, as before the restart", source="call")
        if hint.get("selected") is True and self.host.state.focused is None:  # unless the operator chose since
            self.host.dispatch(ev.FocusSlot(view.slot))
        role, number = hint.get("consult"), hint.get("consult_number")
        if role in tuple(ConsultRole) and isinstance(number, str):
            self._link(ConsultRole(role), key, number)
        recording = hint.get("recording")
        if isinstance(recording, str) and recording:
            self._recording_cut(label, recording)
            self._resume_recording(key, call, label, recording, RECORDING_WAIT)

    # -- the consultation ----------------------------------------------------------------
    def _link(self, role: ConsultRole, key: str, number: str) -> None:
        self._consult[role] = (key, number)
        waiting, consulting = self._consult.get(ConsultRole.WAITING), self._consult.get(ConsultRole.CONSULTING)
        if waiting is None or consulting is None or self.host.state.desk.consult is not None:
            return
        self._consult.clear()
        self.host.dispatch(ConsultStarted(Consult(waiting[0], consulting[0], consulting[1])))
        self.host.note(f"consultation with {consulting[1]} under way again: j completes, z cancels")

    # -- the recording ---------------------------------------------------------------------
    def _recording_cut(self, label: str, path: str) -> None:
        folder = self.features.recordings
        seconds = folder.repair(path) if folder is not None else None
        if seconds is not None:
            self.host.note(f"{label} the recording the restart cut holds {seconds:.1f} s: {path}", source="call")

    def _resume_recording(self, key: str, call: CallPort, label: str, cut: str, left: float) -> None:
        """Start a new file once the call's media runs (its level meter gets frames); retry until then."""
        self._timers.pop(key, None)
        view = self.host.state.call_by_key(key)
        if view is None or view.ended or call.get_state() not in _RECORDABLE or self.features.recordings is None:
            self._stopped(label, cut, "the call is no longer up" if self.features.recordings else
                          "this console has no recordings folder")
            return
        sink = self.host.calls.sinks.get(key)
        if sink is None or not getattr(sink, "frames", 0):
            if view.hold is not HoldSide.NONE:
                left = RECORDING_WAIT  # a held call sends and gets no audio: it goes on once retrieved
            elif left <= 0:
                self._stopped(label, cut, "the call's media did not come back")
                return
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._stopped(label, cut, "no media")
                return
            self._timers[key] = loop.call_later(RETRY_SECONDS, self._resume_recording, key, call, label, cut,
                                                left - RETRY_SECONDS)
            return
        folder, number = self.features.recordings, view.remote_number

        def start() -> None:
            call.start_recording(folder.new_file(number, self._wall()), self.features.max_recording_seconds)

        self.host.attempt(f"record {label}", start)
        if call.get_recording_path():
            self.features.refresh(call)
            self.host.note(f"{label} recording goes on after the restart in {call.get_recording_path()} "
                           f"(before it: {cut})", source="call")
        else:
            self._stopped(label, cut, "it could not be started again")

    def _stopped(self, label: str, cut: str, why: str) -> None:
        """The status line says it (the card no longer shows REC), the log keeps it."""
        self.host.error(f"{label} recording stopped by the restart ({why}); the recording so far: {cut}")

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
