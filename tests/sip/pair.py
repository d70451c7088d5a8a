"""Two Kamailio nodes sharing registrations (docs/sip/kamailio-pair.cfg), one rtpengine, for the failover tests
and the bench.

All ports are chosen before either node starts (each names the other's SIP, WebSocket and DMQ ports), and
the pair is started again on fresh ports if a port was taken in between. :meth:`KamailioNode.kill` is the
node's death: SIGKILL to its whole process group (the kernel closes its sockets, as when a machine's
Kamailio crashes; a machine that vanishes from the network is slower to notice: docs/sip/README.md).
"""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sipinfra import (HERE, USERS, Daemon, InfraError, Kamailio, Proc, Rtpengine, free_port, ng_ping,
                      start_retrying, tcp_open)

from console.core.sip.digest import Challenge, authorization


@dataclass
class KamailioNode(Kamailio):
    """One node of the pair: its ports are given (the pair chose them), its peer's too."""

    config: Path = HERE.parents[1] / "docs" / "sip" / "kamailio-pair.cfg"
    dmq_port: int = 0
    peer: tuple[int, int, int] = (0, 0, 0)  # the peer's SIP, WebSocket and DMQ ports
    name: str = "node"

    def _start_once(self) -> None:
        import subprocess

        check = subprocess.run(["kamailio", "-c", "-f", str(self.config), *self._defines()],
                               capture_output=True, text=True, timeout=60)
        if check.returncode != 0:
            raise InfraError(f"kamailio -c refused the configuration:\n{check.stderr[-3000:]}")
        self.proc = Proc(f"kamailio-{self.name}", ["kamailio", "-DD", "-E", "-m", "32", "-M", "4", "-f",
                                                   str(self.config), "-Y", str(self.tmp), *self._defines()],
                         self.tmp / f"kamailio-{self.name}.log")
        self.proc.start()
        self.proc.wait_until(lambda: tcp_open(self.ws_port), "WebSocket listener")

    def _defines(self) -> list[str]:
        sip, ws, dmq = self.peer
        return [*super()._defines(), "-A", f"DMQ_PORT={self.dmq_port}", "-A", f"PEER_SIP_PORT={sip}",
                "-A", f"PEER_WS_PORT={ws}", "-A", f'DMQ_SELF="sip:127.0.0.1:{self.dmq_port}"',
                "-A", f'DMQ_PEER="sip:127.0.0.1:{dmq}"']

    def kill(self) -> None:
        """The node dies: SIGKILL to every process of it at once (no goodbye on any socket but the kernel's)."""
        assert self.proc is not None and self.proc.popen is not None
        try:
            os.killpg(self.proc.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.popen.wait(10)


@dataclass
class KamailioPair(Daemon):
    tmp: Path
    rtpengine_ng: int
    nodes: list[KamailioNode] = field(default_factory=list)
    proc: Proc | None = None

    def _start_once(self) -> None:
        ports: set[int] = set()

        def fresh(**kwargs) -> int:
            while (port := free_port(**kwargs)) in ports:
                pass
            ports.add(port)
            return port

        plan = [(fresh(also_udp=True), fresh(), fresh(kind=socket.SOCK_DGRAM)) for _ in range(2)]
        self.nodes = []
        for index, (sip, ws, dmq) in enumerate(plan):
            folder = self.tmp / f"node{index + 1}"
            folder.mkdir(exist_ok=True)
            node = KamailioNode(folder, self.rtpengine_ng, sip_port=sip, ws_port=ws, dmq_port=dmq,
                                peer=plan[1 - index], name=f"node{index + 1}")
            self.nodes.append(node)
            node._start_once()

    def start(self) -> None:
        start_retrying(self._start_once, self.stop)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def __getitem__(self, index: int) -> KamailioNode:
        return self.nodes[index]


def reaches(node: Kamailio, user: str, caller: str = "1002", timeout: float = 2.0) -> bool:
    """Whether ``node`` routes an OPTIONS for ``user`` to a registered contact that answers 200 (over UDP,
    answering the node's digest challenge): the node knows ``user``'s binding, learnt or replicated."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(timeout)
        lport = sock.getsockname()[1]
        call_id, tag, uri = uuid.uuid4().hex, uuid.uuid4().hex[:8], f"sip:{user}@127.0.0.1"
        auth = ""
        for cseq in (1, 2):
            head = (f"OPTIONS {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{uuid.uuid4().hex};rport\r\n"
                    f"Max-Forwards: 70\r\nFrom: <sip:{caller}@127.0.0.1>;tag={tag}\r\nTo: <{uri}>\r\nCall-ID: {call_id}\r\n"
                    f"CSeq: {cseq} OPTIONS\r\nContact: <sip:{caller}@127.0.0.1:{lport}>\r\n{auth}Content-Length: 0\r\n\r\n")
            sock.sendto(head.encode(), ("127.0.0.1", node.sip_port))
            try:
                while True:
                    data = sock.recv(65535).decode(errors="replace")
                    status = int(data.split(" ", 2)[1])
                    if status >= 200:
                        break
            except (OSError, ValueError, IndexError):
                return False
            if status != 407:
                return status == 200
            value = next(line.split(":", 1)[1] for line in data.split("\r\n")
                         if line.lower().startswith("proxy-authenticate:"))
            auth = "Proxy-Authorization: " + authorization(Challenge.parse(value), method="OPTIONS", uri=uri,
                                                           username=caller, password=USERS[caller],
                                                           cnonce=uuid.uuid4().hex[:8]) + "\r\n"
        return False


def wait_reaches(node: Kamailio, user: str, timeout: float = 20.0) -> None:
    """Until ``node`` routes to ``user`` (a binding replicated by DMQ takes a moment); polled from a thread."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reaches(node, user):
            return
        time.sleep(0.05)
    raise InfraError(f"{node.sip_port}: no route to {user} within {timeout} s:\n{node.proc.log()[-3000:] if node.proc else ''}")


@dataclass
class Redis(Daemon):
    """redis-server on a free loopback port, in memory only (no dump, no append-only file)."""

    tmp: Path
    port: int = 0
    proc: Proc | None = None

    def _start_once(self) -> None:
        self.port = free_port()
        self.proc = Proc("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                   "--appendonly", "no", "--dir", str(self.tmp)], self.tmp / "redis.log")
        self.proc.start()
        self.proc.wait_until(lambda: tcp_open(self.port), "its port")


@dataclass
class RtpengineRedis(Rtpengine):
    """rtpengine keeping its calls in Redis (``--redis``): restarted on the same ports, it restores them."""

    redis_port: int = 0

    def _options(self) -> list[str]:
        return [f"--redis=127.0.0.1:{self.redis_port}/1"]

    def kill(self) -> None:
        assert self.proc is not None and self.proc.popen is not None
        os.killpg(self.proc.popen.pid, signal.SIGKILL)
        self.proc.popen.wait(10)

    def restart(self) -> None:
        """Start it again with the same arguments (ports, Redis): it reads its calls back from Redis."""
        assert self.proc is not None
        self.proc = Proc("rtpengine", self.proc.argv, self.tmp / "rtpengine-restarted.log")
        self.proc.start()
        self.proc.wait_until(lambda: ng_ping(self.ng_port), "answer to an ng ping after the restart")
