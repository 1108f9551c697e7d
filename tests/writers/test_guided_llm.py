"""The LLM writer writing on: the prompts carry the guidance and the story so far; earlier episodes are kept."""

from __future__ import annotations

import json

from dramaline import shape
from dramaline.model import BeatType, Series, WriteRequest, WriterKind
from dramaline.model.guidance import AudienceGuidance, CliffhangerStyle, PacingTarget, Preference
from dramaline.providers.fake import FakeChatModel
from dramaline.writers.llm import LLMWriter
from dramaline.writers.llm_prompts import OUTLINES_SCHEMA, SCENES_SCHEMA
from tests.test_llm_writer import BIBLE, PREMISE, outline, scenes_of, template_for

GUIDANCE = AudienceGuidance(
    source="12,000 views of episodes 1–2",
    beats={
        BeatType.FACE_SLAP: Preference(weight=2.5, evidence="face slaps lost viewers at 0.61× the average"),
        BeatType.FLASHBACK: Preference(weight=0.4, evidence="flashbacks lost viewers at 1.6× the average"),
    },
    cliffhangers={CliffhangerStyle.DANGER: Preference(weight=1.8, evidence="82% went on after danger")},
    characters={"vivian": Preference(weight=2.0, evidence="Vivian's lines held viewers at 0.7×")},
    pacing=PacingTarget(words_per_line=9, seconds_per_scene=22, evidence="short lines held best"),
)


def three_episodes() -> Series:
    replies = [json.dumps(BIBLE), json.dumps({"episodes": [outline(n, 3) for n in (1, 2, 3)]})]
    replies += [json.dumps({"scenes": scenes_of(template_for(n, 3))}) for n in (1, 2, 3)]
    return LLMWriter(FakeChatModel(replies)).write(WriteRequest(premise=PREMISE, episodes=3, seed=11))


def replies_from(first: int, total: int) -> list[str]:
    """The model's replies for writing episodes first..total: one outline chunk, then each episode's scenes."""
    numbers = range(first, total + 1)
    return [json.dumps({"episodes": [outline(n, total) for n in numbers]})] + [
        json.dumps({"scenes": scenes_of(template_for(n, total))}) for n in numbers
    ]


def test_writing_on_keeps_earlier_episodes_and_moves_the_finale() -> None:
    before = three_episodes()
    chat = FakeChatModel(replies_from(3, 5))
    calls: list[tuple[str, int, int]] = []
    result = LLMWriter(chat).write_next(
        before, from_episode=3, add=2, guidance=GUIDANCE, seed=4, progress=lambda *c: calls.append(c)
    )
    after = result.series
    assert after.episodes[:2] == before.episodes[:2]
    assert [e.version for e in after.episodes] == [1, 1, 2, 1, 1]
    assert [e.title for e in after.episodes[2:]] == [
        "The Confession (3)",
        "The Wine-Stained Dress (4)",
        "The Confession (5)",
    ]
    assert shape.series_problems(after) == []
    # The thread paid off in the old finale (3) is paid off in the new one (5); the one paid off in 2 stays.
    assert {t.id: (t.planted_in, t.paid_off_in) for t in after.bible.threads} == {
        "mara_heir": (1, 2),
        "mother_crash": (2, 5),
    }
    assert (result.run.from_episode, result.run.episodes, result.run.writer) == (3, (3, 4, 5), WriterKind.LLM)
    assert result.run.guidance == GUIDANCE and result.run.seed == 4 and result.run.choices == ()
    assert calls == [("outline 3-5", 1, 4), ("episode 3", 2, 4), ("episode 4", 3, 4), ("episode 5", 4, 4)]
    assert chat.pending == 0


def test_the_prompts_carry_the_guidance_and_the_story_so_far() -> None:
    chat = FakeChatModel(replies_from(3, 5))
    LLMWriter(chat).write_next(three_episodes(), from_episode=3, add=2, guidance=GUIDANCE)
    assert [r.schema_name for r in chat.requests] == [OUTLINES_SCHEMA] + [SCENES_SCHEMA] * 3
    outline_prompt = chat.requests[0].messages[1]["content"]
    assert "Outline episodes 3 to 5 of 5" in outline_prompt
    assert "Episode 1 of the story." in outline_prompt and "Episode 2 of the story." in outline_prompt
    assert "mother_crash (paid off in episode 5)" in outline_prompt
    assert "Audience guidance, from this series' viewer data (12,000 views of episodes 1–2)" in outline_prompt
    assert "- Use more: face_slap (weight 2.50; face slaps lost viewers at 0.61× the average)" in outline_prompt
    assert "- Use less: flashback (weight 0.40; flashbacks lost viewers at 1.6× the average)" in outline_prompt
    assert "more cliffhangers of the danger kind" in outline_prompt and "82% went on after danger" in outline_prompt
    assert "Give more scenes and lines to vivian" in outline_prompt
    # Exploring names the beats the kept episodes used least (of the template episodes 1 and 2).
    assert "- Explore: in about 20% of the middle beats" in outline_prompt
    assert "(betrayal, confrontation, flashback, rescue)" in outline_prompt
    episode_prompt = chat.requests[1].messages[1]["content"]
    assert "The previous episode ended on: What happens after episode 2?" in episode_prompt
    assert "Lines of about 9 words held viewers best." in episode_prompt
    assert "Scenes of about 22 seconds held viewers best." in episode_prompt


def test_at_exploration_1_the_prompt_asks_only_to_explore_and_without_guidance_it_says_nothing() -> None:
    chat = FakeChatModel(replies_from(3, 3))
    LLMWriter(chat).write_next(three_episodes(), from_episode=3, guidance=GUIDANCE.with_exploration(1))
    prompt = chat.requests[0].messages[1]["content"]
    assert "none to follow for these episodes; explore instead" in prompt
    assert "face_slap (weight" not in prompt and "Lines of about" not in chat.requests[1].messages[1]["content"]

    plain = FakeChatModel(replies_from(3, 3))
    LLMWriter(plain).write_next(three_episodes(), from_episode=3)
    assert all("Audience guidance" not in r.messages[1]["content"] for r in plain.requests)
