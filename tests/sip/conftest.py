"""Fixtures that start real SIP infrastructure on loopback: rtpengine, Kamailio, baresip, linphonec.

Skipped, with the reason, only when a binary is missing and CI is not set;
under CI=true a missing binary fails the tests (``.ci/run`` installs them).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from sipinfra import (BINARIES, DBTEXT, Baresip, Kamailio, KamailioPresence, KamailioTls, Linphonec,  # noqa: E402
                      Rtpengine, agent_config, kamailio_modules)
from tls_ca import TestCa  # noqa: E402

from console.core.sip.agent import UserAgent  # noqa: E402
from sip_ws import SipWebSocket  # noqa: E402


def _require(*names: str) -> None:
    missing = [n for n in names if shutil.which(BINARIES[n]) is None]
    if not missing:
        return
    reason = (f"{', '.join(missing)} not installed (Debian: kamailio kamailio-websocket-modules "
              "kamailio-extra-modules kamailio-tls-modules rtpengine-daemon baresip-core linphone-cli; "
              ".ci/run installs them)")
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI must have the SIP lab: {reason}")
    pytest.skip(reason)


def _running(daemon):
    """Start ``daemon`` (a sipinfra Daemon), hand it to the test, stop it afterwards whatever happened."""
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="module")
def rtpengine(tmp_path_factory):
    _require("rtpengine")
    yield from _running(Rtpengine(tmp_path_factory.mktemp("rtpengine")))


@pytest.fixture(scope="module")
def kamailio(tmp_path_factory, rtpengine):
    _require("kamailio")
    yield from _running(Kamailio(tmp_path_factory.mktemp("kamailio"), rtpengine.ng_port))


@pytest.fixture(scope="module")
def kamailio_presence(tmp_path_factory, rtpengine):
    """Kamailio with the presence modules (docs/sip/kamailio-presence.cfg): lamps and ``*8<ext>`` pickup."""
    _require("kamailio")
    if not (DBTEXT / "pua").is_file():  # the presence modules' package brings the db_text table files
        reason = "kamailio-presence-modules not installed (Debian; .ci/run installs it)"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"CI must have the SIP lab: {reason}")
        pytest.skip(reason)
    yield from _running(KamailioPresence(tmp_path_factory.mktemp("kamailio-presence"), rtpengine.ng_port))


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory):
    """A CA made for this module's tests: it signs the servers' certificates; consoles are given it (ca_file)."""
    return TestCa(tmp_path_factory.mktemp("test-ca"))


def _require_tls() -> None:
    _require("kamailio")
    modules = kamailio_modules()
    if modules is not None and not (Path(modules) / "tls.so").is_file():
        reason = "kamailio-tls-modules not installed (Debian; .ci/run installs it)"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"CI must have the SIP lab: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def kamailio_tls(tmp_path_factory, rtpengine, test_ca):
    """Kamailio also serving SIP over secure WebSocket (``wss_url``; docs/sip/kamailio.cfg -A WITH_TLS,
    docs/sip/tls.cfg) with a certificate for 127.0.0.1 and localhost signed by ``test_ca``."""
    _require_tls()
    cert = test_ca.server()
    yield from _running(KamailioTls(tmp_path_factory.mktemp("kamailio-tls"), rtpengine.ng_port,
                                    cert_file=cert.cert_file, key_file=cert.key_file))


@pytest.fixture
def make_kamailio_tls(tmp_path, rtpengine):
    """A factory: ``make_kamailio_tls(cert)`` starts another TLS Kamailio serving ``cert`` (a tls_ca.ServerCert,
    e.g. one for another name); each is stopped after the test."""
    _require_tls()
    started: list[KamailioTls] = []

    def start(cert) -> KamailioTls:
        folder = tmp_path / f"kamailio-tls-{len(started)}"
        folder.mkdir()
        kamailio = KamailioTls(folder, rtpengine.ng_port, cert_file=cert.cert_file, key_file=cert.key_file)
        started.append(kamailio)
        kamailio.start()
        return kamailio

    try:
        yield start
    finally:
        for kamailio in started:
            kamailio.stop()


@pytest.fixture
def tls_phone(tmp_path, kamailio_tls):
    """baresip as 1001 on the TLS Kamailio (plain SIP over UDP, as phones on the LAN), its default codecs."""
    _require("baresip")
    yield from _running(Baresip(tmp_path, kamailio_tls.sip_port))


@pytest.fixture(scope="module")
def kamailio_pair(tmp_path_factory, rtpengine):
    """Two Kamailio nodes sharing registrations by DMQ, one rtpengine (docs/sip/kamailio-pair.cfg, tests/sip/pair.py)."""
    _require("kamailio")
    from pair import KamailioPair

    yield from _running(KamailioPair(tmp_path_factory.mktemp("kamailio-pair"), rtpengine.ng_port))


@pytest.fixture
def pair_phone(tmp_path, kamailio_pair):
    """baresip as 1001 registered at node 2 of the pair (its default codecs, auto-answer)."""
    _require("baresip")
    yield from _running(Baresip(tmp_path, kamailio_pair[1].sip_port))


@pytest.fixture
def presence_phone(tmp_path, kamailio_presence, request):
    """baresip as 1001 on the presence Kamailio, its DEFAULT codecs; ``param`` "manual" makes it ring."""
    _require("baresip")
    yield from _running(Baresip(tmp_path, kamailio_presence.sip_port, answermode=getattr(request, "param", "auto")))


@pytest.fixture
def baresip(tmp_path, kamailio, request):
    """baresip as 1001 with its default codecs (Opus and G.711, telephone-event/8000), as users have it;
    ``@pytest.mark.parametrize("baresip", ["manual"], indirect=True)`` makes it ring."""
    _require("baresip")
    yield from _running(Baresip(tmp_path, kamailio.sip_port, answermode=getattr(request, "param", "auto")))


@pytest.fixture
def baresip_pcmu(tmp_path, kamailio):
    """baresip as 1001 offering PCMU alone, auto-answering: for a test that needs the far end's codec fixed
    (to say which codec the console must use), not for ordinary calls."""
    _require("baresip")
    yield from _running(Baresip(tmp_path, kamailio.sip_port, codecs="pcmu"))


@pytest.fixture
def linphone(tmp_path, kamailio_presence, request):
    """linphonec (liblinphone, a second SIP stack nobody here wrote) as 1001 on the presence Kamailio,
    auto-answering; ``@pytest.mark.parametrize("linphone", ["manual"], indirect=True)`` makes it ring."""
    _require("linphonec")
    answer = getattr(request, "param", "auto") == "auto"
    yield from _running(Linphonec(tmp_path, kamailio_presence.sip_port, answer=answer))


@pytest.fixture
def linphone_caller(tmp_path, kamailio_presence):
    """linphonec as 1002, auto-answering: the party that calls an extension (it advertises Supported: replaces,
    so a pickup by INVITE with Replaces can be sent to it)."""
    _require("linphonec")
    yield from _running(Linphonec(tmp_path, kamailio_presence.sip_port, user="1002"))


@pytest.fixture
async def connect_agent(kamailio):
    """A factory: ``await connect_agent(user, password)`` gives a connected :class:`SipWebSocket`."""
    opened: list[SipWebSocket] = []

    async def open_one(user: str = "1000", password: str | None = None) -> SipWebSocket:
        sip = SipWebSocket(UserAgent(agent_config(kamailio, user, password)), kamailio.ws_url)
        await sip.connect()
        opened.append(sip)
        return sip

    yield open_one
    for sip in opened:
        await sip.close()
