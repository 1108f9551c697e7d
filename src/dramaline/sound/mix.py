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
from scipy.ndimage import minimum_filter1d, uniform_filter1d

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
"""The music is fully down when a line starts and back up this long after it ends."""
DUCK_BRIDGE_S = 0.5
"""Pauses between lines shorter than this keep the music down, so it does not pump."""
LIMITER_RAMP_S = 0.0025
"""Half the limiter's look-ahead: gain falls over about twice this before a peak."""
LIMITER_RELEASE_DB_PER_S = 40.0
PEAK_MARGIN_DB = 0.1
"""Headroom the limiter keeps under the requested ceiling, for intersample error."""
MASTER_TOLERANCE_LU = 0.1
MASTER_ITERATIONS = 8

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
    ceiling; the two are iterated because limiting lowers loudness. Silence is returned as is.
    Material too peaky to reach the target under the ceiling comes out as loud as it can.
    """
    x = audio.samples.astype(np.float64)
    loudness = integrated_lufs(audio)
    if not math.isfinite(loudness):
        return audio
    peaks = oversampled_peaks(audio.samples)
    ceiling = _gain(peak_dbtp - PEAK_MARGIN_DB)
    gain_db = target_lufs - loudness
    tried: list[tuple[float, float]] = []
    best = x
    for _ in range(MASTER_ITERATIONS):
        limiter = _limiter_gain(peaks * np.float32(_gain(gain_db)), ceiling, audio.rate)
        y = x * limiter * _gain(gain_db)
        best = _under_ceiling(y, peak_dbtp, audio.rate)
        measured = integrated_lufs(Audio(best.astype(np.float32), audio.rate))
        tried.append((gain_db, measured))
        if abs(measured - target_lufs) <= MASTER_TOLERANCE_LU:
            break
        slope = 1.0
        if len(tried) > 1:
            (g0, l0), (g1, l1) = tried[-2], tried[-1]
            slope = (l1 - l0) / (g1 - g0) if g1 != g0 else 1.0
        gain_db += (target_lufs - measured) / min(1.0, max(0.2, slope))
    return Audio(best.astype(np.float32), audio.rate)


def _limiter_gain(peaks: Peaks, ceiling: float, rate: int) -> Signal:
    """Per-sample gain that keeps `peaks` (oversampled magnitudes) at or under `ceiling`.

    The required gain is spread by a minimum filter and then smoothed by a triangular kernel no
    wider than that filter, so every peak still gets at least its required reduction; a release
    of 40 dB/s on a 1 kHz envelope keeps the gain from fluttering between close peaks.
    """
    need = np.minimum(1.0, ceiling / np.maximum(peaks.astype(np.float64), 1e-12))
    if need.min() >= 1.0:
        return np.ones_like(need)
    width = 2 * round(LIMITER_RAMP_S * rate) + 1
    fast = minimum_filter1d(need, size=2 * width - 1, mode="nearest")
    fast = uniform_filter1d(uniform_filter1d(fast, size=width, mode="nearest"), size=width, mode="nearest")
    step = rate // 1000
    blocks = minimum_filter1d(need, size=step, mode="nearest")[::step]
    need_db = 20 * np.log10(blocks)
    per_block = LIMITER_RELEASE_DB_PER_S / 1000
    k = np.arange(len(need_db))
    release_db = np.minimum(0.0, per_block * k + np.minimum.accumulate(need_db - per_block * k))
    slow = np.interp(np.arange(len(need), dtype=np.float64), k * step, 10 ** (release_db / 20))
    gain: Signal = np.minimum(fast, slow)
    return gain


def _under_ceiling(y: Signal, peak_dbtp: float, rate: int) -> Signal:
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
