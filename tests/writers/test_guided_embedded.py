"""The embedded writer writing on: kept episodes, moved threads and finale, shape, and guidance that bites."""

from __future__ import annotations

import random
from collections import Counter
from functools import cache

import pytest

from dramaline.errors import InvalidInputError
from dramaline.model import Archetype, BeatType, Series, WriteRequest
from dramaline.model.guidance import (
    GUIDED_BEATS,
    AudienceGuidance,
    CliffhangerStyle,
    PacingTarget,
    Preference,
    episode_cliffhanger_style,
)
from dramaline.shape import series_problems
from dramaline.writers.embedded.episodes import EpisodeBuilder
from dramaline.writers.embedded.material import load_archetype
from dramaline.writers.embedded.next_episodes import recover_casting
from dramaline.writers.embedded.writer import EmbeddedWriter
from tests.writers.embedded.test_writer import PREMISES

WRITER = EmbeddedWriter()


def prefer(weight: float) -> Preference:
    return Preference(weight=weight, evidence="hand-made for the test")


@cache
def base(archetype: Archetype = Archetype.HIDDEN_HEIR, seed: int = 1, episodes: int = 10) -> Series:
    request = WriteRequest(premise=PREMISES[archetype], episodes=episodes, seed=seed, archetype=archetype)
    return WRITER.write(request)


@pytest.mark.parametrize("archetype", list(Archetype))
def test_writing_on_keeps_earlier_episodes_threads_and_shape(archetype: Archetype) -> None:
    before = base(archetype)
    after = WRITER.write_next(before, from_episode=4, add=2, seed=7).series
    assert len(after.episodes) == 12
    assert after.episodes[:3] == before.episodes[:3]
    assert [e.version for e in after.episodes] == [1, 1, 1] + [2] * 7 + [1, 1]
    assert after.episodes[3:10] != before.episodes[3:10]
    assert series_problems(after) == []
    assert Series.model_validate(after.model_dump(mode="json")) == after
    assert after.bible.characters == before.bible.characters and after.bible.locations == before.bible.locations
    # Every thread's plant and payoff scene is in the episode the bible names.
    spec = load_archetype(archetype)
    builder = EpisodeBuilder(spec, recover_casting(spec, after), random.Random(0))
    material = {t.id: t for t in spec.threads}
    for thread in after.bible.threads:
        for recipe, episode in (
            (material[thread.id].plant, thread.planted_in),
            (material[thread.id].payoff, thread.paid_off_in),
        ):
            written = {builder.purpose_text(recipe, key) for key in recipe.location}
            assert written & {s.purpose for s in after.episode(episode).scenes}, (thread.id, episode)
    # The first thread is paid off in the finale, which moved to the new end; the rewritten episode 4
    # opens on the answer to episode 3's cliffhanger, where that cliffhanger left off.
    first = after.bible.threads[0]
    assert first.paid_off_in == 12 and before.bible.threads[0].paid_off_in == 10
    ending = next(
        r
        for r in spec.scenes.cliffhanger
        if {builder.purpose_text(r, k) for k in r.location} & {after.episode(3).scenes[-1].purpose}
    )
    assert after.episode(4).scenes[0].purpose in {
        builder.purpose_text(ending.next_hook, k) for k in ending.next_hook.location
    }


def test_threads_already_paid_off_stay_and_later_ones_spread_over_the_new_length() -> None:
    before = base()
    moved = {
        t.id: (t.planted_in, t.paid_off_in)
        for t in WRITER.write_next(before, from_episode=6, add=4).series.bible.threads
    }
    was = {t.id: (t.planted_in, t.paid_off_in) for t in before.bible.threads}
    # Ten episodes: plants 1–5, payoffs 6–9 and the finale. From 6 with 4 more: 6→6, 7→8, 8→10, 9→12, 10→14.
    assert was == {"parents_crash": (1, 10), "heir_token": (2, 6), "first_kindness": (3, 7), "divorce_debt": (4, 8),
                   "rival_fraud": (5, 9)}  # fmt: skip
    assert moved == {"parents_crash": (1, 14), "heir_token": (2, 6), "first_kindness": (3, 8), "divorce_debt": (4, 10),
                     "rival_fraud": (5, 12)}  # fmt: skip


