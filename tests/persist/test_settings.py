"""Persistence: paths from one object, atomic writes, 0600 sessions, no password, bounded history."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from console.persist import AppDirs, CallHistory, Config, HistoryEntry, SessionFile, load_config, save_config, update_config


def dirs(tmp_path) -> AppDirs:
    return AppDirs(config_dir=tmp_path / "cfg", data_dir=tmp_path / "data")


def test_nothing_is_created_until_the_first_write(tmp_path):
    d = dirs(tmp_path)
    assert load_config(d) == Config()
    assert SessionFile(d).get("ws://x") is None and CallHistory(d).load() == []
    assert not (tmp_path / "cfg").exists() and not (tmp_path / "data").exists()


def test_config_round_trip_with_key_overrides(tmp_path):
    d = dirs(tmp_path)
    config = Config(server="wss://pbx:8443", username="op", number="+4930", theme="anynode-light",
                    audio_device="null", keys={"hangup": "e,ctrl+e", "answer": "a"})
    save_config(d, config)
    assert load_config(d) == config
    assert 'version = 1' in d.config_file.read_text()
    assert update_config(d, theme="anynode-high-contrast").username == "op"
    assert load_config(d).theme == "anynode-high-contrast"
    assert not list(d.config_dir.glob("*.tmp"))


def test_a_broken_config_falls_back_to_defaults(tmp_path):
    d = dirs(tmp_path)
    d.config_dir.mkdir(parents=True)
    d.config_file.write_text("server = [unclosed")
    assert load_config(d) == Config()


def test_sessions_are_0600_per_server_and_hold_no_password(tmp_path):
    d = dirs(tmp_path)
    sessions = SessionFile(d)
    sessions.put("ws://a:1", "ID-A", "operator")
    sessions.put("ws://b:2", "ID-B")
    assert sessions.get("ws://a:1") == "ID-A" and sessions.get("ws://b:2") == "ID-B"
    assert stat.S_IMODE(os.stat(d.sessions_file).st_mode) == 0o600
    text = d.sessions_file.read_text()
    assert '"version": 1' in text and "password" not in text
    sessions.forget("ws://a:1")
    assert sessions.get("ws://a:1") is None and sessions.get("ws://b:2") == "ID-B"


def test_history_is_bounded_and_gives_recent_numbers(tmp_path):
    history = CallHistory(dirs(tmp_path), limit=5)
    for i in range(8):
        history.append(HistoryEntry(number=str(9000 + i % 3), name="", direction="out", started=float(i),
                                    duration=1.0, reason="USERTERMINATED", answered=True))
    assert len(history.load()) == 5
    assert history.recent_numbers() == ("9001", "9000", "9002")


def test_importing_settings_creates_no_folder(tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "x"), "XDG_DATA_HOME": str(tmp_path / "y"), "HOME": str(tmp_path)}
    code = "import console.persist, console.store; console.persist.AppDirs.default()"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_cannot_be_written_is_a_persistence_error(tmp_path):
    """The persistence boundary translates OSError into the package's one error (a ConsoleError)."""
    import pytest

    from console.core.errors import ConsoleError, PersistenceError

    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=blocker)
    with pytest.raises(PersistenceError) as caught:
        CallHistory(dirs).append(HistoryEntry("201", "Alice", "in", 0.0, 1.0, "SUCCESS", True))
    assert isinstance(caught.value, ConsoleError) and str(blocker) in str(caught.value)
    assert CallHistory(dirs).load() == []  # reading what cannot be there is empty, not an error


def test_the_sip_section_names_the_lamps_extensions_and_the_feature_codes(tmp_path):
    """docs/SIP.md: a SIP server has no directory; config.toml's [sip] gives the lamps' extensions, the pickup code
    and what DND answers; a bad entry is skipped, not fatal."""
    dirs = AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    dirs.config_dir.mkdir()
    dirs.config_file.write_text('[sip]\ndirectory = ["1001", {number = "1002", name = "Reception"}, 7, {name = "x"}]\n'
                                'pickup_code = "**"\ndnd_status = 480\npickup_replaces = true\n')
    config = load_config(dirs)
    assert config.sip_directory == (("1001", ""), ("1002", "Reception"))
    assert (config.sip_pickup_code, config.sip_dnd_status, config.sip_pickup_replaces) == ("**", 480, True)
    save_config(dirs, config)
    assert load_config(dirs) == config
    assert (Config().sip_directory, Config().sip_pickup_code, Config().sip_dnd_status) == ((), "*8", 486)


