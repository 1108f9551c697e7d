"""Audio: mono float32 samples at a rate, WAV reading and writing, and loudness measurement.

Every sound stage (speech, effects, score, mix) passes Audio values; 48 kHz is the house rate.
"""

from __future__ import annotations

import functools
import math
import os
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soxr

from dramaline.errors import InvalidInputError
from dramaline.sound import filters

RATE = 48000
"""The house sample rate: every Audio the sound package produces is at 48 kHz."""
TRUE_PEAK_OVERSAMPLING = 4
_MIN_MEASURE_S = 0.4
"""BS.1770 gates 400 ms blocks; shorter clips are padded with silence to one block."""

Samples = npt.NDArray[np.float32]
Memo = Callable[[str, Callable[[], Samples]], Samples]
"""Gives the array stored under a key, or makes, stores and gives it: a build keeps each scene's music
and each effect in its cache, so a rebuild synthesises only what an edit changed."""


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono float32 samples (about ±1) at `rate` Hz; treat the array as read-only."""

    samples: Samples
    rate: int = RATE

    def __post_init__(self) -> None:
        samples = np.ascontiguousarray(self.samples, dtype=np.float32)
        if samples.ndim != 1:
            raise InvalidInputError(f"Audio samples must be mono (1-D); got an array of shape {samples.shape}")
        if self.rate <= 0:
            raise InvalidInputError(f"Audio rate is {self.rate}; it must be a positive number of Hz")
        object.__setattr__(self, "samples", samples)

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.rate

    def frames(self, fps: int) -> int:
        """Video frames at `fps` this audio spans, rounded up."""
        return -(-len(self.samples) * fps // self.rate)

    @classmethod
    def silence(
        cls, seconds: float | None = None, *, frames: int | None = None, fps: int | None = None, rate: int = RATE
    ) -> Audio:
        """Silence lasting `seconds`, or exactly `frames` video frames at `fps`."""
        if (seconds is None) == (frames is None):
            raise InvalidInputError("Audio.silence needs either seconds or frames (with fps), not both or neither")
        if frames is not None:
            if fps is None:
                raise InvalidInputError(f"Audio.silence(frames={frames}) needs the frame rate: pass fps=")
            n = samples_for_frames(frames, fps, rate)
        else:
            n = round(float(seconds or 0.0) * rate)
        if n < 0:
            raise InvalidInputError(f"Audio.silence got a negative length ({seconds=}, {frames=})")
        return cls(np.zeros(n, dtype=np.float32), rate)

    def with_gain_db(self, gain_db: float) -> Audio:
        """A copy `gain_db` decibels louder (negative: quieter)."""
        return Audio(self.samples * np.float32(10 ** (gain_db / 20)), self.rate)


@dataclass(frozen=True)
class Loudness:
    """BS.1770 integrated loudness and 4×-oversampled true peak; -inf for silence."""

    integrated_lufs: float
    true_peak_dbtp: float


def samples_for_frames(frames: int, fps: int, rate: int = RATE) -> int:
    """Samples spanned by `frames` video frames, rounded down so `Audio.frames(fps)` gives `frames` back."""
    return frames * rate // fps


def resample(audio: Audio, rate: int = RATE) -> Audio:
    """`audio` at `rate` Hz (libsoxr, high quality; returned as is when the rate already matches).

    Every voiced line passes through here (espeak-ng speaks at 22.05 kHz): soxr imports in a
    fraction of a second, where scipy.signal's polyphase resampler cost a build seconds of start-up.
    """
    if audio.rate == rate:
        return audio
    out = soxr.resample(audio.samples, audio.rate, rate, quality="HQ")
    return Audio(np.asarray(out, dtype=np.float32), rate)


def read_wav(path: str | os.PathLike[str]) -> Audio:
    """Read a PCM or float WAV file of any rate and channel count as mono 48 kHz Audio."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read the WAV file {os.fspath(path)!r}: {exc.strerror or exc}") from exc
    try:
        return decode_wav(data)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{os.fspath(path)}: {exc}") from exc


