"""Registration outcomes map to LOGIN_STATES, every one of them reachable."""

from __future__ import annotations

import pytest

from console.core.enums import LOGIN_STATES as L
from console.core.sip.events import CallEnded, Registered, RegistrationFailed, Unregistered
from console.core.sip.login import login_state, transport_lost_state


@pytest.mark.parametrize("event, kwargs, expected", [
    (Registered(300, 270.0), {}, L.SUCCESS),
    (Unregistered(), {}, L.LOGGED_OUT_EXPLICIT),
    (RegistrationFailed(401, "Unauthorized", True), {}, L.SERVER_ACCESS),
    (RegistrationFailed(403, "Forbidden", True), {}, L.SERVER_ACCESS),
    (RegistrationFailed(404, "Not Found"), {}, L.NO_DIAL_STRING_FOR_USER),
    (RegistrationFailed(484, "Address Incomplete"), {}, L.DIAL_STRING_MISSING),
    (RegistrationFailed(503, "Service Unavailable"), {}, L.SERVER_ACCESS),
    (RegistrationFailed(599, "Odd"), {}, L.SERVER_ACCESS),
    (RegistrationFailed(401, "Unauthorized", True), {"restoring": True}, L.LOGIN_RESTORE_FAILED),
    (RegistrationFailed(403, "Forbidden", True), {"was_registered": True}, L.LOGGED_OUT_IMPLICIT),
    (RegistrationFailed(408, "Request Timeout"), {"was_registered": True}, L.CONNECTION_LOST),
    (CallEnded("c", "SUCCESS"), {}, None),
])
def test_login_states(event, kwargs, expected):
    assert login_state(event, **kwargs) == expected


def test_transport_loss_and_coverage():
    assert transport_lost_state(True) is L.CONNECTION_LOST and transport_lost_state(False) is L.SERVER_ACCESS
    # CONNECTING is set by the session when it opens the WebSocket; every other state comes from here
    reached = {L.SUCCESS, L.LOGGED_OUT_EXPLICIT, L.SERVER_ACCESS, L.NO_DIAL_STRING_FOR_USER, L.DIAL_STRING_MISSING,
               L.LOGIN_RESTORE_FAILED, L.LOGGED_OUT_IMPLICIT, L.CONNECTION_LOST}
    assert reached | {L.CONNECTING} == set(L)
