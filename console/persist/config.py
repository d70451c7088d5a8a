"""config.toml: the user's settings (never a password)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from .paths import AppDirs, atomic_write, log

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
    keys: Mapping[str, str] = field(default_factory=dict)  # action id -> keys, e.g. {"hangup": "e,ctrl+e"}
    # [sip]: a SIP server has no directory and its feature codes are its own (docs/SIP.md, "Attendant features")
    sip_directory: tuple[tuple[str, str], ...] = ()  # (number, name): the extensions with lamps
    sip_pickup_code: str = "*8"  # dialled before an extension to pick up the call ringing there
    sip_dnd_status: int = 486  # what DND answers callers: 486 (busy) or 480 (unavailable)
    sip_pickup_replaces: bool = False  # pick up by INVITE with Replaces to the caller (its phone must support it)
    sip_park: str = "local"  # "local" (held here with music on an orbit) or "refer:<the server's park extension>"
    sip_park_recall: float = 60.0  # seconds on a local orbit before the operator is reminded
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
        audio = data.get("audio", {}) if isinstance(data.get("audio"), dict) else {}
        return cls(
            audio_latency_ms=_latency_ms(audio.get("latency_ms", AUDIO_LATENCY_MS)),
            sip_directory=_directory(sip.get("directory", [])),
            sip_pickup_code=sip["pickup_code"] if isinstance(sip.get("pickup_code"), str) else "*8",
            sip_dnd_status=480 if sip.get("dnd_status") == 480 else 486,
            sip_pickup_replaces=sip.get("pickup_replaces") is True,
            sip_park=park if isinstance(park := sip.get("park"), str) and _park_mode(park) else "local",
            sip_park_recall=float(again) if isinstance(again := sip.get("park_recall", 60.0), (int, float))
            and not isinstance(again, bool) and again > 0 else 60.0,
            server=text("server"), username=text("username"), number=text("number"),
            theme=text("theme", cls.theme), audio_device=text("audio_device"), ringer_device=text("ringer_device"),
            log_client=bool(data.get("log_client", False)), keys=keys,
            auto_accept=bool(data.get("auto_accept", False)),
            hold_recall=float(recall) if isinstance(recall := data.get("hold_recall", 60.0), (int, float))
            and not isinstance(recall, bool) and recall >= 0 else 60.0,
            max_recording_seconds=float(limit) if isinstance(limit := data.get("max_recording_seconds", 3600.0),
                                                             (int, float))
            and not isinstance(limit, bool) and limit > 0 else 3600.0,
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
            f"theme = {_toml_str(self.theme)}",
            f"audio_device = {_toml_str(self.audio_device)}  # anynode-console devices lists them; F3 picks",
            f"ringer_device = {_toml_str(self.ringer_device)}  # empty: ring on the headset while no call has it",
            f"log_client = {'true' if self.log_client else 'false'}",
            f"auto_accept = {'true' if self.auto_accept else 'false'}  # callers hear ringing at once",
            f"hold_recall = {self.hold_recall:g}  # seconds on hold before a reminder (0: never)",
            f"max_recording_seconds = {self.max_recording_seconds:g}  # a recording (R) stops by itself after this",
            f"transfer_recall = {self.transfer_recall:g}  # seconds a transfer may ring before the caller comes back",
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
                  f"park_recall = {self.sip_park_recall:g}  # seconds on a local orbit before a reminder"]
        lines += ["", "[audio]",
                  f"latency_ms = {self.audio_latency_ms}  # a sound card's buffering per direction, "
                  f"{AUDIO_LATENCY_BOUNDS[0]}-{AUDIO_LATENCY_BOUNDS[1]}; doubled by itself if the card underruns"]
        return "\n".join(lines) + "\n"


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


def load_config(dirs: AppDirs) -> Config:
    """The config file, or the defaults if there is none; a broken file is logged and ignored."""
    try:
        data = tomllib.loads(dirs.config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        log.warning("ignoring unreadable config %s: %s", dirs.config_file, exc)
        return Config()
    return Config.from_toml(data)


def save_config(dirs: AppDirs, config: Config) -> None:
    atomic_write(dirs.config_file, config.to_toml())


def update_config(dirs: AppDirs, **changes: Any) -> Config:
    """Change some fields of the saved config (keeping the others) and return it."""
    config = replace(load_config(dirs), **changes)
    save_config(dirs, config)
    return config


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
