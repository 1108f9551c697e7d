"""The simulated audience's response to what an episode opens on and to how long its first payoff takes."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from dramaline.audience.simulate import AudienceModel, episode_hazards
from dramaline.audience.timelines import estimate_timeline
from dramaline.model import Emotion, Episode, Timeline
from tests.revise.scripts import episode, series_in_shape

PLAIN = AudienceModel(long_line_slope=0.0)  # no drag: within a line the hazard is flat


def opening_on(emotion: Emotion) -> Timeline:
    ep = episode()
    hook = ep.scenes[0]
    first = hook.lines[0].model_copy(update={"emotion": emotion})
    scenes = (hook.model_copy(update={"lines": (first, *hook.lines[1:])}), *ep.scenes[1:])
    return estimate_timeline(series_in_shape(), Episode.model_validate({**dict(ep), "scenes": scenes}))


@pytest.mark.parametrize(("emotion", "strength"), [(Emotion.NEUTRAL, 0.5), (Emotion.SHOCKED, 2.0), (Emotion.COLD, 1.0)])
def test_the_first_line_s_emotion_divides_the_opening_s_excess_hazard(emotion: Emotion, strength: float) -> None:
    timeline = opening_on(emotion)
    tasted = PLAIN.model_copy(update={"opening_emotions": {Emotion.NEUTRAL: 0.5, Emotion.SHOCKED: 2.0}})
    base = episode_hazards(PLAIN, timeline).hazard()
    found = episode_hazards(tasted, timeline).hazard()
    # The opening (3 s) carries 1 + (8 − 1)/strength instead of 8; nothing after it changes.
    assert found[:, :3] / base[:, :3] == pytest.approx(np.full((3, 3), (1 + 7 / strength) / 8))
    assert found[:, 3:] == pytest.approx(base[:, 3:])


def test_waiting_for_the_first_payoff_raises_the_hazard_until_it_begins() -> None:
    timeline = estimate_timeline(series_in_shape(), episode())
    payoff = timeline.seconds(timeline.scenes[2].start_frame)  # the reveal, the first reversal
    impatient = PLAIN.model_copy(update={"payoff_wait_s": 10.0, "payoff_wait_slope": 0.05})
    ratio = episode_hazards(impatient, timeline).hazard() / episode_hazards(PLAIN, timeline).hazard()
    # Whole seconds inside one line (a flat hazard): the factor is 1 + 0.05 × (its mean time − 10 s).
    inside = [
        k
        for scene in timeline.scenes
        for line in scene.lines
        for k in range(int(timeline.seconds(line.start_frame)) + 1, int(timeline.seconds(line.end_frame)))
        if k + 1 <= payoff
    ]
    assert inside and max(inside) > 10
    for k in inside:
        assert ratio[:, k] == pytest.approx(np.full(3, 1 + 0.05 * max(0.0, k + 0.5 - 10)))
    after = int(payoff) + 1
    assert ratio[:, after:] == pytest.approx(np.ones_like(ratio[:, after:]))


def test_opening_strengths_must_be_positive() -> None:
    with pytest.raises(
        ValidationError, match=r"opening_emotions\[neutral\] is 0.0; a multiplier must be greater than 0"
    ):
        AudienceModel(opening_emotions={Emotion.NEUTRAL: 0.0})
