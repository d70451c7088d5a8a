"""config.toml's ``[events]``: the event socket's path and bounds, with defaults; a bad value is named (file,
table and key) in the log and the default holds."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from console.integration.commands import limits, socket_path
from console.persist import AppDirs, Config, load_config, save_config


def dirs_at(tmp_path) -> AppDirs:
    return AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


def test_events_keys_round_trip_and_reach_the_socket(tmp_path):
    dirs = dirs_at(tmp_path)
    save_config(dirs, Config(events_socket="/run/x/ev.sock", events_max_clients=4, events_client_lines=50,
                             events_client_bytes=8192))
    config = load_config(dirs)
    assert (config.events_socket, config.events_max_clients, config.events_client_lines,
            config.events_client_bytes) == ("/run/x/ev.sock", 4, 50, 8192)
    bounds = limits(config)
    assert (bounds.max_clients, bounds.client_lines, bounds.client_bytes) == (4, 50, 8192)
    args = argparse.Namespace(socket=None, config_dir=str(dirs.config_dir), data_dir=str(dirs.data_dir))
    assert socket_path(args) == Path("/run/x/ev.sock")
    args.socket = "/tmp/given.sock"  # the command line wins
    assert socket_path(args) == Path("/tmp/given.sock")
    assert socket_path(argparse.Namespace(socket=None), Config(events_socket="off")) is None


def test_the_defaults_and_a_bad_value_named_in_the_log(tmp_path, caplog):
    dirs = dirs_at(tmp_path)
    assert load_config(dirs).events_client_lines == 1000 and Config().events_client_bytes == 1 << 20
    dirs.config_dir.mkdir(parents=True)
    dirs.config_file.write_text('[events]\nmax_clients = 0\nclient_lines = "many"\nclient_bytes = 2048\n')
    with caplog.at_level(logging.WARNING, logger="console.persist"):
        config = load_config(dirs)
    assert (config.events_max_clients, config.events_client_lines, config.events_client_bytes) == (16, 1000, 1 << 20)
    said = [r.getMessage() for r in caplog.records]
    assert any("config.toml: [events] max_clients = 0 is not a whole number from 1 to 256" in s for s in said)
    assert any("[events] client_lines" in s and "'many'" in s for s in said)
    assert any("[events] client_bytes" in s for s in said)
