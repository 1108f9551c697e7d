"""The episode's sound: mono coded once, carried as stereo AAC-LC, decoding to the mix on both channels."""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
import pyloudnorm
import pytest

from dramaline.errors import MediaError
from dramaline.produce import dual_mono
from dramaline.sound.audio import RATE, Audio


def _speechlike(seconds: float, seed: int = 0) -> Audio:
    """Bursts of harmonics and noise with pauses of silence between them, as a dialogue mix has."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * RATE)) / RATE
    voice = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((180.0, 360.0, 540.0, 2200.0), 1))
    gate = (np.sin(2 * np.pi * 0.7 * t) > -0.2).astype(np.float64)  # pauses
    x = 0.25 * (np.asarray(voice) + 0.02 * rng.standard_normal(len(t))) * gate
    return Audio(x.astype(np.float32))


def _decode(path: Path) -> tuple[av.AudioStream, np.ndarray]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = np.concatenate([f.to_ndarray() for f in container.decode(stream)], axis=1)
        return stream, samples


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Audio, Path]:
    audio = _speechlike(6.0)
    out = tmp_path_factory.mktemp("aac") / "sound.m4a"
    dual_mono.encode(audio, out)
    return audio, out


def test_the_file_is_stereo_aac_lc_at_48k(encoded: tuple[Audio, Path]) -> None:
    _, path = encoded
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.codec_context.profile) == ("aac", "LC")
        assert (stream.rate, stream.channels) == (48000, 2)
        assert abs(float(container.duration or 0) / 1e6 - 6.0) < 0.03
        kbps = path.stat().st_size * 8 / 6.0 / 1000
        assert 200 < kbps < 300  # 2 x 128 kb/s


def test_both_channels_decode_to_the_mix_at_minus_3_db(encoded: tuple[Audio, Path]) -> None:
    audio, path = encoded
    _, decoded = _decode(path)
    left, right = decoded
    assert np.array_equal(left, right)
    n = min(len(audio.samples), len(left))
    expected = audio.samples[:n] * dual_mono.CHANNEL_GAIN
    error = left[:n] - expected
    assert 10 * math.log10(float(np.mean(expected**2) / np.mean(error**2))) > 25  # coded, in time, at level


def test_the_stereo_file_reads_as_loud_as_the_mono_mix(encoded: tuple[Audio, Path]) -> None:
    audio, path = encoded
    _, decoded = _decode(path)
    meter = pyloudnorm.Meter(RATE)
    mono = meter.integrated_loudness(audio.samples.astype(np.float64))
    stereo = meter.integrated_loudness(decoded.T.astype(np.float64))
    assert stereo == pytest.approx(mono, abs=0.2)


def test_a_paired_frame_decodes_to_what_the_mono_frame_decodes_to() -> None:
    audio = _speechlike(7.0, seed=3)  # past frame 257, where the encoder would otherwise name itself
    mono = av.CodecContext.create("aac", "w")
    assert isinstance(mono, av.AudioCodecContext)
    mono.sample_rate, mono.layout, mono.format = RATE, "mono", "fltp"
    mono.bit_rate, mono.options = dual_mono.BIT_RATE_PER_CHANNEL, dict(dual_mono.ENCODER_OPTIONS)
    mono.flags |= 1 << 23
    frame = av.AudioFrame.from_ndarray(audio.samples[None], format="fltp", layout="mono")
    frame.sample_rate, frame.pts = RATE, 0
    packets = [bytes(p) for p in [*mono.encode(frame), *mono.encode(None)]]
    config = bytes(mono.extradata or b"")
    stereo_config = bytes([config[0], (config[1] & 0x87) | (2 << 3)]) + config[2:]  # channelConfiguration 2

    def decoded(frames: list[bytes], extradata: bytes, layout: str) -> np.ndarray:
        decoder = av.CodecContext.create("aac", "r")
        assert isinstance(decoder, av.AudioCodecContext)
        decoder.extradata, decoder.sample_rate, decoder.layout = extradata, RATE, layout
        out = [f.to_ndarray() for data in frames for f in decoder.decode(av.Packet(data))]
        return np.concatenate(out, axis=1)

    single = decoded(packets, config, "mono")[0]
    pair = decoded([dual_mono.pair(p) for p in packets], stereo_config, "stereo")
    assert np.array_equal(pair[0], single) and np.array_equal(pair[1], single)


def test_a_frame_that_is_not_one_channel_element_is_refused() -> None:
    cpe = bytes([0b00100000, 0xFF, 0b11100000])  # a channel pair element already
    with pytest.raises(MediaError, match="single channel element"):
        dual_mono.pair(cpe)
    no_end = bytes([0b00000000, 0x5A, 0b01000000])  # SCE, then no END before the padding
    with pytest.raises(MediaError, match="END"):
        dual_mono.pair(no_end)
    with pytest.raises(MediaError, match="empty"):
        dual_mono.pair(b"")


def test_only_48k_sound_is_encoded(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="44100 Hz"):
        dual_mono.encode(Audio(np.zeros(44100, np.float32), 44100), tmp_path / "x.m4a")
    assert not (tmp_path / "x.m4a").exists()


def test_a_frame_carrying_the_encoders_name_is_refused_not_corrupted() -> None:
    # Without bit-exact output, FFmpeg puts a fill element naming itself before the channel element
    # of every 256th frame (the first at frame 1); pairing must refuse such a frame.
    mono = av.CodecContext.create("aac", "w")
    assert isinstance(mono, av.AudioCodecContext)
    mono.sample_rate, mono.layout, mono.format = RATE, "mono", "fltp"
    mono.bit_rate, mono.options = dual_mono.BIT_RATE_PER_CHANNEL, dict(dual_mono.ENCODER_OPTIONS)
    frame = av.AudioFrame.from_ndarray(_speechlike(0.5).samples[None], format="fltp", layout="mono")
    frame.sample_rate, frame.pts = RATE, 0
    named = [bytes(p) for p in [*mono.encode(frame), *mono.encode(None)] if b"Lavc" in bytes(p)]
    assert named
    with pytest.raises(MediaError, match="single channel element"):
        dual_mono.pair(named[0])
