"""The switch's configuration: a TOML file read into frozen dataclasses.

Everything is checked at load time, so a typo in a key or a dangerous JWT
setting (``alg: none``) stops the switch with a message naming the file and
the key, instead of surfacing later as a puzzling login failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from console.core.enums import NumberMode
from console.core.errors import ProtocolError
from console.core.protocol import validate_ice_servers


from console.switch.candidates import DEFAULT_POLICY, CandidateClass
from console.switch.limits import Limits, parse_limits
from console.switch.media import ServiceKind
from console.switch.turn import DEFAULT_TTL, MAX_TTL, MIN_TTL

NUMBER_RE = re.compile(r"^\+?[0-9*#]{1,32}$")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 16384, 8, 1
HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
# `anynode-console switch` listens here unless --port or its file's [switch] port says otherwise: the same address
# every run, so consoles keep their server and their saved sessions (the embedded switch takes any free port)
DEFAULT_PORT = 8765


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class JwtConfig:
    algorithms: tuple[str, ...]
    secret: str | None = None
    public_key: str | None = None
    issuer: str | None = None
    audience: str | None = None
    leeway: float = 0.0


@dataclass(frozen=True)
class User:
    username: str
    password: str | None = None  # a hash_password() string; None: token logins only
    name: str = ""
    number: str | None = None
    forward: str | None = None
    forward_after: float = 0.0
    max_calls: int = 8
    department: str = ""  # shown in the directory (attendant extension)
    notes: str = ""
    allow: tuple[str, ...] = ("*",)


@dataclass(frozen=True)
class Service:
    number: str
    kind: ServiceKind
    name: str = ""


@dataclass(frozen=True)
class SwitchConfig:
    host: str = "127.0.0.1"
    port: int = 0
    number_mode: NumberMode = NumberMode.EITHER
    open_numbers: bool = False  # consoles may register numbers nobody owns (docs/PROTOCOL.md, Number ownership)
    session_lifetime: float = 300.0
    ring_timeout: float = 30.0
    max_calls: int = 1000
    max_media: int = 200
    media: bool = True
    moh: bool = True
    tls_cert: str | None = None
    tls_key: str | None = None
    ice_servers: tuple[dict[str, Any], ...] = ()  # handed to consoles in the login result
    turn_urls: tuple[str, ...] = ()  # TURN servers handed out with fresh time-limited credentials (turn.py)
    turn_secret: str | None = field(default=None, repr=False)  # coturn's static-auth-secret
    turn_ttl: int = DEFAULT_TTL  # seconds a handed-out TURN credential stays valid
    turn_media: bool = False  # the switch's own legs gather a relay candidate too (a switch behind NAT)
    jwt: JwtConfig | None = None
    users: tuple[User, ...] = ()
    services: tuple[Service, ...] = ()
    limits: Limits = field(default_factory=Limits)
    candidates: tuple[CandidateClass, ...] = DEFAULT_POLICY  # where the switch may send STUN (candidates.py)
    park_base: int = 700  # park orbits are park_base + 1 ... park_base + limits.park_orbits
    source: str = field(default="<config>", compare=False)

    def __post_init__(self) -> None:
        # dataclasses.replace(config, number_mode="client") is convenient in tests and callers
        object.__setattr__(self, "number_mode", NumberMode(self.number_mode))

    def user(self, username: str | None) -> User | None:
        return next((u for u in self.users if u.username == username), None) if username else None

    def user_by_number(self, number: str | None) -> User | None:
        return next((u for u in self.users if u.number == number), None) if number else None

    def service(self, number: str) -> Service | None:
        return next((s for s in self.services if s.number == number), None)

    @property
    def orbits(self) -> tuple[str, ...]:
        """The park orbits' numbers (dialling one picks up the call parked there)."""
        return tuple(str(self.park_base + i) for i in range(1, self.limits.park_orbits + 1))

    def owned(self, number: str) -> bool:
        """Whether the directory gives ``number`` to a user or a service."""
        return self.user_by_number(number) is not None or self.service(number) is not None


# --- passwords -------------------------------------------------------------

def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """Return ``scrypt$N$r$p$<salt b64>$<hash b64>`` for a random 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024)
    return "$".join(["scrypt", str(n), str(r), str(p), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """Check ``password`` against a :func:`hash_password` string, in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            maxmem=256 * 1024 * 1024, dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _check_hash(value: str) -> bool:
    parts = value.split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(x.isdigit() for x in parts[1:4])


