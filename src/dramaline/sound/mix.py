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

from dramaline.errors import InvalidInputError
from dramaline.model import Timeline
from dramaline.sound import moving
from dramaline.sound.audio import (
    RATE,
    Audio,
    gated_loudness,
    gating_blocks,
    integrated_lufs,
    k_weighted,
    oversampled_peaks,
    resample,
    samples_for_frames,
)

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
MASTER_ITERATIONS = 4
"""Real renders and measurements per mode; the model is corrected after each."""
LIMITER_MAX_EXTRA_DB = 6.0
"""Most gain the limiter alone may make up for; beyond that it pumps, and soft clipping takes over."""
MAX_EXTRA_GAIN_DB = 24.0
"""Most gain added beyond the plain loudness match to make up for what the limiter (and clipping) take."""
_SLOW_SMOOTH_BLOCKS = 5

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
    ceiling; since limiting lowers loudness, the gain is found on a model of the outcome built
    from 1 ms blocks (`_Outcome`), checked by rendering and measuring for real, and the model's
    error fed back until a real measurement is on target. Material whose peaks come so thick
    that the limiter would have to take away more than `LIMITER_MAX_EXTRA_DB` is soft-clipped
    before the limiter instead. Silence is returned as is.
    """
    x = audio.samples.astype(np.float64)
    weighted = k_weighted(x, audio.rate)  # filtered once: measured here, and modelled by _Outcome
    loudness = integrated_lufs(audio, weighted=weighted)
    if not math.isfinite(loudness):
        return audio
    peaks = oversampled_peaks(audio.samples)
    ceiling = _gain(peak_dbtp - PEAK_MARGIN_DB)
    outcome = _Outcome(x, weighted, peaks, ceiling, audio.rate)
    plain = target_lufs - loudness  # the gain that would do it if nothing were limited
    best: tuple[float, Signal] | None = None
    for clip, most in ((False, LIMITER_MAX_EXTRA_DB), (True, MAX_EXTRA_GAIN_DB)):
        bounds = (plain - 1.0, plain + most)
        if not clip and outcome.loudness(bounds[1], clip=False) < target_lufs - MASTER_TOLERANCE_LU:
            continue  # out of the limiter's reach: clip softly first
        bias = 0.0
        for _ in range(MASTER_ITERATIONS):
            gain_db = outcome.solve(target_lufs - bias, bounds, clip=clip)
            y = _gain_and_limit(x, peaks, _gain(gain_db), ceiling, audio.rate, clip=clip)
            measured = integrated_lufs(Audio(y.astype(np.float32), audio.rate))
            if best is None or abs(measured - target_lufs) < best[0]:
                best = (abs(measured - target_lufs), y)
            if best[0] <= MASTER_TOLERANCE_LU:
                break
            bias = measured - outcome.loudness(gain_db, clip=clip)  # what the model got wrong here
        if best is not None and best[0] <= MASTER_TOLERANCE_LU:
            break
    assert best is not None
    return Audio(_under_ceiling(best[1], peak_dbtp).astype(np.float32), audio.rate)


class _Outcome:
    """How loud `x` comes out at a gain, through the limiter (and the soft clip), worked out on 1 ms blocks.

    Each block keeps its K-weighted energy and its highest oversampled peak; a gain scales both, the
    limiter's gain is worked out per block (its slow stage exactly, its 5 ms fast stage at block
    resolution), and the gated loudness is read off the blocks. A few thousand numbers stand in for
    millions of samples, so the gain can be searched for freely and only checked on the real thing.
    """

    def __init__(self, x: Signal, weighted: Signal, peaks: Peaks, ceiling: float, rate: int) -> None:
        self.ceiling, self.rate = ceiling, rate
        self.step = step = rate // 1000
        blocks = -(-len(x) // step)
        pad = blocks * step - len(x)
        self.energy = np.pad(weighted * weighted, (0, pad)).reshape(blocks, step).sum(axis=1)
        self.samples = np.pad(x.astype(np.float32), (0, pad)).reshape(blocks, step)
        self.plain = np.einsum("ij,ij->i", self.samples, self.samples, dtype=np.float64)
        self.peak = np.pad(peaks, (0, pad)).reshape(blocks, step).max(axis=1).astype(np.float64)
        # The meter's 400 ms gating blocks as runs of 1 ms blocks.
        lower, upper = gating_blocks(max(len(x), round(0.4 * rate)), rate)  # at least one block
        self.first = np.round(lower / step).astype(np.int64)
        self.end = np.round(upper / step).astype(np.int64)

    def loudness(self, gain_db: float, *, clip: bool) -> float:
        g = _gain(gain_db)
        energy = self.energy * (g * g)
        peak = self.peak * g
        if clip:
            c = self.ceiling
            clipped = c * np.tanh(self.samples * np.float32(g / c))
            kept = np.einsum("ij,ij->i", clipped, clipped, dtype=np.float64)
            energy *= np.divide(kept, self.plain * (g * g), out=np.ones_like(kept), where=self.plain > 0)
            peak = c * np.tanh(peak / c)
        need = np.minimum(1.0, self.ceiling / np.maximum(peak, 1e-12))
        width = -(-(2 * round(LIMITER_RAMP_S * self.rate) + 1) // self.step)
        fast = moving.minimum(need, 2 * width - 1)
        fast = moving.mean(moving.mean(fast, width), width)
        limiter = np.minimum(fast, _slow_envelope(need))
        running = np.concatenate([[0.0], np.cumsum(energy * limiter * limiter)])
        upper = np.minimum(self.end, len(energy))
        z = (running[upper] - running[np.minimum(self.first, len(energy))]) / ((self.end - self.first) * self.step)
        return gated_loudness(z)

    def solve(self, target: float, bounds: tuple[float, float], *, clip: bool) -> float:
        """The gain (dB, within `bounds`) at which the model reaches `target`; the top bound if none does.

        Regula falsi (Illinois): loudness only grows with gain, and each try costs a pass when clipping.
        """
        lo, hi = bounds
        f_lo, f_hi = self.loudness(lo, clip=clip) - target, self.loudness(hi, clip=clip) - target
        if f_hi <= 0:
            return hi
        if f_lo >= 0:
            return lo
        side = 0
        for _ in range(30):
            mid = hi - f_hi * (hi - lo) / (f_hi - f_lo)
            f_mid = self.loudness(mid, clip=clip) - target
            if abs(f_mid) <= MASTER_TOLERANCE_LU / 4:
                return mid
            if f_mid < 0:
                lo, f_lo = mid, f_mid
                if side == -1:
                    f_hi /= 2
                side = -1
            else:
                hi, f_hi = mid, f_mid
                if side == 1:
                    f_lo /= 2
                side = 1
        return mid


def _gain_and_limit(x: Signal, peaks: Peaks, gain: float, ceiling: float, rate: int, *, clip: bool) -> Signal:
    """`x` times `gain`, soft-clipped at `ceiling` if `clip`, through the look-ahead limiter."""
    y = x * gain
    peaks = peaks * np.float32(gain)
    if clip:
        y = ceiling * np.tanh(y / ceiling)
        # The clipped signal's peaks, read through the same curve rather than oversampled again
        # (a second of work per try on an episode); what the estimate misses, _under_ceiling trims.
        peaks = (ceiling * np.tanh(peaks / ceiling)).astype(np.float32)
    limiter = _limiter_gain(peaks, ceiling, rate)
    return y if limiter is None else y * limiter


def _slow_envelope(block_need: Signal) -> Signal:
    """The limiter's slow stage on 1 ms blocks: full reduction at once, recovery at 40 dB/s, lightly smoothed."""
    k = np.arange(len(block_need))
    per_block = LIMITER_RELEASE_DB_PER_S / 1000
    need_db = 20 * np.log10(np.maximum(block_need, 1e-12))
    release_db = np.minimum(0.0, per_block * k + np.minimum.accumulate(need_db - per_block * k))
    smooth = _SLOW_SMOOTH_BLOCKS
    release_db = moving.mean(moving.minimum(release_db, 2 * smooth - 1), smooth)
    slow: Signal = 10 ** (release_db / 20)
    return slow


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
    smooth = _SLOW_SMOOTH_BLOCKS
    slow = _slow_envelope(block_need)
    width = 2 * round(LIMITER_RAMP_S * rate) + 1
    reach = -(-2 * width // step) + smooth + 1
    active = moving.maximum(slow < 1.0, 2 * reach + 1, mode="constant") > 0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    gain = np.ones(n)
    for b0, b1 in zip(edges[::2], edges[1::2], strict=True):
        start, end = b0 * step, min(n, b1 * step)
        lo, hi = max(0, start - 2 * width), min(n, end + 2 * width)
        fast = moving.minimum(need[lo:hi], 2 * width - 1)
        fast = moving.mean(moving.mean(fast, width), width)
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
