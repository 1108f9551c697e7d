"""A language model carries out a revision plan: the episode, the bible and the plan in, the next version out.

The model gets the series bible, the episode as it stands and the plan's operations with their
evidence, and answers with the whole revised episode as JSON (schema derived from the model, as
the LLM writer asks). The reply is checked like an embedded revision and more: it must validate,
refer only to the bible's people and places, keep the genre's shape rules the episode kept, and
return every scene no operation names exactly as it was (so a rebuild renders only what changed).
Any failure goes back to the model with the errors, up to `output_attempts` times. The model may
decline an operation it cannot carry out within the rules; it is reported as refused, with its reason.
"""

from __future__ import annotations

import json

from pydantic import Field, ValidationError

from dramaline import shape
from dramaline.model import Episode, Frozen, RevisionPlan, Scene, Series, ShortText, Text
from dramaline.providers import ChatMessage, ChatModel
from dramaline.revise.apply import Refusal, Revision, current_episode, shape_break, touched_scenes
from dramaline.writers import llm_prompts as prompts
from dramaline.writers import replies
from dramaline.writers.llm_prompts import BibleDraft

REVISION_SCHEMA = "episode_revision"
_EVIDENCE = {"evidence"}  # said in words beside each operation; its numbers would only crowd the prompt


class DeclinedOperation(Frozen):
    """An operation of the plan the model could not carry out within the rules, and why."""

    operation: int = Field(ge=1, description="its number in the plan, from 1")
    reason: Text


class RevisedEpisode(Frozen):
    """The model's reply: the whole next version of the episode, and the operations it declined."""

    title: ShortText
    summary: Text
    cliffhanger: Text = Field(description="the open question the episode ends on, in a sentence")
    scenes: tuple[Scene, ...] = Field(min_length=1)
    declined: tuple[DeclinedOperation, ...] = ()


class LLMReviser:
    """Applies revision plans with a chat model."""

    def __init__(self, chat: ChatModel, *, output_attempts: int = 3, words_per_minute: int = 150) -> None:
        self.chat = chat
        self.output_attempts = output_attempts
        self.words_per_minute = words_per_minute

    def apply(self, series: Series, plan: RevisionPlan) -> Revision:
        """The episode's next version as the model writes it from `plan`, checked and retried until valid."""
        before = current_episode(series, plan)
        if not plan.operations:
            return Revision(plan=plan, before=before, episode=before, applied=(), refused=())
        words = shape.word_range(self.words_per_minute)
        draft = BibleDraft(
            title=series.title,
            logline=series.logline,
            archetype=series.archetype,
            tone=series.tone,
            content_rating=series.content_rating,
            characters=series.bible.characters,
            locations=series.bible.locations,
            threads=series.bible.threads,
        )
        messages: list[ChatMessage] = [
            {
                "role": "system",
                "content": prompts.system_prompt(language=series.language, word_range=words, wpm=self.words_per_minute),
            },
            {"role": "user", "content": revision_prompt(draft, before, plan, words)},
        ]

        return replies.ask_until_valid(
            self.chat,
            messages,
            RevisedEpisode,
            schema_name=REVISION_SCHEMA,
            attempts=self.output_attempts,
            accept=lambda reply: self._check(series, draft, before, plan, reply),
            what=f"revision of episode {plan.episode}",
            advice="Try a larger model (DRAMALINE_LLM_MODEL), allow more attempts with DRAMALINE_LLM_OUTPUT_ATTEMPTS, "
            "or revise with --writer embedded",
        )

    def _check(
        self, series: Series, draft: BibleDraft, before: Episode, plan: RevisionPlan, reply: RevisedEpisode
    ) -> Revision:
        """The revision the reply describes; InvalidReply with every problem found otherwise."""
        problems: list[str] = []
        count = len(plan.operations)
        declined = {d.operation: d.reason for d in reply.declined}
        problems += [f"declined names operation {n}; the plan has operations 1-{count}" for n in declined if n > count]
        try:
            episode = Episode(
                number=before.number,
                version=before.version + 1,
                title=reply.title,
                summary=reply.summary,
                cliffhanger=reply.cliffhanger,
                scenes=reply.scenes,
            )
        except ValidationError as exc:
            raise replies.InvalidReply(problems + replies.validation_errors(exc)) from exc
        problems += replies.reference_problems(episode, draft)
        applied = [op for n, op in enumerate(plan.operations, 1) if n not in declined]
        editable = set().union(*(touched_scenes(op) for op in applied))
        returned = {s.id: s for s in episode.scenes}
        for scene in before.scenes:
            if scene.id in editable:
                continue
            if scene.id not in returned:
                problems.append(
                    f"scene {scene.id!r} is missing; no operation removes it, so return it exactly as it was"
                )
            elif returned[scene.id] != scene:
                problems.append(
                    f"scene {scene.id!r} was changed, but no operation names it; return it exactly as it was "
                    "(same location, time_of_day, characters, beat, purpose, lines and wardrobe)"
                )
        if applied and episode.model_dump(exclude={"version"}) == before.model_dump(exclude={"version"}):
            problems.append("the episode came back unchanged; apply the operations, or list each under declined")
        broken = shape_break(series, before, episode, wpm=self.words_per_minute)
        if broken:
            problems.append(broken)
        if problems:
            raise replies.InvalidReply(problems)
        refused = tuple(Refusal(op, declined[n]) for n, op in enumerate(plan.operations, 1) if n in declined)
        result = episode if applied else before
        return Revision(plan=plan, before=before, episode=result, applied=tuple(applied), refused=refused)


def revision_prompt(draft: BibleDraft, episode: Episode, plan: RevisionPlan, word_range: tuple[int, int]) -> str:
    """The user message: the bible, the episode as it stands, and the operations to carry out."""
    low, high = word_range
    current = episode.model_dump(mode="json", exclude={"version"})
    operations = "\n".join(
        f"{n}. {op.describe()}. Why: {op.evidence.summary}\n   {_json(op.model_dump(mode='json', exclude=_EVIDENCE))}"
        for n, op in enumerate(plan.operations, 1)
    )
    return f"""Series bible:
{prompts.compact_bible(draft)}

Episode {episode.number} as it stands (version {episode.version}):
{_json(current)}

The audience data says: {plan.summary}
Revise the episode into its next version by carrying out these operations, in order. Scenes are named \
by id, lines by their position in the scene counted from 1:
{operations}

Rules:
- Change only the scenes the operations name. Every other scene comes back exactly as it is: the same \
id, location, time_of_day, characters, beat, purpose, lines and wardrobe, so it need not be produced again.
- Keep the id of a scene you edit; give a scene you write anew an id not used in the episode.
- Write new scenes and lines in the series' voice, true to the bible and to the story so far.
- Keep the genre's shape: the first scene's beat "hook", the last "cliffhanger", at least one reversal, \
{low}–{high} spoken words in all, no line said twice.
- If an operation cannot be carried out within these rules, leave its scenes as they are and list it \
under "declined" with its number and the reason.
Reply with the whole episode as {{"title": ..., "summary": ..., "cliffhanger": ..., "scenes": [...], \
"declined": [...]}}."""


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
