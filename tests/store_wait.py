"""Awaiting a store state in tests: the first state that satisfies a predicate, now or later (no sleeps)."""

from __future__ import annotations

import asyncio
from typing import Callable

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
