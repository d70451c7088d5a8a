"""rtpengine keeping its calls in Redis (issue 22, optional): "rtpengine state in Redis (Debian redis-server) so a
restarted rtpengine keeps its calls". rtpengine is killed (SIGKILL) mid-call and started again with the same
arguments; it reads the call back from Redis, and the audio comes back both ways without any signalling."""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest
from console_harness import Console
from pair import Redis, RtpengineRedis
from sipinfra import USERS, Baresip, Kamailio
from test_calls import wait_for_calls
from test_pair import baresip_hears_more, recorded
from test_seed_api import hears, stops, with_sink

from console.media.devices import NullDevice
from console.media.tones import ToneGenerator
from console.webrtc import CALL_STATES, LOGIN_STATES

TIMEOUT = 15.0


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    missing = [name for name in ("redis-server", "rtpengine", "kamailio", "baresip") if shutil.which(name) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (Debian redis-server and the SIP lab; .ci/run installs them)"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    parts = []
    try:
        redis = Redis(tmp_path_factory.mktemp("redis"))
        parts.append(redis)
        redis.start()
        rtpengine = RtpengineRedis(tmp_path_factory.mktemp("rtpengine-redis"), redis_port=redis.port)
        parts.append(rtpengine)
        rtpengine.start()
        kamailio = Kamailio(tmp_path_factory.mktemp("kamailio-redis"), rtpengine.ng_port)
        parts.append(kamailio)
        kamailio.start()
        phone = Baresip(tmp_path_factory.mktemp("baresip-redis"), kamailio.sip_port)
        parts.append(phone)
        phone.start()
        yield rtpengine, kamailio, phone
    finally:
        for part in reversed(parts):
            part.stop()


async def test_a_restarted_rtpengine_reads_its_calls_back_from_redis_and_the_audio_returns(lab):
    rtpengine, kamailio, phone = lab
    console = Console(f"sip+ws://127.0.0.1:{kamailio.ws_port}",
                      {"device": NullDevice(mic=ToneGenerator(600, -12).frame), "request_timeout": TIMEOUT})
    try:
        console.inst.login(console.url, False, False, "1000", USERS["1000"])
        await console.login_state(LOGIN_STATES.SUCCESS, TIMEOUT)
        out = console.watch(console.inst.create_outgoing_call())
        sink = with_sink(out)
        out.dial("1001")
        await console.call_state(out, CALL_STATES.CONNECTED, TIMEOUT)
        await hears(sink, 1000)

        await asyncio.to_thread(rtpengine.kill)
        assert await stops(sink), "audio still arrives with rtpengine dead"
        before, _ = recorded(phone)
        await asyncio.to_thread(rtpengine.restart)
        await hears(sink, 1000, timeout=2 * TIMEOUT)  # baresip's tone again: the console noticed its dead media (up to
        # media_timeout, 10 s) and re-INVITEd with fresh media (new ICE and DTLS) into the restored call
        await baresip_hears_more(phone, before, 600)
        assert out.get_state() is CALL_STATES.CONNECTED
        out.disconnect()
        await wait_for_calls(phone, 0, TIMEOUT)
    finally:
        await console.close()
