"""``anynode-console --headless``: the console with no screen, for automation and kiosks.

It logs in as the screen would (the saved session first, then the plan's login: the embedded demo's operator,
a token, or a password from the environment), runs the event feed, serves the socket, writes the events to
stdout as JSON lines, writes the warnings and errors a screen would show to stderr, and runs until SIGINT
or SIGTERM. A login the server refuses ends it (exit 1): there is
no login screen to try again on.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TYPE_CHECKING

from console.core.enums import LOGIN_STATES
from console.store.state import AppState, LogLevel

from .service import EventService, StdoutSink

if TYPE_CHECKING:
    from console.store import Controller, LoginPlan

_REFUSED = frozenset({LOGIN_STATES.SERVER_ACCESS, LOGIN_STATES.DIAL_STRING_MISSING,
                      LOGIN_STATES.NO_DIAL_STRING_FOR_USER})


def log_in(controller: Controller, plan: LoginPlan) -> bool:
    """The plan's login: the saved session if there is one, else the plan's credentials; False if neither."""
    if plan.restore and plan.server and controller.restore(plan.server, allow_cleartext=plan.insecure):
        return True
    return fresh_login(controller, plan)


def fresh_login(controller: Controller, plan: LoginPlan) -> bool:
    if plan.token:
        return controller.login_with_token(plan.server, plan.token, plan.username, plan.number,
                                           allow_cleartext=plan.insecure)
    if plan.auto_login and plan.username:
        return controller.login(plan.server, plan.username, plan.password, plan.number, allow_cleartext=plan.insecure)
    return False


async def run_headless(controller: Controller, plan: LoginPlan, service: EventService, *,
                       stdout: StdoutSink | None) -> int:
    """Run until a signal (0) or a refused login (1). ``service`` is started; the caller closes it."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()

    def finish(code: int) -> None:
        if not done.done():
            done.set_result(code)

    seen: list[LOGIN_STATES | None] = [controller.state.login.state]
    said = [controller.state.log_seq]

    def watch(state: AppState) -> None:
        if state.log_seq != said[0]:  # the log pane's warnings and errors, where a screen would show them
            for line in state.log:
                if line.seq > said[0] and line.level in (LogLevel.WARNING, LogLevel.ERROR):
                    print(f"anynode-console --headless: {line.level}: {line.text}", file=sys.stderr)
            said[0] = state.log_seq
        login = state.login
        if login.state is seen[0]:
            return
        seen[0] = login.state
        if login.state is LOGIN_STATES.LOGIN_RESTORE_FAILED:  # the saved session is gone: log in afresh
            loop.call_soon(lambda: fresh_login(controller, plan) or finish(1))
        elif login.state in _REFUSED and not controller.reconnecting:
            print(f"anynode-console --headless: login refused: {login.state.name}"
                  f"{': ' + login.failure_detail if login.failure_detail else ''}", file=sys.stderr)
            finish(1)

    if stdout is not None:
        service.feed.add_sink(stdout)
    unsubscribe = controller.store.subscribe(watch)
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, finish, 0)
    try:
        if not log_in(controller, plan):
            print("anynode-console --headless: nothing to log in with: give --token-file (or ANYNODE_TOKEN), "
                  "or --user with the password in ANYNODE_PASSWORD", file=sys.stderr)
            return 2
        return await done
    finally:
        unsubscribe()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