def decode_wav(data: bytes) -> Audio:
    """Decode WAV bytes (PCM 8/16/24/32-bit or float 32/64, any channels) to mono 48 kHz Audio."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise InvalidInputError(f"not a WAV file (it starts with {data[:12]!r}); expected a RIFF/WAVE header")
    fmt: tuple[int, int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        size = struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if chunk_id == b"fmt ":
            tag, channels, rate = struct.unpack_from("<HHI", data, body)
            bits = struct.unpack_from("<H", data, body + 14)[0]
            if tag == 0xFFFE and size >= 26:
                tag = struct.unpack_from("<H", data, body + 24)[0]
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise InvalidInputError("the WAV data chunk comes before its fmt chunk; the file is damaged")
            # Streaming servers write 0 or 0xFFFFFFFF as the data size: the data then runs to the end.
            end = len(data) if size in (0, 0xFFFFFFFF) else min(len(data), body + size)
            return _decode_pcm(data[body:end], *fmt)
        pos = body + size + (size & 1)
    raise InvalidInputError("the WAV file has no data chunk (or no fmt chunk); it is empty or damaged")


def _decode_pcm(raw: bytes, tag: int, channels: int, rate: int, bits: int) -> Audio:
    """Mono 48 kHz Audio from interleaved sample bytes in the given WAV format."""
    width = bits // 8
    if channels < 1 or rate < 1 or width < 1:
        raise InvalidInputError(f"the WAV header is invalid ({channels} channels, {rate} Hz, {bits} bits)")
    raw = raw[: len(raw) - len(raw) % (width * channels)]
    x: npt.NDArray[Any]
    if tag == 1 and bits == 8:
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif tag == 1 and bits == 16:
        x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768
    elif tag == 1 and bits == 24:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v)).astype(np.float32) / float(1 << 23)
    elif tag == 1 and bits == 32:
        x = (np.frombuffer(raw, "<i4").astype(np.float64) / 2**31).astype(np.float32)
    elif tag == 3 and bits in (32, 64):
        x = np.frombuffer(raw, "<f4" if bits == 32 else "<f8").astype(np.float32)
    else:
        raise InvalidInputError(
            f"unsupported WAV encoding (format tag {tag}, {bits} bits); convert it to 16-bit PCM, for example "
            "with `ffmpeg -i in.wav -c:a pcm_s16le out.wav`"
        )
    mono: npt.NDArray[Any] = x.reshape(-1, channels).mean(axis=1, dtype=np.float32) if channels > 1 else x
    return resample(Audio(mono, rate), RATE)


def write_wav(audio: Audio, path: str | os.PathLike[str]) -> None:
    """Write `audio` as 16-bit PCM WAV, atomically (a temp file in the same folder, then rename)."""
    target = Path(path)
    pcm = np.round(np.clip(audio.samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, audio.rate, audio.rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", len(pcm))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            f.write(pcm)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def measure(audio: Audio) -> Loudness:
    """Integrated loudness (ITU-R BS.1770, as pyloudnorm measures it) and true peak (4× oversampled) of `audio`."""
    return Loudness(integrated_lufs=integrated_lufs(audio), true_peak_dbtp=true_peak_dbtp(audio))


def integrated_lufs(audio: Audio, *, weighted: npt.NDArray[np.float64] | None = None) -> float:
    """Integrated loudness in LUFS; clips under 0.4 s are measured padded with silence; -inf if silent.

    `weighted`, the samples already through `k_weighted`, spares filtering them again (a clip that
    needs padding is filtered padded all the same).
    """
    if weighted is not None and len(weighted) >= math.ceil(_MIN_MEASURE_S * audio.rate):
        return weighted_loudness(weighted, audio.rate)
    x = audio.samples.astype(np.float64)
    minimum = math.ceil(_MIN_MEASURE_S * audio.rate)
    if len(x) < minimum:
        x = np.pad(x, (0, minimum - len(x)))
    if not np.any(x):
        return -math.inf
    return _gated_loudness(x, audio.rate)


_BLOCK_S, _BLOCK_STEP = 0.4, 0.25
"""BS.1770 gating blocks: 400 ms, overlapping by 75%."""


def _gated_loudness(x: npt.NDArray[np.float64], rate: int) -> float:
    """BS.1770-4 gated loudness of a mono signal, as pyloudnorm's meter measures it, in fewer passes.

    Mastering measures a whole episode several times: the meter's two filter stages run as one
    cascade, and its per-block Python loop becomes sums over 100 ms hops (same block bounds, same gates).
    """
    return weighted_loudness(k_weighted(x, rate), rate)


def weighted_loudness(x: npt.NDArray[np.float64], rate: int) -> float:
    """Gated loudness in LUFS of a signal already through `k_weighted` (at least one 400 ms block long)."""
    lower, upper = gating_blocks(len(x), rate)
    hop = _BLOCK_S * _BLOCK_STEP * rate
    per_block = round(1 / _BLOCK_STEP)
    if hop == int(hop) and len(lower) >= 1:
        # Blocks start on a whole sample every 100 ms (48 kHz: every 4800), so each is the sum of four
        # 100 ms hops: one pass over the signal, and no running sum losing precision over an episode.
        hop_n, hops = int(hop), len(lower) + per_block - 1
        energy = np.zeros(hops)
        head = x[: min(len(x), hops * hop_n)]
        whole = len(head) // hop_n
        hopped = head[: whole * hop_n].reshape(whole, hop_n)
        energy[:whole] = np.einsum("ij,ij->i", hopped, hopped)
        if len(head) > whole * hop_n:  # a last, partial hop
            tail = head[whole * hop_n :]
            energy[whole] = float(tail @ tail)
        z = np.lib.stride_tricks.sliding_window_view(energy, per_block).sum(axis=1)[: len(lower)]
    else:
        running = np.concatenate([[0.0], np.cumsum(x * x)])
        z = np.maximum(running[np.minimum(upper, len(x))] - running[lower], 0.0)
    return gated_loudness(z / (_BLOCK_S * rate))


def gating_blocks(samples: int, rate: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First and end sample of each 400 ms gating block of a signal, as pyloudnorm's meter places them."""
    count = int(np.round((samples / rate - _BLOCK_S) / (_BLOCK_S * _BLOCK_STEP))) + 1
    j = np.arange(count)
    lower = (_BLOCK_S * (j * _BLOCK_STEP) * rate).astype(np.int64)
    upper = (_BLOCK_S * (j * _BLOCK_STEP + 1) * rate).astype(np.int64)
    return lower, upper


