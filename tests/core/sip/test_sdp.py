"""SDP helpers: directions, telephone-event, a stable origin, hold algebra."""

from __future__ import annotations

import pytest
from sipkit import OFFER

from console.core.sip.call import answer_direction, offer_direction
from console.core.sip.errors import SipParseError
from console.core.sip.sdp import MediaDirection as D
from console.core.sip.sdp import OriginKeeper, SessionDescription


def test_parse_direction_and_rebuild():
    desc = SessionDescription.parse(OFFER)
    assert desc.direction is D.SENDRECV and desc.media[0].formats == ["111", "0"]
    desc.set_direction(D.INACTIVE)
    again = SessionDescription.parse(str(desc))
    assert again.direction is D.INACTIVE and str(again).count("a=inactive") == 1 and "sendrecv" not in str(again)
    assert SessionDescription.parse(OFFER.replace("m=audio 9", "m=audio 0")).direction is D.INACTIVE


def test_telephone_event():
    desc = SessionDescription.parse(OFFER)
    assert desc.media[0].telephone_event() is None
    desc.media[0].add_telephone_event(101, 48000)
    again = SessionDescription.parse(str(desc))
    assert again.media[0].telephone_event() == 101 and "101" in again.media[0].formats
    assert again.media[0].rtpmap()["101"] == "telephone-event/48000"


def test_origin_keeper_keeps_the_session_id_and_counts():
    keeper = OriginKeeper()
    first = SessionDescription.parse(keeper.stamp(OFFER))
    other = OFFER.replace("4611731400430051336 2", "999 1")  # aiortc makes a new id per offer
    second = SessionDescription.parse(keeper.stamp(other))
    assert first.origin == ("4611731400430051336", 2) and second.origin == ("4611731400430051336", 3)


@pytest.mark.parametrize("text", ["", "x=1", "v=0\r\nm=audio x RTP/AVP 0\r\n", "v=0\r\ns=-\r\n",
                                  "v=0\r\no=bad\r\n", "v=0\r\nbroken\r\n"])
def test_bad_sdp_is_488(text):
    with pytest.raises(SipParseError) as info:
        desc = SessionDescription.parse(text)
        desc.origin  # noqa: B018
    assert info.value.status == 488


def test_hold_algebra():
    assert offer_direction(False, False) is D.SENDRECV
    assert offer_direction(True, False) is D.SENDONLY
    assert offer_direction(False, True) is D.RECVONLY
    assert offer_direction(True, True) is D.INACTIVE
    assert answer_direction(D.SENDONLY, False) is D.RECVONLY
    assert answer_direction(D.SENDONLY, True) is D.INACTIVE
    assert answer_direction(D.SENDRECV, True) is D.SENDONLY
    assert answer_direction(D.INACTIVE, False) is D.INACTIVE
    assert answer_direction(D.RECVONLY, False) is D.SENDONLY
