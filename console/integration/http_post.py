"""One HTTP/1.1 POST over asyncio streams, for webhooks.

The dependencies hold no HTTP client (websockets speaks HTTP only to upgrade), and
a webhook needs little: send one request with ``Connection: close``, read the
status line, hang up. https:// verifies the certificate and the host name with
the system's trust store (or a given :class:`ssl.SSLContext`). Redirects are not
followed: a webhook URL that moved is a configuration to fix, not a hop to take
with a signed body.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from typing import Mapping
from urllib.parse import unquote, urlsplit

from console.persist.hooks_config import shown_url

MAX_LINE = 8192  # a status or header line longer than this is not a web server we talk to
MAX_INTERIM = 8  # 1xx responses skipped before the final status


class HttpError(Exception):
    """The server's answer was not HTTP (a bad status line, too long a line, too many interim responses)."""


async def post(url: str, body: bytes, headers: Mapping[str, str], *, timeout: float,
               ssl_context: ssl.SSLContext | None = None) -> int:
    """POST ``body`` to ``url`` and return the final status code; the whole exchange is bounded by ``timeout``.

    Raises OSError (refused, reset, TLS: :class:`ssl.SSLCertVerificationError` for a certificate that fails
    verification), TimeoutError, :class:`asyncio.IncompleteReadError` (closed before a status) or
    :class:`HttpError`.
    """
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http:// or https:// URL: {shown_url(url)!r}")
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}", "Connection: close",
             f"Content-Length: {len(body)}"]
    if parts.username is not None:  # https://user:password@host/: HTTP basic authentication (RFC 7617)
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        lines.append(f"Authorization: Basic {base64.b64encode(pair).decode('ascii')}")
    for name, value in headers.items():
        if any(ch in name + value for ch in "\r\n\0"):
            raise ValueError(f"header {name!r}: no CR, LF or NUL")
        lines.append(f"{name}: {value}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    context = (ssl_context or ssl.create_default_context()) if secure else None
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(parts.hostname, port, ssl=context, limit=MAX_LINE,
                                                       server_hostname=parts.hostname if secure else None)
        try:
            writer.write(head + body)
            await writer.drain()
            for _ in range(MAX_INTERIM):
                status = _status(await _line(reader))
                if status >= 200:
                    return status
                while await _line(reader):  # an interim response's headers, up to its blank line
                    pass
            raise HttpError(f"more than {MAX_INTERIM} interim (1xx) responses")
        finally:
            writer.close()  # Connection: close; the transport finishes closing by itself


async def _line(reader: asyncio.StreamReader) -> bytes:
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError:
        raise HttpError(f"a response line longer than {MAX_LINE} bytes") from None
    return line.rstrip(b"\r\n")


def _status(line: bytes) -> int:
    version, _, rest = line.partition(b" ")
    code = rest[:3]
    if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise HttpError(f"not an HTTP/1.x status line: {line[:80]!r}")
    return int(code)
