"""Sound effects synthesised with numpy (impact, whoosh, heartbeat, sting) and where an episode gets them.

Effects are deterministic: the same kind always gives the same samples, peaking at -3 dBFS.
"""

from __future__ import annotations

import functools
import math
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from dramaline.errors import InvalidInputError
from dramaline.model import BeatType, Timeline
from dramaline.sound import filters
from dramaline.sound.audio import RATE, Audio, Memo

VERSION = 3  # 2: band-passed by Butterworth high- and low-pass (sound.filters); 3: filtered over a noise floor
EffectKind = Literal["impact", "whoosh", "heartbeat", "sting"]
EFFECT_KINDS: tuple[EffectKind, ...] = get_args(EffectKind)
PEAK_DBFS = -3.0
DURATION_S: dict[EffectKind, float] = {"impact": 0.4, "whoosh": 0.5, "heartbeat": 1.2, "sting": 1.5}
WHOOSH_PEAK_S = 0.32
"""Where the whoosh is loudest; it is placed this early so its peak lands on the cut."""
MAX_HEARTBEATS = 3

Signal = npt.NDArray[np.float64]


def effect(kind: EffectKind, *, memo: Memo | None = None) -> Audio:
    """The effect `kind` as mono 48 kHz Audio (read-only samples); same kind → same samples.

    With a `memo` (a build's cache), an effect is synthesised once for every build that uses it.
    """
    if kind not in DURATION_S:
        raise InvalidInputError(f"unknown sound effect {kind!r}; use one of: {', '.join(EFFECT_KINDS)}")
    if memo is None:
        return _effect(kind)
    return Audio(memo(f"{VERSION}:{kind}", lambda: _effect(kind).samples), RATE)


@functools.cache
def _effect(kind: EffectKind) -> Audio:
    n = round(DURATION_S[kind] * RATE)
    t = np.arange(n) / RATE
    rng = np.random.default_rng(EFFECT_KINDS.index(kind) + 1)
    x = {"impact": _impact, "whoosh": _whoosh, "heartbeat": _heartbeat, "sting": _sting}[kind](t, rng)
    x = _fade(x, in_s=0.001, out_s=0.03)
    x *= 10 ** (PEAK_DBFS / 20) / np.max(np.abs(x))
    samples = x.astype(np.float32)
    samples.flags.writeable = False  # one cached array is shared by every caller
    return Audio(samples, RATE)


