"""The event stream and the control socket end to end, against the real embedded switch (issue 21).

"a separate process subscribes to the event stream and sees a call's states in order; commands over the socket
drive a call through dial, hold, transfer and hang-up" — the switch's own legs are the ground truth; "a slow
reader is dropped, never slows the console"; every bad command gets an error and harms no call.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import sys

import pytest

from console.core.enums import CALL_STATES
from console.integration.service import EventService
from console.integration.stream import SocketBusyError, StreamLimits

from .conftest import TIMEOUT, SocketClient, until

S = CALL_STATES


def leg_of(switch, controller, slot: int = 1):
    """The switch's own leg behind the call in ``slot`` of ``controller``'s console."""
    view = controller.state.call_in(slot)
    return switch.exchange.legs.get(view.call_id) if view is not None and view.call_id else None


async def ringing(controller):
    return (await until(controller, lambda s: bool(s.ringing_calls()))).ringing_calls()[0]


async def test_a_separate_process_sees_a_calls_states_in_order(switch, consoles, serve, sock_path):
    """The seed of issue 21: "a separate process subscribes to the event stream and sees a call's states in
    order" — `anynode-console events` in its own process, while alice calls the operator, who answers, and
    alice hangs up."""
    operator, alice = await consoles("operator"), await consoles("alice")
    service = await serve(operator)
    tail = await asyncio.create_subprocess_exec(sys.executable, "-m", "console", "events", "--socket", str(sock_path),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await service.server.until(lambda server: server.subscribers == 1, timeout=30)
        alice.dial("200")
        await ringing(operator)
        assert operator.answer()
        await until(operator, lambda s: s.calls and s.calls[0].state is S.CONNECTED)
        assert alice.hangup(1)
        seen = []
        async with asyncio.timeout(TIMEOUT):
            while not seen or seen[-1]["type"] != "call.ended":
                line = await tail.stdout.readline()
                assert line, f"events ended early: {await tail.stderr.read()}"
                seen.append(json.loads(line))
    finally:
        tail.terminate()
        await tail.wait()
    calls = [e for e in seen if e["type"].startswith("call.")]
    assert [(e["type"], e["state"]) for e in calls] == [
        ("call.state", "OFFERING"), ("call.ringing", "OFFERING"), ("call.state", "CONNECTED"),
        ("call.answered", "CONNECTED"), ("call.state", "DISCONNECTED"), ("call.ended", "DISCONNECTED")]
    assert {e["call"] for e in calls} == {"k1"} and {e["number"] for e in calls} == {"201"}
    assert calls[-1]["reason"] == "SUCCESS" and calls[-1]["cause"] == "far_end" and calls[-1]["talk"] is not None
    assert [e["seq"] for e in seen] == sorted(e["seq"] for e in seen)
    assert all(e["v"] == 1 for e in seen)


async def test_commands_drive_a_call_through_dial_hold_transfer_and_hangup(switch, consoles, serve, sock_path):
    """ "commands over the socket drive a call through dial, hold, transfer and hang-up": the switch's legs say
    each step happened (held at the switch, alice bridged to bob after the transfer, carol's leg gone)."""
    operator, alice, bob, carol = [await consoles(name) for name in ("operator", "alice", "bob", "carol")]
    await serve(operator)
    ctl = await SocketClient.connect(sock_path)
    try:
        dialed = await ctl.command("dial", number="201")
        assert dialed["ok"] and dialed["result"]["slot"] == 1 and dialed["result"]["call"] == "k1"
        await ringing(alice)
        assert alice.answer()
        await until(operator, lambda s: s.calls[0].state is S.CONNECTED)
        assert leg_of(switch, operator).state is S.CONNECTED

        held = await ctl.command("hold", call="k1")
        assert held["ok"], held
        await until(operator, lambda s: s.calls[0].state is S.HELD)
        assert leg_of(switch, operator).state is S.HELD  # the switch holds it, not only the card

        alice_leg = leg_of(switch, alice)
        moved = await ctl.command("transfer", call="k1", number="202")
        assert moved["ok"] and moved["result"]["to"] == "202", moved
        await ringing(bob)
        assert bob.answer()
        await until(bob, lambda s: s.calls[0].state is S.CONNECTED)
        await until(operator, lambda s: s.calls[0].ended)
        assert alice_leg.live and alice_leg.peer is not None and alice_leg.peer.owner.number == "202"

        dialed = await ctl.command("dial", number="203")
        slot = dialed["result"]["slot"]
        await ringing(carol)
        assert carol.answer()
        await until(operator, lambda s: s.call_in(slot).state is S.CONNECTED)
        carol_leg = leg_of(switch, carol)
        assert carol_leg.live
        ended = await ctl.command("hangup", slot=slot)
        assert ended["ok"], ended
        await until(carol, lambda s: s.calls[0].ended)
        assert not carol_leg.live
        assert alice_leg.live and alice_leg.peer.owner.number == "202"  # the transferred call is untouched
    finally:
        await ctl.close()


async def test_bad_commands_get_errors_and_harm_no_call(switch, consoles, serve, sock_path):
    """Every bad input has a defined answer (STYLE.md): not JSON, not an object, unknown command, bad and unknown
    arguments, a call that is not there, a line past the bound, a request the console refuses — each an error
    with a code; the call stays up at the switch and the next good command works."""
    operator, alice = await consoles("operator"), await consoles("alice")
    await serve(operator, StreamLimits(max_line=1024))
    ctl = await SocketClient.connect(sock_path)
    try:
        assert (await ctl.command("dial", number="201"))["ok"]
        await ringing(alice)
        alice.answer()
        await until(operator, lambda s: s.calls[0].state is S.CONNECTED)
        leg = leg_of(switch, operator)

        await ctl.send_raw(b"this is not json\n")
        assert (await ctl.anonymous_answer())["error"]["code"] == "bad_json"
        await ctl.send_raw(b"[1, 2]\n")
        assert (await ctl.anonymous_answer())["error"]["code"] == "bad_json"
        await ctl.send_raw(b'{"id": 1, "cmd": "hold", "args": {"call": "k1"}' + b" " * 2000 + b"}\n")
        too_long = await ctl.anonymous_answer()
        assert too_long["error"]["code"] == "line_too_long" and "1024" in too_long["error"]["message"]
        await ctl.send_raw(b'{"id": 99, "cmd": "hold", "args": {"call": "k1"}' + b" " * 3000)  # no end in sight
        assert (await ctl.anonymous_answer())["error"]["code"] == "line_too_long"  # said before the line ends
        await ctl.send_raw(b'}\n')  # its end is skipped, not taken for a command
        assert (await ctl.command("status"))["ok"] and not ctl.anonymous and 99 not in ctl.answers
        cases = [
            ("self_destruct", {}, "unknown_command"),
            ("dial", {}, "bad_args"),  # no number
            ("dial", {"number": ["201"]}, "bad_args"),
            ("hold", {"slot": "first"}, "bad_args"),
            ("hold", {"call": "k1", "colour": "red"}, "bad_args"),
            ("hold", {"slot": 9}, "no_call"),
            ("hangup", {"call": "k99"}, "no_call"),
            ("dnd", {"on": "maybe"}, "bad_args"),
            ("answer", {"call": "k1"}, "refused"),  # connected, not ringing
            ("retrieve", {"call": "k1"}, "refused"),  # not on hold
            ("dtmf", {"call": "k1", "digits": "12X"}, "refused"),
            ("transfer", {"call": "k1"}, "bad_args"),  # to whom?
        ]
        for cmd, args, code in cases:
            answer = await ctl.command(cmd, **args)
            assert not answer["ok"] and answer["error"]["code"] == code, (cmd, args, answer)
            assert answer["error"]["message"]
        refused = await ctl.command("answer", call="k1")
        assert "ringing" in refused["error"]["message"]  # the controller's own words

        assert leg.live and leg.state is S.CONNECTED and operator.state.calls[0].state is S.CONNECTED
        assert (await ctl.command("dtmf", call="k1", digits="12#"))["ok"]
        assert (await ctl.command("hold", call="k1"))["ok"]
        await until(operator, lambda s: s.calls[0].state is S.HELD)
        assert leg.state is S.HELD
    finally:
        await ctl.close()


async def test_a_slow_reader_is_dropped_and_nobody_else_notices(switch, consoles, serve, sock_path, caplog):
    """ "a slow reader is dropped, never slows the console": a subscriber that never reads fills its bounded
    buffer and is dropped with one log line; the subscriber that reads gets every event in order, the call
    stays up at the switch and the next command works."""
    operator, alice = await consoles("operator"), await consoles("alice")
    service = await serve(operator, StreamLimits(client_lines=50, client_bytes=256 * 1024))
    server = service.server
    good = await SocketClient.connect(sock_path)
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(str(sock_path))
    try:
        slow.sendall(b'{"id": 1, "cmd": "subscribe"}\n')  # and then never reads again
        assert (await good.command("subscribe"))["ok"]
        await server.until(lambda s: s.subscribers == 2)
        assert (await good.command("dial", number="201"))["ok"]
        await ringing(alice)
        alice.answer()
        await until(operator, lambda s: s.calls[0].state is S.CONNECTED)
        leg = leg_of(switch, operator)

        padding = "x" * 2000
        with caplog.at_level("WARNING", logger="console.integration"):
            for batch in range(400):  # at most 800 events of 2 kB; the slow reader's share runs out well before
                for _ in range(20):
                    service.feed.publish("filler", padding=padding)
                last = service.feed._seq
                await good.event(lambda e, last=last: e["seq"] == last)  # the reader keeps up
                if server.dropped:
                    break
        assert server.dropped == 1 and server.subscribers == 1
        assert [r.getMessage() for r in caplog.records if "dropped client" in r.getMessage()] == \
            [r.getMessage() for r in caplog.records if "console.integration" == r.name]
        assert len([r for r in caplog.records if "dropped client" in r.getMessage()]) == 1
        seqs = [e["seq"] for e in good.events]
        assert seqs == list(range(seqs[0], seqs[-1] + 1))  # the reader that reads lost nothing

        assert leg.live and leg.state is S.CONNECTED
        assert (await good.command("hold", call="k1"))["ok"]
        held = await good.event(lambda e: e["type"] == "call.state" and e["state"] == "HELD")
        assert held["call"] == "k1" and leg.state is S.HELD
        slow.setblocking(False)
        with pytest.raises((ConnectionError, BlockingIOError, OSError)):
            while slow.recv(1 << 20):  # what it had unread, then the end the console made of it
                pass
            raise ConnectionResetError("closed")
    finally:
        slow.close()
        await good.close()


async def test_the_socket_is_private_refuses_a_live_one_and_replaces_a_stale_one(switch, consoles, sock_path):
    operator = await consoles("operator")
    first = await EventService(operator, sock_path).start()
    try:
        assert stat.S_IMODE(os.stat(sock_path).st_mode) == 0o600
        with pytest.raises(SocketBusyError, match="another console is listening"):
            await EventService(operator, sock_path).start()
        assert sock_path.exists()  # the live one is left alone
    finally:
        await first.aclose()
    assert not sock_path.exists()  # removed at close

    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(sock_path))
    stale.close()  # a console that died: the file stays, nobody listens
    second = await EventService(operator, sock_path).start()
    try:
        client = await SocketClient.connect(sock_path)
        assert (await client.command("status"))["result"]["login"]["state"] == "SUCCESS"
        await client.close()
    finally:
        await second.aclose()

    sock_path.write_text("not a socket")
    with pytest.raises(SocketBusyError, match="not a socket"):
        await EventService(operator, sock_path).start()
    assert sock_path.read_text() == "not a socket"


