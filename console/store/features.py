"""The call features beyond the seed: mute, recording and conference — the operator's requests and what
the client reports back about them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from console.core.enums import CALL_STATES

from . import events as ev
from .host import Host, on_call
from .state import EndCause, LogLevel

if TYPE_CHECKING:
    from .port import CallPort

_RECORDABLE = frozenset({CALL_STATES.CONNECTED, CALL_STATES.HELD, CALL_STATES.HOLDING})


class Features:
    """``recordings`` is a persist.RecordingFolder (where recordings go; None: recording is off)."""

    def __init__(self, host: Host, wall: Callable[[], float], recordings: Any = None,
                 max_recording_seconds: float = 3600.0) -> None:
        self.host = host
        self._wall = wall
        self.recordings = recordings
        self.max_recording_seconds = max_recording_seconds

    # -- the operator's requests -----------------------------------------------------------
    def toggle_mute(self, slot: int | None = None) -> bool:
        """Mute the selected (or named) call's microphone, or unmute it; the call keeps its state."""
        view = self.host.state.target(slot)

        def run(call: CallPort) -> None:
            call.set_mute(not call.is_muted())
            self.refresh(call)
            self.host.note(f"[{view.slot}] {view.remote_number or '?'} "  # type: ignore[union-attr]
                           f"{'muted' if call.is_muted() else 'unmuted'}", source="call")

        return on_call(self.host, "mute", view, run)

    def toggle_recording(self, slot: int | None = None) -> bool:
        """Start recording the selected call into the recordings folder, or stop its recording."""
        view = self.host.state.target(slot)
        if view is not None and view.recording:
            return on_call(self.host, "stop recording", view, lambda call: call.stop_recording())
        if view is not None and view.state not in _RECORDABLE:
            self.host.error(f"record [{view.slot}]: only a connected or held call can be recorded")
            return False
        if self.recordings is None and view is not None:
            self.host.error("record: this console has no recordings folder")
            return False

        def run(call: CallPort) -> None:
            path = self.recordings.new_file(view.remote_number, self._wall())  # type: ignore[union-attr]
            call.start_recording(path, self.max_recording_seconds)

        return on_call(self.host, "record", view, run)

    def conference(self, slot: int | None = None) -> bool:
        """Join the selected call with every other call that is connected or on hold (and not in another
        conference) into a conference mixed at the switch; a selected call already in one takes the others in."""
        state, calls = self.host.state, self.host.calls
        view = state.target(slot)
        if view is None:
            self.host.error("conference: no call selected")
            return False
        if not view.transferable:
            self.host.error(f"conference [{view.slot}]: the call is not connected or on hold")
            return False
        others = [c for c in state.calls if c.key != view.key and c.transferable and c.key in calls
                  and (not c.conference or c.conference == view.conference)]
        joining = [c for c in others if not c.conference]
        if not joining:
            self.host.error("conference: needs another call that is connected or on hold")
            return False
        parties = [calls.get(c.key) for c in joining]
        if not on_call(self.host, "conference", view, lambda call: call.conference(*parties)):
            return False
        slots = ", ".join(str(c.slot) for c in (view, *joining))
        self.host.note(f"conference requested: slots {slots}", source="call")
        return True

    def leave_conference(self, slot: int | None = None) -> bool:
        """Leave the selected call's conference: our calls in it end, the other parties stay connected."""
        view = self.host.state.target(slot)
        if view is not None and not view.conference:
            self.host.error(f"leave conference [{view.slot}]: the call is not in a conference")
            return False
        return on_call(self.host, "leave conference", view, lambda call: call.leave_conference())

    def drop_party(self, slot: int | None = None) -> bool:
        """Drop the selected call's far party from its conference (the others stay)."""
        view = self.host.state.target(slot)
        if view is not None and not view.conference:
            self.host.error(f"drop party [{view.slot}]: the call is not in a conference")
            return False
        if view is not None:
            self.host.calls.causes[view.key] = EndCause.HUNG_UP_HERE
        return on_call(self.host, "drop party", view, lambda call: call.drop_party())

    # -- what the client reports -----------------------------------------------------------
    def on_conference(self, call: CallPort, info: Any) -> None:
        key = self.host.calls.key_of(call)
        view = self.host.state.call_by_key(key) if key else None
        if view is not None and view.conference != (info.id if info is not None else ""):
            what = f"joined conference {info.id} ({info.parties} parties)" if info is not None \
                else f"left conference {view.conference}"
            self.host.note(f"[{view.slot}] {view.remote_number or '?'} {what}", source="call")
        self.refresh(call)

    def on_recording(self, call: CallPort, path: str | None, reason: str) -> None:
        key = self.host.calls.key_of(call)
        view = self.host.state.call_by_key(key) if key else None
        label = f"[{view.slot}] {view.remote_number or '?'}" if view else "a call"
        if path is not None:
            self.host.note(f"{label} recording to {path}", source="call")
        else:
            level = LogLevel.WARNING if reason in ("limit", "failed") else LogLevel.INFO
            why = {"limit": f"it reached the limit of {self.max_recording_seconds:g} s",
                   "failed": "the file could not be written", "ended": "the call ended"}.get(reason, "stopped")
            self.host.note(f"{label} recording stopped: {why}", level, source="call")
        self.refresh(call)

    def refresh(self, call: CallPort) -> None:
        """The card's mute, recording and conference marks, as the client has them now."""
        key = self.host.calls.key_of(call)
        if key is None:
            return
        room = call.get_conference()
        self.host.dispatch(ev.CallFeatures(
            key, muted=call.is_muted(), recording=call.get_recording_path() or "",
            conference=room.id if room is not None else "", conference_parties=room.parties if room is not None else 0,
        ))