def test_after_the_finale_a_new_arc_follows_with_its_own_finale() -> None:
    before = base(episodes=6)
    after = WRITER.write_next(before, from_episode=7, add=3, seed=2).series
    assert after.episodes[:6] == before.episodes
    assert len(after.episodes) == 9 and series_problems(after) == []
    assert after.bible.threads == before.bible.threads  # every secret was already out


def test_the_same_seed_writes_the_same_episodes_and_another_seed_others() -> None:
    guidance = AudienceGuidance(source="test", beats={BeatType.FACE_SLAP: prefer(3)}, exploration=0.3)
    one = WRITER.write_next(base(), from_episode=5, add=1, guidance=guidance, seed=11)
    again = WRITER.write_next(base(), from_episode=5, add=1, guidance=guidance, seed=11)
    other = WRITER.write_next(base(), from_episode=5, add=1, guidance=guidance, seed=12)
    assert one == again
    assert one.series.episodes[4:] != other.series.episodes[4:]


@pytest.mark.parametrize(
    ("from_episode", "add", "problem"),
    [
        (0, 0, "rewrite from 1–10"),
        (12, 0, "rewrite from 1–10"),
        (11, 0, "writes nothing"),
        (5, -1, "add is -1"),
        (5, 91, "at most 100 episodes"),
    ],
)
def test_impossible_ranges_are_refused_with_the_fix(from_episode: int, add: int, problem: str) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        WRITER.write_next(base(), from_episode=from_episode, add=add)


def test_a_cast_the_material_did_not_write_is_refused() -> None:
    series = base()
    shuffled = series.model_copy(
        update={"bible": series.bible.model_copy(update={"characters": series.bible.characters[::-1]})}
    )
    with pytest.raises(InvalidInputError, match=r"do not match the hidden_heir material's roles.*--writer llm"):
        WRITER.write_next(shuffled, from_episode=3)


def test_hand_edited_names_carry_on() -> None:
    series = base()
    lead = series.bible.characters[0]
    renamed = lead.model_copy(update={"name": "Bartholomew Quill"})
    edited = series.model_copy(
        update={"bible": series.bible.model_copy(update={"characters": (renamed, *series.bible.characters[1:])})}
    )
    text = " ".join(
        line.text for e in WRITER.write_next(edited, from_episode=2, seed=3).series.episodes[1:] for line in e.lines
    )
    assert "Bartholomew" in text and lead.first_name not in text


# ---------------------------------------------------------------------------------------------- guidance

BASES = [(Archetype.HIDDEN_HEIR, 1), (Archetype.HIDDEN_HEIR, 2), (Archetype.CONTRACT_MARRIAGE, 1)]


def middle_beats(guidance: AudienceGuidance | None) -> Counter[BeatType]:
    """Middle beats of episodes 2–10 rewritten from three series, two seeds each."""
    found: Counter[BeatType] = Counter()
    for archetype, seed in BASES:
        for write_seed in (0, 1):
            written = WRITER.write_next(base(archetype, seed), from_episode=2, guidance=guidance, seed=write_seed)
            found.update(b for e in written.series.episodes[1:] for b in e.beats if b in GUIDED_BEATS)
    return found


def share(counts: Counter[BeatType], beat: BeatType) -> float:
    return counts[beat] / sum(counts.values())


def test_at_exploration_0_preferred_beats_rise_and_disfavoured_ones_fall() -> None:
    plain = middle_beats(None)
    liked = middle_beats(AudienceGuidance(source="t", exploration=0, beats={BeatType.FACE_SLAP: prefer(5)}))
    disliked = middle_beats(
        AudienceGuidance(
            source="t", exploration=0, beats={BeatType.FACE_SLAP: prefer(0.2), BeatType.BETRAYAL: prefer(5)}
        )
    )
    assert share(liked, BeatType.FACE_SLAP) > share(plain, BeatType.FACE_SLAP) + 0.08
    assert share(disliked, BeatType.FACE_SLAP) < 0.6 * share(plain, BeatType.FACE_SLAP)
    assert share(disliked, BeatType.BETRAYAL) > share(plain, BeatType.BETRAYAL) + 0.1