async def test_clients_are_bounded_and_the_bound_is_logged_once(switch, consoles, serve, sock_path, caplog):
    operator = await consoles("operator")
    service = await serve(operator, StreamLimits(max_clients=2))
    a, b = await SocketClient.connect(sock_path), await SocketClient.connect(sock_path)
    await service.server.until(lambda s: s.clients == 2)
    with caplog.at_level("WARNING", logger="console.integration"):
        refused = [await SocketClient.connect(sock_path) for _ in range(3)]
        for client in refused:
            answer = await client.read_one()
            assert answer["error"]["code"] == "busy"
            assert await client.read_one() is None  # and the connection ends
            await client.close()
    assert len([r for r in caplog.records if "refusing clients" in r.getMessage()]) == 1
    assert (await a.command("status"))["ok"]
    await b.close()
    await service.server.until(lambda s: s.clients == 1)
    c = await SocketClient.connect(sock_path)
    assert (await c.command("status"))["ok"]  # a place freed: a new client is served
    await a.close()
    await c.close()


async def test_a_console_with_a_screen_serves_the_socket_or_says_why_not(switch, consoles, sock_path):
    """The console with a screen serves the same socket (cli.run_console): where it listens goes to the log;
    a socket another console holds is a start-up problem the screen shows, and the console runs without one;
    ``[events] socket = "off"`` means none, and nothing said."""
    import argparse

    from console.integration.commands import serve_beside_screen
    from console.persist import Config, Settings

    operator, other = await consoles("operator"), await consoles("alice")
    args = argparse.Namespace(socket=str(sock_path))
    service, problems = await serve_beside_screen(operator, args, Settings(Config()))
    try:
        assert service is not None and problems == []
        assert f"events and commands on {sock_path}" in operator.state.log[-1].text
        second, problems = await serve_beside_screen(other, args, Settings(Config()))
        assert second is None and len(problems) == 1 and "another console is listening" in problems[0]
        client = await SocketClient.connect(sock_path)
        assert (await client.command("status"))["result"]["login"]["number"] == "200"  # still the first's
        await client.close()
    finally:
        if service is not None:
            await service.aclose()
    assert await serve_beside_screen(operator, argparse.Namespace(socket=None), Settings(Config(events_socket="off"))) == \
        (None, [])


