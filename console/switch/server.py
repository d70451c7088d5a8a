"""The switch's WebSocket server: frames in, the exchange's answers out.

A thin driver around :class:`console.switch.calls.Exchange`: it decodes each
frame with the shared core, turns every failure into an ``error`` frame (the
connection and everyone else's calls unharmed), and owns the sockets: login,
restore, logout, kick, shutdown.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import ssl
from typing import Any, Awaitable, Callable

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from console.core.enums import ErrorCode, LogoutReason
from console.core.errors import ProtocolError
from console.core.protocol import MAX_FRAME, REQUESTS, Message, MsgType, decode, error, result
from console.switch.auth import LoginError, check_login
from console.switch.calls import Exchange
from console.switch.config import SwitchConfig, load_config
from console.switch.connection import Connection
from console.switch.media import MediaPlane, NullMediaPlane, ServiceKind
from console.switch.model import Session

log = logging.getLogger(__name__)
KEEPALIVE = 20.0  # seconds between pings, and to wait for a pong (PROTOCOL.md, Transport)

Handler = Callable[[Exchange, Session, Message], Awaitable[dict[str, Any]] | dict[str, Any]]

# Requests that need a session: what each does to the exchange.
CALL_REQUESTS: dict[MsgType, Handler] = {
    MsgType.DIAL: lambda x, s, m: x.dial(s, m.get("number"), m.get("name"), m.get("sdp")),
    MsgType.ACCEPT: lambda x, s, m: x.accept(s, m.get("call")),
    MsgType.ANSWER: lambda x, s, m: x.answer(s, m.get("call"), m.get("sdp")),
    MsgType.DECLINE: lambda x, s, m: x.decline(s, m.get("call")),
    MsgType.DISCONNECT: lambda x, s, m: x.disconnect(s, m.get("call")),
    MsgType.HOLD: lambda x, s, m: x.hold(s, m.get("call"), m.get("sdp")),
    MsgType.RETRIEVE: lambda x, s, m: x.retrieve(s, m.get("call"), m.get("sdp")),
    MsgType.TRANSFER: lambda x, s, m: x.transfer(s, m.get("call"), m.get("to")),
    MsgType.DTMF: lambda x, s, m: x.dtmf(s, m.get("call"), m.get("digits")),
    MsgType.MEDIA: lambda x, s, m: x.media(s, m.get("call"), m.get("sdp")),
}


class Switch:
    """The embedded reference switch: call logic plus its WebSocket server."""

    def __init__(self, config: SwitchConfig, plane: MediaPlane):
        self.config = config
        self.plane = plane
        self.exchange = Exchange(config, plane)
        self.connections: set[Connection] = set()
        self.port = 0
        self.url = ""
        self._server: Server | None = None

    @classmethod
    async def start(cls, config: SwitchConfig, *, media: MediaPlane | None = None) -> Switch:
        """Bind and serve; ``media`` defaults to the aiortc plane (or none if ``config.media`` is off)."""
        switch = cls(config, media if media is not None else default_plane(config))
        tls = _tls_context(config)
        switch._server = await serve(
            switch._serve, config.host, config.port,
            max_size=MAX_FRAME, ping_interval=KEEPALIVE, ping_timeout=KEEPALIVE, ssl=tls,
        )
        switch.port = switch._server.sockets[0].getsockname()[1]
        host = "127.0.0.1" if config.host in ("", "0.0.0.0") else "[::1]" if config.host == "::" else config.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        switch.url = f"{'wss' if tls else 'ws'}://{host}:{switch.port}"
        log.info("switch listening on %s", switch.url)
        return switch

    async def aclose(self) -> None:
        """End every session (``logged_out: shutdown``), close the server and all media."""
        told = [conn for conn in self.connections if conn.session is not None]
        for conn in told:
            session, conn.session = conn.session, None
            self.exchange.end_session(session)
            conn.logged_out(LogoutReason.SHUTDOWN)
        if told:  # let the logged_out frames go out before the server closes sockets (1001)
            waits = [asyncio.ensure_future(c.done.wait()) for c in told]
            _, pending = await asyncio.wait(waits, timeout=2)
            for task in pending:
                task.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self.exchange.aclose()

    def kick(self, username: str) -> int:
        """End every session of ``username``: its console gets ``logged_out: kicked``, far ends ERROR."""
        sessions = [s for s in self.exchange.sessions.values() if s.username == username]
        for session in sessions:
            self._end_session(session, LogoutReason.KICKED)
        return len(sessions)

    async def drop_connections(self) -> None:
        """Abort every socket but keep the sessions, as a network failure would."""
        dropped = list(self.connections)
        for conn in dropped:
            conn.abort()
        if dropped:
            await asyncio.wait_for(asyncio.gather(*(c.done.wait() for c in dropped)), 10)

    async def originate(self, from_number: str, from_name: str, to_number: str, service: ServiceKind | None = ServiceKind.TONE) -> str:
        """Call ``to_number`` from a virtual caller that plays ``service`` once answered."""
        return await self.exchange.originate(from_number, from_name, to_number, service)

    def stats(self) -> dict:
        stats = self.exchange.stats()
        stats["connections"] = len(self.connections)
        return stats

    # --- one connection ------------------------------------------------------

    async def _serve(self, ws: ServerConnection) -> None:
        conn = Connection(ws)
        self.connections.add(conn)
        try:
            async for frame in ws:
                await self._handle(conn, frame)
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(conn)
            if conn.session is not None:
                self.exchange.detach(conn.session)
                conn.session = None
            await conn.finish()
            conn.done.set()

    async def _handle(self, conn: Connection, frame: str | bytes) -> None:
        """Answer one frame with exactly one result or error; never let an exception out."""
        conn.begin_request()
        limited = not conn.bucket.take()
        msg: Message | None = None
        close = False
        try:
            if isinstance(frame, bytes):
                raise ProtocolError(ErrorCode.MALFORMED, "binary frames are not accepted; send JSON text frames")
            msg = decode(frame)
            if limited:
                raise ProtocolError(ErrorCode.RATE_LIMITED, "too many frames; slow down", msg.id)
            reply, close = await self._request(conn, msg)
        except ProtocolError as exc:
            code = ErrorCode.RATE_LIMITED if limited else exc.code
            message = "too many frames; slow down" if limited else exc.message
            reply = error(code, message, exc.request_id if exc.request_id is not None else _id(msg))
        except LoginError as exc:
            reply = error(exc.code, exc.message, _id(msg))
        except Exception:
            log.exception("internal error handling %s", msg.type if msg else "a frame")
            reply = error(ErrorCode.INTERNAL, "the switch failed to handle this request (logged)", _id(msg))
        conn.end_request(reply, close=close)

    async def _request(self, conn: Connection, msg: Message) -> tuple[Message, bool]:
        if msg.type not in REQUESTS:
            raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"{msg.type} is sent by the switch, not a request", msg.id)
        if msg.id is None:
            raise ProtocolError(ErrorCode.MALFORMED, f"{msg.type} needs an id")
        if msg.type is MsgType.LOGIN:
            return await self._login(conn, msg), False
        if msg.type is MsgType.RESTORE:
            return self._restore(conn, msg), False
        session = conn.session
        if session is None:
            raise ProtocolError(ErrorCode.NOT_LOGGED_IN, "log in first", msg.id)
        if msg.type is MsgType.LOGOUT:
            conn.session = None
            self.exchange.end_session(session, logout=True)
            session.send = None
            return result(msg.id), True
        try:
            body = CALL_REQUESTS[msg.type](self.exchange, session, msg)
            if asyncio.iscoroutine(body):
                body = await body
        except ProtocolError as exc:
            raise ProtocolError(exc.code, exc.message, msg.id) from None
        return result(msg.id, **body), False

    async def _login(self, conn: Connection, msg: Message) -> Message:
        if conn.session is not None:
            raise ProtocolError(ErrorCode.ALREADY_LOGGED_IN, "this connection is logged in already", msg.id)
        identity = await asyncio.to_thread(check_login, self.config, msg.body)
        session = self.exchange.open_session(identity, notification=bool(msg.get("notification")), client=msg.get("client"))
        self._bind(conn, session)
        return result(msg.id, **self._login_body(session))

    def _restore(self, conn: Connection, msg: Message) -> Message:
        if conn.session is not None:
            raise ProtocolError(ErrorCode.ALREADY_LOGGED_IN, "this connection is logged in already", msg.id)
        session = self.exchange.sessions.get(msg.get("identifier"))
        if session is None:
            raise ProtocolError(ErrorCode.RESTORE_FAILED, "unknown or expired session identifier", msg.id)
        for other in list(self.connections):
            if other.session is session:
                other.session = None
                session.send = None
                other.logged_out(LogoutReason.TAKEN_OVER)
        session.notification = bool(msg.get("notification", session.notification))
        session.client = msg.get("client", session.client)
        self._bind(conn, session)
        calls = [leg.info().to_wire() for leg in session.legs.values()]
        return result(msg.id, **self._login_body(session), calls=calls)

    def _bind(self, conn: Connection, session: Session) -> None:
        conn.session = session
        self.exchange.attach(session, conn.send)

    def _login_body(self, session: Session) -> dict[str, Any]:
        return {
            "identifier": session.identifier,
            "number": session.number,
            "name": session.name,
            "lifetime": self.config.session_lifetime,
            "ice_servers": [dict(server) for server in self.config.ice_servers],
        }

    def _end_session(self, session: Session, reason: LogoutReason) -> None:
        conn = next((c for c in self.connections if c.session is session), None)
        self.exchange.end_session(session)
        if conn is not None:
            conn.session = None
            conn.logged_out(reason)
        session.send = None


def default_plane(config: SwitchConfig) -> MediaPlane:
    """The aiortc plane if media is on and it imports; else a plane that refuses offers."""
    if not config.media:
        return NullMediaPlane()
    try:
        from console.switch.rtc_plane import RtcMediaPlane
    except ImportError as exc:
        log.warning("media plane unavailable (%s); running signaling only", exc)
        return NullMediaPlane()
    return RtcMediaPlane(max_media=config.max_media)


def _tls_context(config: SwitchConfig) -> ssl.SSLContext | None:
    if not config.tls_cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(config.tls_cert, config.tls_key)
    return context


def _id(msg: Message | None) -> int | None:
    return msg.id if msg is not None else None


async def run_switch(config_path: str | None = None, *, host: str | None = None, port: int | None = None) -> None:
    """Serve until cancelled (``anynode-console switch --config FILE``); no file: the demo directory.

    ``host`` and ``port`` override the file's.
    """
    if config_path:
        config = load_config(config_path)
    else:
        from console.switch.demo import demo_config

        config = demo_config()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if overrides:
        config = dataclasses.replace(config, **overrides)
    switch = await Switch.start(config)
    log.info("anynode-console switch ready at %s", switch.url)
    try:
        await asyncio.Future()
    finally:
        await switch.aclose()
