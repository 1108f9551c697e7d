"""Audience guidance: what a series' viewers responded to, as weights a writer follows when it writes on.

`AudienceGuidance` holds a weight per beat type, per cliffhanger style and per character (1 is
neutral, above 1 prefer, below 1 avoid), a pacing target, the share of choices that explore
instead of following the weights, and the evidence behind every item in words. It is derived
from the analytics by `dramaline.decide.guidance` and read by both writers' `write_next`.

Cliffhanger styles are a small vocabulary (`CliffhangerStyle`) that `cliffhanger_style` reads
off an episode's closing question and last scene, so the analytics and the writers label the
same cliffhanger the same way. What a writer chose, guided or explored, is kept as
`GuidedChoice`s in a `GuidedRun`; a series' runs make its `GuidanceLog`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from dramaline.model.base import MAX_EPISODES, Frozen, ShortText, Slug, Text
from dramaline.model.story import BeatType, Episode, Series, WriterKind

MIN_WEIGHT = 0.2
MAX_WEIGHT = 5.0
"""Bounds of a guidance weight: strong evidence can make an option 5× as likely, never certain or impossible."""

GUIDED_BEATS: tuple[BeatType, ...] = tuple(b for b in BeatType if b not in (BeatType.HOOK, BeatType.CLIFFHANGER))
"""Beats a writer chooses: every episode opens on a hook and ends on a cliffhanger, so those two are not weighed."""


class CliffhangerStyle(StrEnum):
    """What kind of open question an episode ends on."""

    DANGER = "danger"  # a life or a home hangs in the balance: an attack, a fall, a collapse, a fire
    EXPOSURE = "exposure"  # a secret, an identity or the truth is about to come out
    ACCUSATION = "accusation"  # someone is framed, accused or about to be arrested
    ULTIMATUM = "ultimatum"  # a choice is forced on someone and the answer is withheld
    ARRIVAL = "arrival"  # someone or something unexpected appears
    HEARTBREAK = "heartbreak"  # a love or a loyalty is about to break


# Keywords per style, matched as whole words (a trailing * matches any ending). A text takes the
# style with the most hits; ties go to the earlier style in this table, the more specific first.
_STYLE_WORDS: dict[CliffhangerStyle, tuple[str, ...]] = {
    CliffhangerStyle.ACCUSATION: (
        "arrest*", "police", "accus*", "frame*", "guilty", "confess*", "crime", "steal*", "stole*", "theft",
        "thief", "prove", "blame*", "handcuff*", "believe",
    ),
    CliffhangerStyle.ULTIMATUM: (
        "choose", "choice", "choos*", "decide*", "decision", "forgive", "marry", "sign", "signs", "give up",
        "kneel*", "answer", "agree", "hand", "exchange", "condition*", "take her back", "take him back",
        "successor", "empress", "luna", "bedroom", "share one",
    ),
    CliffhangerStyle.EXPOSURE: (
        "expose*", "secret*", "truth", "real", "lie", "lying", "proof", "evidence", "dna", "mask", "overhe*",
        "photo", "identity", "realize", "recogni*", "letter", "contract", "carrying", "pregnant", "pawn", "tool",
        "who is threatening", "who sent", "seal", "ledger",
    ),
    CliffhangerStyle.DANGER: (
        "surviv*", "alive", "dead", "die", "dies", "died", "kill*", "poison*", "ambush", "hostage", "collaps*",
        "crash*", "brakes", "fall", "fire", "burn*", "river", "drown*", "sinking", "arrow", "assassin*", "sword",
        "throat", "trap", "hurt", "beating", "bulldozer*", "destroy*", "in time", "taken", "woods", "wolf",
        "scream", "shove*",
    ),
    CliffhangerStyle.ARRIVAL: (
        "who is in", "who just", "stranger", "walked through", "doors open", "whose side", "who is closing",
        "arriv*", "appears", "headlights", "door",
    ),
    CliffhangerStyle.HEARTBREAK: (
        "divorce*", "leave*", "left", "ending the marriage", "kiss", "apart", "love*", "ex", "ring", "wife",
        "tear", "mistake", "forgotten", "for good", "first when he wakes",
    ),
}  # fmt: skip


def _pattern(word: str) -> str:
    stem = re.escape(word.rstrip("*"))
    return rf"\b{stem}\w*" if word.endswith("*") else rf"\b{stem}\b"


_STYLE_PATTERNS = {style: [re.compile(_pattern(w)) for w in words] for style, words in _STYLE_WORDS.items()}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def cliffhanger_style(text: str) -> CliffhangerStyle:
    """The style of a cliffhanger described by `text` (its question and what happens); danger when nothing matches.

    `{placeholders}` of story material are ignored, so a recipe and the episode written from it
    get the same style.
    """
    words = _PLACEHOLDER.sub(" ", text).lower()
    hits = {style: sum(bool(p.search(words)) for p in patterns) for style, patterns in _STYLE_PATTERNS.items()}
    best = max(hits.values())
    if best == 0:
        return CliffhangerStyle.DANGER
    return next(style for style, n in hits.items() if n == best)


def episode_cliffhanger_style(episode: Episode) -> CliffhangerStyle:
    """The style of the cliffhanger `episode` ends on: its closing question and its last scene's purpose."""
    return cliffhanger_style(f"{episode.cliffhanger} {episode.scenes[-1].purpose}")


