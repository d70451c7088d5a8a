"""The WebSocket implementation of the comm interface (websockets' asyncio API)."""

from __future__ import annotations

import asyncio
import socket
import ssl

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from console.net.comm import CommClosed, CommError, CommFailure, CommInterface
from console.core.protocol import MAX_FRAME

OPEN_TIMEOUT = 10.0
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0
CLOSE_TIMEOUT = 2.0  # a black-holed link is given up PING_INTERVAL + PING_TIMEOUT + this after it went quiet


class WebSocketComm(CommInterface):
    def __init__(self, *, open_timeout: float = OPEN_TIMEOUT, ping_interval: float | None = PING_INTERVAL):
        self._ws: ClientConnection | None = None
        self._open_timeout = open_timeout
        self._ping_interval = ping_interval

    async def connect(self, url: str, *, secure: bool, ca_file: str | None = None,
                      subprotocol: str | None = None) -> None:
        """``subprotocol``: ask for it (SIP over WebSocket: "sip", RFC 7118) and refuse a server that does not agree."""
        context = None
        if secure or url.lower().startswith("wss://"):  # a wss:// URL is verified TLS, whatever ``secure`` says
            try:
                context = ssl.create_default_context(cafile=ca_file)
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError: a file with no certificate
                raise CommError(CommFailure.CERTIFICATE, f"the CA file {ca_file} cannot be used to verify {url}: "
                                                         f"{getattr(exc, 'strerror', None) or exc}") from None
        try:
            self._ws = await connect(
                url,
                ssl=context,
                subprotocols=[subprotocol] if subprotocol else None,  # type: ignore[list-item]
                open_timeout=self._open_timeout,
                ping_interval=self._ping_interval,
                ping_timeout=PING_TIMEOUT,
                close_timeout=CLOSE_TIMEOUT,
                max_size=MAX_FRAME,
                max_queue=64,
                compression=None,
            )
        except ssl.SSLCertVerificationError as exc:
            raise CommError(CommFailure.CERTIFICATE, f"the TLS certificate of {url} was not accepted: "
                                                     f"{exc.verify_message or exc}") from None
        except ssl.SSLError as exc:
            raise CommError(CommFailure.TLS, f"TLS failed for {url}: {exc}") from None
        except (InvalidURI, ValueError) as exc:  # ValueError: e.g. a port out of range
            raise CommError(CommFailure.BAD_URL, f"invalid server address {url}: {exc}") from None
        except InvalidHandshake as exc:
            raise CommError(CommFailure.REJECTED, f"{url} refused the WebSocket: {exc}") from None
        except socket.gaierror as exc:
            raise CommError(CommFailure.BAD_URL, f"cannot reach {url}: {exc}") from None
        except (ConnectionResetError, EOFError) as exc:
            # the port took the connection and dropped it: with TLS, the handshake failed (typically a plain port)
            failure = CommFailure.TLS if context is not None else CommFailure.UNREACHABLE
            what = "TLS failed for" if context is not None else "cannot reach"
            raise CommError(failure, f"{what} {url}: the connection was dropped ({type(exc).__name__})") from None
        except (OSError, asyncio.TimeoutError) as exc:
            raise CommError(CommFailure.UNREACHABLE, f"cannot reach {url}: {exc or type(exc).__name__}") from None
        if subprotocol and self._ws.subprotocol != subprotocol:
            await self._ws.close()
            self._ws = None
            raise CommError(CommFailure.REJECTED, f"{url} did not accept the WebSocket subprotocol {subprotocol!r}")

    async def send(self, frame: str) -> None:
        if self._ws is None:
            raise CommClosed(None, "not connected")
        try:
            await self._ws.send(frame)
        except ConnectionClosed as exc:
            raise CommClosed(exc.rcvd.code if exc.rcvd else None, exc.rcvd.reason if exc.rcvd else "") from None

    async def receive(self) -> str:
        if self._ws is None:
            raise CommClosed(None, "not connected")
        try:
            frame = await self._ws.recv()
        except ConnectionClosed as exc:
            raise CommClosed(exc.rcvd.code if exc.rcvd else None, exc.rcvd.reason if exc.rcvd else "") from None
        if isinstance(frame, bytes):
            frame = frame.decode("utf-8", errors="replace")
        return frame

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
