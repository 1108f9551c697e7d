"""LLMWriter: writes a series through any ChatModel, hierarchically so 100 episodes fit a small context.

Steps: the series bible, then episode outlines in chunks of ten, then the scenes of each episode,
every step given the (compact) bible. Each reply is parsed and validated against the model, the
genre's shape rules and the bible; the errors go back to the model until it gets it right.
`write_next` writes an existing series on the same way, from its bible and its earlier episodes'
summaries, with the audience's guidance in the prompts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from pydantic import ValidationError

from dramaline import shape
from dramaline.errors import WriterOutputError
from dramaline.model import (
    BeatType,
    Bible,
    Episode,
    Frozen,
    Series,
    WriteRequest,
    WriterKind,
)
from dramaline.model.guidance import GUIDED_BEATS, AudienceGuidance, GuidedRun, NextEpisodes
from dramaline.providers import ChatMessage, ChatModel, ProgressFn
from dramaline.settings import Settings
from dramaline.writers import llm_prompts as prompts
from dramaline.writers import replies
from dramaline.writers.continuation import continued_series, moved_threads, new_total
from dramaline.writers.llm_prompts import BibleDraft, EpisodeOutline, EpisodeScenes, OutlineChunk

OUTLINE_CHUNK = 10
"""Episodes outlined per request."""

_Reply = TypeVar("_Reply", bound=Frozen)
_Result = TypeVar("_Result")


class LLMWriter:
    """Write a series with a chat model: bible, chunked outlines, then one call per episode."""

    id = "llm"

    def __init__(self, chat: ChatModel, *, settings: Settings | None = None) -> None:
        # model_construct gives the declared defaults without reading the environment.
        config = settings if settings is not None else Settings.model_construct()
        self.chat = chat
        self.output_attempts = config.llm_output_attempts
        self.words_per_minute = config.words_per_minute

    def write(self, request: WriteRequest, *, progress: ProgressFn | None = None) -> Series:
        """Return the series the model writes for `request`, validated end to end."""
        n = request.episodes
        chunks = [(first, min(first + OUTLINE_CHUNK - 1, n)) for first in range(1, n + 1, OUTLINE_CHUNK)]
        total_steps = 1 + len(chunks) + n
        done = 0

        def step_done(what: str) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(what, done, total_steps)

        words = shape.word_range(self.words_per_minute)
        system: ChatMessage = {
            "role": "system",
            "content": prompts.system_prompt(language=request.language, word_range=words, wpm=self.words_per_minute),
        }

        draft = self._ask(
            "series bible",
            [system, {"role": "user", "content": prompts.bible_prompt(request)}],
            BibleDraft,
            prompts.BIBLE_SCHEMA,
            lambda reply: _check_bible(reply, request),
        )
        step_done("bible")

        outlines: list[EpisodeOutline] = []
        for first, last in chunks:
            text = prompts.outline_prompt(draft, outlines, first, last, n)
            outlines += self._ask(
                f"outline of episodes {first}-{last}",
                [system, {"role": "user", "content": text}],
                OutlineChunk,
                prompts.OUTLINES_SCHEMA,
                partial(_check_outlines, first=first, last=last, total=n),
            )
            step_done(f"outline {first}-{last}")

        episodes: list[Episode] = []
        for outline in outlines:
            previous = outlines[outline.number - 2].cliffhanger if outline.number > 1 else None
            text = prompts.episode_prompt(draft, outline, previous, n, words)
            episodes.append(
                self._ask(
                    f"episode {outline.number} scenes",
                    [system, {"role": "user", "content": text}],
                    EpisodeScenes,
                    prompts.SCENES_SCHEMA,
                    partial(self._build_episode, outline=outline, draft=draft),
                )
            )
            step_done(f"episode {outline.number}")

        try:
            return Series(
                title=draft.title,
                logline=draft.logline,
                premise=request.premise,
                archetype=draft.archetype,
                tone=draft.tone,
                language=request.language,
                content_rating=draft.content_rating,
                seed=request.seed,
                writer=WriterKind.LLM,
                bible=Bible(characters=draft.characters, locations=draft.locations, threads=draft.threads),
                episodes=tuple(episodes),
            )
        except ValidationError as exc:
            raise WriterOutputError(
                f"the series written by {self.chat.fingerprint} does not validate: "
                f"{'; '.join(replies.validation_errors(exc))}; this is a bug in dramaline's checks, "
                "please report it",
                provider_id=self.chat.fingerprint,
            ) from exc

    def write_next(
        self,
        series: Series,
        *,
        from_episode: int,
        add: int = 0,
        guidance: AudienceGuidance | None = None,
        seed: int = 0,
        progress: ProgressFn | None = None,
    ) -> NextEpisodes:
        """Keep episodes before `from_episode`, have the model rewrite it and every later one, and add `add` more.

        The model gets the series' bible (threads moved over the new length), the earlier
        episodes' summaries and, with `guidance`, what the audience responded to. `seed` is
        recorded; the chat model's own seed (set where it is made) governs its sampling.
        """
        total = new_total(series, from_episode, add)
        threads = moved_threads(series, from_episode=from_episode, total=total)
        draft = BibleDraft(
            title=series.title,
            logline=series.logline,
            archetype=series.archetype,
            tone=series.tone,
            content_rating=series.content_rating,
            characters=series.bible.characters,
            locations=series.bible.locations,
            threads=threads,
        )
        kept = series.episodes[: from_episode - 1]
        used = Counter(b for e in kept for b in e.beats if b in GUIDED_BEATS)
        chunks = [(f, min(f + OUTLINE_CHUNK - 1, total)) for f in range(from_episode, total + 1, OUTLINE_CHUNK)]
        steps = len(chunks) + total - from_episode + 1
        words = shape.word_range(self.words_per_minute)
        system: ChatMessage = {
            "role": "system",
            "content": prompts.system_prompt(language=series.language, word_range=words, wpm=self.words_per_minute),
        }
        outlines: list[EpisodeOutline] = []
        for first, last in chunks:
            text = prompts.outline_prompt(
                draft, [*kept, *outlines], first, last, total, guidance=guidance, used_beats=used
            )
            outlines += self._ask(
                f"outline of episodes {first}-{last}",
                [system, {"role": "user", "content": text}],
                OutlineChunk,
                prompts.OUTLINES_SCHEMA,
                partial(_check_outlines, first=first, last=last, total=total),
            )
            used.update(b for o in outlines[-(last - first + 1) :] for b in o.beats if b in GUIDED_BEATS)
            if progress is not None:
                progress(f"outline {first}-{last}", chunks.index((first, last)) + 1, steps)
        written: list[Episode] = []
        for i, outline in enumerate(outlines):
            previous = outlines[i - 1].cliffhanger if i > 0 else kept[-1].cliffhanger if kept else None
            text = prompts.episode_prompt(draft, outline, previous, total, words, guidance=guidance)
            written.append(
                self._ask(
                    f"episode {outline.number} scenes",
                    [system, {"role": "user", "content": text}],
                    EpisodeScenes,
                    prompts.SCENES_SCHEMA,
                    partial(self._build_episode, outline=outline, draft=draft),
                )
            )
            if progress is not None:
                progress(f"episode {outline.number}", len(chunks) + i + 1, steps)
        try:
            continued = continued_series(series, threads, written)
        except ValidationError as exc:
            raise WriterOutputError(
                f"the episodes written by {self.chat.fingerprint} do not fit the series: "
                f"{'; '.join(replies.validation_errors(exc))}; this is a bug in dramaline's checks, please report it",
                provider_id=self.chat.fingerprint,
            ) from exc
        run = GuidedRun(
            from_episode=from_episode,
            episodes=tuple(range(from_episode, total + 1)),
            writer=WriterKind.LLM,
            seed=seed,
            guidance=guidance,
        )
        return NextEpisodes(series=continued, run=run)

    def _ask(
        self,
        step: str,
        messages: list[ChatMessage],
        reply_type: type[_Reply],
        schema_name: str,
        build: Callable[[_Reply], _Result],
    ) -> _Result:
        """Ask until a reply parses, validates and builds; feed each failure's errors back."""

        return replies.ask_until_valid(
            self.chat,
            messages,
            reply_type,
            schema_name=schema_name,
            attempts=self.output_attempts,
            accept=build,
            what=f"reply for {step}",
            advice="Try a larger model (DRAMALINE_LLM_MODEL) or allow more attempts with DRAMALINE_LLM_OUTPUT_ATTEMPTS",
        )

    def _build_episode(self, reply: EpisodeScenes, outline: EpisodeOutline, draft: BibleDraft) -> Episode:
        """The episode `outline` plans with the reply's scenes; InvalidReply if it breaks any rule."""
        episode = Episode(
            number=outline.number,
            title=outline.title,
            summary=outline.summary,
            cliffhanger=outline.cliffhanger,
            scenes=reply.scenes,
        )
        problems = replies.reference_problems(episode, draft)
        problems += shape.episode_problems(episode, wpm=self.words_per_minute)
        if problems:
            raise replies.InvalidReply(problems)
        return episode


