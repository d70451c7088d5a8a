"""The switch's WebSocket server: frames in, the exchange's answers out.

A thin driver around :class:`console.switch.calls.Exchange`: it decodes each
frame with the shared core, turns every failure into an ``error`` frame (the
connection and everyone else's calls unharmed), and owns the sockets: login,
restore, logout, kick, shutdown.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
import resource
import signal
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from console.core.enums import ErrorCode, LogoutReason
from console.core.errors import ProtocolError
from console.core.protocol import MAX_FRAME, REQUESTS, Message, MsgType, decode, error, result
from console.switch.auth import LoginError, check_login
from console.switch.calls import Exchange
from console.switch.config import DEFAULT_PORT, ConfigError, SwitchConfig, load_config
from console.switch.connection import Connection
from console.switch.limits import TripLog
from console.switch.login_gate import LoginGate
from console.switch.media import MediaPlane, NullMediaPlane, ServiceKind
from console.switch.model import Session
from console.switch.tls import reload_context, server_context
from console.switch.turn import turn_ice_servers

log = logging.getLogger(__name__)
CLOSE_TIMEOUT = 2.0  # s to wait for the closing handshake before dropping the TCP connection
SHUTDOWN_GRACE = 2.0  # s a shutdown waits for the consoles' logged_out frames to go out and their sockets to close
INBOX = 4  # received frames websockets holds per connection while the switch handles one (4 x 64 KiB at most)
SWEEP = 0.5  # s between checks of login deadlines and unfinished fragmented messages
FD_RESERVE = 64  # descriptors kept free for logs, files and the listening socket
FD_PER_MEDIA_LEG = 2  # UDP sockets a media leg needs (loopback and one more address)

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
    MsgType.TRANSFER: lambda x, s, m: x.transfer(s, m.get("call"), m.get("to"), m.get("recall")),
    MsgType.DTMF: lambda x, s, m: x.dtmf(s, m.get("call"), m.get("digits")),
    MsgType.MEDIA: lambda x, s, m: x.media(s, m.get("call"), m.get("sdp")),
    # attendant extension (console/switch/attendant_features.py)
    MsgType.DIRECTORY: lambda x, s, m: x.directory(s),
    MsgType.SUBSCRIBE: lambda x, s, m: x.subscribe(s, m.get("presence")),
    MsgType.BLIND_TRANSFER: lambda x, s, m: x.blind_transfer(s, m.get("call"), m.get("number"), m.get("recall")),
    MsgType.PARK: lambda x, s, m: x.park(s, m.get("call"), m.get("orbit")),
    MsgType.DND: lambda x, s, m: x.set_dnd(s, m.get("on")),
    MsgType.FORWARDING: lambda x, s, m: x.set_forwarding(s, m.get("always"), m.get("busy"), m.get("no_answer"),
                                                         m.get("after")),
    MsgType.CONFERENCE: lambda x, s, m: x.conference(s, m.get("calls")),
    MsgType.CONFERENCE_LEAVE: lambda x, s, m: x.conference_leave(s, m.get("conference")),
    # queues (console/switch/queueing.py)
    MsgType.QUEUE_PAUSE: lambda x, s, m: x.queue_pause(s, m.get("queue"), m.get("paused")),
    MsgType.QUEUE_STATUS: lambda x, s, m: x.queue_status(s, m.get("queue")),
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
        self.limits = config.limits
        self.trips = TripLog(log)
        self.max_connections = _clamped_connections(config)
        self._per_address: dict[str, int] = {}
        self._logins = ThreadPoolExecutor(config.limits.login_workers, thread_name_prefix="switch-login",
                                          initializer=_lower_priority)
        self.login_gate = LoginGate(config.limits, self.trips, self._logins)
        self._server: Server | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._accept_filter: AcceptStormFilter | None = None
        self._tls: ssl.SSLContext | None = None

    @classmethod
    async def start(cls, config: SwitchConfig, *, media: MediaPlane | None = None) -> Switch:
        """Bind and serve; ``media`` defaults to the aiortc plane (or none if ``config.media`` is off)."""
        tls = server_context(config)  # a pair that cannot serve is a ConfigError before anything starts
        switch = cls(config, media if media is not None else default_plane(config))
        switch._tls = tls
        switch._server = await switch._listen(config.port, tls)
        switch._sweeper = asyncio.get_running_loop().create_task(switch._sweep(), name="switch limits sweeper")
        switch._accept_filter = AcceptStormFilter(switch.trips)
        logging.getLogger("asyncio").addFilter(switch._accept_filter)
        switch.port = switch._server.sockets[0].getsockname()[1]
        host = "127.0.0.1" if config.host in ("", "0.0.0.0") else "[::1]" if config.host == "::" else config.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        switch.url = f"{'wss' if tls else 'ws'}://{host}:{switch.port}"
        log.info("switch listening on %s", switch.url)
        return switch

    async def aclose(self) -> None:
        """End every session (``logged_out: shutdown``), close the server and all media.

        Every socket is told at once (a console its ``logged_out``, then the close; one that never logged
        in the close, 1001) and all of them share one grace period, SHUTDOWN_GRACE, for their frames to go
        out and their closing handshakes to finish; a socket still open then (its peer no longer reads) is
        dropped. An idle switch waits for nothing. Before, the grace and then the server's own closing
        handshakes (CLOSE_TIMEOUT each, in parallel) ran one after the other: about 4 s of a Ctrl-C.
        """
        if self._server is not None:
            self._server.close(close_connections=False)  # no new sockets; the open ones are closed here
        open_now = list(self.connections)
        for conn in open_now:
            if conn.session is not None:
                session, conn.session = conn.session, None
                self.exchange.end_session(session)
                conn.logged_out(LogoutReason.SHUTDOWN)
            else:
                conn.close(1001, "the switch is shutting down")
        if open_now:
            await _all_done(open_now, SHUTDOWN_GRACE)
        late = [conn for conn in self.connections if not conn.done.is_set()]  # no longer reading, or just opened
        for conn in late:
            conn.abort()
        if late:
            await _all_done(late, SHUTDOWN_GRACE)
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        await self.exchange.aclose()
        self._logins.shutdown(wait=False, cancel_futures=True)
        if self._accept_filter is not None:
            logging.getLogger("asyncio").removeFilter(self._accept_filter)

    async def _listen(self, port: int, tls: ssl.SSLContext | None) -> Server:
        keepalive = self.config.limits.keepalive
        return await serve(
            self._serve, self.config.host, port, max_size=MAX_FRAME, ssl=tls,
            # no permessage-deflate: a few bytes on the wire would inflate to 64 KiB frames by the thousand
            compression=None, max_queue=INBOX, ping_interval=keepalive, ping_timeout=keepalive, close_timeout=CLOSE_TIMEOUT,
        )

    async def stop_listening(self) -> None:
        """Out of reach but not dead: refuse connections and drop every socket, keeping the sessions and
        their calls (a network cut between the consoles and the switch). ``listen_again`` ends it."""
        server = self._server
        if server is not None:
            server.close(close_connections=False)
        await self.drop_connections()
        if server is not None:
            await server.wait_closed()

    async def listen_again(self) -> None:
        """Accept connections again on the same port, after ``stop_listening``."""
        self._server = await self._listen(self.port, self._tls)

    def reload_tls(self) -> bool:
        """Serve ``tls_cert``/``tls_key`` as the files are now (a renewal) to new connections; live ones keep
        theirs. A pair that cannot serve is logged and the one in use stays (False). SIGHUP in ``run_switch``."""
        if self._tls is None:
            log.warning("TLS not reloaded: this switch serves no TLS ([switch] tls_cert, tls_key)")
            return False
        try:
            reload_context(self._tls, self.config)
        except ConfigError as exc:
            log.error("TLS not reloaded, the certificate in use stays: %s", exc)
            return False
        log.info("TLS certificate reloaded from %s", self.config.tls_cert)
        return True

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

    @property
    def pending_logins(self) -> int:
        """Password checks queued or running on the login executor."""
        return self.login_gate.pending

    def stats(self) -> dict:
        stats = self.exchange.stats()
        stats["connections"] = len(self.connections)
        return stats

    # --- one connection ------------------------------------------------------

    async def _serve(self, ws: ServerConnection) -> None:
        conn = Connection(ws, self.limits, self.trips)
        if not self._admit(conn):
            conn.close(1013, "too many connections; try again later")
            await conn.finish()
            return
        self.connections.add(conn)
        self._per_address[conn.address] = self._per_address.get(conn.address, 0) + 1
        try:
            async for frame in ws:
                await self._handle(conn, frame)
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(conn)
            left = self._per_address.get(conn.address, 1) - 1
            if left > 0:
                self._per_address[conn.address] = left
            else:
                self._per_address.pop(conn.address, None)
            if conn.session is not None:
                self.exchange.detach(conn.session)
                conn.session = None
            await conn.finish()
            conn.done.set()

    def _admit(self, conn: Connection) -> bool:
        """The connection limits (the handshake is done; a refused socket closes at once with 1013).

        Connections that have not logged in hold at most ``max_unauthenticated`` slots: when that bound
        or ``max_connections`` is reached, the oldest not-logged-in connection of the address
        holding the most of them is dropped to make room, so an outsider filling the table from a few
        addresses cannot keep a real user out. Only a table full of logged-in consoles refuses.
        """
        if self._per_address.get(conn.address, 0) >= self.limits.max_connections_per_address:
            self.trips.trip("max_connections_per_address", "%s has %d connections open; refusing another",
                            conn.address, self._per_address[conn.address])
            return False
        live = [c for c in self.connections if not c.closing]
        waiting = [c for c in live if not c.logged_in]
        if len(live) < self.max_connections and len(waiting) < self.limits.max_unauthenticated:
            return True
        victim = _most_crowded_oldest(waiting)
        if victim is None:
            self.trips.trip("max_connections", "%d connections open, all logged in; refusing %s", len(live), conn.address)
            return False
        limit = "max_connections" if len(live) >= self.max_connections else "max_unauthenticated"
        self.trips.trip(limit, "%d connections open, %d not logged in; dropping the oldest of %s's for %s",
                        len(live), len(waiting), victim.address, conn.address)
        victim.abort()
        return True

    async def _sweep(self) -> None:
        """Close connections that did not log in in time or hold a fragmented message too long."""
        limits = self.limits
        while True:
            await asyncio.sleep(SWEEP)
            now = time.monotonic()
            for conn in list(self.connections):
                if conn.closing:
                    continue
                if not conn.logged_in and now - conn.opened > limits.login_timeout:
                    self.trips.trip("login_timeout", "%s did not log in within %g s; closing", conn.address,
                                    limits.login_timeout)
                    conn.close(1008, "log in first")
                    continue
                assembling = getattr(conn.ws.protocol, "current_size", None) is not None
                if not assembling:
                    conn.fragments_since = None
                elif conn.fragments_since is None:
                    conn.fragments_since = now
                elif now - conn.fragments_since > limits.fragment_timeout:
                    self.trips.trip("fragment_timeout", "%s left a fragmented message unfinished for %g s; dropping",
                                    conn.address, limits.fragment_timeout)
                    conn.abort()

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
            reply = error(code, self._short(message), exc.request_id if exc.request_id is not None else _id(msg))
        except LoginError as exc:
            reply = error(exc.code, self._short(exc.message), _id(msg))
        except Exception:
            log.exception("internal error handling %s", msg.type if msg else "a frame")
            reply = error(ErrorCode.INTERNAL, "the switch failed to handle this request (logged)", _id(msg))
        conn.end_request(reply, close=close)
        if limited:  # back-pressure: a flooding connection's frames are read at the sustained rate, not parsed faster
            await asyncio.sleep(1.0 / conn.bucket.rate)

    def _short(self, message: str) -> str:
        """Error messages may quote the input: never more than ``limits.error_echo`` characters of them."""
        cap = self.limits.error_echo
        return message if len(message) <= cap else message[: cap - 3] + "..."

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
        identity = await self._check_login(conn, msg)
        self._make_room(identity.owner)
        session = self.exchange.open_session(identity, notification=bool(msg.get("notification")), client=msg.get("client"))
        self._bind(conn, session)
        return result(msg.id, **self._login_body(session))

    async def _check_login(self, conn: Connection, msg: Message):
        """Passwords through the login gate (throttled, queued, on the login executor); tokens at once.

        A token cannot be guessed, so password guessing never blocks a token login (nor a restore).
        """
        if msg.get("auth") == "password":
            return await self.login_gate.password(conn.address, msg.body, functools.partial(check_login, self.config))
        identity = check_login(self.config, msg.body)
        self.login_gate.known(identity.username, conn.address)
        return identity

    def _make_room(self, owner: str | None) -> None:
        """At most ``max_sessions_per_user`` sessions per user (or per Call Me token): the oldest one without a
        socket makes room."""
        if owner is None:
            return
        username = owner if not owner.startswith("token:") else "a Call Me token"
        mine = [s for s in self.exchange.sessions.values() if s.identity.owner == owner]
        if len(mine) < self.limits.max_sessions_per_user:
            return
        idle = next((s for s in mine if not s.connected), None)
        if idle is None:
            self.trips.trip("max_sessions_per_user", "%s has %d sessions connected; refusing another", username, len(mine))
            raise LoginError(ErrorCode.AUTH_FAILED, f"{username} has too many sessions")
        self.trips.trip("max_sessions_per_user", "%s has %d sessions; ending its oldest idle one", username, len(mine))
        self.exchange.end_session(idle)

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
        self.exchange.rotate(session)
        self._bind(conn, session)
        asyncio.get_running_loop().call_soon(self.exchange.announce_conferences, session)  # after the result
        calls = [leg.info().to_wire() for leg in session.legs.values()]
        return result(msg.id, **self._login_body(session), calls=calls)

    def _bind(self, conn: Connection, session: Session) -> None:
        conn.session = session
        conn.logged_in = True
        session.address = conn.address
        self.exchange.attach(session, conn.send)

    def _login_body(self, session: Session) -> dict[str, Any]:
        return {
            "identifier": session.identifier,
            "number": session.number,
            "name": session.name,
            "lifetime": self.config.session_lifetime,
            "ice_servers": self._ice_servers(session),
        }

    def _ice_servers(self, session: Session) -> list[dict[str, Any]]:
        """The configured TURN servers with fresh credentials for this login (first: aioice uses only the
        first TURN server it is given), then the static ``ice_servers``."""
        config = self.config
        user = session.username or session.number or "console"
        return (turn_ice_servers(config.turn_urls, config.turn_secret, user, time.time(), config.turn_ttl)
                + [dict(server) for server in config.ice_servers])

    def _end_session(self, session: Session, reason: LogoutReason) -> None:
        conn = next((c for c in self.connections if c.session is session), None)
        self.exchange.end_session(session)
        if conn is not None:
            conn.session = None
            conn.logged_out(reason)
        session.send = None


def _most_crowded_oldest(waiting: list[Connection]) -> Connection | None:
    """The oldest of the connections from the address that has the most of ``waiting``."""
    by_address: dict[str, list[Connection]] = {}
    for conn in waiting:
        by_address.setdefault(conn.address, []).append(conn)
    if not by_address:
        return None
    crowded = max(by_address.values(), key=len)
    return min(crowded, key=lambda c: c.opened)


def default_plane(config: SwitchConfig) -> MediaPlane:
    """The aiortc plane if media is on and it imports; else a plane that refuses offers."""
    if not config.media:
        return NullMediaPlane()
    try:
        from console.switch.rtc_plane import RtcMediaPlane
    except ImportError as exc:
        log.warning("media plane unavailable (%s); running signaling only", exc)
        return NullMediaPlane()
    return RtcMediaPlane(max_media=config.max_media, media_timeout=config.limits.media_timeout,
                         ice_servers=media_ice_servers(config))


def media_ice_servers(config: SwitchConfig) -> Callable[[], list[dict[str, Any]]] | tuple:
    """The switch's own legs' ICE servers: none, or with ``turn_media`` the TURN servers with credentials
    made fresh for each leg (user "switch"), for a switch that itself sits behind NAT."""
    if not (config.turn_media and config.turn_urls):
        return ()
    return lambda: turn_ice_servers(config.turn_urls, config.turn_secret, "switch", time.time(), config.turn_ttl)


LOGIN_NICENESS = 10  # the login threads yield the CPU to the event loop and the media threads


def _lower_priority() -> None:
    """Run this login thread at a lower priority (Linux: a thread is a task with its own nice value)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOGIN_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: the thread still runs apart
        pass


