"""Audio values, WAV reading and writing, and loudness measurement."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from dramaline.errors import InvalidInputError
from dramaline.sound.audio import (
    RATE,
    Audio,
    integrated_lufs,
    measure,
    read_wav,
    samples_for_frames,
    trim_silence,
    write_wav,
)


def sine(hz: float, seconds: float, *, peak: float = 0.5, rate: int = RATE) -> Audio:
    t = np.arange(round(seconds * rate)) / rate
    return Audio((peak * np.sin(2 * np.pi * hz * t)).astype(np.float32), rate)


def test_audio_is_mono_float32_and_counts_frames_rounded_up() -> None:
    audio = Audio(np.zeros(1601, dtype=np.float32))
    assert Audio(np.zeros(3, dtype=np.float64)).samples.dtype == np.float32
    assert audio.duration_s == pytest.approx(1601 / RATE)
    assert audio.frames(30) == 2
    assert Audio(np.zeros(1600, dtype=np.float32)).frames(30) == 1
    with pytest.raises(InvalidInputError, match="mono"):
        Audio(np.zeros((10, 2), dtype=np.float32))


@pytest.mark.parametrize("fps", [24, 25, 30, 60, 7])
def test_silence_of_frames_spans_exactly_those_frames(fps: int) -> None:
    assert Audio.silence(frames=45, fps=fps).frames(fps) == 45
    assert len(Audio.silence(frames=45, fps=fps).samples) == samples_for_frames(45, fps)
    assert len(Audio.silence(0.5).samples) == RATE // 2
    assert not np.any(Audio.silence(0.5).samples)
    with pytest.raises(InvalidInputError, match="fps"):
        Audio.silence(frames=3)


def test_wav_round_trip_keeps_samples_to_16_bit_precision(tmp_path: Path) -> None:
    audio = sine(440, 0.25)
    path = tmp_path / "take.wav"
    write_wav(audio, path)
    back = read_wav(path)
    assert back.rate == RATE
    assert len(back.samples) == len(audio.samples)
    assert np.max(np.abs(back.samples - audio.samples)) < 1 / 32767
    assert [p.name for p in tmp_path.iterdir()] == ["take.wav"]


def test_write_wav_replaces_atomically_and_clips(tmp_path: Path) -> None:
    path = tmp_path / "mix.wav"
    path.write_bytes(b"old")
    write_wav(Audio(np.array([2.0, -2.0, 0.0], dtype=np.float32)), path)
    assert read_wav(path).samples[:2].tolist() == pytest.approx([32767 / 32768, -32767 / 32768])
    assert len(list(tmp_path.iterdir())) == 1


def test_read_wav_mixes_down_stereo_24_bit_and_resamples_to_48k(tmp_path: Path) -> None:
    rate = 44100
    t = np.arange(rate // 4) / rate
    left = np.round(0.5 * np.sin(2 * np.pi * 300 * t) * 2**23).astype(np.int64)
    frames = np.stack([left, left], axis=1).reshape(-1)
    raw = b"".join(int(v & 0xFFFFFF).to_bytes(3, "little") for v in frames)
    header = b"RIFF" + struct.pack("<I", 36 + len(raw)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, rate, rate * 6, 6, 24)
    path = tmp_path / "stereo.wav"
    path.write_bytes(header + b"data" + struct.pack("<I", len(raw)) + raw)
    audio = read_wav(path)
    assert audio.rate == RATE
    assert len(audio.samples) == RATE // 4
    assert float(np.max(np.abs(audio.samples))) == pytest.approx(0.5, abs=0.01)


def test_read_wav_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"ID3 this is an mp3")
    with pytest.raises(InvalidInputError, match="not a WAV file"):
        read_wav(bad)
    with pytest.raises(InvalidInputError, match="cannot read"):
        read_wav(tmp_path / "missing.wav")


def test_measure_matches_the_bs1770_reference_tone() -> None:
    # A full-scale 997 Hz sine reads -3.01 LUFS; its true peak is 0 dBTP.
    loud = measure(sine(997, 3.0, peak=1.0))
    assert loud.integrated_lufs == pytest.approx(-3.01, abs=0.05)
    assert loud.true_peak_dbtp == pytest.approx(0.0, abs=0.1)
    assert measure(sine(997, 3.0, peak=0.1)).integrated_lufs == pytest.approx(-23.01, abs=0.05)


@pytest.mark.parametrize("rate", [RATE, 44100])
def test_loudness_is_what_pyloudnorm_measures(rate: int) -> None:
    # Speech-like bursts over quiet gaps and silence: both gates (absolute and relative) are at work.
    rng = np.random.default_rng(7)
    bursts = rng.normal(0, 0.2, 9 * rate) * np.repeat(rng.random(90) > 0.4, rate // 10)[: 9 * rate]
    quiet = rng.normal(0, 0.002, 3 * rate)
    x = np.concatenate([np.zeros(rate), bursts, quiet]).astype(np.float32)
    reference = pyloudnorm.Meter(rate).integrated_loudness(x.astype(np.float64))
    assert integrated_lufs(Audio(x, rate)) == pytest.approx(reference, abs=1e-6)


def test_true_peak_sees_peaks_between_samples() -> None:
    # A sine at a quarter of the rate, sampled 45 degrees off its crest: samples read 0.707, the wave 1.0.
    n = np.arange(RATE)
    audio = Audio(np.sin(np.pi / 2 * n + np.pi / 4).astype(np.float32))
    assert 20 * math.log10(float(np.max(np.abs(audio.samples)))) == pytest.approx(-3.0, abs=0.1)
    assert measure(audio).true_peak_dbtp > -0.5


def test_silence_measures_minus_infinity() -> None:
    loud = measure(Audio.silence(0.1))
    assert loud.integrated_lufs == -math.inf
    assert loud.true_peak_dbtp == -math.inf


def test_trim_silence_keeps_a_little_edge() -> None:
    tone = sine(300, 0.5).samples
    padded = Audio(np.concatenate([np.zeros(RATE), tone, np.zeros(RATE)]))
    trimmed = trim_silence(padded, keep_s=(0.03, 0.08))
    assert 0.5 < trimmed.duration_s < 0.5 + 0.03 + 0.08 + 0.01
