"""The mix (placement, ducking, stem balance) and the master (loudness and true peak)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from dramaline.errors import InvalidInputError
from dramaline.model import BeatType, Emotion
from dramaline.sound.audio import RATE, Audio, integrated_lufs, measure, samples_for_frames
from dramaline.sound.effects import effect
from dramaline.sound.mix import (
    DIALOGUE_LUFS,
    DUCK_RAMP_S,
    EFFECT_DB,
    MUSIC_GAP_DB,
    MUSIC_UNDER_SPEECH_DB,
    duck_gain,
    master,
    mix,
)
from dramaline.sound.score import score
from dramaline.sound.speech import FakeSpeechModel
from tests.sound.timelines import CLAIRE, FPS, make_timeline

TIMELINE = make_timeline([BeatType.HUMILIATION, BeatType.FACE_SLAP], scene_s=3.0, lines_per_scene=1, tail_s=1.0)


@functools.cache
def music() -> Audio:
    return score(TIMELINE, seed=1)


def takes(*, silent: bool = False) -> list[tuple[int, Audio]]:
    """One 1.2 s take at the start of each scene's line (silent ones still duck the music)."""
    speech = FakeSpeechModel()
    out = []
    for scene in TIMELINE.scenes:
        take = speech.speak("four words right here", CLAIRE, Emotion.NEUTRAL, language="en")
        out.append((scene.lines[0].start_frame, Audio(take.samples * (0.0 if silent else 1.0))))
    return out


def window(audio: Audio, start_s: float, end_s: float) -> npt.NDArray[np.float32]:
    return audio.samples[round(start_s * RATE) : round(end_s * RATE)]


def rms_db(x: npt.NDArray[np.float32]) -> float:
    return 10 * math.log10(float(np.mean(x.astype(np.float64) ** 2)))


def test_the_mix_is_exactly_the_episode_long_and_cuts_what_runs_over() -> None:
    late = [(TIMELINE.duration_frames - 3, effect("sting")), (TIMELINE.duration_frames + 50, effect("impact"))]
    out = mix(TIMELINE, takes(), late, music())
    assert out.rate == RATE
    assert out.frames(FPS) == TIMELINE.duration_frames
    assert len(out.samples) == samples_for_frames(TIMELINE.duration_frames, FPS)
    short_bed = Audio(music().samples[: RATE * 2])
    assert mix(TIMELINE, [], [], short_bed).frames(FPS) == TIMELINE.duration_frames


def test_negative_frames_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="frame -1"):
        mix(TIMELINE, [(-1, effect("impact"))], [], music())


def test_music_ducks_under_dialogue_and_comes_back_in_the_gaps() -> None:
    # Silent takes still duck, so the mix is the music alone, as the duck shaped it.
    bed = mix(TIMELINE, takes(silent=True), [], music())
    first_line_s = TIMELINE.scenes[0].lines[0].start_frame / FPS
    under = rms_db(window(bed, first_line_s + 0.1, first_line_s + 1.1))
    gap = rms_db(window(bed, first_line_s + 1.2 + 0.4, first_line_s + 2.4))
    assert gap - under == pytest.approx(MUSIC_GAP_DB - MUSIC_UNDER_SPEECH_DB, abs=3.0)


