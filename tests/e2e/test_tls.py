"""wss: the console verifies the switch's certificate; an untrusted one is SERVER_ACCESS."""

from __future__ import annotations

import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from console.webrtc import LOGIN_STATES
from console_harness import Console


def self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(cert_file), str(key_file)


async def test_untrusted_certificate_is_server_access_and_a_given_ca_succeeds(make_switch, tmp_path):
    cert, key = self_signed(tmp_path)
    switch = await make_switch(tls_cert=cert, tls_key=key)
    assert switch.url.startswith("wss://")
    untrusting = Console(switch.url)
    untrusting.inst.login(switch.url, True, False, "operator", "operator", None)
    await untrusting.login_state(LOGIN_STATES.SERVER_ACCESS)
    trusting = Console(switch.url, {"ca_file": cert})
    trusting.inst.login(switch.url, True, False, "operator", "operator", None)
    await trusting.login_state(LOGIN_STATES.SUCCESS)
    await untrusting.close()
    await trusting.close()


async def test_secure_false_never_downgrades_a_wss_url(make_switch, tmp_path):
    """login(wss://..., secure=False) still speaks verified TLS: an untrusted certificate is refused,
    a trusted one logs in; nothing ever goes out in clear to a URL that names TLS."""
    cert, key = self_signed(tmp_path)
    switch = await make_switch(tls_cert=cert, tls_key=key)
    untrusting = Console(switch.url)
    untrusting.inst.login(switch.url, False, False, "operator", "operator", None)
    await untrusting.login_state(LOGIN_STATES.SERVER_ACCESS)
    trusting = Console(switch.url, {"ca_file": cert})
    trusting.inst.login(switch.url, False, False, "operator", "operator", None)
    await trusting.login_state(LOGIN_STATES.SUCCESS)
    await untrusting.close()
    await trusting.close()
