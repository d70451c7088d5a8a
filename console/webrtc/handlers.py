"""Calling application handlers: plain functions or coroutine functions."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Callable

log = logging.getLogger("console.webrtc")


class TaskSet:
    """Owns fire-and-forget tasks so none is garbage-collected mid-flight or left running."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def spawn(self, coro: Any, name: str | None = None) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    async def cancel_all(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def __len__(self) -> int:
        return len(self._tasks)


def fire(tasks: TaskSet, handler: Callable[..., Any] | None, *args: Any) -> None:
    """Call an application handler; an awaitable result runs as a task. A failing handler is logged, never raised."""
    if handler is None:
        return
    try:
        outcome = handler(*args)
    except Exception:
        log.exception("application handler %r raised", getattr(handler, "__name__", handler))
        return
    if inspect.isawaitable(outcome):
        tasks.spawn(_guard(outcome, handler), name=f"handler {getattr(handler, '__name__', handler)}")


async def _guard(awaitable: Any, handler: Any) -> None:
    try:
        await awaitable
    except Exception:
        log.exception("application handler %r raised", getattr(handler, "__name__", handler))
