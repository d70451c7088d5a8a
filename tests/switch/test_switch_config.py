"""The TOML configuration: defaults, the demo directory, and errors that name file and key."""

from __future__ import annotations

import pytest

from console.core.enums import NumberMode
from console.switch.config import ConfigError, hash_password, load_config, parse_config, verify_password
from console.switch.demo import demo_config
from console.switch.media import ServiceKind


def test_defaults_of_an_empty_file():
    config = parse_config({})
    assert (config.host, config.port, config.number_mode) == ("127.0.0.1", 0, NumberMode.EITHER)
    assert (config.session_lifetime, config.ring_timeout, config.max_calls, config.max_media) == (300, 30, 1000, 200)
    assert config.media and config.moh and config.jwt is None and config.tls_cert is None


def test_demo_directory():
    config = demo_config(ring_timeout=0.5)
    assert config.port == 0 and config.ring_timeout == 0.5
    assert [(u.username, u.number) for u in config.users] == [
        ("operator", "200"), ("alice", "201"), ("bob", "202"), ("carol", "203"), ("guest", None),
        ("practice", None)]
    carol, guest = config.user("carol"), config.user("guest")
    assert (carol.forward, carol.forward_after) == ("201", 5)
    assert guest.allow == ("9*",) and config.user("alice").max_calls == 8
    assert config.user("practice").max_calls == 16  # with alice, bob and carol: 30 practice callers (README)
    assert {s.number: s.kind for s in config.services} == {
        "9000": ServiceKind.ECHO, "9001": ServiceKind.TONE, "9002": ServiceKind.IVR, "9003": ServiceKind.MUSIC,
        "9004": ServiceKind.BUSY, "9005": ServiceKind.NOANSWER, "9006": ServiceKind.REJECT, "9007": ServiceKind.CONGESTION}
    assert config.jwt.algorithms == ("HS256",)
    for user in config.users:
        assert verify_password(user.username, user.password)


def test_password_hashes():
    stored = hash_password("secret", n=1024)
    assert stored.startswith("scrypt$1024$8$1$")
    assert verify_password("secret", stored) and not verify_password("Secret", stored)
    assert hash_password("secret", n=1024) != stored  # a fresh salt each time
    assert not verify_password("secret", "plain") and not verify_password("secret", "scrypt$x$8$1$a$b")


@pytest.mark.parametrize("data, where", [
    ({"jwt": {"algorithms": ["none"], "secret": "s"}}, "[jwt] algorithms"),
    ({"jwt": {"algorithms": ["HS256", "NONE"], "secret": "s"}}, "[jwt] algorithms"),
    ({"jwt": {"algorithms": [], "secret": "s"}}, "[jwt] algorithms"),
    ({"jwt": {"secret": "s"}}, "[jwt] algorithms"),
    ({"jwt": {"algorithms": ["HS256"]}}, "[jwt] secret"),
    ({"jwt": {"algorithms": ["RS256"]}}, "[jwt] public_key"),
    ({"jwt": {"algorithms": ["XY1"], "secret": "s"}}, "[jwt] algorithms"),
    ({"switch": {"prot": 1}}, "[switch] prot"),
    ({"switch": {"port": "80"}}, "[switch] port"),
    ({"switch": {"number_mode": "sometimes"}}, "[switch] number_mode"),
    ({"switch": {"ring_timeout": 0}}, "[switch] ring_timeout"),
    ({"switch": {"tls_cert": "a.pem"}}, "[switch] tls_key"),
    ({"users": [{"username": "a", "password": "plain"}]}, "[users[0]] password"),
    ({"users": [{"username": "a", "number": "12ab"}]}, "[users[0]] number"),
    ({"users": [{"name": "a"}]}, "[users[0]] username"),
    ({"users": [{"username": "a"}, {"username": "a"}]}, "[users[1]] username"),
    ({"users": [{"username": "a", "number": "1"}], "services": [{"number": "1", "kind": "echo"}]}, "[services[0]] number"),
    ({"services": [{"number": "1", "kind": "karaoke"}]}, "[services[0]] kind"),
    ({"switch": {"ice_servers": "stun:x"}}, "[switch] ice_servers"),
    ({"switch": {"ice_servers": [{"url": "stun:x"}]}}, "[switch] ice_servers"),
    ({"switch": {"ice_servers": [{"urls": "http://x"}]}}, "[switch] ice_servers"),
    ({"switch": {"ice_servers": [{"urls": ["turn:x"], "username": 5}]}}, "[switch] ice_servers"),
])
def test_errors_name_the_file_and_the_key(data, where):
    with pytest.raises(ConfigError) as err:
        parse_config(data, "switch.toml")
    assert str(err.value).startswith(f"switch.toml: {where}:")


def test_load_from_a_file_with_a_public_key_file(tmp_path):
    (tmp_path / "key.pem").write_text("-----BEGIN PUBLIC KEY-----\n...\n")
    (tmp_path / "switch.toml").write_text(
        '[switch]\nport = 8089\nnumber_mode = "assigned"\n'
        '[jwt]\nalgorithms = ["RS256"]\npublic_key_file = "key.pem"\naudience = "x"\n'
        '[[users]]\nusername = "a"\nnumber = "+4930123"\nallow = ["0*", "9*"]\n'
    )
    config = load_config(tmp_path / "switch.toml")
    assert config.port == 8089 and config.number_mode is NumberMode.ASSIGNED
    assert config.jwt.public_key.startswith("-----BEGIN PUBLIC KEY")
    assert config.user("a").allow == ("0*", "9*") and config.user_by_number("+4930123").username == "a"


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[switch\n")
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        load_config(tmp_path / "bad.toml")


def test_ice_servers_default_empty_and_parsed():
    assert parse_config({}).ice_servers == ()
    servers = [{"urls": "stun:stun.example.org:3478"}, {"urls": ["turn:t.example.org", "turns:t.example.org"], "username": "u", "credential": "p"}]
    assert parse_config({"switch": {"ice_servers": servers}}).ice_servers == tuple(servers)


async def test_the_embedded_switch_signs_with_its_own_random_secret():
    """demo.toml's secret is public: the console's embedded switch never accepts tokens signed with it."""
    from console.cli import start_embedded
    from console.switch.demo import embedded_config

    published = demo_config().jwt.secret
    first, second = embedded_config().jwt.secret, embedded_config().jwt.secret
    assert published not in (first, second) and first != second and len(first) >= 32
    switch, _ = await start_embedded()
    try:
        assert switch.config.jwt.secret != published
    finally:
        await switch.aclose()
