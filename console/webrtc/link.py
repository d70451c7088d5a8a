"""Link: one open connection to the switch and the tasks that serve it, all ending with it.

The instance opens a comm and hands it to a :class:`Link`; its owner task runs
:meth:`Link.serve` (the reader) for the connection's life. The writer and a
close under way belong to the link and end with it: no task outlives its comm
(one writer per connection once waited forever on an outbox nobody filled).

The outbox is bounded. A full outbox means the link is stuck (the far end no
longer reads, or a burst larger than the bound): the connection is closed and
its close says why, so every request on it fails at once with that reason and
the login state reports the lost link. A frame is never dropped without a word.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Callable

from console.core.errors import CommClosed, CommError
from console.net.comm import CommFactory, CommFailure, CommInterface

log = logging.getLogger("console.webrtc")
OUTBOX_SIZE = 256  # frames per connection waiting to be sent; more means the connection is stuck: it is closed
CLOSE_GRACE = 5.0  # s the reader may still take to see a close it asked for (a comm whose receive() ignores it)


class Link:
    def __init__(self, conn: int, comm: CommInterface, *, outbox_size: int = OUTBOX_SIZE,
                 on_frame: Callable[[int, str], None], on_closed: Callable[[int, CommClosed], None]) -> None:
        """``on_frame(conn, frame)`` for each frame received; ``on_closed(conn, error)`` once, when it ends."""
        self.conn = conn
        self._comm = comm
        self._outbox: asyncio.Queue[str] = asyncio.Queue(max(1, outbox_size))
        self._on_frame = on_frame
        self._on_closed = on_closed
        self._reported = False
        self._reader: asyncio.Task | None = None
        self._writer: asyncio.Task | None = None
        self._reading_ended = asyncio.Event()
        self._closer: asyncio.Task | None = None
        self._ended = asyncio.Event()

    def send(self, frame: str) -> None:
        """Queue ``frame``; a full outbox closes the link (its close names the cause)."""
        if self._reported:
            log.debug("connection %d: closing; a frame is not sent (its request fails with the close)", self.conn)
            return
        if self._outbox.full():
            self._fail(f"the outbox is full: {self._outbox.qsize()} frames waiting to be sent")
            return
        self._outbox.put_nowait(frame)

    def close(self) -> None:
        """Close the connection; the reader then ends, and with it the link. Idempotent."""
        if self._closer is None and not self._ended.is_set():
            self._closer = asyncio.get_running_loop().create_task(self._close(), name=f"close {self.conn}")

    async def wait_closed(self) -> None:
        await self._ended.wait()

    async def serve(self) -> None:
        """Read until the connection ends (the owner's task); the writer and any close end with it."""
        self._reader = asyncio.current_task()
        self._writer = asyncio.get_running_loop().create_task(self._write(), name=f"writer {self.conn}")
        error = CommClosed(None, "the connection ended")
        try:
            while True:
                frame = await self._comm.receive()
                self._on_frame(self.conn, frame)
        except CommClosed as exc:
            error = exc
        except asyncio.CancelledError:
            error = CommClosed(None, "cancelled")
        except Exception as exc:  # a fault in the comm: the link cannot go on
            log.error("connection %d: receiving failed", self.conn, exc_info=exc)
            error = CommClosed(None, f"receiving failed: {type(exc).__name__}: {exc}")
        finally:
            self._reading_ended.set()
            self._writer.cancel()
            tasks = [self._writer] + ([self._closer] if self._closer is not None else [])
            try:
                await asyncio.gather(*tasks, return_exceptions=True)
            finally:
                self._ended.set()
        self._report(error)

    # -- internals -------------------------------------------------------------------
    def _fail(self, reason: str) -> None:
        log.warning("connection %d: %s; closing it", self.conn, reason)
        if self._writer is not None:
            self._writer.cancel()
        self._report(CommClosed(None, reason))
        self.close()

    def _report(self, error: CommClosed) -> None:
        if not self._reported:
            self._reported = True
            self._on_closed(self.conn, error)

    async def _write(self) -> None:
        try:
            while True:
                await self._comm.send(await self._outbox.get())
        except CommClosed:
            pass  # the reader reports the close
        except Exception as exc:  # a fault in the comm: the frame is lost, so is the link
            log.error("connection %d: sending failed", self.conn, exc_info=exc)
            self._fail(f"sending failed: {type(exc).__name__}: {exc}")

    async def _close(self) -> None:
        try:
            await self._comm.close()
        except Exception as exc:
            log.error("connection %d: closing failed", self.conn, exc_info=exc)
        try:
            await asyncio.wait_for(self._reading_ended.wait(), CLOSE_GRACE)
        except TimeoutError:  # a comm whose receive() did not end with close(): the link ends anyway
            log.warning("connection %d: still reading %g s after the close; stopping", self.conn, CLOSE_GRACE)
            if self._reader is not None:
                self._reader.cancel()


async def open_comm(factory: CommFactory, conn: int, url: str, *, secure: bool, ca_file: str | None,
                    subprotocol: str | None) -> CommInterface:
    """A connected comm from ``factory``, or :class:`CommError` saying why not.

    A comm that cannot connect says why (its own ``CommError``; an unparsable URL, ``BAD_URL``; an
    ``OSError``, ``UNREACHABLE``); anything else the comm or its factory raises is a fault in it, not an
    unreachable server: ``INTERNAL``, naming the exception's type (and logged with its traceback).
    """
    try:
        comm = factory()
        if subprotocol and not _takes_subprotocol(comm.connect):
            raise CommError(CommFailure.INTERNAL, f"the comm {type(comm).__name__} cannot ask for the WebSocket "
                                                  f"subprotocol {subprotocol!r} (its connect() lacks the keyword)")
        extra = {"subprotocol": subprotocol} if subprotocol else {}
        await comm.connect(url, secure=secure, ca_file=ca_file, **extra)
    except CommError:
        raise
    except ValueError as exc:  # a URL the transport cannot even parse
        raise CommError(CommFailure.BAD_URL, str(exc)) from exc
    except OSError as exc:
        raise CommError(CommFailure.UNREACHABLE, str(exc)) from exc
    except Exception as exc:  # a fault in the comm or its factory (an ImportError, a TypeError ...)
        log.error("connection %d: the comm failed", conn, exc_info=exc)
        raise CommError(CommFailure.INTERNAL, f"the comm failed: {type(exc).__name__}: {exc}") from exc
    return comm


def _takes_subprotocol(connect: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(connect).parameters.values()
    except (TypeError, ValueError):
        return True  # cannot tell: let it try
    return any(p.name == "subprotocol" or p.kind is p.VAR_KEYWORD for p in parameters)
