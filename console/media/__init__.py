"""The media layer: aiortc peer connections, audio devices, tracks, tones.

* patches      the aiortc/aioice changes we rely on (loopback ICE, lower receive latency, RFC 4733,
               encoded-packet listener and decoding switch for the relay), applied by apply()
* tones        tone generation and analysis (numpy only)
* frames       PyAV frame <-> 48 kHz mono s16 PCM
* tracks       paced sending tracks (never block; paused while the direction sends nothing), the consumer of received tracks
* relay        RelayAudioTrack: the switch's sending track, forwarding encoded packets (or paced, or idle)
* devices      AudioDevice, NullDevice, WavDevice; portaudio: the real sound card; opening: open_device()
* pulse        PulseAudio/PipeWire sinks and sources by name (``pulse:sink=..,source=..`` specs)
* latency      DeviceLatency: a sound card's buffering ([audio] latency_ms), PortAudio's period and the server's
* catalog      the devices an operator can pick; probe: test tone and microphone meter before a call
* hub          DeviceHub: the console's device, lent to the focused call only; an optional ringer device
* failover     the hub's watch: a vanished card is replaced by the silent device and taken back; one that
               runs dry is reopened with larger buffers
* sinks        where decoded media goes: recorder, level meter, video counter
* call_media   CallMedia: one call's peer connection on the console side
* services     tone, music on hold and IVR frame sources for the switch
"""
