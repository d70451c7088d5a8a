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
