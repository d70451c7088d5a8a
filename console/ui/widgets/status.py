"""The login status bar: state in words and a symbol, server, number, name, health, saved session."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from console.store.readings import DeviceReading
from console.store.state import Health, LoginView
from ..words import HEALTH_WORDS, LOGIN_WORDS, login_words


class LoginStatus(Static):
    """Two lines: who and where we are; then the last error (or a hint)."""

    login: reactive[LoginView] = reactive(LoginView, layout=False)
    message: reactive[str] = reactive("")
    embedded: reactive[bool] = reactive(False)
    details: reactive[dict] = reactive(dict)  # the wire's link details (SIP: AOR, registration expiry, transport)
    device: reactive[DeviceReading | None] = reactive(None)  # the audio device's levels (None: not open yet)
    marks: reactive[str] = reactive("")  # the selected call's muted / recording / conference marks
    turned_away_by: reactive[str] = reactive("")  # what the operator set that turns callers away: DND, forwarding

    def render(self) -> Text:
        login = self.login
        health_symbol, health = HEALTH_WORDS[login.health]
        wide = (self.size.width or 120) >= 100
        line = Text()
        if wide:
            line.append(login_words(login.state), style="bold")
        else:  # 80 columns: symbol and words, no seed name, so nothing is cut
            symbol, words = LOGIN_WORDS[login.state]
            line.append(f"{symbol} {words if len(words) <= 20 else str(login.state)}", style="bold")
        if login.restoring:
            line.append(" restoring…")
        if self.turned_away_by:  # first after the state: at 80 columns what comes later may be cut
            line.append(f"  {self.turned_away_by}", style="bold reverse")
        line.append("  number " if wide else "  ")
        line.append(login.number or "—", style="bold")
        if login.display_name:
            line.append(f" “{login.display_name}”")
        line.append(f"  link {health_symbol} {health}" if wide else f"  {health_symbol} {health}")
        if self.marks:  # before the saved-session note: at 80 columns the end of the line may be cut
            line.append(f"  {self.marks}", style="bold reverse")
        line.append(f"  saved session: {'yes' if login.saved_session else 'no'}" if wide
                    else f"  saved: {'yes' if login.saved_session else 'no'}")
        line.append_text(device_words(self.device, wide))
        second = Text("server ")
        second.append(login.server or "—", style="bold")
        if self.embedded:
            second.append(" (embedded)" if self.message else " (embedded demo switch)")
        for label, text in self.details.items():
            second.append(f"  {label} ")
            second.append(text, style="bold")
        if self.message:
            second.append("  ")
            second.append(self.message, style="bold")
        both = Text("\n").join([line, second])
        both.no_wrap, both.overflow = True, "ellipsis"
        return both

    def watch_login(self, login: LoginView) -> None:
        for health in Health:
            self.set_class(login.health is health, f"-{health}")


def _bar(level: float, cells: int) -> str:
    filled = max(0, min(cells, round((level + 60.0) / 60.0 * cells)))
    return "▮" * filled + "▯" * (cells - filled)


def device_words(reading: DeviceReading | None, wide: bool) -> Text:
    """Microphone and speaker levels from the device's own streams; a silent device or microphone said plainly."""
    text = Text()
    if reading is None:
        return text
    if reading.silent_device:
        text.append("  ∅ silent audio device" if wide else "  ∅ no audio dev", style="bold")
        return text
    cells = 6 if wide else 3
    text.append("  mic ")
    if reading.mic_silent:
        text.append("⚠ silent", style="bold reverse")
    else:
        text.append(_bar(reading.mic_dbfs, cells) + (f" {reading.mic_dbfs:.0f}dB" if wide else ""))
    text.append("  spk " + _bar(reading.out_dbfs, cells) + (f" {reading.out_dbfs:.0f}dB" if wide else ""))
    return text
