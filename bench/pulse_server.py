"""A private PulseAudio server for tests and benchmarks: real audio devices on a machine without a sound card.

How it works (Debian packages ``pulseaudio``, ``pulseaudio-utils`` and ``libasound2-plugins``):

* ``PulseServer.start(tmp)`` runs ``pulseaudio --daemonize=no -n -F <our default.pa>`` as a child
  process with its *own* runtime, state and home folders under ``tmp`` (``XDG_RUNTIME_DIR``,
  ``PULSE_RUNTIME_PATH``, ``PULSE_STATE_PATH``, ``HOME``), so it never touches a user's server
  (PulseAudio or PipeWire's pipewire-pulse): ``-n`` skips the system's default.pa, and the only
  protocol module loaded is ``module-native-protocol-unix`` on our own socket ``tmp/native``.
  A machine that already runs PulseAudio or PipeWire is left alone: another runtime folder
  means no shared PID file or socket, ``--use-pid-file=no`` skips the single-instance check,
  and ``PULSE_SERVER`` (set only for the test) sends libpulse, pactl and parec to our socket
  and never autospawns. Running as root works: the server runs in user mode (no ``--system``)
  with anonymous auth on the private socket (no cookie needed).
* The script loads two null sinks, ``headset`` and ``speaker`` (their monitors
  ``headset.monitor`` / ``speaker.monitor`` are sources the test records from), and a virtual
  microphone ``mic``: ``module-sine-source`` at MIC_HZ, whose level is MIC_DBFS. A microphone
  fed from a file or from the program: ``load_sink("micfeed")`` and use ``micfeed.monitor`` as
  the source, playing into ``micfeed`` (bench/latency_pulse.py does that).
* ``Monitor(server, "headset.monitor")`` records a source with ``parec``, each chunk stamped
  with its arrival time.
* PortAudio reaches the server through ALSA's ``pulse`` PCM (from libasound2-plugins'
  ``/etc/alsa/conf.d/50-pulseaudio.conf``), which is libpulse underneath: libpulse reads
  ``PULSE_SERVER`` from the environment each time a stream is opened, so ``env()`` (set with
  monkeypatch before the console opens its device) is all a test needs. PortAudio may already
  have been initialised in the process: that does not matter, ALSA's ``pulse`` PCM is defined
  statically and every ``PyAudio()`` re-enumerates devices.
* ``stop()`` ends the server by its PID (SIGTERM, then SIGKILL) and nothing else.

``available()`` says whether the binaries are there; tests skip without them (CI installs them).
The tests get a server per test from the ``pulse`` fixture in tests/audio/conftest.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

MIC_HZ = 700
MIC_DBFS = -6.0  # module-sine-source's amplitude is 0.5 of full scale
START_TIMEOUT = 20.0

SCRIPT = """\
load-module module-native-protocol-unix auth-anonymous=1 socket={socket}
load-module module-null-sink sink_name=headset rate=48000 sink_properties=device.description=Test-headset
load-module module-null-sink sink_name=speaker rate=48000 sink_properties=device.description=Test-desk-speaker
load-module module-null-sink sink_name=micsine rate=48000 channels=1 sink_properties=device.description=Test-mic-tone
load-module module-sine sink=micsine frequency={hz}
load-module module-remap-source source_name=mic master=micsine.monitor channels=1 channel_map=mono source_properties=device.description=Test-mic
"""


def available() -> bool:
    """pulseaudio, pactl, parec and ALSA's pulse plugin are installed."""
    tools = all(shutil.which(tool) for tool in ("pulseaudio", "pactl", "parec"))
    plugin = any(Path(root).glob("**/libasound_module_pcm_pulse.so") for root in ("/usr/lib", "/usr/lib64")
                 if Path(root).exists())
    return tools and plugin


