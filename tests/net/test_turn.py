"""Remote operators through TURN (issue 22): a console that cannot reach the switch's media, only a
TURN server (coturn), connects its calls through a relay candidate, with audio both ways.

"the call connects through a relay candidate and audio is measured both ways" -- in network
namespaces the test creates (netlab.py): the console in A, the switch (which terminates media) and
bob in B, coturn in T; A and B have no route to each other, the WebSocket goes through a byte relay
in T. Over UDP with the credentials the switch hands out in its login result (coturn's
``use-auth-secret``), and over TCP with a TURN server from the console's own configuration and the
relay-only policy.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from .netlab import B_IP, T_B_IP, TURN_IP, TURN_PORT, WS_PORT, LabError, NetLab, unavailable

CALL_TIMEOUT = 45.0


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    reason = unavailable()
    if reason:
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"CI must be able to build the TURN lab: {reason}")
        pytest.skip(reason)
    with NetLab(tmp_path_factory.mktemp("netlab")) as made:
        yield made


@pytest.fixture(scope="module")
def far(lab):
    """The switch in B handing out TURN over UDP with fresh credentials, and bob beside it."""
    side = lab.python("b", "far", "tests.net.far_side", B_IP, str(WS_PORT), *lab.turn_urls("udp"))
    side.expect("ready", CALL_TIMEOUT)
    return side


def call_through(lab, far, name: str, *options: str) -> tuple[dict, dict, dict]:
    """alice in A calls bob in B: (what alice heard and her selected pair, what bob heard, the switch's pair)."""
    near = lab.python("a", name, "tests.net.near_side", f"ws://{TURN_IP}:{WS_PORT}", "call", *options)
    try:
        logged_in = near.expect("logged_in", CALL_TIMEOUT)
        heard = near.expect("heard", CALL_TIMEOUT)
        bob = far.expect("bob_heard", CALL_TIMEOUT)
        far.send("pairs")
        leg = next(pair for pair in far.expect("switch_pairs", CALL_TIMEOUT)["pairs"]
                   if pair and pair["remote"] == heard["pair"]["local"])
        near.send("hangup")
        near.expect("done", CALL_TIMEOUT)
    except (LabError, StopIteration) as exc:
        raise AssertionError(f"{exc}; far side: {far.tail()}") from None
    finally:
        near.stop()
    heard["ice_servers"] = logged_in["ice_servers"]
    return heard, bob, leg


def assert_relayed_both_ways(heard: dict, bob: dict, leg: dict, via: str) -> None:
    pair = heard["pair"]
    assert pair["local_type"] == "relay" and pair["via"] == via, pair  # never a direct (host) pair
    assert pair["local"].startswith(f"{T_B_IP}:") and pair["remote"].startswith(f"{B_IP}:"), pair
    assert leg["remote_type"] == "relay", leg  # the switch sees the console only at the relay's address
    assert heard["hz"] == 660.0 and heard["dbfs"] > -20, heard  # bob's -12 dBFS tone, at alice
    assert bob["hz"] == 440.0 and bob["dbfs"] > -20, bob  # alice's -12 dBFS tone, at bob


def test_no_direct_path_between_the_console_and_the_switch(lab):
    for side, target in (("a", B_IP), ("b", "10.77.1.2")):
        route = subprocess.run(["ip", "-n", lab.ns[side], "route", "get", target], capture_output=True, text=True)
        assert route.returncode != 0 and "unreachable" in route.stderr, route


def test_a_call_through_turn_over_udp_with_the_switchs_time_limited_credentials(lab, far):
    heard, bob, leg = call_through(lab, far, "near-udp")
    assert heard["ice_servers"] == [[f"turn:{TURN_IP}:{TURN_PORT}"]]  # from the login result, none of its own
    assert_relayed_both_ways(heard, bob, leg, "turn/udp")
    assert heard["pair"]["offered"] == ["host", "relay"]  # a direct path was offered too, and could not be used
    log = (lab.folder / "coturn.log").read_text(errors="replace")
    assert re.search(r"user <\d{10}:alice>: incoming packet ALLOCATE processed, success", log)  # use-auth-secret


def test_a_call_through_turn_over_tcp_from_the_consoles_own_config_relay_only(lab, far):
    """The console's own TURN server comes first (aioice uses one); policy relay gathers nothing else."""
    tcp = lab.turn_urls("tcp")[0]
    heard, bob, leg = call_through(lab, far, "near-tcp", "--own-turn", tcp, "--policy", "relay")
    assert heard["ice_servers"][0] == tcp
    assert heard["pair"]["offered"] == ["relay"]  # policy relay: not even a host candidate is offered
    assert_relayed_both_ways(heard, bob, leg, "turn/tcp")


def test_a_call_through_turn_over_tls_verified_with_the_consoles_ca_file(lab, far):
    """turns: works with aioice 0.13.0 (TLS over TCP); the certificate is verified against the console's CA file."""
    tls = lab.turn_urls("tls")[0]
    heard, bob, leg = call_through(lab, far, "near-tls", "--own-turn", tls, "--policy", "relay",
                                   "--ca-file", str(lab.ca_file))
    assert_relayed_both_ways(heard, bob, leg, "turn/tls")
    log = (lab.folder / "coturn.log").read_text(errors="replace")
    assert re.search(r"username=<\d{10}:alice-own>.*method=TLSv1\.[23]", log)


def test_turns_with_a_certificate_nobody_vouches_for_is_refused(lab):
    """Without the CA file the system's CAs are asked, and they do not know the lab's CA: no allocation."""
    near = lab.python("a", "near-untrusted", "tests.net.near_side", lab.turn_urls("tls")[0], "allocate")
    try:
        refused = near.expect("allocated", CALL_TIMEOUT)
    finally:
        near.stop()
    assert not refused["ok"] and "CERTIFICATE_VERIFY_FAILED" in refused["error"], refused
