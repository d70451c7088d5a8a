"""Three network namespaces where a console cannot reach the switch's media, only a TURN server (coturn).

::

    ns A (console)            ns T (TURN, WebSocket relay)            ns B (switch)
    10.77.1.2 --veth-- 10.77.1.1   10.77.0.1 (lo)   10.77.2.1 --veth-- 10.77.2.2

* A's only routes: 10.77.1.0/24 and 10.77.0.1 (via T); B's: 10.77.2.0/24 and 10.77.0.1 (via T).
  A has no route to B's network and B none to A's, and T does not forward, so no packet of A can
  reach B's media addresses nor the other way round: the direct path does not exist.
* T holds coturn on 10.77.0.1:3478 (UDP and TCP; ``use-auth-secret``), relaying from 10.77.2.1
  (B's side, which B reaches directly), and a TCP relay 10.77.0.1:8765 -> 10.77.2.2:8765 that
  carries the WebSocket (signalling on its own path: a byte stream, never media).
* :meth:`NetLab.direct` opens the routed path (routes in A and B through T, forwarding in T) for
  a baseline over the same veths.

Every address exists only inside these namespaces; nothing is sent outside them and loopback.
Processes run with ``ip netns exec`` in their own process groups and are stopped by group;
the namespaces (and with them the veths) are deleted whatever happened.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TURN_IP, A_IP, B_IP, T_A_IP, T_B_IP = "10.77.0.1", "10.77.1.2", "10.77.2.2", "10.77.1.1", "10.77.2.1"
TURN_PORT, TURNS_PORT, WS_PORT = 3478, 5349, 8765
SECRET = "netlab-shared-secret-0123456789"
START_TIMEOUT = 20.0


class LabError(RuntimeError):
    pass


def unavailable() -> str | None:
    """Why namespaces or coturn cannot be had here (None: they can)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is missing"
    if shutil.which("turnserver") is None:
        return "coturn (turnserver) is not installed (Debian coturn; .ci/run installs it)"
    probe = f"anc{os.getpid() % 100000}probe"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


