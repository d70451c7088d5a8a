"""Secrets stay secret on the console's side (issue 13, items 8, 9 and 10): transport, token source, file modes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import UsageError, build_parser, check_transport, read_token
from console.persist import AppDirs, CallHistory, HistoryEntry, SessionFile

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("server", ["ws://switch.example:8080", "ws://10.0.0.5:80", "ws://[2001:db8::1]:80",
                                    "sip+ws://pbx.example:8080/ws", "http://switch.example:8080"])
def test_a_password_in_clear_to_another_host_needs_insecure(server):
    with pytest.raises(UsageError, match="in clear"):
        check_transport(server, insecure=False)
    assert "in clear" in check_transport(server, insecure=True)


@pytest.mark.parametrize("server", ["ws://127.0.0.1:8080", "ws://localhost:1", "ws://[::1]:2", "wss://switch.example",
                                    "sip+ws://127.0.0.1:8080", "sip+wss://pbx.example/ws"])
def test_loopback_and_tls_need_nothing(server):
    assert check_transport(server, insecure=False) is None


def test_the_token_comes_from_a_file_or_the_environment_never_argv(tmp_path):
    parser = build_parser()
    (tmp_path / "token").write_text("eyJ.file.token\n")
    assert read_token(parser.parse_args(["--token-file", str(tmp_path / "token")]), {}) == "eyJ.file.token"
    assert read_token(parser.parse_args([]), {"ANYNODE_TOKEN": "eyJ.env.token"}) == "eyJ.env.token"
    assert read_token(parser.parse_args([]), {}) == ""
    with pytest.raises(UsageError, match="--token-file"):
        read_token(parser.parse_args(["--token", "eyJ.argv"]), {})
    with pytest.raises(UsageError, match="cannot read"):
        read_token(parser.parse_args(["--token-file", str(tmp_path / "missing")]), {})


def test_the_command_refuses_token_and_clear_text_in_one_line(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path)}
    base = [sys.executable, "-m", "console", "--config-dir", str(tmp_path / "c"), "--data-dir", str(tmp_path / "d")]
    for extra, words in ((["--server", "wss://x.example", "--token", "abc"], "--token-file"),
                         (["--server", "ws://x.example:1", "--user", "a"], "--insecure")):
        proc = subprocess.run(base + extra, capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
        assert proc.returncode == 2 and words in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "abc" not in proc.stderr


def test_history_and_sessions_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        dirs = AppDirs.default(tmp_path / "config", tmp_path / "data")
        CallHistory(dirs).append(HistoryEntry(**_entry()))
        SessionFile(dirs).put("wss://x", "identifier", "alice")
    finally:
        os.umask(old)
    for path in (dirs.history_file, dirs.sessions_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(dirs.data_dir.stat().st_mode) == 0o700
    assert json.loads(dirs.history_file.read_text())["calls"]


def _entry() -> dict:
    import dataclasses

    fields = {f.name: f for f in dataclasses.fields(HistoryEntry)}
    sample = {"number": "201", "name": "Alice", "direction": "out", "state": "DISCONNECTED", "reason": "SUCCESS",
              "started": 0.0, "duration": 1.0}
    return {k: v for k, v in sample.items() if k in fields} | {
        k: "" for k, f in fields.items() if k not in sample and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING}


@pytest.mark.parametrize(("server", "secure", "url"), [
    ("wss://switch.example:8443/ws", False, "wss://switch.example:8443/ws"),
    ("https://switch.example", False, "wss://switch.example"),
    ("ws://127.0.0.1:8080", True, "wss://127.0.0.1:8080"),
    ("127.0.0.1:8080", True, "wss://127.0.0.1:8080"),
    ("ws://127.0.0.1:8080", False, "ws://127.0.0.1:8080"),
])
def test_secure_upgrades_and_nothing_downgrades(server, secure, url):
    from console.net.comm import server_url

    assert server_url(server, secure) == url