def test_stems_are_balanced_against_the_dialogue() -> None:
    dialogue = takes()
    speech_only = mix(TIMELINE, dialogue, [], Audio.silence(0.1))
    assert integrated_lufs(speech_only) == pytest.approx(DIALOGUE_LUFS, abs=0.2)
    with_music = mix(TIMELINE, dialogue, [], music())
    ducked = Audio(with_music.samples - speech_only.samples)
    first_line_s = TIMELINE.scenes[0].lines[0].start_frame / FPS
    speech_db = rms_db(window(speech_only, first_line_s + 0.1, first_line_s + 1.1))
    music_db = rms_db(window(ducked, first_line_s + 0.1, first_line_s + 1.1))
    assert speech_db - music_db > 15
    fx_only = mix(TIMELINE, [], [(0, effect("whoosh"))], Audio.silence(0.1))
    assert integrated_lufs(Audio(fx_only.samples[: RATE // 2])) == pytest.approx(DIALOGUE_LUFS + EFFECT_DB, abs=0.5)


def test_the_duck_ramps_smoothly_around_each_line() -> None:
    start, end = RATE, 2 * RATE
    gain_db = 20 * np.log10(duck_gain([(start, end)], 4 * RATE))
    depth = MUSIC_UNDER_SPEECH_DB - MUSIC_GAP_DB
    ramp = round(DUCK_RAMP_S * RATE)
    assert gain_db[start] == pytest.approx(depth, abs=0.5)
    assert gain_db[end - 1] == pytest.approx(depth, abs=0.5)
    assert gain_db[start - ramp - RATE // 100] == pytest.approx(0.0, abs=0.1)
    assert gain_db[end + ramp + RATE // 100] == pytest.approx(0.0, abs=0.1)
    assert depth + 1 < gain_db[start - ramp // 2] < -1
    assert np.all(np.diff(gain_db[start - ramp : start]) <= 1e-9)
    assert float(np.max(np.abs(np.diff(gain_db)))) < 0.01
    bridged = 20 * np.log10(duck_gain([(start, end), (end + RATE // 5, 3 * RATE)], 4 * RATE))
    assert bridged[end + RATE // 10] == pytest.approx(depth, abs=0.5)


def _speechlike(level_db: float) -> Audio:
    """Voiced harmonics at 140 Hz, chopped into syllables at 4 Hz with pauses, `level_db` below full scale."""
    t = np.arange(4 * RATE) / RATE
    phases = np.random.default_rng(5).uniform(0, 2 * np.pi, 12)
    voice = sum(np.sin(2 * np.pi * 140 * k * t + phases[k]) / k for k in range(1, 12))
    syllables = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 2 * (np.sin(2 * np.pi * 0.4 * t) > -0.3)
    x = voice * syllables
    return Audio((x / np.max(np.abs(x)) * 10 ** (level_db / 20)).astype(np.float32))


def _noise_burst() -> Audio:
    x = np.zeros(4 * RATE)
    x[RATE : RATE + RATE // 2] = np.random.default_rng(3).uniform(-1.0, 1.0, RATE // 2)
    return Audio(x.astype(np.float32))


MASTER_INPUTS: dict[str, Callable[[], Audio]] = {
    "quiet speech": lambda: _speechlike(-45.0),
    "loud noise burst": _noise_burst,
    "music": lambda: score(make_timeline([BeatType.FACE_SLAP, BeatType.ROMANCE], scene_s=2.0), seed=2),
    "mixed episode": lambda: mix(TIMELINE, takes(), [(30, effect("impact"))], music()),
}


@pytest.mark.parametrize("name", sorted(MASTER_INPUTS))
def test_master_reaches_minus_14_lufs_under_minus_1_dbtp(name: str) -> None:
    source = MASTER_INPUTS[name]()
    out = master(source)
    loudness = measure(out)
    assert loudness.integrated_lufs == pytest.approx(-14.0, abs=0.5)
    assert loudness.true_peak_dbtp <= -1.0
    assert len(out.samples) == len(source.samples)


def test_master_takes_other_targets() -> None:
    loudness = measure(master(_speechlike(-10.0), target_lufs=-23.0, peak_dbtp=-2.0))
    assert loudness.integrated_lufs == pytest.approx(-23.0, abs=0.5)
    assert loudness.true_peak_dbtp <= -2.0


def test_master_holds_the_ceiling_even_when_the_target_is_out_of_reach() -> None:
    clicks = np.zeros(3 * RATE, dtype=np.float32)
    clicks[:: RATE // 2] = 0.5
    assert measure(master(Audio(clicks))).true_peak_dbtp <= -1.0


def test_master_leaves_silence_alone() -> None:
    silence = Audio.silence(1.0)
    assert master(silence) is silence


def test_master_only_turns_up_material_with_headroom() -> None:
    # A 997 Hz tone at -30 LUFS peaks 3 dB over its loudness: at -14 LUFS it stays under the
    # ceiling, so the master is a plain gain (no limiting, no clipping), and the gain is the 16 dB.
    t = np.arange(3 * RATE) / RATE
    tone = Audio((0.0316 * np.sin(2 * np.pi * 997 * t)).astype(np.float32))
    out = master(tone)
    crest = int(np.argmax(tone.samples))
    gain = out.samples[crest] / tone.samples[crest]
    assert np.allclose(out.samples, tone.samples * gain, atol=1e-5)
    assert 20 * np.log10(gain) == pytest.approx(-14.0 - measure(tone).integrated_lufs, abs=0.1)
