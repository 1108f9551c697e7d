"""The simulated market a season plays in: each series' hidden audience, drifting week by week.

The loop never reads these parameters; it sees only the events the simulator emits. Each series
gets its own audience (how restless it is, which beats hold or lose it, how readily it goes on
to the next episode), drawn once from the season's seed, and tastes drift: every week each beat's
multiplier takes a small log-normal step, so what worked in week 1 may not in week 6.
"""

from __future__ import annotations

import numpy as np

from dramaline.audience.simulate_taste import DEFAULT_BEAT_MULTIPLIERS, AudienceModel
from dramaline.model import BeatType

QUALITY_SPREAD = 0.35
"""Log-normal spread of a series' overall restlessness: some series are simply better liked."""
TASTE_SPREAD = 0.3
"""Log-normal spread of each beat's multiplier around the default audience's."""
DRIFT_PER_WEEK = 0.08
"""Log-normal step of each beat's multiplier per week."""


def hidden_audience(season_seed: int, series_index: int, week: int) -> AudienceModel:
    """Series `series_index`'s audience in `week` (1-based); the same arguments give the same audience."""
    rng = np.random.default_rng([season_seed, series_index, 7919])
    beats = list(BeatType)
    taste = rng.normal(0.0, TASTE_SPREAD, len(beats))
    quality = float(rng.normal(0.0, QUALITY_SPREAD))
    go_on = float(np.clip(rng.normal(0.75, 0.08), 0.4, 0.95))
    # The drift is a random walk: week w's taste is the launch taste plus w-1 steps (the same first steps
    # for every later week, since the draws come in the same order).
    drift = rng.normal(0.0, DRIFT_PER_WEEK, (max(0, week - 1), len(beats))).sum(axis=0)
    multipliers = {
        b: float(DEFAULT_BEAT_MULTIPLIERS.get(b, 1.0) * np.exp(taste[i] + drift[i])) for i, b in enumerate(beats)
    }
    return AudienceModel(
        base_hazard=0.005 * float(np.exp(quality)),
        beat_multipliers=multipliers,
        next_after_cliffhanger=go_on,
        next_without_cliffhanger=go_on * 0.6,
        arrival_half_life_days=2.0,
    )