class AcceptStormFilter(logging.Filter):
    """asyncio logs every accept() that fails for lack of descriptors, with a traceback, many times a second:
    let it through as one ``limit descriptors`` line per 10 s instead (the switch keeps serving meanwhile)."""

    def __init__(self, trips: TripLog):
        super().__init__()
        self.trips = trips

    def filter(self, record: logging.LogRecord) -> bool:
        if "out of system resource" not in record.getMessage():
            return True
        self.trips.trip("descriptors", "accept() failed: the process is out of file descriptors (ulimit -n)")
        return False


async def _all_done(connections: list[Connection], timeout: float) -> None:
    """Until every one of ``connections`` has ended, or ``timeout`` s."""
    waits = [asyncio.ensure_future(conn.done.wait()) for conn in connections]
    _, pending = await asyncio.wait(waits, timeout=timeout)
    for task in pending:
        task.cancel()


def _clamped_connections(config: SwitchConfig) -> int:
    """``max_connections``, kept under the process's descriptor limit so accept() never runs out (EMFILE)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = config.limits.max_connections
    if soft == resource.RLIM_INFINITY:
        return wanted
    room = soft - FD_RESERVE - FD_PER_MEDIA_LEG * config.max_media
    if room < wanted:
        room = max(1, room)
        log.warning("limit max_connections: %d lowered to %d by the descriptor limit (ulimit -n %d, max_media %d)",
                    wanted, room, soft, config.max_media)
        return room
    return wanted


def _id(msg: Message | None) -> int | None:
    return msg.id if msg is not None else None


def switch_config(config_path: str | None = None, *, host: str | None = None, port: int | None = None) -> SwitchConfig:
    """What ``anynode-console switch`` serves: the file (no file: the demo directory with a random JWT secret),
    on DEFAULT_PORT unless the file's [switch] port or ``port`` says otherwise; ``host`` and ``port`` override."""
    if config_path:
        config = load_config(config_path, default_port=DEFAULT_PORT)
    else:
        from console.switch.demo import embedded_config

        config = embedded_config(port=DEFAULT_PORT)
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    return dataclasses.replace(config, **overrides) if overrides else config


async def run_switch(config_path: str | None = None, *, host: str | None = None, port: int | None = None) -> None:
    """Serve until cancelled (``anynode-console switch --config FILE``): :func:`switch_config`'s configuration."""
    config = switch_config(config_path, host=host, port=port)
    switch = await Switch.start(config)
    loop = asyncio.get_running_loop()
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is not None and switch.url.startswith("wss://"):
        loop.add_signal_handler(hangup, switch.reload_tls)  # the renewed certificate, without a restart
    log.info("anynode-console switch ready at %s", switch.url)
    try:
        await asyncio.Future()
    finally:
        if hangup is not None and switch.url.startswith("wss://"):
            loop.remove_signal_handler(hangup)
        await switch.aclose()
