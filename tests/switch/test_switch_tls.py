"""The switch serving TLS from the cert/key pair in its config: a pair that works serves wss://, and a pair that
cannot work is one clear startup error naming the file, the key and what is wrong (not an OpenSSL code, not
a traceback)."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl

import pytest

from console.cli import main
from console.switch.config import ConfigError
from console.switch.demo import demo_config
from console.switch.media import NullMediaPlane
from console.switch.server import Switch
from tls_ca import TestCa


@pytest.fixture
def ca(tmp_path):
    return TestCa(tmp_path / "ca")


def config_with(cert, key):
    return dataclasses.replace(demo_config(media=False), tls_cert=str(cert), tls_key=str(key))


async def start(config):
    return await Switch.start(config, media=NullMediaPlane())


async def test_a_pair_from_the_ca_serves_wss_with_that_certificate(ca):
    pair = ca.server()
    switch = await start(config_with(pair.cert_file, pair.key_file))
    try:
        assert switch.url.startswith("wss://")
        context = ssl.create_default_context(cafile=str(ca.cert_file))
        _, writer = await asyncio.open_connection("127.0.0.1", switch.port, ssl=context, server_hostname="127.0.0.1")
        assert writer.get_extra_info("ssl_object").getpeercert()["subject"] == ((("commonName", "127.0.0.1"),),)
        writer.close()
    finally:
        await switch.aclose()


@pytest.mark.parametrize("case", ["missing cert", "missing key", "mismatched key", "not a certificate",
                                  "not a key", "encrypted key"])
async def test_a_pair_that_cannot_serve_is_a_clear_startup_error(ca, tmp_path, case):
    pair, other = ca.server(), ca.server(stem="other")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not PEM at all\n")
    encrypted = tmp_path / "encrypted-key.pem"
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pair.key_file.read_bytes(), None)
    encrypted.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.BestAvailableEncryption(b"secret")))
    cert, key_file, where, words = {
        "missing cert": (tmp_path / "nope.pem", pair.key_file, "[switch] tls_cert", "no such file"),
        "missing key": (pair.cert_file, tmp_path / "nope.pem", "[switch] tls_key", "no such file"),
        "mismatched key": (pair.cert_file, other.key_file, "[switch] tls_key", "not the key of the certificate"),
        "not a certificate": (garbage, pair.key_file, "[switch] tls_cert", "no PEM certificate"),
        "not a key": (pair.cert_file, garbage, "[switch] tls_key", "not a PEM private key"),
        "encrypted key": (pair.cert_file, encrypted, "[switch] tls_key", "encrypted"),
    }[case]
    with pytest.raises(ConfigError) as raised:
        await start(config_with(cert, key_file))
    message = str(raised.value)
    assert where in message and words in message, message
    assert str(cert if where.endswith("tls_cert") else key_file) in message, message


def test_the_command_says_it_in_one_line_and_exits_2(ca, tmp_path, capsys):
    """``anynode-console switch --config FILE`` with a key that does not match: exit status 2, the file, the key
    and the reason on stderr, no traceback."""
    pair, other = ca.server(), ca.server(stem="other")
    config = tmp_path / "switch.toml"
    config.write_text(f'[switch]\nport = 0\nmedia = false\ntls_cert = "{pair.cert_file}"\ntls_key = "{other.key_file}"\n')
    assert main(["switch", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{config}: [switch] tls_key:" in err and "not the key of the certificate" in err, err
    assert "Traceback" not in err


async def served_serial(switch, ca) -> int:
    context = ssl.create_default_context(cafile=str(ca.cert_file))
    _, writer = await asyncio.open_connection("127.0.0.1", switch.port, ssl=context, server_hostname="127.0.0.1")
    try:
        from cryptography import x509

        return x509.load_der_x509_certificate(writer.get_extra_info("ssl_object").getpeercert(True)).serial_number
    finally:
        writer.close()


def serial_of(pair) -> int:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pair.cert_file.read_bytes()).serial_number


async def test_a_renewed_certificate_is_served_after_a_reload_and_a_broken_one_is_not(ca, tmp_path):
    """Certificates are renewed while the switch runs (SIGHUP to ``anynode-console switch``): ``reload_tls``
    serves the files' new pair to new connections; a pair that cannot serve is logged and the one in use stays,
    so a bad renewal never takes the switch off the air."""
    pair, renewed = ca.server(), ca.server(stem="renewed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(pair.cert_file.read_bytes())
    key.write_bytes(pair.key_file.read_bytes())
    switch = await start(config_with(cert, key))
    try:
        assert await served_serial(switch, ca) == serial_of(pair)
        cert.write_bytes(renewed.cert_file.read_bytes())
        key.write_bytes(renewed.key_file.read_bytes())
        assert switch.reload_tls() is True
        assert await served_serial(switch, ca) == serial_of(renewed)
        key.write_bytes(pair.key_file.read_bytes())  # half a renewal: the key no longer matches
        assert switch.reload_tls() is False
        assert await served_serial(switch, ca) == serial_of(renewed)
    finally:
        await switch.aclose()


def test_sighup_reloads_the_certificate_of_the_running_command(ca, tmp_path):
    """``kill -HUP`` to ``anynode-console switch`` (what a renewal hook runs) reloads its certificate; the switch
    goes on serving (a SIGHUP used to end it)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pair = ca.server()
    config = tmp_path / "switch.toml"
    config.write_text(f'[switch]\nport = 0\nmedia = false\ntls_cert = "{pair.cert_file}"\ntls_key = "{pair.key_file}"\n')
    proc = subprocess.Popen([sys.executable, "-m", "console", "switch", "--config", str(config)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, "HOME": str(tmp_path)})
    try:
        deadline = time.monotonic() + 60
        lines: list[str] = []

        def wait_for(words: str) -> None:
            while time.monotonic() < deadline:
                line = proc.stderr.readline()
                if not line:
                    break
                lines.append(line)
                if words in line:
                    return
            raise AssertionError(f"no {words!r} from the switch: {''.join(lines)[-2000:]}")

        wait_for("ready at wss://")
        proc.send_signal(signal.SIGHUP)
        wait_for("TLS certificate reloaded")
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(10)
