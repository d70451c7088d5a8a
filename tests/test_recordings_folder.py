"""The recordings folder (persist): 0700, a fresh name per recording, the config's limit."""

from __future__ import annotations

from console.persist import AppDirs, Config, RecordingFolder


def test_new_files_are_named_by_time_and_number_and_never_reuse_a_name(tmp_path):
    dirs = AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    folder = RecordingFolder(dirs)
    first = folder.new_file("+49 30/123", 1_700_000_000.0)
    assert first.parent == dirs.recordings_dir and (dirs.recordings_dir.stat().st_mode & 0o777) == 0o700
    assert first.name.endswith("-+4930123.wav")
    first.write_bytes(b"")
    second = folder.new_file("+49 30/123", 1_700_000_000.0)
    assert second != first and second.name.endswith("-+4930123-2.wav")
    assert folder.new_file("", 1_700_000_000.0).name.endswith("-call.wav")


def test_the_recording_limit_comes_from_config_toml():
    assert Config.from_toml({"max_recording_seconds": 60}).max_recording_seconds == 60
    assert Config.from_toml({"max_recording_seconds": -1}).max_recording_seconds == 3600
    assert "max_recording_seconds = 3600" in Config().to_toml()
