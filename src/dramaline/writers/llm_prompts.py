"""What the LLM writer asks a model for: the reply shapes (JSON Schemas from model.py) and the prompts.

Three steps, each with its own reply model: the series bible, episode outlines in chunks, and the
scenes of one episode. Prompts carry a compact bible (no looks or voices) so long series fit small contexts.
When a series is written on, the outline and episode prompts also carry the audience's guidance.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from dramaline.model import (
    MAX_EPISODES,
    NARRATOR,
    REVERSAL_BEATS,
    Archetype,
    BeatType,
    Character,
    ContentRating,
    Emotion,
    Episode,
    Frozen,
    Location,
    LocationKind,
    Role,
    Scene,
    ShortText,
    Text,
    Thread,
    TimeOfDay,
    WriteRequest,
)
from dramaline.model.guidance import GUIDED_BEATS, AudienceGuidance, CliffhangerStyle
from dramaline.providers import ChatMessage

BIBLE_SCHEMA = "series_bible"
OUTLINES_SCHEMA = "episode_outlines"
SCENES_SCHEMA = "episode_scenes"
CONTEXT_OUTLINES = 10
"""How many earlier outlines an outline request shows the model; older ones are left out."""


class BibleDraft(Frozen):
    """The bible step's reply: series metadata plus the Bible's characters, locations and threads."""

    title: ShortText
    logline: Text
    archetype: Archetype
    tone: ShortText
    content_rating: ContentRating
    characters: tuple[Character, ...] = Field(min_length=1)
    locations: tuple[Location, ...] = Field(min_length=1)
    threads: tuple[Thread, ...] = ()


class EpisodeOutline(Frozen):
    """One episode planned before it is written: what happens, the question it ends on, its beats."""

    number: int = Field(ge=1, le=MAX_EPISODES)
    title: ShortText
    summary: Text
    cliffhanger: Text = Field(description="the open question the episode ends on, in a sentence")
    beats: tuple[BeatType, ...] = Field(min_length=3, max_length=8, description="one beat per scene, in order")


class OutlineChunk(Frozen):
    """The outline step's reply: consecutive episode outlines."""

    episodes: tuple[EpisodeOutline, ...] = Field(min_length=1)


class EpisodeScenes(Frozen):
    """The episode step's reply: the scenes of one episode."""

    scenes: tuple[Scene, ...] = Field(min_length=1)


def schema_of(reply: type[Frozen]) -> dict[str, Any]:
    """The JSON Schema of a reply model, as sent in `response_format`; a fresh copy each call."""
    return copy.deepcopy(_schema(reply))


@functools.cache
def _schema(reply: type[Frozen]) -> dict[str, Any]:
    # Generating a schema takes ~20 ms and a 100-episode series asks ~110 times.
    return reply.model_json_schema()


BEAT_MEANINGS: dict[BeatType, str] = {
    BeatType.HOOK: "the opening seconds: drop into conflict, a shock or a striking image, no set-up",
    BeatType.HUMILIATION: "the lead is mocked, shamed or wronged in front of others",
    BeatType.REVEAL: "a hidden identity, fact or secret comes out and changes the power balance",
    BeatType.FACE_SLAP: "the underestimated lead turns the tables on whoever humiliated them",
    BeatType.CONFRONTATION: "two sides clash openly",
    BeatType.BETRAYAL: "someone trusted turns out to be working against the lead",
    BeatType.SCHEME: "the antagonist plots the next blow",
    BeatType.ROMANCE: "a charged moment between the lead and the love interest",
    BeatType.RESCUE: "someone arrives or acts just in time and flips the situation",
    BeatType.SACRIFICE: "a character gives something up for another",
    BeatType.FLASHBACK: "a short memory that explains a wound or a secret",
    BeatType.CLIFFHANGER: "the closing seconds: a new threat or question, cut before the answer",
}


def system_prompt(*, language: str, word_range: tuple[int, int], wpm: int) -> str:
    """The system message of every step: the genre, its vocabulary and the rules of the replies."""
    low, high = word_range
    reversals = ", ".join(sorted(b.value for b in REVERSAL_BEATS))
    beats = "\n".join(f"- {b.value}: {BEAT_MEANINGS.get(b, b.value.replace('_', ' '))}" for b in BeatType)
    return f"""You are the head writer of a vertical micro-drama: a serial of 60–120 second episodes \
watched on a phone in portrait, like the series on ReelShort, DramaBox and Douyin.

The genre:
- Hook in the first seconds: open in the middle of conflict, never with set-up.
- Escalate fast: humiliation, schemes and confrontations pile up scene by scene.
- Every episode has at least one reversal ({reversals}); the face-slap, where the underestimated \
lead turns the tables, is the payoff audiences come for.
- Every episode ends on a cliffhanger: a new threat or an unanswered question, cut before the answer.
- Each episode is {low}–{high} spoken words ({wpm} words per minute); short, punchy lines.
- A small cast of named characters who stay consistent: same names, wants, secrets and relationships.

Every scene carries exactly one beat from this vocabulary:
{beats}

Every line has an emotion from: {", ".join(e.value for e in Emotion)}.
Scene times of day: {", ".join(t.value for t in TimeOfDay)}. Location kinds: \
{", ".join(k.value for k in LocationKind)}. Character roles: {", ".join(r.value for r in Role)}.

Rules for every reply:
- Reply with one JSON object that matches the given schema, and nothing else.
- Ids (characters, locations, threads, scenes) are lowercase slugs: a-z, 0-9, '_' and '-', \
starting with a letter or digit, like "mara_chen" or "grand_hall".
- A line's speaker is the id of a character in that scene, or "{NARRATOR}" for voice-over.
- Write every title, name, summary and line of dialogue in the language with tag "{language}"; \
keep ids and the listed vocabulary words exactly as given (in English).
"""


