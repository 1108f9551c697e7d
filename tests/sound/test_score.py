"""The synthesised music bed: exact length, determinism, and moods that sound different."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from dramaline.model import BeatType, Timeline
from dramaline.sound.audio import RATE, Audio, measure
from dramaline.sound.score import MOODS, SCORE_LUFS, SYNTH_RATE, TABLE_SIZE, _osc, _saw_table, score
from tests.sound.timelines import make_timeline


@functools.cache
def bed(beat: BeatType, seed: int = 0) -> Audio:
    return score(make_timeline([beat], scene_s=5.0), seed=seed)


def power_spectrum(audio: Audio) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    x = audio.samples[RATE:-RATE].astype(np.float64)  # skip the fades at the episode's edges
    hz = np.fft.rfftfreq(len(x), 1 / RATE).astype(np.float64)
    return hz, np.abs(np.fft.rfft(x)) ** 2


def pulse_strength(audio: Audio) -> float:
    """Share of the loudness envelope's modulation between 1 and 10 Hz: rhythm, not sustained pads."""
    x = audio.samples[RATE:-RATE].astype(np.float64)
    envelope = np.sqrt(np.convolve(x**2, np.ones(480) / 480, mode="valid")[::480])
    spectrum = np.abs(np.fft.rfft(envelope - envelope.mean()))
    hz = np.fft.rfftfreq(len(envelope), 0.01)
    return float(spectrum[(hz > 1) & (hz < 10)].sum() / spectrum.sum())


def test_every_beat_has_a_mood() -> None:
    assert set(MOODS) == set(BeatType)


@pytest.mark.parametrize(("fps", "scene_s", "tail_s"), [(30, 1.5, 1.0), (24, 1.2, 0.7), (25, 1.3, 0.0)])
def test_the_bed_is_exactly_the_episode_long(fps: int, scene_s: float, tail_s: float) -> None:
    base = make_timeline([BeatType.HOOK, BeatType.ROMANCE, BeatType.CLIFFHANGER], scene_s=scene_s, tail_s=tail_s)
    timeline = Timeline.model_validate({**base.model_dump(), "fps": fps})
    music = score(timeline)
    assert music.rate == RATE
    assert music.frames(fps) == timeline.duration_frames
    assert len(music.samples) == timeline.duration_frames * RATE // fps


def test_a_timeline_without_scenes_still_gets_a_bed() -> None:
    timeline = Timeline.model_validate({**make_timeline([BeatType.HOOK]).model_dump(), "scenes": []})
    music = score(timeline)
    assert music.frames(timeline.fps) == timeline.duration_frames
    assert float(np.max(np.abs(music.samples))) > 0.05


def test_same_seed_same_bed_other_seed_other_bed() -> None:
    assert np.array_equal(bed(BeatType.ROMANCE).samples, score(make_timeline([BeatType.ROMANCE], scene_s=5.0)).samples)
    assert not np.array_equal(bed(BeatType.ROMANCE).samples, bed(BeatType.ROMANCE, seed=1).samples)


def test_the_bed_is_rendered_at_its_loudness_with_headroom() -> None:
    loudness = measure(bed(BeatType.FACE_SLAP))
    assert loudness.integrated_lufs == pytest.approx(SCORE_LUFS, abs=0.1)
    assert loudness.true_peak_dbtp < -1.0


@pytest.mark.parametrize("beat", [BeatType.ROMANCE, BeatType.FACE_SLAP, BeatType.FLASHBACK, BeatType.SACRIFICE])
def test_the_bed_is_tonal_music_not_noise(beat: BeatType) -> None:
    hz, power = power_spectrum(bed(beat))
    band = power[(hz > 40) & (hz < 8000)]
    flatness = np.exp(np.mean(np.log(band + 1e-20))) / np.mean(band)
    assert flatness < 0.01
    # The strongest partials sit on equal-tempered pitches: chords, not drones of arbitrary tone.
    audible = (hz > 60) & (hz < 2000)
    loudest = hz[audible][np.argsort(power[audible])[-12:]]
    cents_off = np.abs((1200 * np.log2(loudest / 440) + 50) % 100 - 50)
    assert float(np.median(cents_off)) < 15


