"""The embedded writer's guided choices: follow the audience's weights, or explore, and remember which.

Each choice (a middle beat, a cliffhanger's style, which cast carries a scene, a line's wording,
whether to tighten a scene) first draws whether to explore, with probability
`guidance.exploration`. Following multiplies the writer's own weights by the guidance's.
Exploring sets the guidance aside for that choice: the writer chooses as it would unguided (its
stage weights for beats, its freshest recipes, cliffhangers and wordings), so options the
audience has not favoured keep being tried and measured. At an exploration share s a choice thus
follows the guidance's odds with probability 1 - s and the writer's own otherwise. The draw
happens for every choice whatever the guidance says, so at exploration 1 the same seed writes
the same episodes under any guidance.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeVar

from dramaline.model import BeatType
from dramaline.model.guidance import (
    MAX_WEIGHT,
    MIN_WEIGHT,
    AudienceGuidance,
    ChoiceKind,
    ChoiceMode,
    CliffhangerStyle,
    GuidedChoice,
)

T = TypeVar("T")
_SAME = 1e-9  # weights closer than this count as equal: guidance could not have changed the choice


class GuidedChooser:
    """Makes the guided choices of one series and records the ones guidance could change."""

    def __init__(self, guidance: AudienceGuidance, rng: random.Random) -> None:
        self.guidance = guidance
        self.rng = rng
        self.choices: list[GuidedChoice] = []
        self._pending: list[GuidedChoice] = []

    # ------------------------------------------------------------------------------ bookkeeping

    def commit(self) -> None:
        """Keep the choices made since the last commit: what they chose is in the episode."""
        self.choices += self._pending
        self._pending = []

    def discard(self) -> None:
        """Forget the choices made since the last commit: the scene they made was not used."""
        self._pending = []

    def _note(self, episode: int, kind: ChoiceKind, chosen: str, mode: ChoiceMode, weight: float) -> None:
        self._pending.append(GuidedChoice(episode=episode, kind=kind, chosen=chosen, mode=mode, weight=weight))

    def _explores(self) -> bool:
        return self.rng.random() < self.guidance.exploration

    # ------------------------------------------------------------------------------ choices

    def beat(
        self, episode: int, weights: dict[BeatType, float], casts: dict[BeatType, list[tuple[str, ...]]]
    ) -> BeatType:
        """A middle beat: the writer's stage `weights` times the guidance's, or (exploring) the stage weights alone.

        The guidance's weight of a beat is its own times the best cast weight among the `casts` its
        recipes could bring on, so favoured characters get the beats they carry.
        """
        beats = list(weights)
        liked = {
            b: self.guidance.beat_weight(b) * max((self.cast_weight(c) for c in casts[b]), default=1.0) for b in beats
        }
        if self._explores():
            choice = self.rng.choices(beats, weights=[weights[b] for b in beats])[0]
            mode: ChoiceMode = "explored"
        else:
            choice = self.rng.choices(beats, weights=[weights[b] * liked[b] for b in beats])[0]
            mode = "guided"
        self._note(episode, "beat", choice.value, mode, liked[choice])
        return choice

    def style(self, episode: int, styles: Sequence[CliffhangerStyle]) -> tuple[CliffhangerStyle | None, ChoiceMode]:
        """The style of the episode's cliffhanger, by its weight among those on offer, and whether that was guided.

        None leaves the choice to the writer (its freshest cliffhanger): when exploring, and when the
        guidance weighs every style on offer the same; `took_style` then records what it took.
        """
        if self._explores():
            return None, "explored"
        weights = [self.guidance.cliffhanger_weight(s) for s in styles]
        if max(weights) - min(weights) <= _SAME:
            return None, "guided"
        choice = self.rng.choices(list(styles), weights=weights)[0]
        self.took_style(episode, choice, "guided")
        return choice, "guided"

    def took_style(self, episode: int, style: CliffhangerStyle, mode: ChoiceMode) -> None:
        """Record the style of the episode's cliffhanger."""
        self._note(episode, "cliffhanger", style.value, mode, self.guidance.cliffhanger_weight(style))

    def cast(
        self,
        episode: int,
        freshest: Sequence[T],
        near: Sequence[T],
        casts: Sequence[tuple[str, ...]],
        extra: Sequence[int],
    ) -> T:
        """A scene recipe: one of the `freshest` or, when the audience favours some casts over others, one of
        the `near`ly as fresh (each with its `casts` and `extra` uses), weighted by its cast and halved per extra use.
        """
        weights = [self.cast_weight(c) for c in casts]
        differ = max(weights) - min(weights) > _SAME
        if self._explores():
            index = near.index(freshest[self.rng.randrange(len(freshest))])
            mode: ChoiceMode = "explored"
        elif not differ:
            return self.rng.choices(freshest)[0]  # casts cannot matter: stay with the freshest
        else:
            odds = [w * 0.5**e for w, e in zip(weights, extra, strict=True)]
            index = self.rng.choices(range(len(near)), weights=odds)[0]
            mode = "guided"
        if differ:
            self._note(episode, "cast", "+".join(casts[index]), mode, weights[index])
        return near[index]

    def cast_weight(self, cast: Sequence[str]) -> float:
        """The product of the cast's character weights, within the weight bounds: each one carries the scene."""
        weight = math.prod(self.guidance.character_weight(c) for c in cast)
        return min(MAX_WEIGHT, max(MIN_WEIGHT, weight))

    def wording(self, options: Sequence[str], words: Sequence[int]) -> str:
        """One of equally fresh wordings of a line: the closest to the target words per line, unless exploring."""
        target = self.guidance.pacing.words_per_line if self.guidance.pacing else None
        if self._explores() or target is None:
            return self.rng.choice(list(options))
        gap = [abs(n - target) for n in words]
        return self.rng.choice([o for o, g in zip(options, gap, strict=True) if g == min(gap)])

    def scene_words(self) -> int | None:
        """The words a middle scene should be tightened to, or None to leave it (no target, or exploring)."""
        seconds = self.guidance.pacing.seconds_per_scene if self.guidance.pacing else None
        if self._explores() or seconds is None:
            return None
        return round(seconds * 150 / 60)  # the shape's reading speed: 150 words per minute