class Proc:
    """A process in a namespace: its stdout's JSON lines arrive in a queue, the rest goes to its log."""

    def __init__(self, name: str, argv: list[str], log: Path) -> None:
        self.name = name
        self.log = log
        self.lines: queue.Queue[dict] = queue.Queue()
        self._log = log.open("w")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        self.popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                      text=True, cwd=REPO, env=env, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self._log.write(line)
                self._log.flush()

    def expect(self, event: str, timeout: float = START_TIMEOUT) -> dict:
        """The next JSON line whose ``event`` is ``event`` (others are skipped), or LabError with the log's tail."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(0.0, left)) if left > 0 else self.lines.get_nowait()
            except queue.Empty:
                raise LabError(f"{self.name}: no {event!r} within {timeout:g} s "
                               f"(exit {self.popen.poll()}); log: {self.tail()}") from None
            if line.get("event") == event:
                return line
            if line.get("event") == "error":
                raise LabError(f"{self.name}: {line.get('message')}; log: {self.tail()}")

    def send(self, command: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(command + "\n")
        self.popen.stdin.flush()

    def tail(self, lines: int = 15) -> str:
        self._log.flush()
        return " | ".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.popen.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.popen.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._log.close()


class NetLab:
    """The three namespaces, coturn and the WebSocket relay; ``with NetLab(tmp) as lab:``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        tag = f"anc{os.getpid() % 100000}{int(time.monotonic() * 1000) % 1000}"
        self.ns = {"a": f"{tag}a", "b": f"{tag}b", "t": f"{tag}t"}
        self._tag = tag
        self.procs: list[Proc] = []
        self.coturn: Proc | None = None

    # --- the namespaces -----------------------------------------------------------
    def __enter__(self) -> NetLab:
        try:
            self._build()
            self._start_coturn()
            self._start_relay()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ip(self, *args: str, ns: str | None = None) -> None:
        argv = ["ip", *(["-n", self.ns[ns]] if ns else []), *args]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise LabError(f"{' '.join(argv)}: {done.stderr.strip()}")

    def _sysctl(self, ns: str, setting: str) -> None:
        done = subprocess.run(["ip", "netns", "exec", self.ns[ns], "sysctl", "-qw", setting], capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise LabError(f"sysctl {setting} in {self.ns[ns]}: {done.stderr.strip()}")

    def _build(self) -> None:
        for ns in self.ns.values():
            self._ip("netns", "add", ns)
        for side, mine, theirs in (("a", A_IP, T_A_IP), ("b", B_IP, T_B_IP)):
            outer, inner = f"{self._tag}{side}0", f"{self._tag}{side}1"
            self._ip("link", "add", outer, "netns", self.ns[side], "type", "veth", "peer", "name", inner,
                     "netns", self.ns["t"])
            self._ip("addr", "add", f"{mine}/24", "dev", outer, ns=side)
            self._ip("addr", "add", f"{theirs}/24", "dev", inner, ns="t")
            self._ip("link", "set", outer, "up", ns=side)
            self._ip("link", "set", inner, "up", ns="t")
            self._ip("link", "set", "lo", "up", ns=side)
            self._ip("route", "add", f"{TURN_IP}/32", "via", theirs, ns=side)
        self._ip("link", "set", "lo", "up", ns="t")
        self._ip("addr", "add", f"{TURN_IP}/32", "dev", "lo", ns="t")
        self._sysctl("t", "net.ipv4.ip_forward=0")  # a new namespace may inherit the host's setting

    def direct(self, on: bool) -> None:
        """Open (or close again) the routed path A <-> B through T: the baseline's direct media path."""
        verb = "add" if on else "del"
        self._ip("route", verb, "10.77.2.0/24", "via", T_A_IP, ns="a")
        self._ip("route", verb, "10.77.1.0/24", "via", T_B_IP, ns="b")
        self._sysctl("t", f"net.ipv4.ip_forward={1 if on else 0}")

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()
        for ns in self.ns.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    # --- processes ----------------------------------------------------------------
    def run(self, side: str, name: str, argv: list[str]) -> Proc:
        proc = Proc(name, ["ip", "netns", "exec", self.ns[side], *argv], self.folder / f"{name}.log")
        self.procs.append(proc)
        return proc

    def python(self, side: str, name: str, module: str, *args: str) -> Proc:
        return self.run(side, name, [sys.executable, "-u", "-m", module, *args])

    def _start_coturn(self) -> None:
        (self.folder / "turnserver.conf").write_text("# the lab's options are all on the command line\n")
        cert, key = self.test_ca()
        self.coturn = self.run("t", "coturn", [
            "turnserver", "-c", str(self.folder / "turnserver.conf"), "-n", "--use-auth-secret",
            f"--static-auth-secret={SECRET}", "--realm=anynode.test", f"--listening-ip={TURN_IP}",
            f"--listening-port={TURN_PORT}", f"--relay-ip={T_B_IP}", "--min-port=49152", "--max-port=49999",
            f"--tls-listening-port={TURNS_PORT}", f"--cert={cert}", f"--pkey={key}", "--no-dtls", "--no-cli", "--fingerprint", f"--db={self.folder / 'turndb'}",
            f"--pidfile={self.folder / 'coturn.pid'}", f"--log-file={self.folder / 'coturn.log'}", "--simple-log",
            "--no-stdout-log", "--no-multicast-peers", "--verbose",
        ])

    def _start_relay(self) -> None:
        """The WebSocket relay, ready once coturn's TCP port answers (coturn opens UDP and TCP together)."""
        relay = self.python("t", "ws-relay", "tests.net.tcp_relay", TURN_IP, str(WS_PORT), B_IP, str(WS_PORT),
                            f"{TURN_IP}:{TURN_PORT}")
        try:
            relay.expect("ready")
        except LabError as exc:
            log = self.folder / "coturn.log"
            raise LabError(f"{exc}; coturn (exit {self.coturn and self.coturn.popen.poll()}): "
                           f"{log.read_text(errors='replace')[-1500:] if log.exists() else ''}") from None

    def turn_urls(self, transport: str) -> list[str]:
        if transport == "tls":
            return [f"turns:{TURN_IP}:{TURNS_PORT}"]
        return [f"turn:{TURN_IP}:{TURN_PORT}" + ("?transport=tcp" if transport == "tcp" else "")]

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.pem"

    def test_ca(self) -> tuple[Path, Path]:
        """A test CA (``ca_file``) and coturn's certificate from it, for the IP address TURN_IP only."""
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        now = datetime.datetime.now(datetime.timezone.utc)

        def issue(subject: str, key, issuer_name, issuer_key, ca: bool):
            builder = (x509.CertificateBuilder()
                       .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                       .issuer_name(issuer_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now - datetime.timedelta(minutes=5))
                       .not_valid_after(now + datetime.timedelta(days=1))
                       .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
            if not ca:
                builder = builder.add_extension(
                    x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(TURN_IP))]), critical=False)
            return builder.sign(issuer_key, hashes.SHA256())

        ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netlab test CA")])
        ca = issue("netlab test CA", ca_key, ca_name, ca_key, True)
        server = issue(TURN_IP, server_key, ca_name, ca_key, False)
        pem = serialization.Encoding.PEM
        self.ca_file.write_bytes(ca.public_bytes(pem))
        cert, key = self.folder / "turn-cert.pem", self.folder / "turn-key.pem"
        cert.write_bytes(server.public_bytes(pem))
        key.write_bytes(server_key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL,
                                                 serialization.NoEncryption()))
        return cert, key