class Preference(Frozen):
    """How strongly to prefer one option (1 neutral, above 1 prefer, below 1 avoid) and why."""

    weight: float = Field(ge=MIN_WEIGHT, le=MAX_WEIGHT)
    evidence: Text = Field(description="the numbers behind the weight, in words")


class PacingTarget(Frozen):
    """The pace the audience held best at: a length for scenes and lines, either left open (None)."""

    seconds_per_scene: float | None = Field(default=None, gt=0, le=120)
    words_per_line: float | None = Field(default=None, gt=0, le=100)
    evidence: Text


class AudienceGuidance(Frozen):
    """What a series' audience responded to, as weights for the next episodes, with the evidence."""

    source: Text = Field(description="the data the guidance was derived from, in words")
    beats: dict[BeatType, Preference] = Field(default_factory=dict)
    cliffhangers: dict[CliffhangerStyle, Preference] = Field(default_factory=dict)
    characters: dict[Slug, Preference] = Field(default_factory=dict, description="by character id")
    pacing: PacingTarget | None = None
    exploration: float = Field(
        default=0.2, ge=0, le=1, description="share of choices that explore instead of following the weights"
    )

    @model_validator(mode="after")
    def _only_chosen_beats(self) -> AudienceGuidance:
        fixed = sorted(b.value for b in self.beats if b not in GUIDED_BEATS)
        if fixed:
            raise ValueError(
                f"beats: {', '.join(fixed)} cannot be weighed (every episode opens on a hook and ends on a "
                "cliffhanger); weigh the cliffhanger's style under cliffhangers: instead"
            )
        return self

    def beat_weight(self, beat: BeatType) -> float:
        preference = self.beats.get(beat)
        return preference.weight if preference else 1.0

    def cliffhanger_weight(self, style: CliffhangerStyle) -> float:
        preference = self.cliffhangers.get(style)
        return preference.weight if preference else 1.0

    def character_weight(self, character: str) -> float:
        preference = self.characters.get(character)
        return preference.weight if preference else 1.0

    def with_exploration(self, share: float) -> AudienceGuidance:
        """A copy that explores `share` of its choices (validated: 0 to 1)."""
        return AudienceGuidance.model_validate({**self.model_dump(), "exploration": share})

    @property
    def preferred_beats(self) -> list[BeatType]:
        """Beats weighted above neutral, strongest first."""
        return sorted((b for b, p in self.beats.items() if p.weight > 1), key=lambda b: -self.beats[b].weight)

    @property
    def avoided_beats(self) -> list[BeatType]:
        """Beats weighted below neutral, weakest first."""
        return sorted((b for b, p in self.beats.items() if p.weight < 1), key=lambda b: self.beats[b].weight)

    def describe(self) -> list[str]:
        """One line per item, with its weight and evidence, for people and prompts."""
        lines = [f"Source: {self.source}"]
        for title, items in (("beat", self.beats), ("cliffhanger", self.cliffhangers), ("character", self.characters)):
            for key, p in sorted(items.items(), key=lambda kv: -kv[1].weight):
                lines.append(f"{title} {str(key).replace('_', ' ')}: weight {p.weight:.2f}. {p.evidence}")
        if self.pacing is not None:
            lines.append(f"pacing: {self.pacing.evidence}")
        lines.append(f"exploration: {self.exploration:.0%} of choices set the guidance aside and try the rest")
        return lines


