"""Real SIP infrastructure for the tests: rtpengine, Kamailio and baresip on free loopback ports.

Each process is started in its own process group and stopped by that PID's
group (SIGTERM, then SIGKILL), logs go to files in the test's tmp_path, and
readiness is awaited by probing the process's own port, never by sleeping
a fixed time.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from console.core.sip.config import AgentConfig

HERE = Path(__file__).parent
START_TIMEOUT = 20.0
BINARIES = {"kamailio": "kamailio", "rtpengine": "rtpengine", "baresip": "baresip", "linphonec": "linphonec"}
USERS = {"1000": "secret1000", "1001": "secret1001", "1002": "secret1002", "1003": "secret1003"}  # the cfgs' htable
DBTEXT = Path("/usr/share/kamailio/dbtext/kamailio")  # the presence modules' table files (Debian)


class InfraError(RuntimeError):
    pass


def free_port(kind: int = socket.SOCK_STREAM, also_udp: bool = False) -> int:
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not also_udp or _udp_free(port):
            return port
    raise InfraError("no free port")


def free_port_pair() -> int:
    """A port free for TCP and UDP whose successor is free too (baresip puts SIP/TLS on port + 1)."""
    for _ in range(50):
        port = free_port(also_udp=True)
        if port < 65535 and _udp_free(port + 1):
            return port
    raise InfraError("no free port pair")


BIND_RACE = "Address already in use"
START_ATTEMPTS = 3


def start_retrying(start_once, stop) -> None:
    """Run ``start_once`` again on fresh ports when a port chosen free was taken before the process bound it.

    Free ports are chosen by binding and closing, so another process (any test's
    outgoing connection) can take one in between: that race, and only it, is retried.
    """
    for attempt in range(START_ATTEMPTS):
        try:
            start_once()
            return
        except InfraError as exc:
            stop()
            if BIND_RACE not in str(exc) or attempt == START_ATTEMPTS - 1:
                raise


def _udp_free(port: int) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", port))
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False


def free_udp_range(size: int) -> tuple[int, int]:
    """A run of ``size`` free UDP ports (even start) in 20000-59999, checked one by one."""
    for _ in range(40):
        start = random.randrange(20000, 60000 - size) & ~1
        ok = True
        for port in range(start, start + size):
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.bind(("127.0.0.1", port))
            except OSError:
                ok = False
                break
        if ok:
            return start, start + size - 1
    raise InfraError("no free UDP port range")


@dataclass
class Proc:
    name: str
    argv: list[str]
    log_path: Path
    cwd: Path | None = None
    popen: subprocess.Popen | None = None
    term_grace: float = 5.0  # seconds after SIGTERM before SIGKILL

    def start(self) -> None:
        log = self.log_path.open("wb")
        self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      cwd=self.cwd, start_new_session=True)
        log.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.popen is None:
            return
        pgid = self.popen.pid  # start_new_session: the group id is our child's PID
        for sig, wait in ((signal.SIGTERM, self.term_grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            try:
                self.popen.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # kamailio's children may outlive the parent for a moment: make sure the group is gone
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait_until(self, probe, what: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise InfraError(f"{self.name} exited while waiting for {what}:\n{self.log()[-3000:]}")
            if probe():
                return
            time.sleep(0.05)
        raise InfraError(f"{self.name}: no {what} within {timeout} s:\n{self.log()[-3000:]}")


def kamailio_modules() -> str | None:
    """Kamailio's module directory on this machine (the one holding tm.so), or None to let kamailio decide."""
    candidates: list[str] = []
    try:
        info = subprocess.run(["kamailio", "-I"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        info = ""
    for line in info.splitlines():
        if "paths to modules" in line.lower():
            candidates += [p.strip() for p in line.split(":", 1)[1].split(":") if p.strip()]
    for pattern in ("/usr/lib/*/kamailio/modules", "/usr/lib/kamailio/modules", "/usr/lib64/kamailio/modules",
                    "/usr/local/lib/kamailio/modules", "/usr/local/lib64/kamailio/modules", "/opt/*/lib*/kamailio/modules"):
        candidates += sorted(str(p) for p in Path("/").glob(pattern.lstrip("/")))
    for folder in candidates:
        if (Path(folder) / "tm.so").is_file():
            return folder
    return None


def tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def ng_ping(port: int) -> bool:
    """rtpengine's control protocol: ``cookie d7:command4:pinge`` -> ``cookie d6:result4:ponge``."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        try:
            s.sendto(b"c1 d7:command4:pinge", ("127.0.0.1", port))
            return b"pong" in s.recv(200)
        except OSError:
            return False


class Daemon:
    """A lab process: ``start()`` runs ``_start_once()`` (choose ports, start, await readiness), again on
    fresh ports when it lost a port race; ``stop()`` stops its process group."""

    proc: Proc | None

    def _start_once(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        start_retrying(self._start_once, self.stop)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


@dataclass
class Rtpengine(Daemon):
    tmp: Path
    ng_port: int = 0
    proc: Proc | None = None

    def _start_once(self) -> None:
        self.ng_port = free_port(socket.SOCK_DGRAM)
        low, high = free_udp_range(200)
        self.proc = Proc("rtpengine", [
            "rtpengine", "--config-file=none", "--foreground", "--log-stderr", "--table=-1",
            "--interface=127.0.0.1", f"--listen-ng=127.0.0.1:{self.ng_port}", f"--port-min={low}",
            f"--port-max={high}", "--log-level=6", *self._options(),
        ], self.tmp / "rtpengine.log")
        self.proc.start()
        self.proc.wait_until(lambda: ng_ping(self.ng_port), "answer to an ng ping")

    def _options(self) -> list[str]:
        """What this rtpengine adds to the common command line."""
        return [f"--pidfile={self.tmp / 'rtpengine.pid'}"]


@dataclass
class Kamailio(Daemon):
    tmp: Path
    rtpengine_ng: int
    sip_port: int = 0
    ws_port: int = 0
    proc: Proc | None = None
    config: Path = HERE.parents[1] / "docs" / "sip" / "kamailio.cfg"  # the one operators start from
    qop: bool = True
    no_answer: float = 8.0  # seconds a call may ring before Kamailio answers the caller 408

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}"

    @property
    def domain(self) -> str:
        return "127.0.0.1"

    def _start_once(self) -> None:
        self.sip_port = free_port(also_udp=True)
        self.ws_port = free_port()
        while self.ws_port == self.sip_port:
            self.ws_port = free_port()
        check = subprocess.run(["kamailio", "-c", "-f", str(self.config), *self._defines()],
                               capture_output=True, text=True, timeout=60)
        if check.returncode != 0:
            raise InfraError(f"kamailio -c refused the configuration:\n{check.stderr[-3000:]}")
        self.proc = Proc("kamailio", ["kamailio", "-DD", "-E", "-m", "32", "-M", "4", "-f", str(self.config),
                                      "-Y", str(self.tmp), *self._defines()], self.tmp / "kamailio.log")
        self.proc.start()
        self.proc.wait_until(lambda: tcp_open(self.ws_port), "WebSocket listener")

    def restart(self) -> None:
        """Stop Kamailio and start it again on the same ports (its in-memory registrations are gone)."""
        self.stop()
        self.proc = Proc("kamailio", self.proc.argv, self.tmp / "kamailio-restarted.log")
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # the old process's sockets may linger for a moment
            self.proc.start()
            try:
                self.proc.wait_until(lambda: tcp_open(self.ws_port), "WebSocket listener after the restart")
                return
            except InfraError:
                self.proc.stop()
                if time.monotonic() > deadline:
                    raise

    def _defines(self) -> list[str]:
        modules = kamailio_modules()
        out = ["-L", modules] if modules else []
        out += ["-A", f"NO_ANSWER_MS={int(self.no_answer * 1000)}", "-A", f"SIP_PORT={self.sip_port}", "-A", f"WS_PORT={self.ws_port}",
               "-A", f'NG_SOCK="udp:127.0.0.1:{self.rtpengine_ng}"']
        return out + (["-A", "WITH_QOP"] if self.qop else [])


@dataclass
class KamailioPresence(Kamailio):
    """Kamailio with the presence modules: lamps (RFC 4235 NOTIFYs for every call through it) and ``*8<ext>`` pickup.

    docs/sip/kamailio-presence.cfg; presence and pua need a db_url even with everything in memory: a db_text
    folder with exactly the ``version`` and ``pua`` tables (docs/SIP.md).
    """

    config: Path = HERE.parents[1] / "docs" / "sip" / "kamailio-presence.cfg"

    def _defines(self) -> list[str]:
        db = self.tmp / "dbtext"
        db.mkdir(exist_ok=True)
        for table in ("version", "pua"):
            shutil.copyfile(DBTEXT / table, db / table)
        return [*super()._defines(), "-A", f'DB_URL="text://{db}"', "-A", f'SELF_URI="sip:127.0.0.1:{self.sip_port}"']


@dataclass
class KamailioTls(Kamailio):
    """docs/sip/kamailio.cfg with ``-A WITH_TLS``: also SIP over secure WebSocket on ``wss_port``, TLS from the
    tls module with docs/sip/tls.cfg, its certificate and key paths replaced by ``cert_file`` and ``key_file``."""

    cert_file: Path | None = None
    key_file: Path | None = None
    wss_port: int = 0

    @property
    def wss_url(self) -> str:
        return f"wss://127.0.0.1:{self.wss_port}"

    def _start_once(self) -> None:
        self.wss_port = 0  # chosen by _defines, once the other two ports are
        super()._start_once()
        self.proc.wait_until(lambda: tcp_open(self.wss_port), "secure WebSocket (TLS) listener")

    def _defines(self) -> list[str]:
        while self.wss_port in (0, self.sip_port, self.ws_port):
            self.wss_port = free_port()
        template = (HERE.parents[1] / "docs" / "sip" / "tls.cfg").read_text()
        paths = {"/etc/kamailio/tls/server-cert.pem": self.cert_file, "/etc/kamailio/tls/server-key.pem": self.key_file}
        for placeholder, path in paths.items():
            if placeholder not in template or path is None:
                raise InfraError(f"docs/sip/tls.cfg no longer names {placeholder}, or no file was given for it")
            template = template.replace(placeholder, str(path))
        tls_cfg = self.tmp / "tls.cfg"
        tls_cfg.write_text(template)
        return [*super()._defines(), "-A", "WITH_TLS", "-A", f"WSS_PORT={self.wss_port}", "-A", f'TLS_CFG="{tls_cfg}"']


@dataclass
class Baresip(Daemon):
    """A SIP phone: registers as 1001, auto-answers, plays a sine tone, records what it hears.

    ``codecs=None`` (the default): baresip's own codecs as users have them, Opus and G.711 with
    telephone-event/8000; ``codecs="pcmu"`` narrows it to PCMU alone where a test needs one known codec.
    """

    tmp: Path
    kamailio_port: int
    tone_hz: int = 1000
    answermode: str = "auto"  # or "manual": it rings until told to answer or hang up
    codecs: str | None = None
    user: str = "1001"
    sip_port: int = 0
    ctrl_port: int = 0
    proc: Proc | None = None
    home: Path = field(init=False)

    def _start_once(self) -> None:
        self.home = self.tmp / "baresip"
        self.home.mkdir(exist_ok=True)
        (self.home / "rec").mkdir(exist_ok=True)
        self.sip_port = free_port_pair()
        self.ctrl_port = free_port()
        while self.ctrl_port in (self.sip_port, self.sip_port + 1):
            self.ctrl_port = free_port()
        low, high = free_udp_range(20)
        config = (HERE / "baresip" / "config").read_text()
        fill = {"SIP_PORT": self.sip_port, "TONE_HZ": self.tone_hz, "RTP_MIN": low, "RTP_MAX": high,
                "CODEC_MODULES": "module\t\t\tg711.so" if self.codecs else "module\t\t\topus.so\nmodule\t\t\tg711.so",
                "SND_PATH": self.home / "rec", "CTRL_PORT": self.ctrl_port}
        for key, value in fill.items():
            config = config.replace(f"@@{key}@@", str(value))
        (self.home / "config").write_text(config)
        account = (HERE / "baresip" / "accounts.template").read_text()
        account = account.replace("1001", self.user).replace("@@KAM_PORT@@", str(self.kamailio_port)).replace(
            ";@@AUDIO_CODECS@@", f";audio_codecs={self.codecs}" if self.codecs else "").replace("answermode=auto", f"answermode={self.answermode}")
        (self.home / "accounts").write_text(account)
        (self.home / "contacts").write_text("")
        argv = ["baresip", "-f", str(self.home)]
        if shutil.which("stdbuf"):
            argv = ["stdbuf", "-oL", "-eL", *argv]
        # baresip takes SIGTERM as "quit gracefully" and, with a call up, sits out the whole grace (seen: 5 s of
        # every SIP test's teardown): nothing is read from it after a test, so it gets one second
        self.proc = Proc("baresip", argv, self.tmp / "baresip.log", term_grace=1.0)
        self.proc.start()
        self.proc.wait_until(lambda: tcp_open(self.ctrl_port), "ctrl_tcp listener")
        self.proc.wait_until(lambda: "200 OK" in self.proc.log(), "registration with Kamailio")

    @property
    def registered(self) -> bool:
        return "200 OK" in self.proc.log()

    def command(self, command: str, params: str = "", timeout: float = 5.0) -> dict:
        """A ctrl_tcp command (netstring JSON); returns the reply, skipping events sent before it."""
        payload = json.dumps({"command": command, "params": params, "token": "t"}).encode()
        with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=timeout) as s:
            s.sendall(f"{len(payload)}:".encode() + payload + b",")
            buf = b""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
                while b":" in buf:
                    length, _, rest = buf.partition(b":")
                    if not length.isdigit() or len(rest) < int(length) + 1:
                        break
                    msg, buf = rest[: int(length)], rest[int(length) + 1:]
                    data = json.loads(msg)
                    if data.get("response"):
                        return data
        raise InfraError(f"baresip did not answer {command!r}")

    def recordings(self) -> list[Path]:
        return sorted((self.home / "rec").glob("*-dec.wav"))


def agent_config(kamailio: Kamailio, user: str = "1000", password: str | None = None) -> AgentConfig:
    return AgentConfig(
        aor=f"sip:{user}@{kamailio.domain}", username=user,
        password=USERS.get(user, "x") if password is None else password,
        instance_id=f"urn:uuid:{uuid.uuid4()}", outbound_proxy=f"sip:127.0.0.1:{kamailio.ws_port};transport=ws;lr",
        contact_user=uuid.uuid4().hex[:8], expires=300,
    )


LINPHONERC = """[sip]
sip_port={sip_port}
sip_tcp_port=0
sip_tls_port=0
default_proxy=0
guess_hostname=0
use_ipv6=0
register_only_when_network_is_up=0
[net]
mtu=1300
auto_net_state_mon=0
[rtp]
audio_rtp_port={rtp_min}-{rtp_max}
[sound]
playback_dev_id=
ringer_dev_id=
capture_dev_id=
echocancellation=0
[proxy_0]
reg_proxy=<sip:127.0.0.1:{kamailio_port};transport=udp>
reg_identity=sip:{user}@127.0.0.1
reg_expires=300
reg_sendregister=1
[auth_info_0]
username={user}
userid={user}
passwd={password}
realm=127.0.0.1
domain=127.0.0.1
"""


@dataclass
class Linphonec(Daemon):
    """A second, independent SIP phone: liblinphone's ``linphonec`` (Debian linphone-cli), registered over UDP.

    Headless as the lab ran it (shared/sip-lab README): its own HOME with ``.local/share/linphone`` (without
    it liblinphone opens no listening point), only UDP on ``sip_port``, ``soundcard use files``, commands on
    stdin. ``answer=True`` is ``-a`` (auto-answer); else a call rings until ``command("answer")``. It sends no
    audio until a file is played, so tests read its call states from its output, not its audio.
    """

    tmp: Path
    kamailio_port: int
    user: str = "1001"
    answer: bool = True
    sip_port: int = 0
    proc: Proc | None = None
    home: Path = field(init=False)
    _asked: float = 0.0

    def _start_once(self) -> None:
        self.home = self.tmp / f"linphonec-{self.user}"
        (self.home / ".local" / "share" / "linphone").mkdir(parents=True, exist_ok=True)
        self.sip_port = free_port(socket.SOCK_DGRAM, also_udp=True)
        low, high = free_udp_range(20)
        rc = self.home / "linphonerc"
        rc.write_text(LINPHONERC.format(sip_port=self.sip_port, rtp_min=low, rtp_max=high, user=self.user,
                                        password=USERS[self.user], kamailio_port=self.kamailio_port))
        argv = ["linphonec", "-c", str(rc), *(["-a"] if self.answer else []), "-d", "6", "-l", str(self.home / "debug.log")]
        log = (self.tmp / f"linphonec-{self.user}.log").open("wb")
        self.proc = Proc("linphonec", argv, self.tmp / f"linphonec-{self.user}.log")
        self.proc.popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                                           env=dict(os.environ, HOME=str(self.home)), cwd=self.home,
                                           start_new_session=True)
        log.close()
        self.command("soundcard use files")
        self.proc.wait_until(self._registered, "registration with Kamailio")

    def _registered(self) -> bool:
        if "registered, identity=" in self.proc.log():
            return True
        now = time.monotonic()
        if now - self._asked > 0.5:  # it prints nothing by itself when the REGISTER succeeds: ask
            self._asked = now
            self.command("status register")
        return False

    def command(self, line: str) -> None:
        """One linphonec command on its stdin; its effects show in :meth:`log`."""
        self.proc.popen.stdin.write((line + "\n").encode())
        self.proc.popen.stdin.flush()

    def wait_log(self, text: str, count: int = 1, timeout: float = START_TIMEOUT) -> str:
        """linphonec's output once ``text`` shows ``count`` times in it (from a thread: it polls)."""
        self.proc.wait_until(lambda: self.proc.log().count(text) >= count, f"{text!r} x{count}", timeout)
        return self.proc.log()

    def debug_log(self) -> str:
        """liblinphone's own log (``-d 6``): every SIP message it sent and received, its dialogs' tags."""
        try:
            return (self.home / "debug.log").read_text(errors="replace")
        except OSError:
            return ""

    def wait_debug_log(self, text: str, timeout: float = START_TIMEOUT) -> str:
        self.proc.wait_until(lambda: text in self.debug_log(), f"{text!r} in its debug log", timeout)
        return self.debug_log()

    def stop(self) -> None:
        if self.proc is not None and self.proc.alive():
            try:
                self.command("quit")
                self.proc.popen.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        super().stop()
