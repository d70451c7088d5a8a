"""Which folders the console makes private: its own (config, data, log, recordings), never a folder of the user's
that it only writes a file into (an export target), whose mode stays the user's."""

from __future__ import annotations

import os
import stat

from console.persist import AppDirs, BoardFile, CallHistory, Config, HistoryEntry, SessionFile, atomic_write, save_config
from test_secrets import _entry


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_file_written_into_an_existing_folder_leaves_the_folders_mode_alone(tmp_path):
    target = tmp_path / "exports"
    target.mkdir()
    os.chmod(target, 0o755)
    atomic_write(target / "calls.csv", "a,b\n")
    assert mode(target) == 0o755  # the user's folder: still readable by whom the user chose
    assert mode(target / "calls.csv") == 0o600
    assert (target / "calls.csv").read_text() == "a,b\n"


def test_folders_it_creates_for_a_file_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        atomic_write(tmp_path / "new" / "deeper" / "file.json", "{}")
    finally:
        os.umask(old)
    assert mode(tmp_path / "new") == 0o700 and mode(tmp_path / "new" / "deeper") == 0o700


def test_the_apps_own_folders_are_made_private_even_when_they_exist_open(tmp_path):
    dirs = AppDirs(config_dir=tmp_path / "cfg", data_dir=tmp_path / "data")
    for folder in (dirs.config_dir, dirs.data_dir):
        folder.mkdir()
        os.chmod(folder, 0o755)
    save_config(dirs, Config(theme="anynode-light"))
    assert mode(dirs.config_dir) == 0o700
    os.chmod(dirs.data_dir, 0o755)
    SessionFile(dirs).put("ws://127.0.0.1:1", "identifier", "operator")
    assert mode(dirs.data_dir) == 0o700
    os.chmod(dirs.data_dir, 0o755)
    CallHistory(dirs).append(HistoryEntry(**_entry()))
    assert mode(dirs.data_dir) == 0o700
    os.chmod(dirs.data_dir, 0o755)
    BoardFile(dirs).save({})
    assert mode(dirs.data_dir) == 0o700
