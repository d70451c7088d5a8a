"""A WAV file whose header stays current while it is written, and the repair of one a crash cut short.

Python's ``wave`` writes the sizes in the header only when the file is closed: a console killed while
recording left a file that claimed to hold nothing (a 2.1 MB recording read as 0.02 s). Here the header
is the canonical 44-byte PCM one, and :meth:`WavWriter.sync` rewrites its two sizes (the recorder does it
every second), so a file cut at any moment reads as what was written up to the last sync; :func:`repair`
sets the sizes from the file's length (for a file cut by a crash before this was so, or between syncs).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

HEADER_BYTES = 44
_RIFF_SIZE_AT, _DATA_SIZE_AT = 4, 40
MAX_DATA_BYTES = 0xFFFFFFFF - 36  # a RIFF size is 32 bits


def header(channels: int, rate: int, sample_width: int, data_bytes: int) -> bytes:
    """The canonical PCM header for ``data_bytes`` of audio."""
    align = channels * sample_width
    return struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + data_bytes, b"WAVE", b"fmt ", 16, 1, channels, rate,
                       rate * align, align, sample_width * 8, b"data", data_bytes)


class WavWriter:
    """Writes PCM frames after a header; ``sync()`` makes the header say how much is there and hands the
    bytes to the operating system (which keeps them if the process dies); ``close()`` syncs and closes."""

    def __init__(self, file: BinaryIO, channels: int, rate: int, sample_width: int) -> None:
        self._file = file
        self._header = (channels, rate, sample_width)
        self.data_bytes = 0
        self._synced = -1
        file.write(header(channels, rate, sample_width, 0))
        file.flush()  # a recording cut before its first second is a valid (empty) WAV, not an empty file

    def write(self, pcm: bytes) -> None:
        self._file.write(pcm)
        self.data_bytes += len(pcm)

    def sync(self) -> None:
        if self.data_bytes != self._synced:
            size = min(self.data_bytes, MAX_DATA_BYTES)
            self._file.seek(_RIFF_SIZE_AT)
            self._file.write(struct.pack("<I", 36 + size))
            self._file.seek(_DATA_SIZE_AT)
            self._file.write(struct.pack("<I", size))
            self._file.seek(0, os.SEEK_END)
            self._synced = self.data_bytes
        self._file.flush()

    def close(self) -> None:
        try:
            self.sync()
        finally:
            self._file.close()


def repair(path: str | Path) -> float | None:
    """Make the header of the canonical PCM WAV file ``path`` say how much audio the file holds.

    Returns its length in seconds, or None if it is not such a file (then it is left alone).
    """
    try:
        with open(path, "r+b") as file:
            head = file.read(HEADER_BYTES)
            if len(head) < HEADER_BYTES:
                return None
            (riff, _, wave_, fmt, fmt_size, pcm, _channels, rate, _, align, _, data, data_bytes) = struct.unpack(
                "<4sI4s4sIHHIIHH4sI", head)
            if (riff, wave_, fmt, fmt_size, pcm, data) != (b"RIFF", b"WAVE", b"fmt ", 16, 1, b"data") or not (
                    align and rate):
                return None
            length = file.seek(0, os.SEEK_END) - HEADER_BYTES
            actual = min(length - length % align, MAX_DATA_BYTES - MAX_DATA_BYTES % align)
            if actual != data_bytes:
                file.seek(_RIFF_SIZE_AT)
                file.write(struct.pack("<I", 36 + actual))
                file.seek(_DATA_SIZE_AT)
                file.write(struct.pack("<I", actual))
            return actual / (align * rate)
    except OSError:
        return None
