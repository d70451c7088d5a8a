"""The few changes we make to aiortc 1.16.0 and aioice 0.13.0, all in one place.

pyproject pins ``aiortc==1.16.0`` and ``aioice==0.13.0`` (aioice is patched by its
source text too, and aiortc alone bounds it only loosely); :func:`check_versions`
refuses any other version at start, and each patch checks that the internals it
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
  configurable and default it to 1 (about 20 ms, ``DEFAULT_AUDIO_PREFETCH``),
  which keeps console -> switch -> console well under G.114's 150 ms one way.
  A peer connection may have its own (:func:`set_pc_audio_prefetch`: the
  switch's legs do), so the console's ``--jitter-frames`` leaves them alone.
* close during connect: RTCPeerConnection runs ``__connect`` as a detached
  task; if ``close()`` runs while it awaits ICE/DTLS, it later starts the
  senders and receivers of the closed connection, whose RTCP tasks then run
  forever (a leak we saw when one side hangs up right after connecting). The
  wrapper stops them once the late connect returns.
* audio level: aiortc computes the RFC 6465 level of every sent frame with a
  pure-Python loop (about 94 us a frame); a numpy version gives the same
  number for a fraction of the CPU.
* RFC 4733 telephone-event (aiortc has none): ``telephone-event/48000`` (PT
  110) and ``telephone-event/8000`` (PT 126) join aiortc's audio codec table,
  so offers list them and answers keep them when the offer has them (at the
  offer's payload type). They always come after the real codecs (aiortc sends
  with the first one) and an offer with nothing but telephone-event has no
  codec in common. Received telephone-event packets are taken out before the
  jitter buffer (the decoder would die on them) and handed to the receiver's
  listener (:func:`listen_events`); the audio packets after them are
  renumbered so the jitter buffer sees no gap. Sending: :func:`send_events`
  attaches a :class:`console.media.dtmf.EventSender` to an RTP sender, and
  each outgoing audio packet of that sender is replaced by an event packet
  while digits are queued (same SSRC and sequence numbers, as browsers do).
* encoded relay (the switch forwards Opus without transcoding): a receiver's
  audio packets are handed, as they arrive and before the jitter buffer, to a
  listener (:func:`listen_media`: RTP timestamp, payload, clock rate), and its
  decoding can be switched off (:func:`set_decoding`): the audio jitter buffer
  then keeps nothing and releases nothing, so aiortc's decoder thread gets no
  work while RTCP statistics and receiver reports go on. Sending encoded
  payloads needs no patch: aiortc's sender packs an ``av.Packet`` a track
  returns instead of encoding it (``Encoder.pack``).
* TURN over TLS (``turns:``): aioice passes ``ssl=True`` to asyncio, which
  verifies the server's certificate and name against the system's CAs only.
  With :func:`set_turn_ca_file` (the console's ``--ca-file``) that file's CAs
  are trusted instead, as for ``wss://``; still verified, name included.
* ICE consent (RFC 7675): aioice drops a consent answer later than 0.5 s and closes after six; a busy
  process answers late, so calls died after ~35 s. console/media/consent.py waits for answers until
  consent expires (30 s after the last one), as the RFC says.
"""

from __future__ import annotations

import inspect
import math
import weakref
from typing import Any, Callable, Iterable

import numpy as np

from console.core.errors import ConsoleError
from . import consent, dtmf

DEFAULT_AUDIO_PREFETCH = 1
"""Frames the audio jitter buffer holds back before releasing one (aiortc's own: 4)."""

AIORTC_VERSION = "1.16.0"  # pinned in pyproject.toml; tests/media/test_patches.py checks they agree
AIOICE_VERSION = "0.13.0"


class PatchError(ConsoleError, RuntimeError):
    """aiortc/aioice internals differ from the pinned versions the patches were written for."""


