"""The SIP lab's own start-up: a port taken between choosing and binding is retried, nothing else is."""

import pytest

from sipinfra import START_ATTEMPTS, InfraError, free_port_pair, start_retrying


def test_a_bind_race_is_retried_on_fresh_ports():
    calls, stops = [], []

    def once():
        calls.append(1)
        if len(calls) < START_ATTEMPTS:
            raise InfraError("baresip exited: tcp: sock_bind: bind: Address already in use")

    start_retrying(once, lambda: stops.append(1))
    assert len(calls) == START_ATTEMPTS and len(stops) == START_ATTEMPTS - 1


def test_other_failures_are_not_retried():
    calls = []

    def once():
        calls.append(1)
        raise InfraError("kamailio -c refused the configuration")

    with pytest.raises(InfraError, match="refused"):
        start_retrying(once, lambda: None)
    assert calls == [1]


def test_a_port_pair_is_free_on_both_ports():
    import socket
    port = free_port_pair()
    for candidate in (port, port + 1):
        with socket.socket() as s:
            s.bind(("127.0.0.1", candidate))