def test_moods_differ_romance_is_soft_pads_and_face_slap_drives() -> None:
    romance, face_slap = bed(BeatType.ROMANCE), bed(BeatType.FACE_SLAP)
    hz, soft = power_spectrum(romance)
    _, hard = power_spectrum(face_slap)
    bands = np.geomspace(40, 8000, 9)
    shares = [
        np.array([p[(hz >= lo) & (hz < hi)].sum() for lo, hi in itertools.pairwise(bands)]) / p.sum()
        for p in (soft, hard)
    ]
    assert float(np.abs(shares[0] - shares[1]).sum()) > 0.3
    assert pulse_strength(face_slap) > pulse_strength(romance) + 0.1


def test_scene_changes_crossfade_without_clicks() -> None:
    music = score(make_timeline([BeatType.ROMANCE, BeatType.FACE_SLAP, BeatType.FLASHBACK], scene_s=2.0))
    steps = np.abs(np.diff(music.samples))
    assert float(np.max(steps)) < 0.1


def test_with_a_memo_a_longer_scene_is_the_only_one_synthesised_again() -> None:
    before = make_timeline([BeatType.HOOK, BeatType.ROMANCE, BeatType.CLIFFHANGER], scene_s=3.0)
    longer = 30  # frames added to the middle scene, as a longer line would
    a, b, c = before.scenes
    after = before.model_copy(
        update={
            "duration_frames": before.duration_frames + longer,
            "scenes": (
                a,
                b.model_copy(update={"end_frame": b.end_frame + longer}),
                c.model_copy(update={"start_frame": c.start_frame + longer, "end_frame": c.end_frame + longer}),
            ),
        }
    )
    stored: dict[str, npt.NDArray[np.float32]] = {}
    made: list[str] = []

    def memo(key: str, make: Callable[[], npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
        if key not in stored:
            made.append(key)
            stored[key] = make()
        return stored[key]

    assert np.array_equal(score(before, seed=3, memo=memo).samples, score(before, seed=3).samples)
    assert len(made) == 3
    assert np.array_equal(score(after, seed=3, memo=memo).samples, score(after, seed=3).samples)
    assert len(made) == 4  # the middle scene; the last one only moved


def test_an_unlevelled_bed_is_the_levelled_one_at_another_gain() -> None:
    timeline = make_timeline([BeatType.HOOK, BeatType.FACE_SLAP], scene_s=2.0)
    levelled, raw = score(timeline, seed=4), score(timeline, seed=4, level=False)
    assert len(raw.samples) == len(levelled.samples)
    loud = np.abs(raw.samples) > 1e-3
    ratio = levelled.samples[loud] / raw.samples[loud]
    assert np.ptp(ratio) < 1e-5 * abs(float(np.median(ratio)))
    assert abs(measure(raw).integrated_lufs - SCORE_LUFS) > 0.5  # it really was left as synthesised


def test_the_oscillator_wraps_its_table_as_the_phase_does() -> None:
    n, hz, phase0 = 50_000, 261.6255653, 0.37
    expected_index = (((phase0 + np.arange(n) * hz / SYNTH_RATE) % 1.0) * TABLE_SIZE).astype(np.int64)
    table = _saw_table(max(1, min(32, int(7000 / hz))))
    # The phase is read at float precision both ways: at most an index's rounding apart.
    assert np.mean(_osc(hz, n, phase0) == table[expected_index]) > 0.999
    glide = np.linspace(200.0, 400.0, n)
    cycles = phase0 + np.cumsum(glide / SYNTH_RATE)
    expected = _saw_table(max(1, min(32, int(7000 / 400.0))))[((cycles % 1.0) * TABLE_SIZE).astype(np.int64)]
    assert np.mean(_osc(glide, n, phase0) == expected) > 0.999