def effects_for(timeline: Timeline, *, memo: Memo | None = None) -> list[tuple[int, Audio]]:
    """Effects to lay under `timeline`, as (episode frame, effect) pairs in frame order.

    A whoosh at every scene change, an impact on each face slap (at its second line, or its
    first), heartbeats building up to the last line of reveals and cliffhangers, and a sting
    where the final cliffhanger's last line ends (the freeze).
    """
    fps = timeline.fps
    sounds = {kind: effect(kind, memo=memo) for kind in EFFECT_KINDS}
    placed: list[tuple[int, EffectKind]] = []
    for i, scene in enumerate(timeline.scenes):
        if i > 0:
            placed.append((max(0, scene.start_frame - round(WHOOSH_PEAK_S * fps)), "whoosh"))
        if not scene.lines:
            continue
        if scene.beat is BeatType.FACE_SLAP:
            placed.append((scene.lines[1 if len(scene.lines) > 1 else 0].start_frame, "impact"))
        if scene.beat in (BeatType.REVEAL, BeatType.CLIFFHANGER):
            beat_frames = math.ceil(DURATION_S["heartbeat"] * fps)
            build_up = scene.lines[-1].start_frame - scene.start_frame
            count = min(MAX_HEARTBEATS, build_up // beat_frames)
            first = scene.lines[-1].start_frame - count * beat_frames if count else scene.start_frame
            placed.extend((first + k * beat_frames, "heartbeat") for k in range(max(1, count)))
    finals = [s for s in timeline.scenes if s.beat is BeatType.CLIFFHANGER and s.lines]
    if finals:
        placed.append((finals[-1].lines[-1].end_frame, "sting"))
    placed.sort(key=lambda item: (item[0], EFFECT_KINDS.index(item[1])))
    return [(frame, sounds[kind]) for frame, kind in placed if frame < timeline.duration_frames]


def _impact(t: Signal, rng: np.random.Generator) -> Signal:
    """A punch: a falling sine thump under a short band-passed crack of noise."""
    hz = 45 + 85 * np.exp(-t / 0.04)
    thump = np.sin(2 * np.pi * np.cumsum(hz) / RATE) * np.exp(-t / 0.12)
    crack = _band(rng.standard_normal(len(t)), 700, 7000) * np.exp(-t / 0.025)
    out: Signal = thump + 0.9 * crack / float(np.max(np.abs(crack)))
    return out


def _whoosh(t: Signal, rng: np.random.Generator) -> Signal:
    """Noise swept upward through eight bands, swelling to a peak and falling away."""
    u = t / t[-1]
    centres = np.geomspace(350, 5000, 8)
    position = (len(centres) - 1) * u**1.3
    noise = rng.standard_normal(len(t))
    x = np.zeros_like(t)
    for k, centre in enumerate(centres):
        weight = np.exp(-(((position - k) / 1.1) ** 2))
        x += _band(noise, centre / 1.4, centre * 1.4) * weight
    peak_u = WHOOSH_PEAK_S / t[-1]
    swell = np.where(u < peak_u, (u / peak_u) ** 2, np.exp(-(u - peak_u) / 0.12))
    out: Signal = x * swell
    return out


def _heartbeat(t: Signal, rng: np.random.Generator) -> Signal:
    """Lub-dub: two low, soft thumps, then rest, so repeats run at 50 beats per minute."""
    x = np.zeros_like(t)
    for start_s, level in ((0.02, 1.0), (0.3, 0.7)):
        local = np.clip(t - start_s, 0.0, None)
        on = t >= start_s
        hz = 48 + 22 * np.exp(-local / 0.05)
        env = np.minimum(1.0, local / 0.008) * np.exp(-local / 0.07) * on
        phase = 2 * np.pi * np.cumsum(hz * on) / RATE
        x += level * env * (np.sin(phase) + 0.25 * np.sin(2 * phase))
    return _low(x, 220)


def _sting(t: Signal, rng: np.random.Generator) -> Signal:
    """A dramatic stab: a brassy minor chord with octave doubling, a low boom and a splash, decaying."""
    notes_hz = [146.83 * 2 ** (s / 12) for s in (0, 12, 15, 19, 24, 25)]  # D minor with a biting flat second
    x = np.zeros_like(t)
    for i, hz in enumerate(notes_hz):
        level = 0.35 if i == 5 else 1.0
        for k in range(1, 13):
            brightness = np.exp(-t * k * 0.9)
            x += level * np.sin(2 * np.pi * hz * k * t + 0.7 * k * i) / k * brightness
    x *= np.minimum(1.0, t / 0.006) * np.exp(-t / 0.55)
    boom = np.sin(2 * np.pi * np.cumsum(40 + 40 * np.exp(-t / 0.05)) / RATE) * np.exp(-t / 0.35)
    splash = _band(rng.standard_normal(len(t)), 3000, 12000) * np.exp(-t / 0.3)
    out: Signal = x / float(np.max(np.abs(x))) + 0.5 * boom + 0.15 * splash / float(np.max(np.abs(splash)))
    return out


def _band(x: Signal, low_hz: float, high_hz: float) -> Signal:
    return filters.sosfilt(filters.bandpass(low_hz, min(high_hz, RATE * 0.45), RATE), x, RATE)


def _low(x: Signal, cutoff_hz: float) -> Signal:
    return filters.sosfilt([filters.lowpass(cutoff_hz, RATE)], x, RATE)


def _fade(x: Signal, *, in_s: float, out_s: float) -> Signal:
    n_in, n_out = round(in_s * RATE), round(out_s * RATE)
    x = x.copy()
    x[:n_in] *= np.linspace(0.0, 1.0, n_in)
    x[-n_out:] *= np.linspace(1.0, 0.0, n_out)
    return x
