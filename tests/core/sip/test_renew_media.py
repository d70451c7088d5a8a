"""Dead media over SIP is re-offered before the call ends (``WireCapabilities.renew_dead_media``), in memory.

Issue 22's optional part: "rtpengine state in Redis so a restarted rtpengine keeps its calls". A restored
rtpengine keeps a call's addresses but not its DTLS keys, so the console's media dies; over SIP the console
then re-INVITEs with fresh media (a new peer connection: new ICE and DTLS) instead of ending the call. Once per
30 s: media that dies again sooner ends the call (MEDIA). The real lab: tests/sip/test_rtpengine_redis.py."""

from __future__ import annotations

from sipkit import OFFER, reply, request
from test_failover import _register
from test_sipwire import ANSWER, frames

from console.core.client import ClientSession, LoginRequest
from console.core.client import events as ev
from console.core.enums import CALL_STATES, DISC_REASON, AuthMethod
from console.core.errors import MediaError
from console.core.machines import CallRequest

S = CALL_STATES


def connected_call() -> tuple[ClientSession, int, int]:
    session = ClientSession(None)
    conn = session.login("sip+ws://example.org:8080", False, LoginRequest(AuthMethod.PASSWORD, "1000", "s"))[-1].conn
    _register(session, conn, session.connected(conn, 0.0), 0.1)
    (incoming,) = [e for e in session.receive(conn, request("INVITE", body=OFFER), 1.0) if isinstance(e, ev.IncomingCall)]
    session.request(incoming.ref, CallRequest.ANSWER, 1.1, media=False)
    (ok,) = frames(session.offer_ready(incoming.ref, {"type": "answer", "sdp": ANSWER}, 1.2))
    session.receive(conn, request("ACK", to_tag=ok.to.tag, branch="z9hG4bKack1"), 1.3)
    assert session.call(incoming.ref).state is S.CONNECTED
    return session, conn, incoming.ref


def test_dead_media_is_reoffered_fresh_then_a_second_death_soon_after_ends_the_call():
    session, conn, ref = connected_call()
    record = session.call(ref)
    out = session.media_failed(ref, MediaError("media failed: no audio for 10 s"), 20.0)
    (make,) = [e for e in out if isinstance(e, ev.MakeOffer)]
    assert make.fresh and make.ref == ref  # a new peer connection makes the offer
    assert session.call(ref).state is S.CONNECTED
    (reinvite,) = frames(session.offer_ready(ref, {"type": "offer", "sdp": OFFER}, 20.1))
    assert reinvite.method == "INVITE" and reinvite.to.tag  # in the dialog
    out = session.receive(conn, reply(reinvite, 200, body=ANSWER, to_tag=None), 20.2)
    assert [e for e in out if isinstance(e, ev.ApplyAnswer)]
    session.answer_applied(ref, 20.3)

    out = session.media_failed(ref, MediaError("media failed: no audio for 10 s"), 35.0)  # again, 15 s later
    assert record.state is S.DISCONNECTED and record.reason is DISC_REASON.MEDIA
    assert "BYE" in [m.method for m in frames(out) if hasattr(m, "method")]


def test_dead_media_long_after_a_renewal_is_renewed_again():
    session, _, ref = connected_call()
    record = session.call(ref)
    session.media_failed(ref, MediaError("dead"), 20.0)
    session.offer_failed(ref, MediaError("no offer"), 20.1)  # making the fresh offer failed: that ends it
    assert record.state is S.DISCONNECTED and record.reason is DISC_REASON.MEDIA

    session, conn, ref = connected_call()
    session.media_failed(ref, MediaError("dead"), 20.0)
    (reinvite,) = frames(session.offer_ready(ref, {"type": "offer", "sdp": OFFER}, 20.1))
    session.receive(conn, reply(reinvite, 200, body=ANSWER, to_tag=None), 20.2)
    session.answer_applied(ref, 20.3)
    out = session.media_failed(ref, MediaError("dead"), 60.0)
    assert [e for e in out if isinstance(e, ev.MakeOffer) and e.fresh] and session.call(ref).state is S.CONNECTED