def test_at_exploration_1_the_guidance_changes_nothing() -> None:
    one = AudienceGuidance(
        source="t",
        exploration=1,
        beats={BeatType.FACE_SLAP: prefer(5)},
        cliffhangers={CliffhangerStyle.DANGER: prefer(5)},
    )
    other = AudienceGuidance(
        source="t",
        exploration=1,
        beats={BeatType.FACE_SLAP: prefer(0.2), BeatType.SCHEME: prefer(5)},
        characters={base().bible.characters[2].id: prefer(5)},
        pacing=PacingTarget(words_per_line=4, seconds_per_scene=10, evidence="t"),
    )
    a = WRITER.write_next(base(), from_episode=2, guidance=one, seed=5)
    b = WRITER.write_next(base(), from_episode=2, guidance=other, seed=5)
    assert a.series == b.series
    assert a.run.choices and all(c.mode == "explored" for c in (*a.run.choices, *b.run.choices))
    assert {c.chosen for c in a.run.choices if c.kind == "beat"} == {
        c.chosen for c in b.run.choices if c.kind == "beat"
    }


def test_choices_are_recorded_guided_or_explored_in_proportion() -> None:
    guidance = AudienceGuidance(source="t", beats={BeatType.FACE_SLAP: prefer(2)})
    written = WRITER.write_next(base(), from_episode=2, guidance=guidance.with_exploration(0), seed=1)
    never = written.run
    assert never.counts()["explored"] == 0 and never.counts()["guided"] > 10
    kinds = Counter(c.kind for c in never.choices)
    assert kinds["cliffhanger"] == 8  # one per episode 2–9; the finale ends on a finale scene
    # Every recorded choice is in the script: the beat is in its episode, the style is the episode's.
    for choice in never.choices:
        episode = written.series.episode(choice.episode)
        if choice.kind == "beat":
            assert BeatType(choice.chosen) in episode.beats
        elif choice.kind == "cliffhanger":
            assert episode_cliffhanger_style(episode) == choice.chosen
    assert kinds["beat"] > 0 and {c.episode for c in never.choices} <= set(range(2, 11))
    runs = [WRITER.write_next(base(), from_episode=2, guidance=guidance, seed=s).run for s in range(8)]
    explored, total = sum(r.counts()["explored"] for r in runs), sum(len(r.choices) for r in runs)
    assert total > 80
    assert 0.1 < explored / total < 0.3  # the default 20% exploration share


def test_cliffhanger_styles_follow_their_weights() -> None:
    def danger_share(guidance: AudienceGuidance | None) -> float:
        styles = [
            episode_cliffhanger_style(e)
            for archetype, seed in BASES
            for e in WRITER.write_next(
                base(archetype, seed), from_episode=2, guidance=guidance, seed=0
            ).series.episodes[1:-1]
        ]
        return styles.count(CliffhangerStyle.DANGER) / len(styles)

    plain = danger_share(None)
    assert (
        danger_share(AudienceGuidance(source="t", exploration=0, cliffhangers={CliffhangerStyle.DANGER: prefer(5)}))
        > plain + 0.2
    )


def test_a_favoured_character_carries_more_scenes() -> None:
    def scenes_with(role: int, weight: float | None) -> int:
        count = 0
        for archetype, seed in BASES:
            series = base(archetype, seed)
            who = series.bible.characters[role].id
            guidance = (
                None
                if weight is None
                else AudienceGuidance(source="t", exploration=0, characters={who: prefer(weight)})
            )
            for write_seed in (0, 1):
                written = WRITER.write_next(series, from_episode=2, guidance=guidance, seed=write_seed).series
                count += sum(who in s.characters for e in written.episodes[1:] for s in e.scenes[1:-1])
        return count

    ally = 5  # the sixth role in both archetypes: the lead's ally, in few scenes unless the audience asks
    assert scenes_with(ally, 5) > 1.5 * scenes_with(ally, None)


def test_pacing_tightens_scenes_and_prefers_shorter_wordings() -> None:
    def middle_words(guidance: AudienceGuidance | None) -> tuple[float, float]:
        scenes, lines = [], []
        for write_seed in (0, 1):
            written = WRITER.write_next(base(), from_episode=2, guidance=guidance, seed=write_seed).series
            scenes += [s.word_count for e in written.episodes[1:] for s in e.scenes[1:-1]]
            lines += [line.word_count for e in written.episodes[1:] for line in e.lines]
        return sum(scenes) / len(scenes), sum(lines) / len(lines)

    plain_scene, plain_line = middle_words(None)
    paced = AudienceGuidance(
        source="t", exploration=0, pacing=PacingTarget(seconds_per_scene=15, words_per_line=5, evidence="t")
    )
    scene, line = middle_words(paced)
    assert scene < 0.85 * plain_scene
    assert line < plain_line
