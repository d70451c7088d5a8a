"""The switch's TLS: a server context from ``[switch] tls_cert`` and ``tls_key``, or a clear startup error.

OpenSSL alone says "PEM lib" or "key values mismatch" without naming a file, and
asks for a passphrase on the terminal when the key is encrypted (a service would
hang there). So each file is read and checked first, and every failure is a
:class:`ConfigError` naming the configuration file, the key, the path and what is
wrong with it. The files are read again each time the switch starts listening
(``Switch.listen_again``) or reloads them (``Switch.reload_tls``: SIGHUP to
``anynode-console switch``), so a renewed certificate is served from then on.
"""

from __future__ import annotations

import datetime
import logging
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from .config import ConfigError, SwitchConfig

log = logging.getLogger(__name__)

_PUBLIC = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def server_context(config: SwitchConfig) -> ssl.SSLContext | None:
    """The TLS context serving ``config``'s certificate chain and key (TLS 1.2 or later), None without TLS."""
    if not config.tls_cert or not config.tls_key:
        return None

    def error(key: str, path: str, message: str) -> ConfigError:
        return ConfigError(f"{config.source}: [switch] {key}: {path}: {message}")

    cert_pem, key_pem = _read(config.tls_cert, "tls_cert", error), _read(config.tls_key, "tls_key", error)
    try:
        chain = x509.load_pem_x509_certificates(cert_pem)
    except ValueError:
        raise error("tls_cert", config.tls_cert, "no PEM certificate in it (-----BEGIN CERTIFICATE-----)") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:  # a passphrase: OpenSSL would ask for it on the terminal
        raise error("tls_key", config.tls_key, "the key is encrypted; give the switch an unencrypted key "
                                               "(readable by its user only, mode 0600)") from None
    except (ValueError, UnsupportedAlgorithm):
        raise error("tls_key", config.tls_key, "not a PEM private key (-----BEGIN PRIVATE KEY-----)") from None
    if key.public_key().public_bytes(*_PUBLIC) != chain[0].public_key().public_bytes(*_PUBLIC):
        raise error("tls_key", config.tls_key, f"not the key of the certificate in tls_cert ({config.tls_cert})")
    _warn_if_expired(chain[0], config.tls_cert)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (ssl.SSLError, OSError) as exc:  # checked above; e.g. a file replaced in between
        raise error("tls_cert", config.tls_cert, f"cannot be served with tls_key {config.tls_key}: {exc}") from None
    return context


def reload_context(context: ssl.SSLContext, config: SwitchConfig) -> None:
    """Load ``config``'s pair into the ``context`` in use (new handshakes get it), once both files check out;
    a :class:`ConfigError` (as :func:`server_context`'s) leaves the context as it was."""
    server_context(config)  # every check, on a context of its own
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (ssl.SSLError, OSError) as exc:  # replaced between the check and the load
        raise ConfigError(f"{config.source}: [switch] tls_cert: {config.tls_cert}: cannot be served with "
                          f"tls_key {config.tls_key}: {exc}") from None


def _read(path: str, key: str, error) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise error(key, path, "no such file") from None
    except OSError as exc:
        raise error(key, path, f"cannot read: {exc.strerror or exc}") from None


def _warn_if_expired(cert: x509.Certificate, path: str) -> None:
    """Consoles refuse an expired certificate (CERTIFICATE): say so at start, but serve (the renewal may be on
    its way, and the operator sees why logins fail)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    if cert.not_valid_after_utc < now:
        log.warning("TLS certificate %s expired on %s: consoles will refuse it", path, cert.not_valid_after_utc)
    elif cert.not_valid_before_utc > now:
        log.warning("TLS certificate %s is not valid before %s: consoles will refuse it", path,
                    cert.not_valid_before_utc)
