"""Mixing and mastering: dialogue, effects and the music bed laid on the episode's frames, then
brought to the delivery loudness under a true-peak ceiling.

Stems are balanced by loudness before they are summed, so any speech backend and any score
level give the same mix: music sits 8 dB under the dialogue in gaps and 22 dB under it while
someone speaks; each effect plays 6 dB under the dialogue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d

from dramaline.errors import InvalidInputError
from dramaline.model import Timeline
from dramaline.sound.audio import RATE, Audio, integrated_lufs, oversampled_peaks, resample, samples_for_frames

DIALOGUE_LUFS = -20.0
"""Loudness the dialogue stem is set to before mastering (headroom for the other stems)."""
MUSIC_GAP_DB = -8.0
"""Music loudness relative to the dialogue where nobody speaks."""
MUSIC_UNDER_SPEECH_DB = -22.0
"""Music loudness relative to the dialogue while a line is spoken."""
EFFECT_DB = -6.0
"""Loudness of each effect relative to the dialogue."""
DUCK_RAMP_S = 0.15
"""The music falls over this long before a line (fully down as it starts) and rises over this long after it."""
DUCK_BRIDGE_S = 0.5
"""Pauses between lines shorter than this keep the music down, so it does not pump."""
LIMITER_RAMP_S = 0.0025
"""Half the limiter's look-ahead: gain falls over about twice this before a peak."""
LIMITER_RELEASE_DB_PER_S = 40.0
PEAK_MARGIN_DB = 0.1
"""Headroom the limiter keeps under the requested ceiling, for intersample error."""
MASTER_TOLERANCE_LU = 0.1
MASTER_ITERATIONS = 10
MIN_SLOPE = 0.05
"""When a dB of gain buys less loudness than this, the limiter is saturated: soft clipping takes over."""
MAX_EXTRA_GAIN_DB = 24.0
"""Most gain added beyond the plain loudness match to make up for what the limiter takes."""

Signal = npt.NDArray[np.float64]
Peaks = npt.NDArray[np.float32]


def mix(
    timeline: Timeline,
    dialogue: Sequence[tuple[int, Audio]],
    effects: Sequence[tuple[int, Audio]],
    music: Audio,
) -> Audio:
    """The episode's sound: each take and effect at its episode frame over the ducked music bed.

    The result is exactly `timeline.duration_frames` long at 48 kHz; sound that runs past the
    end is cut. It is balanced but not mastered: pass it to `master()`.
    """
    n = samples_for_frames(timeline.duration_frames, timeline.fps)
    speech = np.zeros(n)
    spans: list[tuple[int, int]] = []
    for frame, take in dialogue:
        at = _position(frame, timeline.fps, "dialogue")
        samples = resample(take).samples
        if _place(speech, at, samples):
            spans.append((at, min(n, at + len(samples))))
    speech_lufs = integrated_lufs(Audio(speech.astype(np.float32)))
    if math.isfinite(speech_lufs):
        speech *= _gain(DIALOGUE_LUFS - speech_lufs)
    out = speech
    for frame, sound in effects:
        fx = resample(sound)
        level = integrated_lufs(fx)
        if math.isfinite(level):
            _place(out, _position(frame, timeline.fps, "effect"), fx.samples * _gain(DIALOGUE_LUFS + EFFECT_DB - level))
    bed = np.zeros(n)
    bed_samples = resample(music).samples[:n]
    bed[: len(bed_samples)] = bed_samples
    bed_lufs = integrated_lufs(Audio(bed.astype(np.float32)))
    if math.isfinite(bed_lufs):
        bed *= _gain(DIALOGUE_LUFS + MUSIC_GAP_DB - bed_lufs) * duck_gain(spans, n)
        out += bed
    return Audio(out.astype(np.float32), RATE)


