"""config.toml: the user's settings (never a password)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from console.core.client.failover import check_proxies

from .hooks_config import ConfigError, HooksConfig
from .paths import AppDirs, atomic_write, log, private_dir

CONFIG_VERSION = 1
AUDIO_LATENCY_MS = 20  # console.media.latency.DEFAULT_MS (persist does not import media)
AUDIO_LATENCY_BOUNDS = (10, 200)  # console.media.latency.MIN_MS, MAX_MS


@dataclass(frozen=True)
class Config:
    """The user's settings. An empty ``server`` means: start the embedded switch."""

    server: str = ""
    username: str = ""
    number: str = ""
    theme: str = "anynode-dark"
    audio_device: str = ""  # a device spec for console.media.opening.open_device; "" = the default device
    ringer_device: str = ""  # where incoming calls ring (a desk speaker); "" = on the headset while it is free
    log_client: bool = False  # turn the client's diagnostic logging (control_logging) on at start
    auto_accept: bool = False  # incoming calls ring at the caller (accepted) as soon as they arrive
    hold_recall: float = 60.0  # seconds on hold before the board reminds the operator (0: never)
    max_recording_seconds: float = 3600.0  # a call recording (R) stops by itself after this long
    transfer_recall: float = 20.0  # seconds a transfer rings unanswered before the caller comes back (0 < s <= 300)
    ca_file: str = ""  # PEM CA certificates the server's TLS certificate must chain to; "" = the system's (--ca-file)
    records_file_bytes: int = 1_000_000  # calls.jsonl is rotated before it passes this (4000 ..= 100 MB)
    records_files: int = 10  # call-record files kept, the current one included (1 ..= 1000)
    service_level: int = 20  # seconds: the wallboard's service level counts calls answered within it (1 ..= 3600)
    keys: Mapping[str, str] = field(default_factory=dict)  # action id -> keys, e.g. {"hangup": "e,ctrl+e"}
    # [sip]: a SIP server has no directory and its feature codes are its own (docs/SIP.md, "Attendant features")
    sip_directory: tuple[tuple[str, str], ...] = ()  # (number, name): the extensions with lamps
    sip_pickup_code: str = "*8"  # dialled before an extension to pick up the call ringing there
    sip_dnd_status: int = 486  # what DND answers callers: 486 (busy) or 480 (unavailable)
    sip_pickup_replaces: bool = False  # pick up by INVITE with Replaces to the caller (its phone must support it)
    sip_park: str = "local"  # "local" (held here with music on an orbit) or "refer:<the server's park extension>"
    sip_park_recall: float = 60.0  # seconds on a local orbit before the operator is reminded
    # [ice]: the console's own STUN/TURN servers (before any the switch hands out) and "all" or "relay"
    ice_servers: tuple[Mapping[str, Any], ...] = ()
    ice_policy: str = "all"
    # [events]: the event and control socket (docs/EVENTS.md)
    events_socket: str = ""  # its path; "" : the runtime (else state) folder's events.sock; "off": no socket
    events_max_clients: int = 16
    events_client_lines: int = 1000  # lines a client may leave unread before it is dropped
    events_client_bytes: int = 1 << 20  # the same in bytes
    hooks: HooksConfig = field(default_factory=HooksConfig)  # [hooks]: webhooks and screen pop (strict: ConfigError)
    # more WebSocket addresses of the same SIP service (a pair of proxies sharing registrations): a lost
    # connection is restored through the next one (console/core/client/failover.py); at most 8
    sip_outbound_proxies: tuple[str, ...] = ()
    # [audio]: how much a sound card buffers per direction (console.media.latency; more after underruns)
    audio_latency_ms: int = AUDIO_LATENCY_MS
    version: int = CONFIG_VERSION

    @classmethod
    def from_toml(cls, data: Mapping[str, Any]) -> Config:
        def text(name: str, default: str = "") -> str:
            value = data.get(name, default)
            return value if isinstance(value, str) else default

        keys = data.get("keys", {})
        keys = {str(k): str(v) for k, v in keys.items() if isinstance(v, str)} if isinstance(keys, dict) else {}
        sip = data.get("sip", {}) if isinstance(data.get("sip"), dict) else {}
        ice = data.get("ice", {}) if isinstance(data.get("ice"), dict) else {}
        events = data.get("events", {}) if isinstance(data.get("events"), dict) else {}
        audio = data.get("audio", {}) if isinstance(data.get("audio"), dict) else {}
        return cls(
            audio_latency_ms=_latency_ms(audio.get("latency_ms", AUDIO_LATENCY_MS)),
            ice_servers=_ice_servers(ice.get("servers", [])),
            ice_policy=_ice_policy(ice.get("policy", "all")),
            events_socket=events["socket"] if isinstance(events.get("socket"), str) else "",
            events_max_clients=_whole(events, "max_clients", 16, 1, 256, "[events]"),
            events_client_lines=_whole(events, "client_lines", 1000, 10, 100_000, "[events]"),
            events_client_bytes=_whole(events, "client_bytes", 1 << 20, 4096, 64 << 20, "[events]"),
            hooks=HooksConfig.from_toml(data.get("hooks", {})),
            sip_directory=_directory(sip.get("directory", [])),
            sip_pickup_code=sip["pickup_code"] if isinstance(sip.get("pickup_code"), str) else "*8",
            sip_dnd_status=480 if sip.get("dnd_status") == 480 else 486,
            sip_pickup_replaces=sip.get("pickup_replaces") is True,
            sip_park=park if isinstance(park := sip.get("park"), str) and _park_mode(park) else "local",
            sip_outbound_proxies=_proxies(sip.get("outbound_proxies", [])),
            sip_park_recall=float(again) if isinstance(again := sip.get("park_recall", 60.0), (int, float))
            and not isinstance(again, bool) and again > 0 else 60.0,
            server=text("server"), username=text("username"), number=text("number"), ca_file=text("ca_file"),
            theme=text("theme", cls.theme), audio_device=text("audio_device"), ringer_device=text("ringer_device"),
            log_client=bool(data.get("log_client", False)), keys=keys,
            auto_accept=bool(data.get("auto_accept", False)),
            hold_recall=float(recall) if isinstance(recall := data.get("hold_recall", 60.0), (int, float))
            and not isinstance(recall, bool) and recall >= 0 else 60.0,
            max_recording_seconds=float(limit) if isinstance(limit := data.get("max_recording_seconds", 3600.0),
                                                             (int, float))
            and not isinstance(limit, bool) and limit > 0 else 3600.0,
            records_file_bytes=_whole(data, "records_file_bytes", 1_000_000, 4_000, 100_000_000),
            records_files=_whole(data, "records_files", 10, 1, 1000),
            service_level=_whole(data, "service_level", 20, 1, 3600),
            transfer_recall=float(back) if isinstance(back := data.get("transfer_recall", 20.0), (int, float))
            and not isinstance(back, bool) and 0 < back <= 300 else 20.0,
        )

    def to_toml(self) -> str:
        lines = [
            "# anynode-console configuration. Passwords are never stored here.",
            f"version = {CONFIG_VERSION}",
            f"server = {_toml_str(self.server)}  # empty: start the embedded demo switch",
            f"username = {_toml_str(self.username)}",
            f"number = {_toml_str(self.number)}",
            f"ca_file = {_toml_str(self.ca_file)}  # CA certificates (PEM) for wss:// and sip+wss://; empty: the system's",
            f"theme = {_toml_str(self.theme)}",
            f"audio_device = {_toml_str(self.audio_device)}  # anynode-console devices lists them; F3 picks",
            f"ringer_device = {_toml_str(self.ringer_device)}  # empty: ring on the headset while no call has it",
            f"log_client = {'true' if self.log_client else 'false'}",
            f"auto_accept = {'true' if self.auto_accept else 'false'}  # callers hear ringing at once",
            f"hold_recall = {self.hold_recall:g}  # seconds on hold before a reminder (0: never)",
            f"max_recording_seconds = {self.max_recording_seconds:g}  # a recording (R) stops by itself after this",
            f"transfer_recall = {self.transfer_recall:g}  # seconds a transfer may ring before the caller comes back",
            f"records_file_bytes = {self.records_file_bytes}  # calls.jsonl (anynode-console cdr) rotates at this size",
            f"records_files = {self.records_files}  # call-record files kept: at most records_file_bytes * this",
            f"service_level = {self.service_level}  # seconds: the wallboard's service level (answered within)",
            "",
            "[keys]  # action = \"key[,key...]\"; see the help screen (F1) for the action names",
        ]
        lines += [f"{_toml_key(name)} = {_toml_str(keys)}" for name, keys in sorted(self.keys.items())]
        entries = ", ".join(f"{{number = {_toml_str(n)}, name = {_toml_str(m)}}}" for n, m in self.sip_directory)
        lines += ["", "[sip]  # for a SIP server (sip+ws://, sip+wss://): the lamps' extensions and the feature codes",
                  f"directory = [{entries}]  # or plain numbers: [\"1001\", \"1002\"]",
                  f"pickup_code = {_toml_str(self.sip_pickup_code)}  # *8<ext> picks up a call ringing at <ext>",
                  f"dnd_status = {self.sip_dnd_status}  # 486 busy or 480 unavailable",
                  f"pickup_replaces = {'true' if self.sip_pickup_replaces else 'false'}  "
                  "# true: INVITE with Replaces to the caller instead of the code (RFC 3891)",
                  f"park = {_toml_str(self.sip_park)}  # local: held here with music; refer:700: the server's park",
                  f"park_recall = {self.sip_park_recall:g}  # seconds on a local orbit before a reminder",
                  f"outbound_proxies = [{', '.join(_toml_str(p) for p in self.sip_outbound_proxies)}]  "
                  "# the other nodes of a proxy pair: a lost connection fails over to them"]
        servers = ", ".join("{" + ", ".join(f"{_toml_key(k)} = {json.dumps(v)}" for k, v in server.items()) + "}"
                            for server in self.ice_servers)
        lines += ["", "[ice]  # your own STUN/TURN servers, e.g. {urls = \"turn:turn.example.org:3478\", "
                  "username = \"u\", credential = \"p\"}",
                  f"servers = [{servers}]",
                  f"policy = {_toml_str(self.ice_policy)}  # all, or relay: media only through the TURN server"]
        lines += ["", "[events]  # the event and control socket (docs/EVENTS.md)",
                  f"socket = {_toml_str(self.events_socket)}  # empty: the runtime folder's events.sock; \"off\": none",
                  f"max_clients = {self.events_max_clients}  # 1-256",
                  f"client_lines = {self.events_client_lines}  # unread lines before a client is dropped (10-100000)",
                  f"client_bytes = {self.events_client_bytes}  # unread bytes before a client is dropped (4096-67108864)"]
        lines += ["", *self.hooks.to_toml()]
        lines += ["", "[audio]",
                  f"latency_ms = {self.audio_latency_ms}  # a sound card's buffering per direction, "
                  f"{AUDIO_LATENCY_BOUNDS[0]}-{AUDIO_LATENCY_BOUNDS[1]}; doubled by itself if the card underruns"]
        return "\n".join(lines) + "\n"


