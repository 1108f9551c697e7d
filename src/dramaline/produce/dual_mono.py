"""The episode's mono sound as stereo AAC-LC, encoded once and carried on both channels.

The house mix is mono and the delivery spec asks for stereo (shared/platform-specs §1.2). A
stereo encoder given two identical channels codes each on its own, so it does the whole work
twice. Measured on a 90 s episode mix at 192 kb/s (CPU seconds; SNR of the decoded left, right and
mid signals against the mix): the default coder ("twoloop") 3.35 s, 29 dB; "fast" with mid/side
stereo left to itself 1.75 s, 45 dB; "fast" with mid/side forced on 1.11 s, but it leaks coding
noise into the side channel (right 22 dB, mid 28 dB); "fast" with mid/side off 0.61 s, 34 dB on
every channel, which the build used before this module. Instead, FFmpeg's AAC
encoder codes the mono signal once, and each of its frames is rewritten bit for bit from a
single channel element (SCE) into a channel pair element (CPE) without a common window, which
carries the same individual channel stream (ICS) twice: ISO/IEC 14496-3 §4.4.2.1 gives an ICS
the same syntax in both, so a decoder reads the same samples for left and right as it would for
the mono file. Half the encoding, the stream a stereo AAC-LC decoder expects.

Only frames made of one SCE (tag 0) and the END element are rewritten. FFmpeg's encoder writes
one other element, a fill element naming itself at the start of every 256th frame, and leaves it
out when asked for bit-exact output, as it is here; perceptual noise substitution is off, since a
decoder would draw different noise for each channel. A frame of any other shape raises
MediaError instead of being guessed at.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dramaline.errors import MediaError
from dramaline.sound.audio import RATE, Audio

if TYPE_CHECKING:
    import av
    from av.audio.stream import AudioStream
    from av.container import OutputContainer

BIT_RATE_PER_CHANNEL = 128_000
"""256 kb/s for the stereo stream, the spec's master encode. Measured on a 90 s episode mix (SNR of
the decoded sound against the mix): 34.5 dB, where the stereo encoder at 192 kb/s gave 33.8 dB, and
0.34 s of CPU against its 0.55 s."""
ENCODER_OPTIONS = {"aac_coder": "fast", "aac_pns": "0"}
CHANNEL_GAIN = 1 / math.sqrt(2)
"""Each channel 3 dB under the mono mix, as FFmpeg's mono-to-stereo matrix sets it: BS.1770 sums the
channels' power, so the stereo file reads at the loudness the mix was mastered to (and each
channel's true peak 3 dB under the master's)."""
_BITEXACT = 1 << 23  # AV_CODEC_FLAG_BITEXACT: no fill element with the encoder's name in the first frame
_SCE, _CPE, _END = 0, 1, 7  # syntactic element ids (ISO/IEC 14496-3 table 4.85)
_CHUNK = 1024 * 64


def encode(audio: Audio, out: Path) -> None:
    """Write `audio` (mono, 48 kHz) to `out` as an M4A holding one stereo AAC-LC stream, both channels it.

    Each channel carries the mix at `CHANNEL_GAIN`, so the file measures as loud as the mix.
    """
    import av

    from dramaline.produce.encode import writing

    with writing(out, "encode the episode's sound into"), av.open(str(out), mode="w", format="mp4") as container:
        stream = add_stream(container)
        for packet in packets(audio):
            packet.stream = stream
            container.mux(packet)


def add_stream(container: OutputContainer) -> AudioStream:
    """A stereo AAC-LC stream in `container` for `packets`, added before anything is muxed.

    Its encoder is never given a frame: it only describes the stream (the stereo AudioSpecificConfig,
    the 1024 samples of priming) when the muxer writes its header.
    """
    stream = container.add_stream("aac", rate=RATE, layout="stereo")
    stream.bit_rate = 2 * BIT_RATE_PER_CHANNEL
    return stream


def packets(audio: Audio, *, gain: float = CHANNEL_GAIN) -> Iterator[av.Packet[Any]]:
    """`audio` (mono, 48 kHz) coded once, as stereo AAC-LC packets for a stream from `add_stream`, in order.

    Each channel carries `audio` times `gain`: 1 for sound already at a channel's level (decoded from
    one of these files)."""
    import av

    if audio.rate != RATE:
        raise MediaError(f"the sound to encode is at {audio.rate} Hz; the episode's AAC is at {RATE} Hz")
    mono = av.CodecContext.create("aac", "w")
    assert isinstance(mono, av.AudioCodecContext)
    mono.sample_rate, mono.layout, mono.format = RATE, "mono", "fltp"
    mono.bit_rate = BIT_RATE_PER_CHANNEL
    mono.options = dict(ENCODER_OPTIONS)
    mono.flags |= _BITEXACT
    samples = (audio.samples * np.float32(gain))[None]
    for start in [*range(0, samples.shape[1], _CHUNK), None]:
        frame = None
        if start is not None:
            frame = av.AudioFrame.from_ndarray(samples[:, start : start + _CHUNK], format="fltp", layout="mono")
            frame.sample_rate, frame.pts = RATE, start
        for packet in mono.encode(frame):
            paired = av.Packet(pair(bytes(packet)))
            paired.pts, paired.dts, paired.duration = packet.pts, packet.dts, packet.duration
            paired.time_base = packet.time_base
            yield paired


def pair(frame: bytes) -> bytes:
    """A raw AAC frame of one SCE and END, rewritten as one CPE (no common window) carrying the SCE's ICS twice."""
    if not frame:
        raise MediaError("the AAC encoder returned an empty frame")
    bits = len(frame) * 8
    value = int.from_bytes(frame, "big")
    if value >> (bits - 3) != _SCE or (value >> (bits - 7)) & 0xF != 0:
        raise MediaError("an AAC frame does not start with a single channel element: it cannot be paired")
    padding = (value & -value).bit_length() - 1  # the zero bits that align END to a byte
    if (value >> padding) & 0b111 != _END:
        raise MediaError("an AAC frame does not end with its END element: it cannot be paired")
    ics_bits = bits - 7 - 3 - padding
    ics = (value >> (padding + 3)) & ((1 << ics_bits) - 1)
    header = (_CPE << 4 | 0) << 1 | 0  # id, element instance tag 0, common_window 0
    paired = (((header << ics_bits | ics) << ics_bits | ics) << 3) | _END
    length = 8 + 2 * ics_bits + 3
    align = -length % 8
    return (paired << align).to_bytes((length + align) // 8, "big")