def _check_bible(draft: BibleDraft, request: WriteRequest) -> BibleDraft:
    """The draft if it fits the request and its references resolve; InvalidReply otherwise."""
    problems: list[str] = []
    if request.archetype is not None and draft.archetype is not request.archetype:
        problems.append(f"archetype is {draft.archetype.value!r}; it must be {request.archetype.value!r}")
    n = request.episodes
    for t in draft.threads:
        if not (1 <= t.planted_in <= n and 1 <= t.paid_off_in <= n):
            problems.append(
                f"thread {t.id!r} is planted in episode {t.planted_in} and paid off in episode "
                f"{t.paid_off_in}; both must be between 1 and {n}"
            )
    try:
        Bible(characters=draft.characters, locations=draft.locations, threads=draft.threads)
    except ValidationError as exc:
        problems += replies.validation_errors(exc)
    if problems:
        raise replies.InvalidReply(problems)
    return draft


def _check_outlines(chunk: OutlineChunk, first: int, last: int, total: int) -> list[EpisodeOutline]:
    """The outlines if they are episodes `first`..`last` and each has the genre's shape."""
    problems: list[str] = []
    numbers = [o.number for o in chunk.episodes]
    wanted = list(range(first, last + 1))
    if numbers != wanted:
        problems.append(f"the episode numbers are {numbers}; they must be exactly {wanted}, in order")
    for i, o in enumerate(chunk.episodes):
        where = f"episodes[{i}] (episode {o.number})"
        if o.beats[0] is not BeatType.HOOK:
            problems.append(f"{where}: the first beat is {o.beats[0].value!r}; it must be 'hook'")
        if o.beats[-1] is not BeatType.CLIFFHANGER:
            problems.append(f"{where}: the last beat is {o.beats[-1].value!r}; it must be 'cliffhanger'")
        if not any(b.is_reversal for b in o.beats):
            problems.append(f"{where}: no reversal; add a face_slap, reveal, betrayal or rescue beat")
        if o.number == total and not {BeatType.FACE_SLAP, BeatType.CONFRONTATION} & set(o.beats):
            problems.append(f"{where}: the finale needs a climax; add a face_slap or confrontation beat")
    if problems:
        raise replies.InvalidReply(problems)
    return list(chunk.episodes)