def bible_prompt(request: WriteRequest) -> str:
    """The user message of the bible step."""
    n = request.episodes
    if request.archetype is None:
        archetype = f"choose the one that fits the premise best from: {', '.join(a.value for a in Archetype)}"
    else:
        archetype = f"{request.archetype.value} (required)"
    return f"""Create the series bible for a {n}-episode series.

Premise: {request.premise}
Archetype: {archetype}
Language: {request.language}

Give: title; logline (one sentence); archetype; tone (a few words); content_rating; 3–6 characters \
(a lead, a love interest or rival, an antagonist, and allies or elders as needed), each with a look \
(palette of 2–5 "#rrggbb" colours, hair, build, outfit, a distinguishing mark) and a voice; 2–5 \
locations; 2–6 threads: secrets owned by a character, planted in one episode and paid off in the same \
or a later one, with planted_in and paid_off_in between 1 and {n}. Relationships point to other \
characters' ids."""


def outline_prompt(
    bible: BibleDraft,
    earlier: Sequence[EpisodeOutline | Episode],
    first: int,
    last: int,
    total: int,
    *,
    guidance: AudienceGuidance | None = None,
    used_beats: Mapping[BeatType, int] | None = None,
) -> str:
    """The user message of one outline step: episodes `first`..`last` of `total`.

    `earlier` are the episodes before `first` (written ones or outlines); with `guidance`, the
    audience's preferences come too, and `used_beats` (how often the series used each beat so
    far) names what exploring should try.
    """
    shown = [
        {"number": o.number, "title": o.title, "summary": o.summary, "cliffhanger": o.cliffhanger}
        for o in earlier[-CONTEXT_OUTLINES:]
    ]
    story_so_far = _json(shown) if shown else "(none yet: these are the first episodes)"
    finale = ""
    if last == total:
        finale = (
            f"\nEpisode {total} is the finale: give it a face_slap or confrontation beat and pay off "
            "the remaining threads."
        )
    return f"""Series bible:
{compact_bible(bible)}

Threads to plant or pay off in these episodes: {_threads_between(bible, first, last)}

Earlier episodes (most recent last):
{story_so_far}

{guidance_block(guidance, used_beats or {}) if guidance is not None else ""}\
Outline episodes {first} to {last} of {total}, continuing from the last cliffhanger. For each episode \
give: number; title; summary (2–3 sentences); cliffhanger (the open question it ends on, one sentence); \
beats: 4–6 beats, one per scene, the first "hook", the last "cliffhanger", and at least one reversal \
({", ".join(sorted(b.value for b in REVERSAL_BEATS))}).{finale}
Reply as {{"episodes": [...]}} with exactly episodes {first} to {last}, in order."""


CLIFFHANGER_MEANINGS: dict[CliffhangerStyle, str] = {
    CliffhangerStyle.DANGER: "a life or a home hangs in the balance",
    CliffhangerStyle.EXPOSURE: "a secret, an identity or the truth is about to come out",
    CliffhangerStyle.ACCUSATION: "someone is framed, accused or about to be arrested",
    CliffhangerStyle.ULTIMATUM: "a choice is forced on someone and the answer is withheld",
    CliffhangerStyle.ARRIVAL: "someone or something unexpected appears",
    CliffhangerStyle.HEARTBREAK: "a love or a loyalty is about to break",
}


def guidance_block(guidance: AudienceGuidance, used_beats: Mapping[BeatType, int]) -> str:
    """The audience's guidance for an outline step: what to use more and less of, and how much to explore."""
    least = sorted(GUIDED_BEATS, key=lambda b: (used_beats.get(b, 0), b.value))[:4]
    explore = (
        f"- Explore: in about {guidance.exploration:.0%} of the middle beats, set the guidance aside and use "
        f"beats this series has used least so far ({', '.join(b.value for b in least)}), so it does not "
        "settle into one formula.\n"
    )
    if guidance.exploration >= 1:
        return f"Audience guidance: none to follow for these episodes; explore instead.\n{explore}\n"
    out = [f"Audience guidance, from this series' viewer data ({guidance.source}):"]
    for label, beats in (("Use more", guidance.preferred_beats), ("Use less", guidance.avoided_beats)):
        out += [
            f"- {label}: {b.value} (weight {guidance.beats[b].weight:.2f}; {guidance.beats[b].evidence})" for b in beats
        ]
    for style, p in sorted(guidance.cliffhangers.items(), key=lambda kv: -kv[1].weight):
        if p.weight != 1:
            verdict = "more cliffhangers" if p.weight > 1 else "fewer cliffhangers"
            out.append(
                f"- {verdict} of the {style.value} kind ({CLIFFHANGER_MEANINGS[style]}; weight {p.weight:.2f}; "
                f"{p.evidence})"
            )
    out += _character_guidance(guidance)
    if guidance.exploration > 0:
        out.append(explore.rstrip("\n"))
    return "\n".join(out) + "\n\n"


