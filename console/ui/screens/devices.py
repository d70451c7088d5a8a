"""The device picker: headset output, microphone and ringer, by the audio server's names.

Three lists (Tab moves between them, ↑/↓ within one): the highlighted entry of
each is the choice. ``t`` plays a test tone on the highlighted output (or the
ringer list's entry, when that list has the focus) until pressed again; the
microphone meter runs on the highlighted input all the time the screen is open.
``s`` saves to config.toml (``audio_device``, ``ringer_device``) and closes;
Esc closes without saving. The console opens its devices when it starts, so
the choice is used from the next start; the screen says so.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from console.media import pulse
from console.media.catalog import AudioChoice, headset_spec, list_choices
from console.media.probe import DeviceUnavailable, MicMeter, ToneTest

NO_RINGER = "(ring on the headset while it is free)"
METER_FLOOR = -60.0
METER_WIDTH = 30


def meter_bar(dbfs: float, peak: float) -> Text:
    """A level bar from METER_FLOOR to 0 dBFS, with the figure."""
    filled = int(round(max(0.0, min(1.0, (dbfs - METER_FLOOR) / -METER_FLOOR)) * METER_WIDTH))
    figure = "silent" if dbfs <= METER_FLOOR else f"{dbfs:5.1f} dBFS"
    style = "red" if dbfs <= METER_FLOOR else "green"
    return Text.assemble("Microphone ", ("█" * filled, style), ("░" * (METER_WIDTH - filled), "dim"), f" {figure}",
                         (f"  peak {peak:5.1f}" if peak > METER_FLOOR else "", "dim"))


class DevicesScreen(ModalScreen[dict[str, str] | None]):
    """Dismisses with ``{"audio_device": spec, "ringer_device": spec}`` on save, None on Esc."""

    DEFAULT_CSS = """
    DevicesScreen { align: center middle; }
    #devices-box { width: 90%; height: 90%; max-height: 28; padding: 0 1; background: $surface; border: round $accent; }
    #devices-keys { height: auto; }
    #devices-lists { height: 1fr; min-height: 5; margin-top: 1; }
    #devices-lists OptionList { height: 1fr; }
    #devices-meter, #devices-status { height: 1; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="devices_close"),
        Binding("s", "save", "Save", id="devices_save"),
        Binding("t", "tone", "Test tone", id="devices_tone"),
    ]

    def __init__(self, audio_device: str = "", ringer_device: str = "") -> None:
        super().__init__()
        self.current = (audio_device, ringer_device)
        self.choices: list[AudioChoice] = []
        self.outputs: list[AudioChoice] = []
        self.inputs: list[AudioChoice] = []
        self.meter: MicMeter | None = None
        self.tone: ToneTest | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="devices-box"):
            yield Static(Text("Audio devices", style="bold"))
            yield Static(Text("Tab: next list · ↑↓: pick · t: test tone · s: save · Esc: close. Saved devices are "
                              "used from the next start.", style="italic"), id="devices-keys")
            with Horizontal(id="devices-lists"):
                with Vertical():
                    yield Label("Headset: output")
                    yield OptionList(id="devices-outputs")
                with Vertical():
                    yield Label("Headset: microphone")
                    yield OptionList(id="devices-inputs")
                with Vertical():
                    yield Label("Ringer")
                    yield OptionList(id="devices-ringers")
            yield Static(meter_bar(METER_FLOOR, METER_FLOOR), id="devices-meter")
            yield Static("Looking for devices…", id="devices-status")
        yield Footer(compact=True, show_command_palette=False)  # the keys, as every screen shows them

    def on_mount(self) -> None:
        self._load()
        self.set_interval(0.1, self._show_meter)

    @work(group="devices")
    async def _load(self) -> None:
        choices = await asyncio.get_running_loop().run_in_executor(None, list_choices)
        self.choices = choices
        self.outputs = [c for c in choices if c.kind == "output"]
        self.inputs = [c for c in choices if c.kind == "input"]
        outputs = self.query_one("#devices-outputs", OptionList)
        inputs = self.query_one("#devices-inputs", OptionList)
        ringers = self.query_one("#devices-ringers", OptionList)
        outputs.add_options([Option(c.label, id=c.spec) for c in self.outputs])
        inputs.add_options([Option(c.label, id=c.spec) for c in self.inputs])
        ringers.add_options([Option(NO_RINGER, id=""), *(Option(c.label, id=c.spec) for c in self.outputs)])
        self._highlight_current(outputs, inputs, ringers)
        self.query_one("#devices-status", Static).update(
            f"{len(self.outputs) - 1} outputs, {len(self.inputs) - 1} inputs found")
        outputs.focus()

    def _highlight_current(self, outputs: OptionList, inputs: OptionList, ringers: OptionList) -> None:
        audio, ringer = self.current
        sink = source = None
        if pulse.is_pulse_spec(audio):
            try:
                route = pulse.parse(audio)
                sink, source = route.sink, route.source
            except pulse.PulseSpecError:
                pass
        for widget, items, wanted in ((outputs, self.outputs, sink or audio), (inputs, self.inputs, source or audio)):
            index = next((i for i, c in enumerate(items) if wanted and wanted in (c.name, c.spec)), 0)
            widget.highlighted = index
        ringers.highlighted = next((i + 1 for i, c in enumerate(self.outputs) if ringer and ringer == c.spec), 0)

    # -- what is chosen ------------------------------------------------------------
    def _chosen(self, list_id: str, items: list[AudioChoice], offset: int = 0) -> AudioChoice | None:
        index = self.query_one(list_id, OptionList).highlighted
        if index is None or index < offset or index - offset >= len(items):
            return None
        return items[index - offset]

    def chosen_output(self) -> AudioChoice | None:
        return self._chosen("#devices-outputs", self.outputs)

    def chosen_input(self) -> AudioChoice | None:
        return self._chosen("#devices-inputs", self.inputs)

    def chosen_ringer(self) -> AudioChoice | None:
        return self._chosen("#devices-ringers", self.outputs, offset=1)

    # -- the meter and the tone --------------------------------------------------------
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "devices-inputs":
            self._restart_meter()

    def _restart_meter(self) -> None:
        self._stop_meter()
        choice = self.chosen_input()
        if choice is not None:
            self._open_meter(headset_spec(None, choice))

    @work(exclusive=True, group="devices-meter")
    async def _open_meter(self, spec: str) -> None:
        """Open the microphone off the event loop (PortAudio takes a while); the newest highlight wins."""
        meter = MicMeter(spec)
        opening = asyncio.get_running_loop().run_in_executor(None, meter.open)
        try:
            await asyncio.shield(opening)
        except DeviceUnavailable as error:
            self._say(f"microphone: {error}")
            return
        except asyncio.CancelledError:  # another input was highlighted, or the screen closed: close it once open
            opening.add_done_callback(lambda _done: meter.stop())
            raise
        if not self.is_attached:
            meter.stop()
            return
        self._stop_meter()
        self.meter = meter
        meter.run(asyncio.get_running_loop())

    def _show_meter(self) -> None:
        meter = self.meter
        dbfs, peak = (meter.dbfs, meter.peak) if meter is not None else (METER_FLOOR, METER_FLOOR)
        self.query_one("#devices-meter", Static).update(meter_bar(dbfs, peak))

    def action_tone(self) -> None:
        if self.tone is not None:
            self._stop_tone()
            self._say("test tone off")
            return
        focused = self.focused
        ringer_list = getattr(focused, "id", None) == "devices-ringers"
        choice = self.chosen_ringer() if ringer_list else self.chosen_output()
        if choice is None:
            self._say("pick an output first")
            return
        try:
            self.tone = ToneTest(headset_spec(choice, None))
            self.tone.start()
        except DeviceUnavailable as error:
            self.tone = None
            self._say(f"test tone: {error}")
            return
        self._say(f"test tone on {choice.label} (t stops it)")

    def _say(self, text: str) -> None:
        self.query_one("#devices-status", Static).update(text)

    # -- closing ---------------------------------------------------------------------
    def action_save(self) -> None:
        ringer = self.chosen_ringer()
        self.dismiss({
            "audio_device": headset_spec(self.chosen_output(), self.chosen_input()),
            "ringer_device": ringer.spec if ringer is not None else "",
        })

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _stop_meter(self) -> None:
        meter, self.meter = self.meter, None
        if meter is not None:
            meter.stop()

    def _stop_tone(self) -> None:
        tone, self.tone = self.tone, None
        if tone is not None:
            tone.stop()

    def on_unmount(self) -> None:
        self._stop_meter()
        self._stop_tone()