def _whole(data: Mapping[str, Any], key: str, default: int, low: int, high: int, table: str = "") -> int:
    """``data[key]`` if it is a whole number in [low, high]; else the default, and a warning naming the key
    (and its ``table``, e.g. ``[events]``)."""
    value = data.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    log.warning("config.toml: %s%s = %r is not a whole number from %d to %d; using %d",
                f"{table} " if table else "", key, value, low, high, default)
    return default


def _latency_ms(value: Any) -> int:
    """``[audio] latency_ms``: a whole number of milliseconds within AUDIO_LATENCY_BOUNDS; anything else is
    reported (one warning naming the key, the value and the bounds) and the default is used."""
    low, high = AUDIO_LATENCY_BOUNDS
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    log.warning("config.toml: [audio] latency_ms = %r is not a whole number of milliseconds from %d to %d; "
                "using %d", value, low, high, AUDIO_LATENCY_MS)
    return AUDIO_LATENCY_MS


def _park_mode(mode: str) -> bool:
    """``local``, or ``refer:`` and the server's park extension (as console.webrtc.local_park checks it)."""
    return mode == "local" or (mode.startswith("refer:") and bool(mode[len("refer:"):].strip()))


def _proxies(value: Any) -> tuple[str, ...]:
    """``[sip] outbound_proxies``; a bad value is reported (file and key) and none are used."""
    try:
        return check_proxies(value)
    except ValueError as exc:
        log.warning("config.toml: [sip] outbound_proxies: %s; no failover", exc)
        return ()