def duck_gain(spans: Sequence[tuple[int, int]], n: int, rate: int = RATE) -> Signal:
    """Per-sample gain of the music: down by the duck depth over `spans` (sample ranges), smooth in dB."""
    step = rate // 1000  # the envelope is built at 1 kHz, then interpolated
    count = n // step + 2
    active = np.zeros(count)
    ramp = max(1, round(DUCK_RAMP_S * 1000))
    bridge = round(DUCK_BRIDGE_S * rate)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] < bridge:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        # Widen by half a ramp each side: the centred smoothing below then finishes the fall
        # exactly where the line starts and begins the rise where it ends.
        active[max(0, start // step - ramp // 2) : min(count, end // step + ramp // 2 + 1)] = 1.0
    kernel = np.hanning(ramp + 2)[1:-1]
    smooth = np.convolve(np.pad(active, ramp, mode="edge"), kernel / kernel.sum(), mode="same")[ramp:-ramp]
    depth_db = MUSIC_UNDER_SPEECH_DB - MUSIC_GAP_DB
    control = 10 ** (depth_db * np.clip(smooth, 0.0, 1.0) / 20)
    gain: Signal = np.interp(np.arange(n, dtype=np.float64), np.arange(count) * step, control)
    return gain


def master(audio: Audio, *, target_lufs: float = -14.0, peak_dbtp: float = -1.0) -> Audio:
    """`audio` at `target_lufs` integrated loudness, its true peak held at or under `peak_dbtp`.

    A gain reaches the target and a look-ahead limiter (fed by 4× oversampled peaks) holds the
    ceiling; the two are iterated because limiting lowers loudness. Material whose peaks come so
    thick that the limiter swallows any added gain is soft-clipped before the limiter instead.
    Silence is returned as is.
    """
    x = audio.samples.astype(np.float64)
    loudness = integrated_lufs(audio)
    if not math.isfinite(loudness):
        return audio
    peaks = oversampled_peaks(audio.samples)
    ceiling = _gain(peak_dbtp - PEAK_MARGIN_DB)
    gain_db = first_gain_db = target_lufs - loudness
    tried: list[tuple[float, float]] = []
    best, best_miss = x, math.inf
    clip = False
    for _ in range(MASTER_ITERATIONS):
        y = _gain_and_limit(x, peaks, _gain(gain_db), ceiling, audio.rate, clip=clip)
        measured = integrated_lufs(Audio(y.astype(np.float32), audio.rate))
        tried.append((gain_db, measured))
        if abs(measured - target_lufs) < best_miss:
            best, best_miss = y, abs(measured - target_lufs)
        if best_miss <= MASTER_TOLERANCE_LU:
            break
        slope = 1.0
        if len(tried) > 1:
            (g0, l0), (g1, l1) = tried[-2], tried[-1]
            slope = (l1 - l0) / (g1 - g0) if g1 != g0 else 0.0
        if slope < MIN_SLOPE:
            if clip or measured > target_lufs:
                break  # as loud as it gets
            clip, gain_db = True, first_gain_db
            tried.clear()
            continue
        gain_db = min(first_gain_db + MAX_EXTRA_GAIN_DB, gain_db + (target_lufs - measured) / min(1.0, slope))
    return Audio(_under_ceiling(best, peak_dbtp).astype(np.float32), audio.rate)


def _gain_and_limit(x: Signal, peaks: Peaks, gain: float, ceiling: float, rate: int, *, clip: bool) -> Signal:
    """`x` times `gain`, soft-clipped at `ceiling` if `clip`, through the look-ahead limiter."""
    y = x * gain
    if clip:
        y = ceiling * np.tanh(y / ceiling)
        peaks = oversampled_peaks(y.astype(np.float32))
    else:
        peaks = peaks * np.float32(gain)
    limiter = _limiter_gain(peaks, ceiling, rate)
    return y if limiter is None else y * limiter


def _limiter_gain(peaks: Peaks, ceiling: float, rate: int) -> Signal | None:
    """Per-sample gain that keeps `peaks` (oversampled magnitudes) at or under `ceiling`; None if 1 throughout.

    Fast stage: the required gain is spread by a minimum filter and smoothed by a triangular
    kernel no wider than that filter, so every peak still gets at least its required reduction
    and the gain falls over about 5 ms before it. Slow stage: on a 1 kHz envelope, recovery at
    40 dB/s, so close peaks do not make the gain flutter. Only stretches that need it are computed.
    """
    need = np.minimum(1.0, ceiling / np.maximum(peaks.astype(np.float64), 1e-12))
    n, step = len(need), rate // 1000
    blocks = -(-n // step)
    padded = np.ones(blocks * step)
    padded[:n] = need
    block_need = padded.reshape(blocks, step).min(axis=1)
    if block_need.min() >= 1.0:
        return None
    k = np.arange(blocks)
    per_block = LIMITER_RELEASE_DB_PER_S / 1000
    need_db = 20 * np.log10(np.maximum(block_need, 1e-12))
    release_db = np.minimum(0.0, per_block * k + np.minimum.accumulate(need_db - per_block * k))
    smooth = 5
    release_db = uniform_filter1d(minimum_filter1d(release_db, 2 * smooth - 1, mode="nearest"), smooth, mode="nearest")
    slow = 10 ** (release_db / 20)
    width = 2 * round(LIMITER_RAMP_S * rate) + 1
    reach = -(-2 * width // step) + smooth + 1
    active = maximum_filter1d((slow < 1.0).astype(np.uint8), 2 * reach + 1, mode="constant") > 0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    gain = np.ones(n)
    for b0, b1 in zip(edges[::2], edges[1::2], strict=True):
        start, end = b0 * step, min(n, b1 * step)
        lo, hi = max(0, start - 2 * width), min(n, end + 2 * width)
        fast = minimum_filter1d(need[lo:hi], size=2 * width - 1, mode="nearest")
        fast = uniform_filter1d(uniform_filter1d(fast, size=width, mode="nearest"), size=width, mode="nearest")
        centres = k[max(0, b0 - 1) : b1 + 1] * step + step / 2
        envelope = np.interp(np.arange(start, end), centres, slow[max(0, b0 - 1) : b1 + 1])
        gain[start:end] = np.minimum(fast[start - lo : end - lo], envelope)
    return gain


def _under_ceiling(y: Signal, peak_dbtp: float) -> Signal:
    """`y`, turned down by whatever true peak the limiter's smoothing let over `peak_dbtp`."""
    top = float(np.max(oversampled_peaks(y.astype(np.float32)), initial=0.0))
    limit = _gain(peak_dbtp - PEAK_MARGIN_DB / 2)
    return y * (limit / top) if top > limit else y


def _position(frame: int, fps: int, what: str) -> int:
    if frame < 0:
        raise InvalidInputError(f"a {what} item is placed at frame {frame}; frames count from 0")
    return samples_for_frames(frame, fps)


def _place(track: Signal, at: int, sound: npt.NDArray[np.floating]) -> bool:
    """Add `sound` into `track` from sample `at`, cut at the end; True if any of it landed."""
    end = min(len(track), at + len(sound))
    if end <= at:
        return False
    track[at:end] += sound[: end - at]
    return True


def _gain(db: float) -> float:
    return float(10 ** (db / 20))
