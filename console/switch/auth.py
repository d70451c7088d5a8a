"""Who is logging in, and with which number: password and JWT checks.

Sans-I/O and synchronous on purpose: the scrypt check takes tens of
milliseconds, so the server runs :func:`check_login` in a worker thread
(the config is immutable, so that is safe) instead of stalling every call.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any, Mapping

import jwt

from console.core.enums import AuthMethod, ErrorCode, NumberMode
from console.switch.config import HMAC_ALGORITHMS, NUMBER_RE, SwitchConfig, User, hash_password, verify_password

log = logging.getLogger(__name__)


@functools.cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so a wrong username costs as much time as a wrong password."""
    return hash_password("not a password")


WRONG_PASSWORD = "wrong username or password, or too many attempts: try again later"


class LoginError(Exception):
    """A refused login; ``code`` is the error frame's code."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Identity:
    """What a successful login grants: the session is built from it."""

    username: str | None
    number: str | None  # None: may dial out, receives no calls ("Call Me")
    name: str
    allow: tuple[str, ...] = ("*",)
    max_calls: int = 8
    token_key: str | None = None  # a Call Me login (no user): which token it came with

    @property
    def owner(self) -> str | None:
        """Whose sessions this one counts among (``max_sessions_per_user``): the user, or a Call Me login's token."""
        return self.username if self.username is not None else self.token_key


def check_login(config: SwitchConfig, body: Mapping[str, Any]) -> Identity:
    """Check a ``login`` request's body; return the identity or raise :class:`LoginError`."""
    given = _given_number(body.get("number"))
    try:
        method = AuthMethod(body.get("auth"))
    except ValueError:
        raise LoginError(ErrorCode.MALFORMED, f"auth must be 'password' or 'token', not {body.get('auth')!r}") from None
    if method is AuthMethod.PASSWORD:
        return _password_login(config, body, given)
    return _token_login(config, body, given)


def _password_login(config: SwitchConfig, body: Mapping[str, Any], given: str | None) -> Identity:
    username, password = body.get("username"), body.get("password")
    if not username or password is None:
        raise LoginError(ErrorCode.MALFORMED, "a password login needs username and password")
    user = config.user(username)
    if user is None or user.password is None:
        verify_password(password, _dummy_hash())
        raise LoginError(ErrorCode.AUTH_FAILED, WRONG_PASSWORD)
    if not verify_password(password, user.password):
        raise LoginError(ErrorCode.AUTH_FAILED, WRONG_PASSWORD)
    number = choose_number(config.number_mode, given, user.number, username=username, call_me=False)
    _check_owned(config, number, user.number, username)
    name = username if _client_assigned(config, given, number) else user.name  # the seed, 3.1.2.6
    return Identity(username, number, name, user.allow, user.max_calls)


def _token_login(config: SwitchConfig, body: Mapping[str, Any], given: str | None) -> Identity:
    """The user is the token's subject (``sub``); the request can only repeat it.

    A token that names nobody (no ``sub``, no ``number``) is a Call Me token:
    the seed's "no phone number is assigned, and no incoming calls are routed".
    """
    token = body.get("token")
    if not token:
        raise LoginError(ErrorCode.MALFORMED, "a token login needs a token")
    claims = decode_token(config, token)
    username = _claim(claims, "sub", str)
    claim_number = _claim(claims, "number", str)
    if not username:
        if claim_number is not None or "sub" in claims:
            raise LoginError(ErrorCode.AUTH_FAILED, "the token's sub claim must name its user")
        if body.get("username") or given:
            raise LoginError(ErrorCode.AUTH_FAILED, "a token without sub is for outgoing calls only: "
                                                    "it cannot name a user or a number")
        return _call_me(claims, token)
    if body.get("username") and body.get("username") != username:
        raise LoginError(ErrorCode.AUTH_FAILED, "the token's subject is not the username given")
    user: User | None = config.user(username)
    if claim_number is not None:
        if not NUMBER_RE.match(claim_number):
            raise LoginError(ErrorCode.AUTH_FAILED, "the token's number claim is not a number")
        if config.owned(claim_number) and (user is None or user.number != claim_number):
            raise LoginError(ErrorCode.AUTH_FAILED, f"number {claim_number} belongs to someone else")
    assigned = claim_number or (user.number if user else None)
    call_me = not assigned and not given  # the token and the directory give no number, the console asks for none
    number = choose_number(config.number_mode, given, assigned, username=username, call_me=call_me)
    _check_owned(config, number, assigned, username)
    allow = _allow(claims)
    if _client_assigned(config, given, number):
        name = username  # the seed (3.1.2.6): "the username from the login credentials"
    else:
        name = _claim(claims, "name", str) or (user.name if user else None) or username
    return Identity(
        username=username,
        number=number,
        name=name[:256],
        allow=allow if allow is not None else (user.allow if user else ("*",)),
        max_calls=user.max_calls if user else 8,
    )


def _call_me(claims: Mapping[str, Any], token: str) -> Identity:
    """No user, no number: dials out (per its ``allow`` claim), receives nothing. Its sessions count against
    the token that opened them (a digest of it), so one replayed token is bounded like one user."""
    allow = _allow(claims)
    name = _claim(claims, "name", str) or ""
    key = "token:" + hashlib.sha256(str(token).encode()).hexdigest()[:32]
    return Identity(username=None, number=None, name=name[:256], allow=allow if allow is not None else ("*",),
                    token_key=key)


