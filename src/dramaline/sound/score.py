"""The music bed of an episode, synthesised with numpy: a mood per scene from its beat.

Each mood has a key centre, chord progressions, a tempo and an arrangement (string-like pads,
bass, a driving pulse, a music box, a riser). Scenes crossfade; the result spans the episode.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soxr

from dramaline.model import BeatType, Timeline
from dramaline.sound import filters
from dramaline.sound.audio import RATE, Audio, Memo, integrated_lufs, samples_for_frames

VERSION = 6
"""2: each scene's music kept in float32 (and so in a build's cache); 3: FFmpeg's filters; 4: at 48 kHz;
5: the oscillator's table index worked out in one pass; 6: filtered over a noise floor (`filters._FLOOR`)."""
SCORE_LUFS = -20.0
"""Loudness the bed is rendered at; the mix sets its final level under dialogue."""
CROSSFADE_S = 1.5
SYNTH_RATE = 16000
"""Scenes are synthesised at 16 kHz (everything in them is low-passed well below 8 kHz), then upsampled."""
TABLE_SIZE = 2048
"""Samples in one cycle of an oscillator's wavetable; a power of two (`_osc` wraps by masking)."""
Signal = npt.NDArray[np.float64]
Chord = tuple[int, str]
"""A chord: its root in semitones above the mood's tonic, and its quality."""
QUALITIES = {"maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "sus2": (0, 2, 7)}


@dataclass(frozen=True)
class Mood:
    """How a scene's music is played: harmony, tempo and arrangement."""

    name: str
    major: bool
    progressions: tuple[tuple[Chord, ...], ...]
    bpm: float
    beats_per_chord: int
    pad_attack_s: float
    pad_cutoff_hz: float
    level_db: float
    pulse: bool = False
    """An eighth-note bass ostinato with a kick on the downbeats and ticks on the offbeats."""
    clock: bool = False
    """A soft low thump on every beat, like a clock or a heartbeat."""
    music_box: bool = False
    harp: bool = False
    riser: bool = False


_SOMBER = Mood(
    "somber",
    False,
    (
        ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),
        ((0, "min"), (5, "min"), (8, "maj"), (7, "maj")),
        ((0, "min"), (8, "maj"), (5, "min"), (7, "maj")),
    ),
    60,
    4,
    1.4,
    1100,
    -1.0,
)
_WARM = Mood(
    "warm",
    True,
    (((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")), ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj"))),
    72,
    4,
    0.9,
    2400,
    -3.0,
    harp=True,
)
_DRIVING = Mood(
    "driving",
    False,
    (((0, "min"), (0, "min"), (8, "maj"), (10, "maj")), ((0, "min"), (10, "maj"), (8, "maj"), (10, "maj"))),
    120,
    4,
    0.25,
    1800,
    0.0,
    pulse=True,
)
_SUSPENSE = Mood(
    "suspense",
    False,
    (((0, "min"), (1, "maj")), ((0, "min"), (8, "maj"), (1, "maj"), (0, "sus2"))),
    84,
    4,
    1.0,
    800,
    -3.0,
    clock=True,
)
_NOSTALGIC = Mood(
    "nostalgic",
    True,
    (((0, "maj"), (4, "min"), (5, "maj"), (0, "maj")), ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj"))),
    66,
    4,
    1.2,
    1400,
    -4.0,
    music_box=True,
)
_RISING = Mood(
    "rising",
    False,
    (((0, "min"), (8, "maj"), (10, "maj"), (11, "dim")), ((0, "min"), (1, "maj"), (0, "min"), (11, "dim"))),
    100,
    4,
    0.6,
    1600,
    0.0,
    clock=True,
    riser=True,
)
_HEROIC = Mood(
    "heroic",
    True,
    (((0, "maj"), (5, "maj"), (7, "maj"), (5, "maj")), ((0, "maj"), (7, "maj"), (5, "maj"), (9, "min"))),
    112,
    4,
    0.3,
    2600,
    -1.0,
    pulse=True,
)
_UP = RATE // SYNTH_RATE
MOODS: dict[BeatType, Mood] = {
    BeatType.HOOK: _SUSPENSE,
    BeatType.HUMILIATION: _SOMBER,
    BeatType.REVEAL: _DRIVING,
    BeatType.FACE_SLAP: _DRIVING,
    BeatType.CONFRONTATION: _DRIVING,
    BeatType.BETRAYAL: _SOMBER,
    BeatType.SCHEME: _SUSPENSE,
    BeatType.ROMANCE: _WARM,
    BeatType.RESCUE: _HEROIC,
    BeatType.SACRIFICE: _SOMBER,
    BeatType.FLASHBACK: _NOSTALGIC,
    BeatType.CLIFFHANGER: _RISING,
}
"""The mood of every beat."""
_TONICS = (45, 50, 52, 47, 48, 43)
"""Minor home keys the seed picks from (MIDI: A, D, E, B, C, G); major moods use the relative major."""


def score(timeline: Timeline, *, seed: int = 0, memo: Memo | None = None, level: bool = True) -> Audio:
    """The music bed of `timeline`: exactly `duration_frames` long, deterministic per `seed`.

    Each scene's music depends only on its mood, length, place in the episode and the seed, so
    with a `memo` an edit that changes one scene's length synthesises only that scene again.
    The bed is brought to `SCORE_LUFS` (peaks kept under 0.89); with `level=False` it is left
    as synthesised, for a caller that measures and sets its level anyway, as the mix does.
    """
    n = samples_for_frames(timeline.duration_frames, timeline.fps)
    out = np.zeros(n)
    tonic = _TONICS[seed % len(_TONICS)]
    scenes = sorted(timeline.scenes, key=lambda s: s.start_frame)
    starts = [0] + [samples_for_frames(s.start_frame, timeline.fps) for s in scenes[1:]]
    moods = [MOODS[s.beat] for s in scenes] or [_SUSPENSE]
    bounds = [*starts[: len(moods)], n]
    half = round(CROSSFADE_S * RATE / 2)
    for i, mood in enumerate(moods):
        a = max(0, bounds[i] - (half if i > 0 else 0))
        b = min(n, bounds[i + 1] + (half if i < len(moods) - 1 else 0))
        if b <= a:
            continue
        low_n = -(-(b - a) // _UP) + 1

        def render(mood: Mood = mood, i: int = i, low_n: int = low_n, length: int = b - a) -> npt.NDArray[np.float32]:
            rng = np.random.default_rng(np.random.SeedSequence([seed % 2**32, i]))
            low = _render(mood, tonic, low_n, rng) * 10 ** (mood.level_db / 20)
            up: npt.NDArray[np.float32] = soxr.resample(low, SYNTH_RATE, RATE, quality="HQ")[:length].astype(np.float32)
            return up

        # Kept at 48 kHz: a memo at the synthesis rate still cost every scene its resampling, each build.
        name = f"{VERSION}:{mood.name}:{tonic}:{b - a}:{seed % 2**32}:{i}"
        segment = (render() if memo is None else memo(name, render)).astype(np.float64)
        # Equal-power fades over the 2 * half samples that overlap the neighbouring scenes.
        _fade_edges(segment, in_n=2 * half if i > 0 else 0, out_n=2 * half if b < n else 0, curve="equal-power")
        out[a:b] += segment
    _fade_edges(out, in_n=round(0.3 * RATE), out_n=RATE)
    if not level:
        return Audio(out.astype(np.float32), RATE)
    loudness = integrated_lufs(Audio(out.astype(np.float32)))
    if math.isfinite(loudness):
        out *= 10 ** ((SCORE_LUFS - loudness) / 20)
    peak = float(np.max(np.abs(out), initial=0.0))
    if peak > 0.89:
        out *= 0.89 / peak
    return Audio(out.astype(np.float32), RATE)


def _render(mood: Mood, tonic: int, n: int, rng: np.random.Generator) -> Signal:
    """`n` samples of `mood` around the minor `tonic`, chords from the start, parts chosen by `rng`."""
    home = tonic + 3 if mood.major else tonic
    progression = mood.progressions[int(rng.integers(len(mood.progressions)))]
    beat_n = round(60 / mood.bpm * SYNTH_RATE)
    chord_n = beat_n * mood.beats_per_chord
    count = -(-n // chord_n)
    roots = [home + progression[k % len(progression)][0] for k in range(count)]
    chords = [_voicing(root, progression[k % len(progression)][1]) for k, root in enumerate(roots)]
    pads = np.zeros(n + SYNTH_RATE * 2)
    bass = np.zeros_like(pads)
    parts = np.zeros_like(pads)
    for k, notes in enumerate(chords):
        at = k * chord_n
        chord = _pad_chord(notes, chord_n, mood.pad_attack_s, rng)
        pads[at : at + len(chord)] += chord[: len(pads) - at]
        low = _bass_note(_hz(_bass_midi(roots[k])), chord_n)
        if not mood.pulse:
            bass[at : at + len(low)] += low[: len(bass) - at]
        for b in range(mood.beats_per_chord * 2):
            on = at + b * beat_n // 2
            if on >= n:
                break
            if mood.pulse:
                _place(parts, on, 0.55 * _pluck(_hz(_bass_midi(roots[k]) + 12), beat_n // 2))
                if b % 4 == 0:
                    _place(parts, on, 0.9 * _kick())
                if b % 2 == 1:
                    _place(parts, on, 0.12 * _tick())
            if mood.clock and b % 2 == 0:
                _place(parts, on, (0.35 + 0.4 * (on / n if mood.riser else 0.0)) * _kick())
            if mood.music_box:
                pattern = (0, 1, 2, 3, 2, 1, 3, 2)
                note = notes[pattern[(b + int(rng.integers(0, 2)) * 4) % 8] % len(notes)] + 24
                _place(parts, on, 0.3 * _bell(_hz(note)))
            if mood.harp and b % 2 == 0:
                _place(parts, on, 0.22 * _harp(_hz(notes[(b // 2) % len(notes)] + 12)))
    pads = _lowpass(pads, mood.pad_cutoff_hz)[:n]
    rest = 0.35 * _lowpass(bass, 200)[:n] + _lowpass(parts, 5000 if mood.music_box else 2500)[:n]
    if not mood.riser:
        return 0.9 * pads + rest
    # The riser: tremolo quickening from 4 to 12 Hz, a crescendo, and a tone gliding up an octave.
    u = np.arange(n) / n
    tremolo = 1 - 0.35 * (0.5 + 0.5 * np.sin(2 * np.pi * np.cumsum(4 + 8 * u) / SYNTH_RATE))
    glide = _lowpass(_osc(_hz(home + 12) * 2**u, n, rng.random()), 1500)
    return (0.9 * pads * tremolo + rest) * (0.5 + 0.7 * u) + 0.25 * glide * u**2


def _voicing(root: int, quality: str) -> tuple[int, ...]:
    """Pad notes of a chord: root in octave 3, third and fifth above, the root an octave up."""
    base = 48 + (root - 48) % 12
    return (*(base + i for i in QUALITIES[quality]), base + 12)


def _bass_midi(root: int) -> int:
    return 33 + (root - 33) % 12


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _pad_chord(notes: tuple[int, ...], hold_n: int, attack_s: float, rng: np.random.Generator) -> Signal:
    """A string-like chord: two saws per note detuned ±7 cents, slow attack, one-second release."""
    release_n = SYNTH_RATE
    total = hold_n + release_n
    x = np.zeros(total)
    for note in notes:
        for cents in (-7.0, 7.0):
            x += _osc(_hz(note) * 2 ** (cents / 1200), total, rng.random())
    attack = np.clip(np.arange(total) / (attack_s * SYNTH_RATE), 0.0, 1.0)
    release = np.clip((total - np.arange(total)) / release_n, 0.0, 1.0)
    out: Signal = x * np.sin(np.pi / 2 * np.minimum(attack, release)) ** 2 / (2 * len(notes))
    return out


def _bass_note(hz: float, hold_n: int) -> Signal:
    t = np.arange(hold_n + SYNTH_RATE // 2) / SYNTH_RATE
    env = np.minimum(1.0, t / 0.06) * np.clip((len(t) - np.arange(len(t))) / (SYNTH_RATE / 2), 0.0, 1.0)
    return env * (np.sin(2 * np.pi * hz * t) + 0.5 * np.sin(4 * np.pi * hz * t) + 0.2 * np.sin(6 * np.pi * hz * t))


@functools.cache
def _pluck(hz: float, n: int) -> Signal:
    t = np.arange(n) / SYNTH_RATE
    return _osc(hz, n, 0.0) * np.minimum(1.0, t / 0.003) * np.exp(-t / 0.12) * _tail(n)


@functools.cache
def _kick() -> Signal:
    t = np.arange(round(0.3 * SYNTH_RATE)) / SYNTH_RATE
    return np.sin(2 * np.pi * np.cumsum(45 + 100 * np.exp(-t / 0.03)) / SYNTH_RATE) * np.exp(-t / 0.12) * _tail(len(t))


@functools.cache
def _tick() -> Signal:
    n = round(0.05 * SYNTH_RATE)
    noise = np.random.default_rng(7).standard_normal(n)
    out = filters.sosfilt([filters.highpass(4500, SYNTH_RATE)], noise, SYNTH_RATE)
    return out * np.exp(-np.arange(n) / SYNTH_RATE / 0.012)


@functools.cache
def _bell(hz: float) -> Signal:
    """A music-box tine: the partials of a free bar, higher ones dying faster."""
    t = np.arange(round(1.6 * SYNTH_RATE)) / SYNTH_RATE
    x = sum(a * np.sin(2 * np.pi * hz * r * t) * np.exp(-t / d) for r, a, d in ((1, 1, 1.0), (2.756, 0.3, 0.3)))
    return np.asarray(x) * np.minimum(1.0, t / 0.002) * _tail(len(t))


@functools.cache
def _harp(hz: float) -> Signal:
    t = np.arange(round(2.0 * SYNTH_RATE)) / SYNTH_RATE
    x = np.sin(2 * np.pi * hz * t) + 0.3 * np.sin(4 * np.pi * hz * t) * np.exp(-t / 0.2)
    return x * np.minimum(1.0, t / 0.004) * np.exp(-t / 0.8) * _tail(len(t))


@functools.cache
def _saw_table(harmonics: int) -> Signal:
    """One cycle of a sawtooth with `harmonics` partials, peak about 1."""
    phase = np.arange(TABLE_SIZE) / TABLE_SIZE
    x = sum(np.sin(2 * np.pi * k * phase) / k for k in range(1, harmonics + 1))
    out: Signal = np.asarray(x) / float(np.max(np.abs(x)))
    return out


def _osc(hz: float | Signal, n: int, phase0: float) -> Signal:
    """`n` samples of a band-limited saw at `hz` (a constant, or one frequency per sample)."""
    if isinstance(hz, float):
        top = hz
        position = np.arange(n, dtype=np.float64)
        position *= hz / SYNTH_RATE * TABLE_SIZE
    else:
        top = float(np.max(hz))
        position = np.cumsum(hz * (TABLE_SIZE / SYNTH_RATE))
    position += phase0 * TABLE_SIZE
    # Partials above 7 kHz would fold back below the 8 kHz Nyquist frequency as inharmonic noise.
    table = _saw_table(max(1, min(32, int(7000 / top))))
    # The table's length is a power of two, so masking the whole index wraps the phase: one pass
    # each, where taking the phase modulo 1 first cost three over the float array (the pads' main cost).
    index = position.astype(np.int64)
    index &= TABLE_SIZE - 1
    return table[index]


def _place(track: Signal, at: int, sound: Signal) -> None:
    end = min(len(track), at + len(sound))
    if end > at:
        track[at:end] += sound[: end - at]


def _tail(n: int, fade_s: float = 0.01) -> Signal:
    """Ones, ramping to zero over the last `fade_s`, so a one-shot never ends in a click."""
    return np.clip((n - np.arange(n)) / (fade_s * SYNTH_RATE), 0.0, 1.0)


def _lowpass(x: Signal, cutoff_hz: float) -> Signal:
    return filters.sosfilt([filters.lowpass(cutoff_hz, SYNTH_RATE)], x, SYNTH_RATE)


def _fade_edges(x: Signal, *, in_n: int, out_n: int, curve: str = "linear") -> None:
    """Fade `x` in over its first `in_n` samples and out over its last `out_n`, in place."""
    for n, head in ((min(in_n, len(x)), True), (min(out_n, len(x)), False)):
        if n <= 0:
            continue
        ramp = np.linspace(0.0, 1.0, n)
        if curve == "equal-power":
            ramp = np.sin(np.pi / 2 * ramp)
        if head:
            x[:n] *= ramp
        else:
            x[len(x) - n :] *= ramp[::-1]