def load_config(dirs: AppDirs) -> Config:
    """The config file, or the defaults if there is none; a broken file is logged and ignored.

    A bad ``[hooks]`` value is not ignored: it raises :class:`ConfigError` naming the file and the key (a
    webhook or a screen pop that silently never fires, or fires wrongly, is worse than a refusal to start).
    """
    try:
        data = tomllib.loads(dirs.config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        log.warning("ignoring unreadable config %s: %s", dirs.config_file, exc)
        return Config()
    try:
        return Config.from_toml(data)
    except ConfigError as exc:
        raise ConfigError(f"{dirs.config_file}: {exc}") from None


def save_config(dirs: AppDirs, config: Config) -> None:
    private_dir(dirs.config_dir)  # the console's own folder
    atomic_write(dirs.config_file, config.to_toml())


def update_config(dirs: AppDirs, **changes: Any) -> Config:
    """Change some fields of the saved config (keeping the others) and return it."""
    config = replace(load_config(dirs), **changes)
    save_config(dirs, config)
    return config


def _ice_servers(value: Any) -> tuple[Mapping[str, Any], ...]:
    """``[ice] servers`` as RTCIceServer dicts; a bad list is logged (naming the key) and ignored."""
    from console.core.errors import ProtocolError
    from console.core.protocol import validate_ice_servers

    try:
        return tuple(validate_ice_servers(value))
    except ProtocolError as exc:
        log.warning("config.toml: [ice] servers ignored: %s", exc.message.removeprefix("ice_servers: "))
        return ()


def _ice_policy(value: Any) -> str:
    if value in ("all", "relay"):
        return value
    log.warning("config.toml: [ice] policy must be \"all\" or \"relay\", not %r; using \"all\"", value)
    return "all"


def _directory(value: Any) -> tuple[tuple[str, str], ...]:
    """``["1001", {number = "1002", name = "Reception"}]`` -> ((number, name), ...); anything else is skipped."""
    out: list[tuple[str, str]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str) and item.strip():
            out.append((item.strip(), ""))
        elif isinstance(item, dict) and isinstance(item.get("number"), str) and item["number"].strip():
            name = item.get("name")
            out.append((item["number"].strip(), name if isinstance(name, str) else ""))
    return tuple(out[:2000])


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else _toml_str(name)
