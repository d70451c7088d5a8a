"""A helper process spoken to in JSON lines over its stdin/stdout.

The switch (bench/switch_proc.py) and the bare baseline's far ends
(bench/bare_proc.py) run in their own processes so that the console's
process CPU, memory and event loop are its own, as they would be with a
switch on another machine. Both processes read one JSON request per line and
answer each with one JSON line, in order.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import cpu_seconds, rss_kib

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0


class ChildError(RuntimeError):
    pass


class Child:
    """The parent's side: start ``python -m MODULE ARGS``, then ``await child.ask(op=..., ...)``."""

    def __init__(self, module: str, *args: str) -> None:
        self.module = module
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None
        self.hello: dict[str, Any] = {}
        self._lock = asyncio.Lock()
        self._log = tempfile.NamedTemporaryFile(prefix=f"{module.rsplit('.', 1)[-1]}-", suffix=".log", delete=False)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def log_path(self) -> str:
        return self._log.name

    async def start(self) -> dict[str, Any]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", self.module, *self.args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self._log,
            cwd=str(ROOT), env=env, limit=16 * 1024 * 1024,
        )
        self.hello = await self._read(START_TIMEOUT)
        return self.hello

    async def ask(self, timeout: float = REQUEST_TIMEOUT, **request: Any) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        async with self._lock:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            await self.proc.stdin.drain()
            reply = await self._read(timeout)
        if not reply.get("ok", True):
            raise ChildError(f"{self.module}: {request.get('op')}: {reply.get('error')}")
        return reply

    async def _read(self, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            async with asyncio.timeout(timeout):
                line = await self.proc.stdout.readline()
        except TimeoutError:
            raise ChildError(f"{self.module} did not answer within {timeout:g} s (log: {self.log_path})") from None
        if not line:
            raise ChildError(f"{self.module} exited (code {self.proc.returncode}); log: {self.log_path}: {self._tail()}")
        return json.loads(line)

    def _tail(self) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    async def stop(self) -> None:
        """Ask it to quit; kill it (only this process, by its id) if it does not within 10 s."""
        proc = self.proc
        if proc is None:
            return
        if proc.returncode is None:
            try:
                await self.ask(op="quit", timeout=10)
            except (ChildError, OSError, ConnectionError):
                pass
            try:
                async with asyncio.timeout(10):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        self._log.close()
        try:
            os.unlink(self._log.name)
        except OSError:
            pass
        self.proc = None

    async def __aenter__(self) -> Child:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def serve_lines(handle: Any, hello: dict[str, Any]) -> None:
    """The child's side: print ``hello``, then answer each request line with ``await handle(request)``."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout

    def say(message: dict[str, Any]) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    say(hello)
    while True:
        line = await reader.readline()
        if not line:
            return
        request = json.loads(line)
        if request.get("op") == "quit":
            say({"ok": True})
            return
        try:
            reply = await handle(request)
            say({"ok": True, **(reply or {})})
        except Exception as error:  # noqa: BLE001 - reported to the parent, which raises
            say({"ok": False, "error": f"{type(error).__name__}: {error}"})