_state: dict[str, Any] = {"applied": False, "audio_prefetch": DEFAULT_AUDIO_PREFETCH, "turn_ca_file": None}
_pc_prefetch: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()  # peer connections with their own


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise PatchError(
            f"console.media.patches: {what}. The patches were written for aiortc=={AIORTC_VERSION} "
            f"and aioice=={AIOICE_VERSION}; review console/media/patches.py before upgrading."
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

    _require(
        {"_origin", "_packets"} <= set(JitterBuffer(capacity=4).__dict__),
        "JitterBuffer no longer keeps _origin and _packets",
    )
    _require(
        "self.__jitter_buffer = JitterBuffer(" in source, "RTCRtpReceiver.__init__ no longer keeps __jitter_buffer"
    )

    class ConfigurableJitterBuffer(JitterBuffer):
        """aiortc's JitterBuffer with the audio prefetch taken from ``set_audio_prefetch``,
        and a bypass (:func:`set_decoding`): while set, packets are neither kept nor released."""

        def __init__(self, capacity: int, prefetch: int = 0, is_video: bool = False) -> None:
            if not is_video:
                prefetch = _state["audio_prefetch"]
            super().__init__(capacity=capacity, prefetch=prefetch, is_video=is_video)
            self.bypass = False

        def add(self, packet: Any) -> tuple[bool, Any]:
            if self.bypass:
                return False, None
            return super().add(packet)

        def restart(self) -> None:
            """Forget every packet (decoding resumes after a bypass: the next packet is the origin)."""
            self._origin = None
            self._packets = [None] * self.capacity

    receiver.JitterBuffer = ConfigurableJitterBuffer  # type: ignore[misc]

    from aiortc.rtcpeerconnection import RTCPeerConnection

    create = getattr(RTCPeerConnection, "_RTCPeerConnection__createTransceiver", None)
    _require(create is not None, "RTCPeerConnection no longer has __createTransceiver")
    _require("receiver=RTCRtpReceiver(kind, dtlsTransport)" in inspect.getsource(create),
             "RTCPeerConnection.__createTransceiver no longer builds each transceiver's receiver")

    def create_transceiver(self: Any, *args: Any, **kwargs: Any) -> Any:
        """aiortc's, then the peer connection's own audio prefetch (if it has one) for the new receiver."""
        transceiver = create(self, *args, **kwargs)
        if transceiver.kind == "audio" and self in _pc_prefetch:
            transceiver.receiver._RTCRtpReceiver__jitter_buffer._prefetch = _pc_prefetch[self]
        return transceiver

    create_transceiver.__wrapped__ = create  # type: ignore[attr-defined]
    RTCPeerConnection._RTCPeerConnection__createTransceiver = create_transceiver  # type: ignore[attr-defined]


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


# --- RFC 4733 telephone-event -----------------------------------------------------

EVENT_PAYLOAD_TYPES = {48000: 110, 8000: 126}
"""Our offers' telephone-event payload types per clock rate (Chrome's own numbers; 96-102 are aiortc's)."""

_TAP = "_console_event_tap"  # our attribute on an RTCRtpReceiver (a dict keyed by receiver would keep
# it alive: the listener refers back to the peer connection that owns the receiver)
_senders: weakref.WeakKeyDictionary[Any, tuple[int, dtmf.EventSender]] = weakref.WeakKeyDictionary()


def _is_event(codec: Any) -> bool:
    return codec.mimeType.lower() == dtmf.MIME


def _patch_event_codecs() -> None:
    import aiortc.codecs as codecs
    import aiortc.rtcpeerconnection as peer
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters

    audio = codecs.CODECS.get("audio")
    _require(isinstance(audio, list) and audio and audio[0].mimeType == "audio/opus", "aiortc.codecs.CODECS['audio'] changed")
    _require(
        "find_common_codecs(CODECS[media.kind]" in inspect.getsource(peer.RTCPeerConnection.setRemoteDescription)
        and "CODECS[transceiver.kind]" in inspect.getsource(peer.RTCPeerConnection.createOffer),
        "RTCPeerConnection no longer negotiates from aiortc.codecs.CODECS with find_common_codecs",
    )
    from aiortc.rtcrtptransceiver import RTCRtpTransceiver

    _require("self._codecs" in inspect.getsource(RTCRtpTransceiver.__init__), "RTCRtpTransceiver no longer keeps _codecs")
    used = {c.payloadType for kind in codecs.CODECS.values() for c in kind}
    for rate, pt in EVENT_PAYLOAD_TYPES.items():
        _require(pt not in used, f"payload type {pt} is taken in aiortc.codecs.CODECS")
        audio.append(RTCRtpCodecParameters(mimeType="audio/telephone-event", clockRate=rate, channels=1, payloadType=pt, parameters={"0-15": None}))
    original = peer.find_common_codecs

    def find_common_codecs(local_codecs: list[Any], remote_codecs: list[Any]) -> list[Any]:
        common = original(local_codecs, remote_codecs)
        media = [c for c in common if not _is_event(c)]
        return media + [c for c in common if _is_event(c)] if media else []

    find_common_codecs.__wrapped__ = original  # type: ignore[attr-defined]
    peer.find_common_codecs = find_common_codecs


class _ReceiveTap:
    """One receiver's telephone-event state: the digit decoder, the listener, the renumbering;
    and the listener of its encoded audio packets (:func:`listen_media`)."""

    def __init__(self) -> None:
        self.events = dtmf.EventReceiver()
        self.listener: Callable[[str], None] | None = None
        self.media: Callable[[int, bytes, int], None] | None = None
        self.removed = 0

    def event(self, timestamp: int, payload: bytes) -> None:
        self.removed += 1
        digit = self.events.receive(timestamp, payload)
        if digit is not None and self.listener is not None:
            self.listener(digit)


def _patch_event_receive() -> None:
    from aiortc.rtcrtpreceiver import RTCRtpReceiver

    _require(
        "self.__codecs.get(packet.payload_type)" in inspect.getsource(RTCRtpReceiver._handle_rtp_packet),
        "RTCRtpReceiver._handle_rtp_packet no longer looks codecs up in self.__codecs",
    )
    _require("self.__codecs[codec.payloadType] = codec" in inspect.getsource(RTCRtpReceiver.receive), "RTCRtpReceiver.receive changed")
    original = RTCRtpReceiver._handle_rtp_packet

    async def _handle_rtp_packet(self: Any, packet: Any, arrival_time_ms: int) -> None:
        codec = self._RTCRtpReceiver__codecs.get(packet.payload_type)
        tap = getattr(self, _TAP, None)
        if codec is not None and _is_event(codec):
            if tap is None:
                tap = _ReceiveTap()
                setattr(self, _TAP, tap)
            if self._enabled:
                tap.event(packet.timestamp, packet.payload)
            return
        if tap is not None:
            if tap.removed:
                packet.sequence_number = (packet.sequence_number - tap.removed) & 0xFFFF
            if tap.media is not None and codec is not None and self._enabled and packet.payload:
                tap.media(packet.timestamp, packet.payload, codec.clockRate)
        await original(self, packet, arrival_time_ms)

    _handle_rtp_packet.__wrapped__ = original  # type: ignore[attr-defined]
    RTCRtpReceiver._handle_rtp_packet = _handle_rtp_packet  # type: ignore[method-assign]


def _rewrite(data: bytes, payload_type: int, sender: dtmf.EventSender) -> bytes:
    """The outgoing audio packet ``data``, or the telephone-event packet that replaces it."""
    first = data[0]
    header = 12 + 4 * (first & 0x0F)
    if first & 0x10:  # header extensions (mid, audio level) stay
        if len(data) < header + 4:
            return data
        header += 4 + 4 * int.from_bytes(data[header + 2:header + 4], "big")
    if len(data) < header:
        return data
    step = sender.next(int.from_bytes(data[4:8], "big"))
    if step is None:
        return data
    marker, timestamp, payload = step
    return (
        bytes([first & ~0x20 & 0xFF, (0x80 if marker else 0) | payload_type])
        + data[2:4] + timestamp.to_bytes(4, "big") + data[8:header] + payload
    )


def _patch_event_send() -> None:
    from aiortc.rtcdtlstransport import RTCDtlsTransport, RtpRouter
    from aiortc.rtcrtpsender import RTCRtpSender
    from aiortc.rtp import is_rtcp

    _require(
        "await self.transport._send_rtp(packet_bytes)" in inspect.getsource(RTCRtpSender._run_rtp),
        "RTCRtpSender._run_rtp no longer sends through transport._send_rtp",
    )
    _require(hasattr(RtpRouter(), "senders"), "aiortc's RtpRouter has no senders table")
    original = RTCDtlsTransport._send_rtp

    async def _send_rtp(self: Any, data: bytes) -> None:
        if _senders and len(data) >= 12 and not is_rtcp(data):
            sender = self._rtp_router.senders.get(int.from_bytes(data[8:12], "big"))
            hook = _senders.get(sender) if sender is not None else None
            if hook is not None:
                data = _rewrite(data, *hook)
        await original(self, data)

    _send_rtp.__wrapped__ = original  # type: ignore[attr-defined]
    RTCDtlsTransport._send_rtp = _send_rtp  # type: ignore[method-assign]


def _patch_turn_tls() -> None:
    import aioice.ice as ice
    import aioice.turn as turn

    original = turn.create_turn_endpoint
    _require("ssl" in inspect.signature(original).parameters, "aioice.turn.create_turn_endpoint takes no ssl")
    _require("turn.create_turn_endpoint(" in inspect.getsource(ice.relayed_candidate)
             and "ssl=turn_ssl" in inspect.getsource(ice.relayed_candidate),
             "aioice.ice.relayed_candidate no longer calls turn.create_turn_endpoint(ssl=turn_ssl)")

    async def create_turn_endpoint(*args: Any, ssl: Any = None, **kwargs: Any) -> Any:
        if ssl is True and _state["turn_ca_file"]:
            import ssl as tls

            ssl = tls.create_default_context(cafile=_state["turn_ca_file"])  # verifies the name, as ssl=True does
        return await original(*args, ssl=ssl, **kwargs)

    create_turn_endpoint.__wrapped__ = original  # type: ignore[attr-defined]
    turn.create_turn_endpoint = create_turn_endpoint


def set_turn_ca_file(path: str | None) -> None:
    """Trust this PEM file's CAs (instead of the system's) for ``turns:`` servers; None: the system's."""
    _state["turn_ca_file"] = path


def _check_encoded_send() -> None:
    """Nothing to patch: the relay relies on aiortc's sender packing the av.Packet a track returns."""
    from aiortc.codecs.base import Encoder
    from aiortc.rtcrtpsender import RTCRtpSender

    _require(
        "self.__encoder.pack(data)" in inspect.getsource(RTCRtpSender._next_encoded_frame)
        and "isinstance(data, Frame)" in inspect.getsource(RTCRtpSender._next_encoded_frame),
        "RTCRtpSender no longer packs the av.Packet a track returns",
    )
    _require(hasattr(Encoder, "pack"), "aiortc's Encoder has no pack()")


def negotiated_codecs(transceiver: Any) -> list[Any]:
    """The codecs a transceiver negotiated (aiortc keeps them in ``_codecs``); the first is the one sent."""
    return list(transceiver._codecs)


def listen_events(receiver: Any, listener: Callable[[str], None] | None) -> None:
    """Call ``listener(digit)`` once per RFC 4733 event ``receiver`` gets (on the event loop)."""
    _tap(receiver).listener = listener


def _tap(receiver: Any) -> _ReceiveTap:
    tap = getattr(receiver, _TAP, None)
    if tap is None:
        tap = _ReceiveTap()
        setattr(receiver, _TAP, tap)
    return tap


def listen_media(receiver: Any, listener: Callable[[int, bytes, int], None] | None) -> None:
    """Call ``listener(rtp_timestamp, payload, clock_rate)`` for each audio packet ``receiver`` gets
    while enabled (telephone-events excluded), on the event loop, as it arrives (before the jitter buffer)."""
    _tap(receiver).media = listener


def set_decoding(receiver: Any, on: bool) -> None:
    """Whether an audio receiver decodes what it receives (its track yields frames); off costs
    no decoding at all. Turning it back on starts the jitter buffer afresh."""
    buffer = getattr(receiver, "_RTCRtpReceiver__jitter_buffer", None)
    _require(buffer is not None and hasattr(buffer, "bypass"), "the receiver has no patched jitter buffer")
    if buffer.bypass == (not on):
        return
    if on:
        buffer.restart()
    buffer.bypass = not on


def decoding(receiver: Any) -> bool:
    buffer = getattr(receiver, "_RTCRtpReceiver__jitter_buffer", None)
    return buffer is not None and not getattr(buffer, "bypass", False)


def send_events(transceiver: Any) -> dtmf.EventSender:
    """The event sender of an audio transceiver, attached on first use.

    The telephone-event at the clock rate of the codec being sent is preferred
    (RFC 4733 2.1); otherwise the one the far end accepted at another rate (most
    SIP phones offer only telephone-event/8000 beside Opus): the events then keep
    the audio's timestamps and count their durations in 8000 Hz units
    (:class:`console.media.dtmf.EventSender`). Raises ValueError if the answer has
    no telephone-event at all.
    """
    codecs = negotiated_codecs(transceiver)
    if not codecs or _is_event(codecs[0]):
        raise ValueError("no audio codec is negotiated")
    rate = codecs[0].clockRate
    events = sorted((c for c in codecs if _is_event(c)), key=lambda c: (c.clockRate != rate, c.clockRate != 8000))
    if not events:
        offered = " nor ".join(f"telephone-event/{r}" for r in EVENT_PAYLOAD_TYPES)
        raise ValueError(f"the far end accepted neither {offered}")
    event = events[0]
    current = _senders.get(transceiver.sender)
    if (current is None or current[0] != event.payloadType or current[1].clock_rate != rate
            or current[1].event_rate != event.clockRate):
        fresh = dtmf.EventSender(rate, event.clockRate)
        if current is not None:
            fresh.requeue(current[1])
        current = (event.payloadType, fresh)
        _senders[transceiver.sender] = current
    return current[1]


def apply(audio_prefetch: int | None = None) -> None:
    """Apply every patch once; later calls only change the audio prefetch if given.

    The prefetch applies to receivers created afterwards (each RTCRtpReceiver
    builds its jitter buffer when it is created).
    """
    if audio_prefetch is not None:
        set_audio_prefetch(audio_prefetch)
    if _state["applied"]:
        return
    check_versions()
    _patch_loopback()
    _patch_jitter_buffer()
    _patch_audio_level()
    _patch_late_connect()
    _patch_event_codecs()
    _patch_event_receive()
    _patch_event_send()
    _check_encoded_send()
    _patch_turn_tls()
    consent.install(_require)
    _state["applied"] = True


def check_versions() -> None:
    """Refuse an aiortc or aioice other than the pinned ones (raises :class:`PatchError`)."""
    import aioice
    import aiortc

    _require(aiortc.__version__ == AIORTC_VERSION, f"aiortc is {aiortc.__version__}")
    _require(aioice.__version__ == AIOICE_VERSION, f"aioice is {aioice.__version__}")


def _checked_prefetch(frames: int) -> int:
    if not isinstance(frames, int) or not 1 <= frames <= 8:
        raise ValueError(f"audio prefetch must be an integer from 1 to 8, not {frames!r}")
    return frames


def set_audio_prefetch(frames: int) -> None:
    """Frames (1-8) the audio jitter buffer keeps before releasing one: latency = about 20 ms x frames.

    The default for peer connections without their own (:func:`set_pc_audio_prefetch`): the
    console's (``--jitter-frames``). 1 (the default) keeps console -> switch echo -> console near
    80-100 ms; the device's playout buffer absorbs the jitter a 1-frame buffer lets through. 2 adds
    about 20 ms a hop; aiortc's own is 4 (about 80 ms a hop).
    """
    _state["audio_prefetch"] = _checked_prefetch(frames)


def set_pc_audio_prefetch(pc: Any, frames: int) -> None:
    """``pc``'s own audio prefetch, whatever the default: for its receivers made from now on
    (call it before the first offer or answer)."""
    _pc_prefetch[pc] = _checked_prefetch(frames)


def audio_prefetch(pc: Any = None) -> int:
    """``pc``'s audio prefetch (its own, else the default); the default when ``pc`` is None."""
    return _pc_prefetch.get(pc, _state["audio_prefetch"]) if pc is not None else _state["audio_prefetch"]


def applied() -> bool:
    return _state["applied"]


ICE_POLICIES = ("all", "relay")
"""RTCConfiguration.iceTransportPolicy values aiortc honours: "relay" gathers only TURN relay candidates."""


def rtc_configuration(ice_servers: Iterable[Any] = (), policy: str = "all") -> Any:
    """An RTCConfiguration with exactly the given ICE servers (none by default).

    Always pass one: with aiortc's default, every setLocalDescription asks a
    public STUN server and stalls up to 5 s on a machine without internet.
    ``ice_servers`` items are RTCIceServer objects, URL strings, or dicts with
    ``urls`` (and optional ``username``/``credential``). aioice uses the first
    STUN and the first TURN server only. ``policy`` "relay" (aioice's
    TransportPolicy.RELAY) offers no host address at all: media only through
    the TURN server (no candidate without one).
    """
    from aiortc import RTCConfiguration, RTCIceServer, RTCIceTransportPolicy

    if policy not in ICE_POLICIES:
        raise ValueError(f"ICE transport policy must be one of {', '.join(ICE_POLICIES)}, not {policy!r}")

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
    return RTCConfiguration(iceServers=servers, iceTransportPolicy=RTCIceTransportPolicy(policy))
