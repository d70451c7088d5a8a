"""Awaiting a store state in tests: the first state that satisfies a predicate, now or later (no sleeps)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator, Callable

from console.store import AppState, Controller, Store

TIMEOUT = 10.0


async def until(source: Store | Controller, predicate: Callable[[AppState], bool], timeout: float = TIMEOUT,
                what: str = "store never reached the awaited state") -> AppState:
    """The first store state that satisfies ``predicate`` (now or later), or fail after ``timeout`` naming
    ``what`` and the store's last log lines."""
    store = source.store if isinstance(source, Controller) else source
    if predicate(store.state):
        return store.state
    future: asyncio.Future[AppState] = asyncio.get_running_loop().create_future()

    def check(state: AppState) -> None:
        if not future.done() and predicate(state):
            future.set_result(state)

    unsubscribe = store.subscribe(check)
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise AssertionError(f"{what}; last log: {[line.text for line in store.state.log[-10:]]}") from None
    finally:
        unsubscribe()


def with_files(dirs) -> Controller:
    """A headless controller with its own files in ``dirs`` (sessions, history, board: a later one restores
    from them, as a console started again after a crash)."""
    from console.persist import BoardFile, CallHistory, SessionFile
    from console.store import client_factory

    return Controller(client_factory(device=None), sessions=SessionFile(dirs), history=CallHistory(dirs),
                      board=BoardFile(dirs), media=False)


async def log_in_with_files(url: str, dirs, username: str = "operator") -> Controller:
    """:func:`with_files`, logged in to the switch at ``url`` as ``username`` (password = username, as the
    demo's)."""
    controller = with_files(dirs)
    controller.login(url, username, username)
    await until(controller, lambda s: s.login.logged_in)
    return controller


@contextlib.asynccontextmanager
async def restarted(url: str, dirs) -> AsyncIterator[Controller]:
    """A console started again after a crash: :func:`with_files` with the files in ``dirs``, its session asked
    back from the switch at ``url``; closed when the block ends."""
    controller = with_files(dirs)
    try:
        assert controller.restore(url)
        yield controller
    finally:
        await controller.aclose()


async def polled(predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT, every: float = 0.02) -> None:
    """Poll what posts no event of its own (audio at a device, a log record, a file a process writes, a
    sound server's view of a stream) until ``predicate`` holds; fail after ``timeout`` naming ``what``."""
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(every)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None