class PulseServer:
    """One private PulseAudio server; see the module docstring."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket = root / "native"
        self.server = f"unix:{self.socket}"
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls, root: Path) -> "PulseServer":
        server = cls(root)
        server._start()
        return server

    def env(self) -> dict[str, str]:
        """What a process needs in its environment to use this server (and only it)."""
        return {"PULSE_SERVER": self.server}

    def _private_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
        for name in ("rt", "state", "home"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        (self.root / "rt").chmod(0o700)
        env.update(
            XDG_RUNTIME_DIR=str(self.root / "rt"),
            PULSE_RUNTIME_PATH=str(self.root / "rt"),
            PULSE_STATE_PATH=str(self.root / "state"),
            HOME=str(self.root / "home"),
            PULSE_SERVER=self.server,
        )
        return env

    def _start(self) -> None:
        script = self.root / "default.pa"
        self.root.mkdir(parents=True, exist_ok=True)
        script.write_text(SCRIPT.format(socket=self.socket, hz=MIC_HZ))
        log = open(self.root / "pulseaudio.log", "wb")
        self.process = subprocess.Popen(
            ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-n",
             "--use-pid-file=no", "--log-target=stderr", "-F", str(script)],
            env=self._private_env(), stdout=log, stderr=log, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"pulseaudio exited: {(self.root / 'pulseaudio.log').read_text()[-2000:]}")
            if self.socket.exists() and self.pactl("info", check=False).returncode == 0:
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("pulseaudio did not come up")
            time.sleep(0.05)  # polling a child process's socket: there is no event to await

    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["pactl", *args], env=self._private_env(), capture_output=True, text=True, timeout=15)
        if check and done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)}: {done.stderr.strip()}")
        return done

    def names(self, kind: str) -> list[str]:
        """Names of the server's ``sinks`` or ``sources``."""
        return [item["name"] for item in json.loads(self.pactl("--format=json", "list", kind).stdout or "[]")]

    def unload_sink(self, name: str) -> None:
        """Make a sink disappear (the headset is unplugged)."""
        for line in self.pactl("list", "short", "modules").stdout.splitlines():
            index, _, rest = line.partition("\t")
            module, _, argument = rest.partition("\t")
            if module == "module-null-sink" and f"sink_name={name} " in argument + " ":
                self.pactl("unload-module", index)
                return
        raise LookupError(name)

    def load_sink(self, name: str) -> None:
        """(Re-)create a null sink (the headset is plugged back in)."""
        self.pactl("load-module", "module-null-sink", f"sink_name={name}", "rate=48000",
                   f"sink_properties=device.description=Test-{name}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass


class Monitor:
    """Records a source of the server (e.g. ``headset.monitor``) with ``parec``, chunk by chunk with their arrival time."""

    def __init__(self, server: PulseServer, source: str) -> None:
        self._process = subprocess.Popen(
            ["parec", f"--device={source}", "--rate=48000", "--channels=1", "--format=s16le", "--raw",
             "--latency-msec=20"],
            env=server._private_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self.chunks: list[tuple[float, bytes]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, name=f"parec {source}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        while True:
            data = self._process.stdout.read1(3840)  # type: ignore[attr-defined]
            if not data:
                return
            with self._lock:
                self.chunks.append((time.monotonic(), data))

    def samples(self, since: float = 0.0, seconds: float | None = None) -> np.ndarray:
        """int16 samples that arrived after ``since`` (monotonic time); the last ``seconds`` of them if given."""
        with self._lock:
            data = b"".join(chunk for at, chunk in self.chunks if at >= since)
        data = data[: len(data) // 2 * 2]
        samples = np.frombuffer(data, dtype="<i2")
        return samples[-int(seconds * 48000):] if seconds is not None else samples

    def received(self, since: float = 0.0) -> float:
        """Seconds of audio that arrived after ``since``."""
        with self._lock:
            return sum(len(chunk) for at, chunk in self.chunks if at >= since) / 96000

    def stop(self) -> None:
        if self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=5)
        self._thread.join(timeout=5)