def test_the_sip_section_says_where_a_call_is_parked(tmp_path):
    """Issue 20: park is configurable per server: held at the console (local, the default: a bare proxy keeps no
    calls) or REFERred to the server's park extension; the switchboard's client gets it. A bad mode is not fatal."""
    from console.store import client_factory

    dirs = AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    dirs.config_dir.mkdir()
    dirs.config_file.write_text('[sip]\npark = "refer:700"\npark_recall = 45\n')
    config = load_config(dirs)
    assert (config.sip_park, config.sip_park_recall) == ("refer:700", 45.0)
    save_config(dirs, config)
    assert load_config(dirs) == config
    dirs.config_file.write_text('[sip]\npark = "refer:"\npark_recall = -1\n')
    assert (load_config(dirs).sip_park, load_config(dirs).sip_park_recall) == ("local", 60.0)
    client = client_factory(device="null", park=config.sip_park, park_recall=config.sip_park_recall)(
        lambda state: None, lambda call: None)
    assert client._control.park_mode == "refer:700" and client._control.parker.lot.recall_after == 45.0


def test_the_ice_section_gives_the_consoles_own_turn_servers_and_policy(tmp_path, caplog):
    """Issue 22: "the console also accepts static ice servers in its own config"; a bad list or policy is
    reported in the log naming the key and ignored (the defaults: none, "all")."""
    dirs = AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    dirs.config_dir.mkdir()
    dirs.config_file.write_text('[ice]\nservers = [{urls = "turn:turn.example.org:3478?transport=tcp", '
                                'username = "u", credential = "p"}]\npolicy = "relay"\n')
    config = load_config(dirs)
    assert config.ice_servers == ({"urls": "turn:turn.example.org:3478?transport=tcp", "username": "u",
                                   "credential": "p"},)
    assert config.ice_policy == "relay"
    save_config(dirs, config)
    assert load_config(dirs) == config
    dirs.config_file.write_text('[ice]\nservers = [{urls = "http://x"}]\npolicy = "nohost"\n')
    config = load_config(dirs)
    assert (config.ice_servers, config.ice_policy) == ((), "all")
    assert "[ice] servers ignored" in caplog.text and "[ice] policy" in caplog.text


def test_the_sip_section_lists_the_other_proxies_of_a_pair(tmp_path, caplog):
    """Issue 22: "the console registers with flows to both (RFC 5626) or fails over to the second": config.toml
    ``[sip] outbound_proxies`` names the other nodes; the switchboard's ring starts with the server it logs in to.
    A bad entry is reported with the key and gives no failover (the login still works)."""
    from console.cli import sip_desk_settings

    dirs = AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    dirs.config_dir.mkdir()
    dirs.config_file.write_text('server = "sip+ws://node1:8080"\n[sip]\noutbound_proxies = ["sip+ws://node2:8080"]\n')
    config = load_config(dirs)
    assert config.sip_outbound_proxies == ("sip+ws://node2:8080",)
    save_config(dirs, config)
    assert load_config(dirs) == config
    assert sip_desk_settings(config).outbound_proxies == ("sip+ws://node1:8080", "sip+ws://node2:8080")
    assert sip_desk_settings(config, "sip+ws://node2:8080").outbound_proxies == ("sip+ws://node1:8080", "sip+ws://node2:8080")
    assert sip_desk_settings(config, "sip+ws://elsewhere:8080").outbound_proxies == ()  # --server: another service
    assert sip_desk_settings(Config()).outbound_proxies == ()
    dirs.config_file.write_text('[sip]\noutbound_proxies = ["ws://node2:8080"]\n')
    assert load_config(dirs).sip_outbound_proxies == ()
    assert "[sip] outbound_proxies" in caplog.text and "ws://node2:8080" in caplog.text


def test_the_audio_section_sets_the_sound_cards_latency_within_its_bounds(tmp_path, caplog):
    """``[audio] latency_ms``: a sound card's buffering per direction (10-200 ms), saved and read back; a value
    out of bounds or of the wrong type is reported in one warning that names the key and the bounds, and the
    default is used."""
    d = dirs(tmp_path)
    save_config(d, Config(audio_latency_ms=40))
    assert "[audio]" in d.config_file.read_text() and load_config(d).audio_latency_ms == 40
    assert Config().audio_latency_ms == 20
    d.config_file.parent.mkdir(parents=True, exist_ok=True)
    for bad in ("5", "500", "\"fast\"", "true", "12.5"):
        caplog.clear()
        d.config_file.write_text(f"version = 1\n[audio]\nlatency_ms = {bad}\n")
        assert load_config(d).audio_latency_ms == 20, bad
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert len(warnings) == 1 and "[audio] latency_ms" in warnings[0] and "10 to 200" in warnings[0], warnings