async def test_the_hooks_run_beside_the_screen_without_a_socket(switch, consoles, sock_path):
    """Screen pop and webhooks do not depend on the socket: with ``[events] socket = "off"``, or with the
    socket held by another console, a console with a screen still runs its configured hooks."""
    import argparse

    from console.integration.commands import serve_beside_screen
    from console.persist import Config, Settings
    from console.persist.hooks_config import HooksConfig

    operator, other = await consoles("operator"), await consoles("alice")
    hooks = HooksConfig(screen_pop_command=("true",))
    off = Settings(Config(events_socket="off", hooks=hooks))
    service, problems = await serve_beside_screen(operator, argparse.Namespace(socket=None), off)
    try:
        assert service is not None and service.server is None and problems == []
        assert service.hooks is not None and len(service.hooks.sinks) == 1
    finally:
        if service is not None:
            await service.aclose()
    args = argparse.Namespace(socket=str(sock_path))
    first, _ = await serve_beside_screen(operator, args, Settings(Config()))
    try:
        second, problems = await serve_beside_screen(other, args, Settings(Config(hooks=hooks)))
        assert len(problems) == 1 and "another console is listening" in problems[0]
        assert second is not None and second.server is None and second.hooks is not None
        await second.aclose()
    finally:
        await first.aclose()
