"""The call features beyond the seed: mute, recording and conference — the operator's requests and what
the client reports back about them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

from console.core.enums import CALL_STATES

from . import events as ev
from .conference import caller_words, party_words
from .host import Host, on_call
from .state import CallView, EndCause, LogLevel

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

    def conference(self, slots: Sequence[int]) -> bool:
        """Join exactly the calls in ``slots`` (the ones the operator ticked) into a conference mixed at the
        switch; if one of them is in a conference already, the others join that one. Nothing else is touched:
        a caller on hold who was not ticked stays on hold (console/store/conference.py)."""
        state, calls = self.host.state, self.host.calls
        views: list[CallView] = []
        for slot in dict.fromkeys(slots):
            view = state.call_in(slot)
            if view is None or view.ended or view.key not in calls:
                self.host.error(f"conference: the call in slot {slot} has ended")
                return False
            if not view.transferable:
                self.host.error(f"conference: {caller_words(view)} is not connected or on hold")
                return False
            views.append(view)
        rooms = {v.conference for v in views if v.conference}
        if len(rooms) > 1:
            self.host.error("conference: the ticked calls are in two different conferences")
            return False
        joining = [v for v in views if not v.conference]
        if not joining:
            self.host.error("conference: tick a call that is not in the conference yet")
            return False
        if not rooms and len(joining) < 2:
            self.host.error("conference: tick two calls (or one and a call in a conference)")
            return False
        anchor = next((v for v in views if v.conference), joining[0])
        parties = [calls.get(v.key) for v in joining if v is not anchor]
        if not on_call(self.host, "conference", anchor, lambda call: call.conference(*parties)):
            return False
        names = ", ".join(caller_words(v) for v in joining)
        self.host.note(f"conference: joining {names}" + (" to the conference" if rooms else ""), source="call")
        return True

    def leave_conference(self, slot: int | None = None) -> bool:
        """Leave the selected call's conference: our calls in it end, the other parties stay connected."""
        view = self.host.state.target(slot)
        if view is not None and not view.conference:
            self.host.error(f"leave conference [{view.slot}]: the call is not in a conference")
            return False
        if view is not None:  # each of our calls in it ends: the cards say we left, not "completed normally"
            for member in self.host.state.calls:
                if member.conference == view.conference and not member.ended:
                    self.host.calls.causes[member.key] = EndCause.LEFT_CONFERENCE
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
            what = f"is in the conference: {party_words(info.parties)}" if info is not None \
                else "left the conference"
            self.host.note(f"{caller_words(view)} {what}", source="call")
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
