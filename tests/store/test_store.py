"""The Store and the Controller without a network: subscribers, ordering of nested dispatches, refusals as
log lines."""

from __future__ import annotations

from console.core.enums import CALL_STATES, LOGIN_STATES, Direction
from console.store import Controller, Store, is_secure
from console.store.login_failure import classify
from console.store.state import LoginFailure
from console.store import events as ev


def test_subscribe_and_unsubscribe():
    store = Store()
    seen = []
    unsubscribe = store.subscribe(seen.append)
    store.dispatch(ev.Dialed("9000"))
    unsubscribe()
    store.dispatch(ev.Dialed("9001"))
    assert len(seen) == 1 and seen[0].dial_history == ("9000",)
    assert store.state.dial_history == ("9001", "9000")


def test_events_raised_while_notifying_are_reduced_after_the_current_one():
    store = Store()
    order = []

    def subscriber(state):
        order.append(state.dial_history[:1])
        if state.dial_history[:1] == ("1",):
            store.dispatch(ev.Dialed("2"))

    store.subscribe(subscriber)
    store.dispatch(ev.Dialed("1"))
    assert order == [("1",), ("2",)]


def test_a_failing_subscriber_does_not_stop_the_others():
    store = Store()
    seen = []
    store.subscribe(lambda s: 1 / 0)
    store.subscribe(seen.append)
    store.dispatch(ev.Dialed("1"))
    assert seen


def test_requests_without_a_call_become_error_lines():
    store = Controller(None, clock=lambda: 1.0)
    assert not store.hold()
    assert "hold: no call selected" in store.state.last_error
    assert not store.focus(4)
    assert "slot 4 is empty" in store.state.last_error
    assert not store.transfer(1, 2)
    assert not store.dial("   ")
    assert "enter a number" in store.state.last_error


def test_a_call_on_a_card_whose_client_object_is_gone_is_refused_cleanly():
    store = Controller(None, clock=lambda: 1.0)
    store.dispatch(ev.CallAdded("k9", Direction.IN, CALL_STATES.OFFERING, 0.0, 0.0, remote_number="201"))
    assert not store.answer()
    assert "has ended" in store.state.last_error


def test_secure_unless_the_url_says_plain():
    assert is_secure("wss://pbx:8443") and is_secure("pbx:8443")
    assert not is_secure("ws://127.0.0.1:1") and not is_secure("HTTP://x")


def test_a_sip_address_over_plain_websocket_is_not_secure():
    """``sip+ws://`` names a transport without TLS, as ``ws://`` does (only ``sip+wss://`` is TLS): a failure on
    it is never read as a TLS handshake failure, and the cleartext rule treats it as ``ws://``."""
    assert not is_secure("sip+ws://pbx.example:8080/ws") and not is_secure("SIP+WS://10.0.0.5")
    assert is_secure("sip+wss://pbx.example/ws")
    lines = ["cannot reach sip+ws://pbx.example:8080/ws:"]
    assert classify(LOGIN_STATES.SERVER_ACCESS, lines, False, is_secure("sip+ws://pbx.example:8080/ws")) \
        is not LoginFailure.TLS


def test_a_display_only_store_refuses_login_with_a_message():
    store = Controller(None, clock=lambda: 1.0)
    assert not store.login("ws://x:1", "u", "p")
    assert "display only" in store.state.last_error
    assert not store.restore("ws://x:1")  # no session file: nothing to restore


async def test_the_log_pane_gets_the_clients_lines_and_stderr_gets_nothing(capfd):
    """The library writes nothing by itself; the switchboard's log pane has its own handler."""
    import logging

    from console.store.client import client_factory

    store = Controller(client_factory(device=None, auto_reconnect=False), clock=lambda: 1.0)
    client = store.open()
    assert client.auto_hold is True  # the switchboard's choice; the API's default is off
    logging.getLogger("console.core.client").warning("a session warning")
    logging.getLogger("console.webrtc").debug("hidden while diagnostics are off")
    store.set_client_logging(True)
    logging.getLogger("console.webrtc").debug("a diagnostic line")
    store.set_client_logging(False)
    texts = [line.text for line in store.state.log]
    assert "a session warning" in texts and "a diagnostic line" in texts
    assert "hidden while diagnostics are off" not in texts
    assert capfd.readouterr().err == ""
    await store.aclose()
