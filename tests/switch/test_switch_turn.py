"""TURN for remote operators: the switch hands each login fresh time-limited credentials (coturn's
``use-auth-secret``), and its configuration refuses TURN settings that cannot work."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from console.switch.config import ConfigError, parse_config
from console.switch.turn import turn_credentials

SECRET = "a-long-shared-secret-0123456789"
URLS = ["turn:turn.example.org:3478", "turn:turn.example.org:3478?transport=tcp"]


def test_credentials_are_coturns_rest_scheme():
    """username = "<expiry unix time>:<user>", credential = base64(HMAC-SHA1(secret, username))."""
    username, credential = turn_credentials(SECRET, "alice", now=1_700_000_000.7, ttl=3600)
    assert username == "1700003600:alice"
    expected = base64.b64encode(hmac.new(SECRET.encode(), b"1700003600:alice", hashlib.sha1).digest()).decode()
    assert credential == expected


def test_turn_keys_parsed_with_defaults():
    config = parse_config({"switch": {"turn_urls": URLS, "turn_secret": SECRET, "turn_ttl": 600}})
    assert (config.turn_urls, config.turn_secret, config.turn_ttl) == (tuple(URLS), SECRET, 600)
    assert parse_config({}).turn_urls == () and parse_config({}).turn_ttl == 86400
    assert SECRET not in repr(config)  # the secret stays out of logs


@pytest.mark.parametrize("switch, where", [
    ({"turn_urls": URLS}, "turn_secret"),
    ({"turn_secret": SECRET}, "turn_urls"),
    ({"turn_urls": ["stun:x"], "turn_secret": SECRET}, "turn_urls"),
    ({"turn_urls": "turn:x", "turn_secret": SECRET}, "turn_urls"),
    ({"turn_urls": URLS, "turn_secret": "short"}, "turn_secret"),
    ({"turn_urls": URLS, "turn_secret": SECRET, "turn_ttl": 5}, "turn_ttl"),
    ({"turn_urls": URLS, "turn_secret": SECRET, "turn_ttl": "1h"}, "turn_ttl"),
    ({"turn_media": True}, "turn_media"),
])
def test_bad_turn_settings_name_the_file_and_the_key(switch, where):
    with pytest.raises(ConfigError) as err:
        parse_config({"switch": switch}, "switch.toml")
    assert str(err.value).startswith(f"switch.toml: [switch] {where}:")


async def test_each_login_and_restore_gets_fresh_time_limited_credentials(start, clients):
    static = {"urls": "stun:stun.example.org:3478"}
    switch = await start(turn_urls=tuple(URLS), turn_secret=SECRET, turn_ttl=600, ice_servers=(static,))
    wire = await clients.open(switch)
    before = time.time()
    reply = await wire.login("alice")
    turn, stun = reply["ice_servers"]
    assert stun == static and turn["urls"] == URLS
    expiry, user = turn["username"].split(":")
    assert user == "alice" and before + 600 - 1 <= int(expiry) <= time.time() + 600
    assert turn["credential"] == turn_credentials(SECRET, "alice", int(expiry) - 600, 600)[1]
    again = await clients.open(switch)
    restored = await again.request("restore", identifier=reply["identifier"])
    assert restored["ice_servers"][0]["username"].endswith(":alice")
    assert SECRET not in str(reply) and SECRET not in str(restored)


def test_turn_media_gives_the_switchs_own_legs_fresh_credentials_each():
    """A switch behind NAT relays its own media too (opt-in: gathering a relay candidate costs every answer
    an allocation); its credentials are made per leg, so a switch running for months never holds stale ones."""
    pytest.importorskip("aiortc")
    from console.switch.server import default_plane

    config = parse_config({"switch": {"turn_urls": URLS, "turn_secret": SECRET, "turn_media": True}})
    servers = default_plane(config)._ice_servers
    first = servers()
    assert first[0]["urls"] == URLS and first[0]["username"].endswith(":switch")
    assert int(first[0]["username"].split(":")[0]) >= time.time() + 86400 - 5
    assert default_plane(parse_config({"switch": {"turn_urls": URLS, "turn_secret": SECRET}}))._ice_servers == ()