def _character_guidance(guidance: AudienceGuidance) -> list[str]:
    out = []
    for cid, p in sorted(guidance.characters.items(), key=lambda kv: -kv[1].weight):
        if p.weight != 1:
            verdict = "Give more scenes and lines to" if p.weight > 1 else "Give fewer lines to"
            out.append(f"- {verdict} {cid} (weight {p.weight:.2f}; {p.evidence})")
    return out


def scene_guidance(guidance: AudienceGuidance) -> str:
    """The audience's guidance for an episode step: who carries the scenes and the pace."""
    out = [] if guidance.exploration >= 1 else _character_guidance(guidance)
    pacing = guidance.pacing
    if pacing is not None and guidance.exploration < 1:
        if pacing.words_per_line is not None:
            out.append(f"- Lines of about {pacing.words_per_line:.0f} words held viewers best.")
        if pacing.seconds_per_scene is not None:
            out.append(f"- Scenes of about {pacing.seconds_per_scene:.0f} seconds held viewers best.")
    return "Audience guidance for these scenes:\n" + "\n".join(out) + "\n\n" if out else ""


def episode_prompt(
    bible: BibleDraft,
    outline: EpisodeOutline,
    previous_cliffhanger: str | None,
    total: int,
    word_range: tuple[int, int],
    *,
    guidance: AudienceGuidance | None = None,
) -> str:
    """The user message of one episode step: the scenes of the episode `outline` plans."""
    low, high = word_range
    previously = (
        f"The previous episode ended on: {previous_cliffhanger}\nOpen by picking up from it."
        if previous_cliffhanger
        else "This is the first episode: open the story with a hook."
    )
    plan = {
        "number": outline.number,
        "title": outline.title,
        "summary": outline.summary,
        "cliffhanger": outline.cliffhanger,
        "beats": [b.value for b in outline.beats],
    }
    return f"""Series bible:
{compact_bible(bible)}

Threads to plant or pay off in this episode: {_threads_between(bible, outline.number, outline.number)}

{previously}

{scene_guidance(guidance) if guidance is not None else ""}\
Write the scenes of episode {outline.number} of {total}, following this outline:
{_json(plan)}

One scene per beat, in the outline's order: the first scene's beat "hook", the last "cliffhanger". \
Each scene: id (a slug unique in the episode, like "e{outline.number}-s1"); location (a location id \
from the bible); time_of_day; characters (ids of the bible characters present); beat; purpose (one \
sentence); lines (speaker, text, emotion, and optionally delivery and action); and, only when the \
story changes someone's clothes (a wedding gown, a hospital gown, a disguise), wardrobe \
[{{"character": id, "outfit": words}}]. Only characters listed in a scene may speak in it. \
All lines together must hold {low}–{high} spoken words (aim for about {(low + high) // 2}); never \
repeat a line. End on the outline's cliffhanger.
Reply as {{"scenes": [...]}}."""


def retry_message(errors: Sequence[str]) -> ChatMessage:
    """The user message that feeds a failed reply's validation errors back to the model."""
    listed = "\n".join(f"- {e}" for e in errors)
    content = f"Your reply failed validation:\n{listed}\nReply again with the corrected JSON object only."
    return {"role": "user", "content": content}


def compact_bible(bible: BibleDraft) -> str:
    """The bible as JSON without what only the renderer needs (looks, voices, palettes)."""
    return _json(
        {
            "title": bible.title,
            "logline": bible.logline,
            "archetype": bible.archetype.value,
            "tone": bible.tone,
            "characters": [
                {
                    "id": c.id,
                    "name": c.name,
                    "role": c.role.value,
                    "age": c.age,
                    "gender": c.gender.value,
                    "occupation": c.occupation,
                    "personality": list(c.personality),
                    "want": c.want,
                    "secret": c.secret,
                    "relationships": [f"{r.kind} {r.to}" for r in c.relationships],
                }
                for c in bible.characters
            ],
            "locations": [
                {"id": loc.id, "name": loc.name, "kind": loc.kind.value, "description": loc.description}
                for loc in bible.locations
            ],
            "threads": [t.model_dump(mode="json") for t in bible.threads],
        }
    )


def _threads_between(bible: BibleDraft, first: int, last: int) -> str:
    due = []
    for t in bible.threads:
        events = [
            f"{event} in episode {n}"
            for event, n in (("planted", t.planted_in), ("paid off", t.paid_off_in))
            if first <= n <= last
        ]
        if events:
            due.append(f"{t.id} ({' and '.join(events)})")
    return ", ".join(due) or "none"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
