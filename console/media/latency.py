"""How much audio a sound card may buffer: the console's ``[audio] latency_ms`` setting.

A sound card's stream holds audio in two places the console can ask about:

* PortAudio's host buffer, in periods of ``frames_per_buffer`` samples (PortAudio
  keeps 2 periods of microphone and 2-3 of speaker audio queued; PyAudio always
  asks for the device's default low latency, so the period is the knob we have);
* the audio server's buffer of the stream. With PulseAudio (and PipeWire's
  PulseAudio server), reached through ALSA's ``pulse`` plugin, libpulse reads
  ``PULSE_LATENCY_MSEC`` when a stream connects and then asks the server for
  ``tlength = fragsize =`` that many milliseconds with ``ADJUST_LATENCY``
  (the server sizes the sink's and source's own latency to match).

``DeviceLatency(ms)`` turns one number into both: the period is half of it,
rounded down to 5, 10, 20, 40 or 80 ms (a whole fraction or multiple of the
20 ms frames the rest of the console uses), and the server is asked for
``ms``. When the card underruns anyway, ``larger()`` is the next step up
(twice as much, up to MAX_MS): the hub's watch reopens the card with it
(failover.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .tones import FRAME_SAMPLES, RATE

DEFAULT_MS = 20
MIN_MS = 10
MAX_MS = 200
PERIODS_MS = (5, 10, 20, 40, 80)  # the periods PortAudio is asked for: 240 .. 3840 samples at 48 kHz


class LatencyError(ValueError):
    """A latency setting outside its bounds (the message names them)."""


@dataclass(frozen=True)
class DeviceLatency:
    """The buffering asked of a sound card, per direction, in milliseconds (MIN_MS..MAX_MS)."""

    ms: int = DEFAULT_MS

    def __post_init__(self) -> None:
        if isinstance(self.ms, bool) or not isinstance(self.ms, int) or not MIN_MS <= self.ms <= MAX_MS:
            raise LatencyError(f"audio latency must be a whole number of milliseconds from {MIN_MS} to {MAX_MS}, "
                               f"not {self.ms!r}")

    @property
    def period_ms(self) -> int:
        """PortAudio's period: half the setting, rounded down to one of PERIODS_MS."""
        return max((p for p in PERIODS_MS if p <= self.ms / 2), default=PERIODS_MS[0])

    @property
    def frames_per_buffer(self) -> int:
        """Samples per PortAudio callback (a whole fraction or multiple of the 20 ms frame)."""
        frames = RATE * self.period_ms // 1000
        assert FRAME_SAMPLES % frames == 0 or frames % FRAME_SAMPLES == 0
        return frames

    @property
    def server_ms(self) -> int:
        """What libpulse asks the server to buffer for the stream (``PULSE_LATENCY_MSEC``)."""
        return self.ms

    def larger(self) -> "DeviceLatency | None":
        """The next step after underruns (twice the setting, at most MAX_MS); None at MAX_MS."""
        if self.ms >= MAX_MS:
            return None
        return DeviceLatency(min(MAX_MS, self.ms * 2))

    def __str__(self) -> str:
        return f"{self.ms} ms"
