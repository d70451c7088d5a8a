"""The CA a console trusts for wss:// and sip+wss:// (issue 22): ``--ca-file`` or config.toml ``ca_file``, checked
at start, so a CA file that cannot be used is one clear line, not a login that fails later as "unreachable"."""

from __future__ import annotations

import pytest

from console.cli import UsageError, trusted_ca
from console.persist import AppDirs, Config, load_config, save_config
from tls_ca import TestCa


def test_the_config_keeps_the_ca_file(tmp_path):
    dirs = AppDirs(config_dir=tmp_path / "cfg", data_dir=tmp_path / "data")
    assert Config().ca_file == ""
    save_config(dirs, Config(ca_file="/etc/anynode/ca.pem"))
    text = dirs.config_file.read_text()
    assert 'ca_file = "/etc/anynode/ca.pem"' in text
    assert load_config(dirs).ca_file == "/etc/anynode/ca.pem"
    assert Config.from_toml({"ca_file": 3}).ca_file == ""  # not a path: the system's trust store


def test_the_option_wins_over_the_config_and_neither_is_the_system_store(tmp_path):
    ca = TestCa(tmp_path / "ca")
    other = TestCa(tmp_path / "other")
    assert trusted_ca(None, "") is None
    assert trusted_ca(None, str(ca.cert_file)) == str(ca.cert_file)
    assert trusted_ca(str(other.cert_file), str(ca.cert_file)) == str(other.cert_file)


def test_a_ca_file_that_cannot_be_used_is_a_usage_error(tmp_path):
    (tmp_path / "empty.pem").write_text("no certificate here\n")
    with pytest.raises(UsageError, match=r"--ca-file .*missing\.pem.*no such file"):
        trusted_ca(str(tmp_path / "missing.pem"), "")
    with pytest.raises(UsageError, match=r"config.toml ca_file .*empty\.pem.*no PEM certificate"):
        trusted_ca(None, str(tmp_path / "empty.pem"))
