"""LLMTranslator: translation through any ChatModel (an OpenAI-compatible chat server), for every language pair.

One request per scene: the whole scene is shown (so dialogue reads as dialogue, and the
context lines keep references straight), with the bible's cast and the glossary, and the model
answers JSON with one translation per wanted line id. A reply that misses a line, invents one,
leaves a line empty or breaks the glossary is sent back with the errors, as the LLM writer does.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from dramaline.errors import WriterOutputError
from dramaline.localize.glossary import missing_terms
from dramaline.localize.protocol import SceneText, Translation, TranslationJob
from dramaline.providers import ChatMessage, ChatModel
from dramaline.writers.replies import MAX_FEEDBACK_ERRORS

VERSION = 1


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    text: str


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[_Item]


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
                "required": ["id", "text"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["lines"],
    "additionalProperties": False,
}
SCHEMA_NAME = "scene_translation"


class LLMTranslator:
    """Translate scene by scene with a chat model, validating each reply and retrying with the errors."""

    def __init__(self, chat: ChatModel, *, attempts: int = 3) -> None:
        self.chat = chat
        self.attempts = max(1, attempts)
        self.fingerprint = f"llm:{VERSION}:{chat.fingerprint}"

    def translate(self, job: TranslationJob) -> dict[str, Translation]:
        """One chat request (plus retries) per scene that has wanted lines."""
        out: dict[str, Translation] = {}
        for scene in job.scenes:
            if scene.wanted:
                out.update(self._scene(job, scene))
        return out

    def _scene(self, job: TranslationJob, scene: SceneText) -> dict[str, Translation]:
        messages: list[ChatMessage] = [
            {"role": "system", "content": system_prompt(job)},
            {"role": "user", "content": scene_prompt(job, scene)},
        ]
        errors: list[str] = []
        for _ in range(self.attempts):
            text = self.chat.complete_json(messages, schema=SCHEMA, schema_name=SCHEMA_NAME)
            errors, found = _check(text, job, scene)
            if not errors:
                return {uid: Translation(text=t) for uid, t in found.items()}
            errors = errors[:MAX_FEEDBACK_ERRORS]
            retry = "Your reply has these problems:\n- " + "\n- ".join(errors)
            retry += "\nAnswer again with the complete JSON object, every wanted line translated."
            messages = [*messages, {"role": "assistant", "content": text}, {"role": "user", "content": retry}]
        raise WriterOutputError(
            f"the translation of scene {scene.scene_id!r} failed validation on all {self.attempts} attempts; "
            f"last errors: {'; '.join(errors[:5])}. Try a larger model (DRAMALINE_LLM_MODEL) or allow more "
            "attempts with DRAMALINE_LLM_OUTPUT_ATTEMPTS",
            provider_id=self.chat.fingerprint,
        )


def system_prompt(job: TranslationJob) -> str:
    lines = [
        f"You translate a vertical short drama from {job.source_language} into {job.target_language} "
        "for dubbing and captions. Keep each line's meaning, tone and emotion; write natural spoken "
        f"{job.target_language}, no longer than the original where you can (it is spoken in the same time). "
        "Keep names and forms of address consistent with the glossary, exactly as it writes them.",
    ]
    if job.bible:
        lines.append("The series:\n" + job.bible)
    if job.glossary.entries:
        lines.append(
            "Glossary (source → how the translation must write it):\n"
            + "\n".join(f"- {e.source} → {e.target} ({e.kind.value})" for e in job.glossary.entries)
        )
    lines.append('Answer with JSON: {"lines": [{"id": ..., "text": ...}]}, one item per line marked TRANSLATE.')
    return "\n\n".join(lines)


def scene_prompt(job: TranslationJob, scene: SceneText) -> str:
    shown = []
    for u in scene.units:
        mark = "TRANSLATE" if u.wanted else "context"
        shown.append(f"[{u.id}] ({mark}) {u.speaker}: {u.text}")
    head = f"Scene {scene.scene_id}" + (f" ({scene.setting})" if scene.setting else "")
    return f"{head}:\n" + "\n".join(shown)


def _check(text: str, job: TranslationJob, scene: SceneText) -> tuple[list[str], dict[str, str]]:
    """The problems of a reply, and its translations by id."""
    try:
        reply = _Reply.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        return [f"the reply is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"], {}
    except ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)], {}
    wanted = {u.id: u for u in scene.wanted}
    found: dict[str, str] = {}
    errors: list[str] = []
    for item in reply.lines:
        if item.id not in wanted:
            errors.append(f"line id {item.id!r} is not a line marked TRANSLATE; use only: {', '.join(wanted)}")
        elif item.id in found:
            errors.append(f"line id {item.id!r} appears twice; give each line once")
        elif not item.text.strip():
            errors.append(f"line {item.id!r} is empty; translate it")
        else:
            found[item.id] = " ".join(item.text.split())
    for uid, unit in wanted.items():
        if uid not in found and not any(uid in e for e in errors):
            errors.append(f"line {uid!r} is missing; translate it")
        elif uid in found:
            for entry in missing_terms(unit.text, found[uid], job.glossary):
                errors.append(
                    f"line {uid!r}: the glossary writes {entry.source!r} as {entry.target!r}; use exactly that"
                )
    return errors, found