# --- loading ---------------------------------------------------------------

def load_config(path: str | Path, *, default_port: int = 0) -> SwitchConfig:
    """The file's configuration; ``default_port`` where its [switch] has no ``port``."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, str(path), base_dir=path.parent, default_port=default_port)


def parse_config(data: dict[str, Any], source: str = "<config>", *, base_dir: Path | None = None,
                 default_port: int = 0) -> SwitchConfig:
    """Build a :class:`SwitchConfig` from parsed TOML, checking every key."""
    reader = _Reader(source)
    reader.only(data, "", {"switch", "jwt", "users", "services", "limits"})
    sw = reader.table(data, "switch")
    reader.only(sw, "switch", {
        "host", "port", "number_mode", "session_lifetime", "ring_timeout", "max_calls",
        "max_media", "media", "tls_cert", "tls_key", "moh", "ice_servers", "open_numbers", "candidates",
        "park_base", "turn_urls", "turn_secret", "turn_ttl", "turn_media",
    })
    mode = reader.get(sw, "switch", "number_mode", str, "either")
    try:
        number_mode = NumberMode(mode)
    except ValueError:
        raise reader.error("switch", "number_mode", f"must be one of {', '.join(NumberMode)}, not {mode!r}") from None
    tls_cert = reader.get(sw, "switch", "tls_cert", str, None)
    tls_key = reader.get(sw, "switch", "tls_key", str, None)
    if bool(tls_cert) != bool(tls_key):
        raise reader.error("switch", "tls_cert" if not tls_cert else "tls_key", "tls_cert and tls_key go together")
    port = reader.get(sw, "switch", "port", int, default_port)
    if not 0 <= port <= 65535:
        raise reader.error("switch", "port", "must be 0-65535")
    config = SwitchConfig(
        host=reader.get(sw, "switch", "host", str, "127.0.0.1"),
        port=port,
        number_mode=number_mode,
        open_numbers=reader.get(sw, "switch", "open_numbers", bool, False),
        session_lifetime=reader.positive(sw, "switch", "session_lifetime", 300.0),
        ring_timeout=reader.positive(sw, "switch", "ring_timeout", 30.0),
        max_calls=int(reader.positive(sw, "switch", "max_calls", 1000, int)),
        max_media=int(reader.positive(sw, "switch", "max_media", 200, int)),
        media=reader.get(sw, "switch", "media", bool, True),
        moh=reader.get(sw, "switch", "moh", bool, True),
        tls_cert=_resolve(tls_cert, base_dir),
        tls_key=_resolve(tls_key, base_dir),
        ice_servers=_parse_ice_servers(reader, sw.get("ice_servers", [])),
        **_parse_turn(reader, sw),
        jwt=_parse_jwt(reader, data["jwt"], base_dir) if "jwt" in data else None,
        users=tuple(_parse_user(reader, u, i) for i, u in enumerate(reader.array(data, "users"))),
        services=tuple(_parse_service(reader, s, i) for i, s in enumerate(reader.array(data, "services"))),
        candidates=_parse_candidates(reader, sw),
        park_base=_parse_park_base(reader, sw),
        limits=parse_limits(reader.table(data, "limits"), lambda key, message: reader.error("limits", key, message)),
        source=source,
    )
    _check_unique(reader, config)
    return config


def _parse_park_base(reader: _Reader, sw: dict) -> int:
    base = reader.get(sw, "switch", "park_base", int, 700)
    if not 0 <= base < 10**9:
        raise reader.error("switch", "park_base", "must be 0 or more (orbits are park_base + 1, + 2, ...)")
    return base


def _parse_ice_servers(reader: _Reader, raw: Any) -> tuple[dict[str, Any], ...]:
    try:
        return tuple(validate_ice_servers(raw))
    except ProtocolError as exc:
        raise reader.error("switch", "ice_servers", exc.message.removeprefix("ice_servers: ")) from None


def _parse_turn(reader: _Reader, sw: dict) -> dict[str, Any]:
    urls = reader.get(sw, "switch", "turn_urls", list, [])
    secret = reader.get(sw, "switch", "turn_secret", str, None)
    ttl = reader.get(sw, "switch", "turn_ttl", int, DEFAULT_TTL)
    for url in urls:
        if not isinstance(url, str) or url.split(":", 1)[0] not in ("turn", "turns"):
            raise reader.error("switch", "turn_urls", f"{url!r} is not a turn: or turns: URI")
    try:
        validate_ice_servers([{"urls": urls}] if urls else [])
    except ProtocolError as exc:
        raise reader.error("switch", "turn_urls", exc.message.removeprefix("ice_servers: item 0: ")) from None
    if bool(urls) != bool(secret):
        raise reader.error("switch", "turn_secret" if urls else "turn_urls",
                           "turn_urls and turn_secret go together (coturn's use-auth-secret)")
    if secret is not None and len(secret) < 16:
        raise reader.error("switch", "turn_secret", "at least 16 characters (it is all that guards the relay)")
    if not MIN_TTL <= ttl <= MAX_TTL:
        raise reader.error("switch", "turn_ttl", f"must be {MIN_TTL}-{MAX_TTL} seconds")
    turn_media = reader.get(sw, "switch", "turn_media", bool, False)
    if turn_media and not urls:
        raise reader.error("switch", "turn_media", "needs turn_urls and turn_secret")
    return {"turn_urls": tuple(urls), "turn_secret": secret, "turn_ttl": ttl, "turn_media": turn_media}


def _parse_candidates(reader: _Reader, sw: dict) -> tuple[CandidateClass, ...]:
    names = reader.get(sw, "switch", "candidates", list, [str(c) for c in DEFAULT_POLICY])
    known = ", ".join(CandidateClass)
    if not names:
        raise reader.error("switch", "candidates", f"must name at least one of {known}")
    try:
        return tuple(dict.fromkeys(CandidateClass(n) for n in names))
    except ValueError:
        raise reader.error("switch", "candidates", f"must list some of {known}, not {names!r}") from None


def _parse_jwt(reader: _Reader, raw: Any, base_dir: Path | None) -> JwtConfig:
    if not isinstance(raw, dict):
        raise reader.error("", "jwt", "must be a table")
    reader.only(raw, "jwt", {"algorithms", "secret", "public_key", "public_key_file", "issuer", "audience", "leeway"})
    algorithms = reader.get(raw, "jwt", "algorithms", list, None)
    if not algorithms:
        raise reader.error("jwt", "algorithms", "must list at least one algorithm (e.g. [\"HS256\"])")
    known = set(jwt.algorithms.get_default_algorithms()) - {"none"}
    for alg in algorithms:
        if not isinstance(alg, str) or alg.lower() == "none":
            raise reader.error("jwt", "algorithms", "\"none\" is never accepted: unsigned tokens would log anyone in")
        if alg not in known:
            raise reader.error("jwt", "algorithms", f"unknown algorithm {alg!r}; known: {', '.join(sorted(known))}")
    secret = reader.get(raw, "jwt", "secret", str, None)
    public_key = reader.get(raw, "jwt", "public_key", str, None)
    key_file = reader.get(raw, "jwt", "public_key_file", str, None)
    if key_file:
        if public_key:
            raise reader.error("jwt", "public_key_file", "give public_key or public_key_file, not both")
        try:
            public_key = Path(_resolve(key_file, base_dir) or key_file).read_text()
        except OSError as exc:
            raise reader.error("jwt", "public_key_file", f"cannot read: {exc.strerror or exc}") from None
    if any(a in HMAC_ALGORITHMS for a in algorithms) and not secret:
        raise reader.error("jwt", "secret", "HS* algorithms need a secret")
    if any(a not in HMAC_ALGORITHMS for a in algorithms) and not public_key:
        raise reader.error("jwt", "public_key", "RS*/ES*/PS*/EdDSA algorithms need public_key or public_key_file")
    return JwtConfig(
        algorithms=tuple(algorithms),
        secret=secret,
        public_key=public_key,
        issuer=reader.get(raw, "jwt", "issuer", str, None),
        audience=reader.get(raw, "jwt", "audience", str, None),
        leeway=float(reader.get(raw, "jwt", "leeway", (int, float), 0.0)),
    )


def _parse_user(reader: _Reader, raw: Any, index: int) -> User:
    where = f"users[{index}]"
    if not isinstance(raw, dict):
        raise reader.error("", where, "must be a table")
    reader.only(raw, where, {"username", "password", "name", "number", "forward", "forward_after", "max_calls", "allow",
                             "department", "notes"})
    username = reader.get(raw, where, "username", str, None)
    if not username:
        raise reader.error(where, "username", "is required")
    password = reader.get(raw, where, "password", str, None)
    if password is not None and not _check_hash(password):
        raise reader.error(where, "password", "must be a scrypt$N$r$p$salt$hash string (see hash_password)")
    number = reader.number(raw, where, "number")
    forward = reader.number(raw, where, "forward")
    forward_after = float(reader.get(raw, where, "forward_after", (int, float), 0.0))
    if forward_after < 0:
        raise reader.error(where, "forward_after", "must be >= 0")
    allow = reader.get(raw, where, "allow", list, ["*"])
    if not all(isinstance(p, str) and p for p in allow):
        raise reader.error(where, "allow", "must be a list of non-empty patterns")
    return User(
        username=username,
        password=password,
        name=reader.get(raw, where, "name", str, username),
        number=number,
        forward=forward,
        forward_after=forward_after,
        max_calls=int(reader.positive(raw, where, "max_calls", 8, int)),
        allow=tuple(allow),
        department=_short(reader, raw, where, "department", 64),
        notes=_short(reader, raw, where, "notes", 128),
    )


def _short(reader: _Reader, raw: dict, where: str, key: str, limit: int) -> str:
    value = reader.get(raw, where, key, str, "")
    if len(value) > limit:
        raise reader.error(where, key, f"at most {limit} characters")
    return value


def _parse_service(reader: _Reader, raw: Any, index: int) -> Service:
    where = f"services[{index}]"
    if not isinstance(raw, dict):
        raise reader.error("", where, "must be a table")
    reader.only(raw, where, {"number", "kind", "name"})
    number = reader.number(raw, where, "number")
    if number is None:
        raise reader.error(where, "number", "is required")
    kind = reader.get(raw, where, "kind", str, None)
    try:
        service_kind = ServiceKind(kind)
    except ValueError:
        raise reader.error(where, "kind", f"must be one of {', '.join(ServiceKind)}, not {kind!r}") from None
    return Service(number, service_kind, reader.get(raw, where, "name", str, service_kind.value))


def _check_unique(reader: _Reader, config: SwitchConfig) -> None:
    seen_users: set[str] = set()
    seen_numbers: dict[str, str] = {}
    for i, user in enumerate(config.users):
        if user.username in seen_users:
            raise reader.error(f"users[{i}]", "username", f"{user.username!r} appears twice")
        seen_users.add(user.username)
        if user.number:
            if user.number in seen_numbers:
                raise reader.error(f"users[{i}]", "number", f"{user.number} is already {seen_numbers[user.number]}")
            seen_numbers[user.number] = f"user {user.username}"
    for i, service in enumerate(config.services):
        if service.number in seen_numbers:
            raise reader.error(f"services[{i}]", "number", f"{service.number} is already {seen_numbers[service.number]}")
        seen_numbers[service.number] = f"service {service.name}"
    for orbit in config.orbits:
        if orbit in seen_numbers:
            raise reader.error("switch", "park_base", f"park orbit {orbit} is already {seen_numbers[orbit]}")


def _resolve(path: str | None, base_dir: Path | None) -> str | None:
    if not path:
        return None
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    return str(p)


class _Reader:
    """Typed access to TOML tables; every failure names the file and the key."""

    def __init__(self, source: str):
        self.source = source

    def error(self, table: str, key: str, message: str) -> ConfigError:
        where = f"[{table}] {key}" if table else key
        return ConfigError(f"{self.source}: {where}: {message}")

    def only(self, raw: dict, table: str, allowed: set[str]) -> None:
        for key in raw:
            if key not in allowed:
                raise self.error(table, key, f"unknown key (known: {', '.join(sorted(allowed))})")

    def table(self, data: dict, key: str) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.error("", key, "must be a table")
        return value

    def array(self, data: dict, key: str) -> list:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.error("", key, "must be an array of tables ([[" + key + "]])")
        return value

    def get(self, raw: dict, table: str, key: str, types: type | tuple[type, ...], default: Any) -> Any:
        if key not in raw:
            return default
        value = raw[key]
        types = types if isinstance(types, tuple) else (types,)
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            names = " or ".join(t.__name__ for t in types)
            raise self.error(table, key, f"must be {names}, not {type(value).__name__}")
        return value

    def positive(self, raw: dict, table: str, key: str, default: float, kind: type = float) -> float:
        value = self.get(raw, table, key, (int,) if kind is int else (int, float), default)
        if value <= 0:
            raise self.error(table, key, "must be > 0")
        return value

    def number(self, raw: dict, table: str, key: str) -> str | None:
        value = self.get(raw, table, key, str, None)
        if value is not None and not NUMBER_RE.match(value):
            raise self.error(table, key, f"{value!r} is not a number (digits, *, #, optional leading +)")
        return value