def k_weighted(x: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
    """`x` through the BS.1770 K-weighting filter (the head's and ear's response) of the loudness meter."""
    return filters.sosfilt(k_weighting(rate), x, rate)


def gated_loudness(z: npt.NDArray[np.float64]) -> float:
    """Loudness in LUFS from the mean squares of a signal's 400 ms blocks (hop 100 ms), gated as BS.1770-4 says."""
    with np.errstate(divide="ignore"):
        block = -0.691 + 10.0 * np.log10(z)
    above = block >= -70.0
    if not above.any():
        return -math.inf
    relative = -0.691 + 10.0 * math.log10(float(z[above].mean())) - 10.0
    gated = (block > relative) & (block > -70.0)
    if not gated.any():
        return -math.inf
    return -0.691 + 10.0 * math.log10(float(z[gated].mean()))


def true_peak_dbtp(audio: Audio) -> float:
    """Peak level in dBTP, read from the 4× oversampled signal; -inf if silent."""
    peak = float(np.max(oversampled_peaks(audio.samples), initial=0.0))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def oversampled_peaks(samples: Samples) -> npt.NDArray[np.float32]:
    """Per input sample, the largest magnitude among it and its 4× oversampled neighbours."""
    x = np.asarray(samples, dtype=np.float32)
    n = len(x)
    if n == 0:
        return x
    # libsoxr's linear-phase interpolation: sample k*4 of the output is input sample k, and it is
    # about four times faster than scipy's polyphase filter on an episode's mix.
    up = np.asarray(soxr.resample(x, RATE, RATE * TRUE_PEAK_OVERSAMPLING, quality="HQ"), dtype=np.float32)
    if len(up) < n * TRUE_PEAK_OVERSAMPLING:
        up = np.pad(up, (0, n * TRUE_PEAK_OVERSAMPLING - len(up)))
    up = up[: n * TRUE_PEAK_OVERSAMPLING]
    np.abs(up, out=up)  # in place: a second 70 MB array per episode cost page faults, not arithmetic
    phases = up.reshape(n, TRUE_PEAK_OVERSAMPLING).T
    peaks = np.abs(x)
    for phase in phases:
        np.maximum(peaks, phase, out=peaks)
    return peaks


def trim_silence(audio: Audio, *, threshold_db: float = -40.0, keep_s: tuple[float, float] = (0.03, 0.08)) -> Audio:
    """`audio` without leading and trailing sound quieter than `threshold_db` below its peak.

    `keep_s` seconds are kept before the first and after the last loud sample, and the new edges
    get a 5 ms fade so the cut does not click.
    """
    x = audio.samples
    peak = float(np.max(np.abs(x), initial=0.0))
    if peak == 0.0:
        return audio
    loud = np.flatnonzero(np.abs(x) >= peak * 10 ** (threshold_db / 20))
    start = max(0, int(loud[0]) - round(keep_s[0] * audio.rate))
    end = min(len(x), int(loud[-1]) + 1 + round(keep_s[1] * audio.rate))
    out = x[start:end].copy()
    fade = min(len(out) // 2, round(0.005 * audio.rate))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        out[:fade] *= ramp
        out[-fade:] *= ramp[::-1]
    return Audio(out, audio.rate)


@functools.cache
def k_weighting(rate: int) -> tuple[filters.Section, filters.Section]:
    """The meter's K-weighting at `rate` as two biquads: the +4 dB shelf above 1.5 kHz, then the 38 Hz high-pass.

    BS.1770 tabulates the coefficients at 48 kHz only. These are pyloudnorm's design, which gives the
    same curve at any rate and lands within 2e-4 of the table at 48 kHz, so loudness reads as pyloudnorm
    reads it.
    """
    return filters.high_shelf(4.0, 1500.0, rate), filters.highpass(38.0, rate, q=0.5)