ChoiceKind = Literal["beat", "cliffhanger", "cast"]
ChoiceMode = Literal["guided", "explored"]


class GuidedChoice(Frozen):
    """One choice a writer made under guidance: what it chose, and whether it followed the weights or explored."""

    episode: int = Field(ge=1, le=MAX_EPISODES)
    kind: ChoiceKind
    chosen: ShortText = Field(description="a beat type, a cliffhanger style, or the character ids cast (a+b)")
    mode: ChoiceMode
    weight: float = Field(ge=0, description="the guidance weight of what was chosen (1 neutral)")


class GuidedRun(Frozen):
    """One `write_next`: the episodes it wrote, the guidance it followed (None: unguided) and its choices."""

    from_episode: int = Field(ge=1, le=MAX_EPISODES)
    episodes: tuple[int, ...] = Field(min_length=1, description="the episode numbers written")
    writer: WriterKind
    seed: int
    guidance: AudienceGuidance | None = None
    choices: tuple[GuidedChoice, ...] = ()

    @model_validator(mode="after")
    def _choices_in_run(self) -> GuidedRun:
        if list(self.episodes) != list(range(self.from_episode, self.from_episode + len(self.episodes))):
            raise ValueError(f"episodes {list(self.episodes)} must run from {self.from_episode} without gaps")
        outside = sorted({c.episode for c in self.choices} - set(self.episodes))
        if outside:
            raise ValueError(f"choices name episodes {outside}, which this run did not write")
        return self

    def counts(self, episode: int | None = None) -> dict[ChoiceMode, int]:
        """How many choices (of one episode, or all) were guided and how many explored."""
        chosen = [c for c in self.choices if episode is None or c.episode == episode]
        return {
            "guided": sum(c.mode == "guided" for c in chosen),
            "explored": sum(c.mode == "explored" for c in chosen),
        }


class GuidanceLog(Frozen):
    """Every run that wrote a series' current episodes, oldest first; each episode is in exactly one run."""

    schema_version: Literal[1] = 1
    runs: tuple[GuidedRun, ...] = ()

    def record(self, run: GuidedRun) -> GuidanceLog:
        """The log after `run`: it replaces whatever earlier runs wrote from its first episode on."""
        kept: list[GuidedRun] = []
        for old in self.runs:
            episodes = tuple(e for e in old.episodes if e < run.from_episode)
            if episodes:
                choices = tuple(c for c in old.choices if c.episode < run.from_episode)
                kept.append(old.model_copy(update={"episodes": episodes, "choices": choices}))
        return GuidanceLog(runs=(*kept, run))

    def run_for(self, episode: int) -> GuidedRun | None:
        """The run that wrote `episode`, if one is logged."""
        return next((r for r in self.runs if episode in r.episodes), None)


class NextEpisodes(Frozen):
    """What `write_next` returns: the series with its new episodes, and the run that wrote them."""

    series: Series
    run: GuidedRun
