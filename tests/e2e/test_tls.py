"""wss: the console verifies the switch's certificate; an untrusted one is SERVER_ACCESS."""

from __future__ import annotations

import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import pytest

from console.core.client import LoginFailureKind
from console.store import Controller, client_factory
from console.store.state import LoginFailure
from console.ui.words import FAILURE_WORDS
from console.webrtc import LOGIN_STATES
from console_harness import Console
from media_harness import store_until
from tls_ca import TestCa


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


# -- a test CA, as a deployment has one: the switch's certificate is signed by it, the console is given it ----------

@pytest.fixture
def ca(tmp_path):
    return TestCa(tmp_path / "ca")


async def switch_with(make_switch, cert):
    return await make_switch(tls_cert=str(cert.cert_file), tls_key=str(cert.key_file))


async def test_a_certificate_from_the_given_ca_logs_in_and_without_the_ca_it_is_refused(make_switch, ca):
    """Verified by default: with no CA given the system's trust store decides, and it does not know the test CA,
    so the login ends in the seed's SERVER_ACCESS with the cause a certificate (nothing reached the switch);
    the same switch with ``ca_file`` (``--ca-file``, config.toml ``ca_file``) logs in."""
    switch = await switch_with(make_switch, ca.server())
    default = Console(switch.url)
    default.inst.login(switch.url, True, False, "operator", "operator", None)
    await default.login_state(LOGIN_STATES.SERVER_ACCESS)
    assert default.inst.last_login_failure is LoginFailureKind.CERTIFICATE
    assert not switch.exchange.sessions
    trusting = Console(switch.url, {"ca_file": str(ca.cert_file)})
    trusting.inst.login(switch.url, True, False, "operator", "operator", None)
    await trusting.login_state(LOGIN_STATES.SUCCESS)
    await default.close()
    await trusting.close()


async def test_a_certificate_for_another_name_is_refused_and_the_switchboard_says_so(make_switch, ca):
    """A certificate signed by the trusted CA but made out for another host is refused: SERVER_ACCESS, no
    session at the switch, and the switchboard says it is the certificate (and which name), not a password or
    an unreachable server."""
    switch = await switch_with(make_switch, ca.server(("switch.example.invalid",), stem="other"))
    controller = Controller(client_factory(device=None, ca_file=str(ca.cert_file)), media=False)
    try:
        controller.login(switch.url, "operator", "operator")
        state = await store_until(controller, lambda s: s.login.failure is not None, "a failed login")
        assert state.login.failure is LoginFailure.CERTIFICATE
        assert controller.client.last_login_failure is LoginFailureKind.CERTIFICATE
        assert "certificate" in FAILURE_WORDS[state.login.failure].lower()
        assert "127.0.0.1" in state.login.failure_detail, state.login.failure_detail  # the name it was not for
        state = await store_until(controller, lambda s: s.login.state is LOGIN_STATES.SERVER_ACCESS, "SERVER_ACCESS")
        assert not switch.exchange.sessions
    finally:
        await controller.aclose()


async def test_a_ca_file_that_cannot_be_read_is_a_certificate_failure_that_names_it(make_switch, ca, tmp_path):
    """The API's ``ca_file`` naming no file: the login fails as a certificate problem naming the file (it read
    "cannot reach" before: the server was blamed for a local file)."""
    switch = await switch_with(make_switch, ca.server())
    missing = str(tmp_path / "no-such-ca.pem")
    controller = Controller(client_factory(device=None, ca_file=missing), media=False)
    try:
        controller.login(switch.url, "operator", "operator")
        state = await store_until(controller, lambda s: s.login.failure is not None, "a failed login")
        assert state.login.failure is LoginFailure.CERTIFICATE, state.login
        assert missing in state.login.failure_detail, state.login.failure_detail
    finally:
        await controller.aclose()
