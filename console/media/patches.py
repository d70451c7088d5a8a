"""The few changes we make to aiortc 1.16.0 and aioice 0.13, all in one place.

pyproject pins ``aiortc==1.16.0``; each patch checks that the internals it
replaces still look the way they did when it was written and raises
:class:`PatchError` with a message saying what moved, so an upgrade fails
loudly at start-up instead of silently losing loopback ICE or adding 80 ms of
latency per hop.

``apply()`` is idempotent and is called by every module that creates a peer
connection (CallMedia, RtcMediaPlane); nothing is patched at import time.

The patches:

* loopback host candidates: aioice's ``get_host_addresses`` drops 127.0.0.1,
  so two peers on a machine without a network (tests, the embedded switch on
  127.0.0.1) never connect. We add 127.0.0.1 to the gathered host addresses.
* receive latency: aiortc's audio JitterBuffer releases a frame only after 4
  newer ones arrived (about 80 ms per receive hop). We make the prefetch
  configurable and default it to 2 (about 41 ms), which keeps console ->
  switch -> console well under G.114's 150 ms one way.
* close during connect: RTCPeerConnection runs ``__connect`` as a detached
  task; if ``close()`` runs while it awaits ICE/DTLS, it later starts the
  senders and receivers of the closed connection, whose RTCP tasks then run
  forever (a leak we saw when one side hangs up right after connecting). The
  wrapper stops them once the late connect returns.
* audio level: aiortc computes the RFC 6465 level of every sent frame with a
  pure-Python loop (about 94 us a frame); a numpy version gives the same
  number for a fraction of the CPU.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, Iterable

import numpy as np

from console.core.errors import ConsoleError

DEFAULT_AUDIO_PREFETCH = 1
"""Frames the audio jitter buffer holds back before releasing one (aiortc's own: 4)."""

_AIORTC_VERSION = "1.16.0"


class PatchError(ConsoleError, RuntimeError):
    """aiortc/aioice internals differ from the pinned versions the patches were written for."""


_state: dict[str, Any] = {"applied": False, "audio_prefetch": DEFAULT_AUDIO_PREFETCH}


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise PatchError(
            f"console.media.patches: {what}. The patches were written for aiortc=={_AIORTC_VERSION} "
            "and aioice 0.13; review console/media/patches.py before upgrading."
        )


def _patch_loopback() -> None:
    import aioice.ice as ice

    original = ice.get_host_addresses
    _require(callable(original), "aioice.ice.get_host_addresses is gone")
    source = inspect.getsource(original)
    _require('"127.0.0.1"' in source, "aioice.ice.get_host_addresses no longer filters 127.0.0.1")
    _require(
        "get_host_addresses(" in inspect.getsource(ice.Connection.gather_candidates),
        "aioice.ice.Connection.gather_candidates no longer calls get_host_addresses",
    )

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        addresses = original(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
        if use_ipv4 and "127.0.0.1" not in addresses:
            addresses.append("127.0.0.1")
        return addresses

    get_host_addresses.__wrapped__ = original  # type: ignore[attr-defined]
    ice.get_host_addresses = get_host_addresses


def _patch_jitter_buffer() -> None:
    import aiortc.rtcrtpreceiver as receiver
    from aiortc.jitterbuffer import JitterBuffer

    _require(receiver.JitterBuffer is JitterBuffer, "aiortc.rtcrtpreceiver.JitterBuffer is not aiortc's JitterBuffer")
    source = inspect.getsource(receiver.RTCRtpReceiver.__init__)
    _require(
        "JitterBuffer(capacity=16, prefetch=4)" in source,
        "RTCRtpReceiver.__init__ no longer builds the audio JitterBuffer(capacity=16, prefetch=4)",
    )
    _require(
        list(inspect.signature(JitterBuffer.__init__).parameters) == ["self", "capacity", "prefetch", "is_video"],
        "JitterBuffer.__init__ signature changed",
    )

    class ConfigurableJitterBuffer(JitterBuffer):
        """aiortc's JitterBuffer with the audio prefetch taken from ``set_audio_prefetch``."""

        def __init__(self, capacity: int, prefetch: int = 0, is_video: bool = False) -> None:
            if not is_video:
                prefetch = _state["audio_prefetch"]
            super().__init__(capacity=capacity, prefetch=prefetch, is_video=is_video)

    receiver.JitterBuffer = ConfigurableJitterBuffer  # type: ignore[misc]


def _fast_audio_level_dbov(frame: Any) -> int:
    """RFC 6465 level of an s16 frame, as ``aiortc.rtp.compute_audio_level_dbov`` computes it."""
    samples = np.frombuffer(bytes(frame.planes[0]), dtype=np.int16).astype(np.float64)
    count = frame.samples
    if count <= 0:
        return -127
    rms = math.sqrt(float(np.dot(samples, samples)) / (count * 32767.0 * 32767.0))
    if rms <= 0:
        return -127
    return round(min(max(20 * math.log10(rms), -127), 0))


def _patch_audio_level() -> None:
    import aiortc.rtcrtpsender as sender
    import aiortc.rtp as rtp

    _require(hasattr(rtp, "compute_audio_level_dbov"), "aiortc.rtp.compute_audio_level_dbov is gone")
    _require(
        "rtp.compute_audio_level_dbov(" in inspect.getsource(sender.RTCRtpSender),
        "RTCRtpSender no longer calls rtp.compute_audio_level_dbov",
    )
    rtp.compute_audio_level_dbov = _fast_audio_level_dbov


def _patch_late_connect() -> None:
    from aiortc import RTCPeerConnection

    name = "_RTCPeerConnection__connect"
    original = getattr(RTCPeerConnection, name, None)
    _require(original is not None, "RTCPeerConnection.__connect is gone")
    source = inspect.getsource(original)
    _require(
        "sender.send(" in source and "receiver.receive(" in source and "self.__isClosed" in source,
        "RTCPeerConnection.__connect no longer starts senders and receivers the way it did",
    )
    _require(
        "ensure_future(self.__connect())" in inspect.getsource(RTCPeerConnection),
        "RTCPeerConnection no longer runs __connect as a detached task",
    )

    def closed(pc: Any) -> bool:
        return getattr(pc, "_RTCPeerConnection__isClosed", None) is not None

    async def connect(self: Any) -> None:
        try:
            await original(self)
        except Exception:
            if not closed(self):
                raise
            # Closed while connecting: the transports are gone, that is all this says.
        finally:
            if closed(self):
                # Stop whatever the late connect started.
                for transceiver in self.getTransceivers():
                    await transceiver.sender.stop()
                    await transceiver.receiver.stop()

    connect.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(RTCPeerConnection, name, connect)


def apply(audio_prefetch: int | None = None) -> None:
    """Apply every patch once; later calls only change the audio prefetch if given.

    The prefetch applies to receivers created afterwards (each RTCRtpReceiver
    builds its jitter buffer when it is created).
    """
    if audio_prefetch is not None:
        set_audio_prefetch(audio_prefetch)
    if _state["applied"]:
        return
    import aiortc

    _require(aiortc.__version__ == _AIORTC_VERSION, f"aiortc is {aiortc.__version__}")
    _patch_loopback()
    _patch_jitter_buffer()
    _patch_audio_level()
    _patch_late_connect()
    _state["applied"] = True


def set_audio_prefetch(frames: int) -> None:
    """Frames (1-8) the audio jitter buffer keeps before releasing one: latency = about 20 ms x frames.

    1 (the default) keeps console -> switch echo -> console near 80-100 ms; the device's
    playout buffer absorbs the jitter a 1-frame buffer lets through. 2 adds about 20 ms a hop;
    aiortc's own is 4 (about 80 ms a hop).
    """
    if not isinstance(frames, int) or not 1 <= frames <= 8:
        raise ValueError(f"audio prefetch must be an integer from 1 to 8, not {frames!r}")
    _state["audio_prefetch"] = frames


def audio_prefetch() -> int:
    return _state["audio_prefetch"]


def applied() -> bool:
    return _state["applied"]


def rtc_configuration(ice_servers: Iterable[Any] = ()) -> Any:
    """An RTCConfiguration with exactly the given ICE servers (none by default).

    Always pass one: with aiortc's default, every setLocalDescription asks a
    public STUN server and stalls up to 5 s on a machine without internet.
    ``ice_servers`` items are RTCIceServer objects, URL strings, or dicts with
    ``urls`` (and optional ``username``/``credential``).
    """
    from aiortc import RTCConfiguration, RTCIceServer

    servers = []
    for server in ice_servers:
        if isinstance(server, RTCIceServer):
            servers.append(server)
        elif isinstance(server, str):
            servers.append(RTCIceServer(urls=server))
        elif isinstance(server, dict):
            servers.append(
                RTCIceServer(
                    urls=server["urls"], username=server.get("username"), credential=server.get("credential")
                )
            )
        else:
            raise TypeError(f"an ICE server is an RTCIceServer, a URL or a dict with 'urls', not {server!r}")
    return RTCConfiguration(iceServers=servers)
