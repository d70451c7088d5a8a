"""The anynode WebRTC Client API, in Python.

Named after the seed's ``anynode_webrtc.js``; import it as the seed does::

    from console.webrtc import LOGIN_STATES, CALL_STATES, DISC_REASON, WebRtcInstance, WebRtcCall
"""

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES
from console.core.errors import CallStateError, ConsoleError, InvalidDigitError
from console.core.queues import MemberState, QueueOffer, QueuePaused, QueueStatus

from .call import ConferenceInfo, WebRtcCall
from .instance import WebRtcInstance

__all__ = [
    "CALL_STATES",
    "DISC_REASON",
    "LOGIN_STATES",
    "CallStateError",
    "ConferenceInfo",
    "ConsoleError",
    "InvalidDigitError",
    "MemberState",
    "QueueOffer",
    "QueuePaused",
    "QueueStatus",
    "WebRtcCall",
    "WebRtcInstance",
]
