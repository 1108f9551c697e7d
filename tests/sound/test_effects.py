"""Synthesised sound effects and where an episode gets them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from dramaline.errors import InvalidInputError
from dramaline.model import BeatType
from dramaline.sound.audio import RATE
from dramaline.sound.effects import DURATION_S, EFFECT_KINDS, PEAK_DBFS, EffectKind, effect, effects_for
from tests.sound.timelines import FPS, make_timeline


@pytest.mark.parametrize("kind", EFFECT_KINDS)
def test_effects_have_their_length_and_peak_and_are_deterministic(kind: EffectKind) -> None:
    sound = effect(kind)
    assert sound.rate == RATE
    assert sound.duration_s == pytest.approx(DURATION_S[kind])
    assert float(np.max(np.abs(sound.samples))) == pytest.approx(10 ** (PEAK_DBFS / 20), rel=1e-4)
    assert np.array_equal(sound.samples, effect(kind).samples)
    assert abs(float(sound.samples[-1])) < 1e-3
    assert not sound.samples.flags.writeable


def test_effect_character() -> None:
    def loudest_s(kind: EffectKind) -> float:
        return int(np.argmax(np.abs(effect(kind).samples))) / RATE

    def centroid_hz(kind: EffectKind) -> float:
        power = np.abs(np.fft.rfft(effect(kind).samples)) ** 2
        return float(np.sum(power * np.fft.rfftfreq(len(effect(kind).samples), 1 / RATE)) / np.sum(power))

    assert loudest_s("impact") < 0.05
    assert 0.2 < loudest_s("whoosh") < 0.45
    assert loudest_s("sting") < 0.1
    heartbeat = np.abs(effect("heartbeat").samples)
    assert float(np.max(heartbeat[round(0.28 * RATE) : round(0.45 * RATE)])) > 0.3 * float(np.max(heartbeat))
    assert float(np.max(heartbeat[round(0.8 * RATE) :])) < 0.05
    assert centroid_hz("heartbeat") < 100 < centroid_hz("impact") < 1000 < centroid_hz("whoosh")
    assert centroid_hz("heartbeat") < centroid_hz("sting")


def test_unknown_effect_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="impact, whoosh, heartbeat, sting"):
        effect("boing")  # type: ignore[arg-type]


def test_effects_for_places_whooshes_impacts_heartbeats_and_the_sting() -> None:
    timeline = make_timeline([BeatType.HOOK, BeatType.FACE_SLAP, BeatType.REVEAL, BeatType.CLIFFHANGER], scene_s=6.0)
    placed = effects_for(timeline)
    by_length = {round(a.duration_s, 2): k for k, a in ((k, effect(k)) for k in EFFECT_KINDS)}
    found = [(frame, by_length[round(a.duration_s, 2)]) for frame, a in placed]
    assert [f for f, _ in placed] == sorted(f for f, _ in placed)
    scenes = timeline.scenes
    whooshes = [f for f, k in found if k == "whoosh"]
    assert whooshes == [s.start_frame - round(0.32 * FPS) for s in scenes[1:]]
    assert [f for f, k in found if k == "impact"] == [scenes[1].lines[1].start_frame]
    beats = [f for f, k in found if k == "heartbeat"]
    assert beats and all(scenes[2].start_frame <= f < scenes[2].lines[-1].start_frame for f in beats[:1])
    assert any(scenes[3].start_frame <= f < scenes[3].lines[-1].start_frame for f in beats)
    assert [f for f, k in found if k == "sting"] == [scenes[3].lines[-1].end_frame]


def test_a_face_slap_with_one_line_hits_on_that_line() -> None:
    timeline = make_timeline([BeatType.FACE_SLAP], lines_per_scene=1)
    assert [(f, round(a.duration_s, 1)) for f, a in effects_for(timeline)] == [
        (timeline.scenes[0].lines[0].start_frame, 0.4)
    ]


def test_with_a_memo_each_effect_is_made_once_and_comes_back_the_same() -> None:
    stored: dict[str, np.ndarray] = {}
    made: list[str] = []

    def memo(key: str, make: Callable[[], np.ndarray]) -> np.ndarray:
        if key not in stored:
            made.append(key)
            stored[key] = make().copy()  # as a cache would hand it back: a copy read from disk
        return stored[key]

    for _ in range(2):
        for kind in EFFECT_KINDS:
            assert np.array_equal(effect(kind, memo=memo).samples, effect(kind).samples)
    assert len(made) == len(EFFECT_KINDS) == len(set(made))
