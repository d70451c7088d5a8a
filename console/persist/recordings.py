"""The recordings folder: call recordings (WAV) in the data folder, 0700; each file 0600 (the recorder makes it).

A recording's name says when and with whom: ``20261201-023045-202.wav`` (local
time, then the far end's number with anything but digits, letters, ``+``,
``-`` and ``_`` removed). A second recording in the same second gets ``-2``,
``-3`` ... so nothing is ever overwritten. A recording a crash cut short is
repaired (its WAV header made to say what the file holds) when the console
comes back (:meth:`RecordingFolder.repair`).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from console.core.errors import PersistenceError

from .paths import AppDirs, private_dir

MAX_SAME_SECOND = 100


class RecordingFolder:
    def __init__(self, dirs: AppDirs) -> None:
        self.path = dirs.recordings_dir

    def new_file(self, number: str, wall: float) -> Path:
        """A fresh path for a recording with ``number`` started at ``wall`` (the folder is created 0700)."""
        private_dir(self.path)
        who = re.sub(r"[^0-9A-Za-z+_-]", "", number)[:40] or "call"
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(wall))
        for n in range(1, MAX_SAME_SECOND + 1):
            path = self.path / (f"{stamp}-{who}.wav" if n == 1 else f"{stamp}-{who}-{n}.wav")
            if not path.exists():
                return path
        raise PersistenceError(f"too many recordings named {stamp}-{who} in {self.path}")

    def repair(self, path: str | Path) -> float | None:
        """Make the header of the recording ``path`` (a crash cut it) say how much audio it holds; its length
        in seconds, or None when it is not a WAV file of this folder (anything else is left alone)."""
        from console.media.wavfile import repair

        file = Path(path)
        try:
            inside = file.suffix == ".wav" and file.resolve().parent == self.path.resolve()
        except OSError:
            return None
        return repair(file) if inside and file.is_file() else None
