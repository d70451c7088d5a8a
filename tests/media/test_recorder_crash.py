"""A recording cut by a crash is a valid WAV (issue 19): the recorder keeps its header current while it
records, and a file cut anyway is repaired."""

from __future__ import annotations

import shutil
import wave

from console.media.recorder import SYNC_FRAMES, CallRecorder
from console.media.tones import FRAME_SAMPLES, RATE
from console.media.wavfile import header, repair
from console.persist import AppDirs, RecordingFolder

FRAME = bytes(range(256)) * (FRAME_SAMPLES * 2 // 256)


def frames_in(path) -> int:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, RATE)
        return wav.getnframes()


def test_a_recording_never_stopped_reads_as_what_was_recorded_up_to_the_last_second(tmp_path):
    """Issue 19: "a recording cut by a crash is a valid WAV (header kept current while recording [...])"."""
    path = tmp_path / "cut.wav"
    recorder = CallRecorder(path, max_seconds=60)
    for _ in range(SYNC_FRAMES * 2 + 10):  # 2.2 s, never stopped: the process dies here
        recorder.received(FRAME)
        recorder.sent(FRAME)
    crashed = tmp_path / "as-left.wav"
    shutil.copyfile(path, crashed)  # the bytes on disk when the process died
    assert frames_in(crashed) == SYNC_FRAMES * 2 * FRAME_SAMPLES  # 2.0 s: up to the last sync
    recorder.stop()
    assert frames_in(path) == (SYNC_FRAMES * 2 + 10) * FRAME_SAMPLES


def test_repair_sets_the_sizes_from_the_file_and_leaves_other_files_alone(tmp_path):
    cut = tmp_path / "cut.wav"
    cut.write_bytes(header(2, RATE, 2, 0) + bytes(4 * RATE * 3 + 2))  # 3 s and half a frame; header says 0
    assert frames_in(cut) == 0
    assert repair(cut) == 3.0
    assert frames_in(cut) == 3 * RATE
    text = tmp_path / "notes.wav"
    text.write_bytes(b"not a wav file at all, but long enough to have a header's worth of bytes")
    assert repair(text) is None
    assert text.read_bytes().startswith(b"not a wav")


def test_the_recordings_folder_repairs_only_its_own_recordings(tmp_path):
    dirs = AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    folder = RecordingFolder(dirs)
    inside = folder.new_file("202", 1_700_000_000.0)
    inside.write_bytes(header(2, RATE, 2, 0) + bytes(4 * RATE))
    outside = tmp_path / "elsewhere.wav"
    outside.write_bytes(header(2, RATE, 2, 0) + bytes(4 * RATE))
    assert folder.repair(inside) == 1.0 and frames_in(inside) == RATE
    assert folder.repair(outside) is None and frames_in(outside) == 0


def test_a_recording_cut_before_its_first_second_is_a_valid_empty_wav(tmp_path):
    """A held call sends no frames: a crash then left a file of 0 bytes, which no player opens."""
    path = tmp_path / "held.wav"
    recorder = CallRecorder(path, max_seconds=60)
    crashed = tmp_path / "as-left.wav"
    shutil.copyfile(path, crashed)
    assert frames_in(crashed) == 0
    recorder.stop()