def _allow(claims: Mapping[str, Any]) -> tuple[str, ...] | None:
    allow = _claim(claims, "allow", list)
    if allow is not None and not all(isinstance(p, str) and p for p in allow):
        raise LoginError(ErrorCode.AUTH_FAILED, "the token's allow claim must be a list of patterns")
    return tuple(allow) if allow is not None else None


def _client_assigned(config: SwitchConfig, given: str | None, number: str | None) -> bool:
    """The console gave the number it listens on, and the switch took it (not in the assigned mode)."""
    return given is not None and number == given and config.number_mode is not NumberMode.ASSIGNED


def _check_owned(config: SwitchConfig, number: str | None, assigned: str | None, username: str) -> None:
    """A console registers only the number the directory (or its token) gives it, or in open mode one nobody owns."""
    if number is None or number == assigned:
        return
    if config.open_numbers and not config.owned(number):
        return
    log.info("login of %s: refused to register number %s (not theirs)", username, number)
    raise LoginError(ErrorCode.AUTH_FAILED, f"number {number} is not {username}'s to register")


def decode_token(config: SwitchConfig, token: str) -> dict[str, Any]:
    """Verify a JWT with the configured algorithms only; say exactly what is wrong."""
    settings = config.jwt
    if settings is None:
        raise LoginError(ErrorCode.AUTH_FAILED, "token login is not configured on this switch")
    try:
        alg = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError as exc:
        raise LoginError(ErrorCode.AUTH_FAILED, f"token cannot be decoded: {exc}") from None
    if not isinstance(alg, str) or alg.lower() == "none":
        raise LoginError(ErrorCode.AUTH_FAILED, "unsigned tokens (alg none) are never accepted")
    if alg not in settings.algorithms:
        raise LoginError(ErrorCode.AUTH_FAILED, f"token algorithm {alg} is not allowed (allowed: {', '.join(settings.algorithms)})")
    key = settings.secret if alg in HMAC_ALGORITHMS else settings.public_key
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=list(settings.algorithms),
            audience=settings.audience,
            issuer=settings.issuer,
            leeway=settings.leeway,
            options={"require": ["exp"]},
        )
        claims = _lifetime_checked(config, claims)
    except jwt.ExpiredSignatureError:
        raise LoginError(ErrorCode.AUTH_FAILED, "token expired") from None
    except jwt.InvalidAudienceError:
        raise LoginError(ErrorCode.AUTH_FAILED, "token has the wrong audience") from None
    except jwt.InvalidIssuerError:
        raise LoginError(ErrorCode.AUTH_FAILED, "token has the wrong issuer") from None
    except jwt.InvalidSignatureError:
        raise LoginError(ErrorCode.AUTH_FAILED, "token has a bad signature") from None
    except jwt.ImmatureSignatureError:
        raise LoginError(ErrorCode.AUTH_FAILED, "token is not valid yet") from None
    except jwt.MissingRequiredClaimError as exc:
        raise LoginError(ErrorCode.AUTH_FAILED, f"token lacks the {exc.claim!r} claim") from None
    except jwt.InvalidAlgorithmError:
        raise LoginError(ErrorCode.AUTH_FAILED, f"token algorithm {alg} is not allowed") from None
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise LoginError(ErrorCode.AUTH_FAILED, f"token rejected: {exc}") from None
    return claims


def _lifetime_checked(config: SwitchConfig, claims: dict[str, Any]) -> dict[str, Any]:
    """Refuse a token that is valid for longer than ``limits.max_token_lifetime`` from now."""
    cap = config.limits.max_token_lifetime
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and exp - time.time() > cap + (config.jwt.leeway if config.jwt else 0):
        raise LoginError(ErrorCode.AUTH_FAILED, f"token lifetime exceeds the switch's cap of {cap:g} s")
    return claims


def choose_number(mode: NumberMode, given: str | None, assigned: str | None, *, username: str, call_me: bool) -> str | None:
    """Apply the number mode; ``call_me`` (a token login that neither gives nor is given a number) allows a
    login without any number in every mode: the seed's Call Me, outgoing calls only."""
    if mode is NumberMode.CLIENT:
        if not given and call_me:
            return None
        if not given:
            raise LoginError(ErrorCode.DIAL_STRING_MISSING, "this switch needs the console to give its number")
        return given
    if mode is NumberMode.ASSIGNED:
        if given and given != assigned:
            log.info("login of %s: ignoring the console's number %s, the switch assigns numbers", username, given)
        number = assigned
    else:
        number = given or assigned
    if number is None and not call_me:
        raise LoginError(ErrorCode.NO_DIAL_STRING_FOR_USER, f"no number is configured for {username}")
    return number


def _given_number(value: Any) -> str | None:
    if not value:
        return None
    if not NUMBER_RE.match(value):
        raise LoginError(ErrorCode.MALFORMED, f"{value!r} is not a number (digits, *, #, optional leading +)")
    return value


def _claim(claims: Mapping[str, Any], name: str, kind: type) -> Any:
    value = claims.get(name)
    if value is not None and not isinstance(value, kind):
        raise LoginError(ErrorCode.AUTH_FAILED, f"the token's {name} claim has the wrong type")
    return value
