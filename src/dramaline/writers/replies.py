"""A chat model's JSON reply: parsed, checked, and asked for again with the errors until it passes.

The LLM writer and the LLM reviser ask the same way: one request, the reply parsed and validated,
and every problem found fed back to the model for another try, up to a number of attempts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from dramaline.errors import WriterOutputError
from dramaline.model import NARRATOR, Episode, Frozen
from dramaline.providers import ChatMessage, ChatModel
from dramaline.writers import llm_prompts as prompts
from dramaline.writers.llm_prompts import BibleDraft

MAX_FEEDBACK_ERRORS = 20
"""Validation errors fed back per retry; more would crowd the context without helping."""

_FENCED = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_Result = TypeVar("_Result")
_Reply = TypeVar("_Reply", bound=Frozen)


class InvalidReply(Exception):
    """A reply that parsed but breaks a rule; carries the messages to feed back."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def ask_until_valid(
    chat: ChatModel,
    messages: list[ChatMessage],
    reply_type: type[_Reply],
    *,
    schema_name: str,
    attempts: int,
    accept: Callable[[_Reply], _Result],
    what: str,
    advice: str,
) -> _Result:
    """What `accept` makes of the first reply it takes.

    Each reply is asked for with `reply_type`'s JSON Schema, parsed (`parse_json`) and validated as
    `reply_type` before `accept` sees it. A reply that fails to parse or validate, or that `accept`
    refuses (raising ValidationError or InvalidReply), goes back to the model with its errors.
    After `attempts` refusals: WriterOutputError, saying `what` failed (e.g. "reply for the
    bible"), its last errors, and `advice`.
    """
    schema = prompts.schema_of(reply_type)
    errors: list[str] = []
    for _ in range(attempts):
        text = chat.complete_json(messages, schema=schema, schema_name=schema_name)
        try:
            return accept(reply_type.model_validate(parse_json(text)))
        except ValidationError as exc:
            errors = validation_errors(exc)
        except InvalidReply as exc:
            errors = exc.errors
        errors = errors[:MAX_FEEDBACK_ERRORS]
        messages = [*messages, {"role": "assistant", "content": text}, prompts.retry_message(errors)]
    raise WriterOutputError(
        f"the model's {what} failed validation on all {attempts} attempts; last errors: {shown(errors)}. {advice}",
        provider_id=chat.fingerprint,
    )


def shown(errors: Sequence[str], most: int = 5) -> str:
    """The first `most` errors for a message, and how many more there were."""
    more = f" (and {len(errors) - most} more)" if len(errors) > most else ""
    return "; ".join(errors[:most]) + more


def parse_json(text: str) -> Any:
    """The JSON object in a reply, with or without ```json fences; InvalidReply if there is none."""
    fenced = _FENCED.search(text)
    body = (fenced.group(1) if fenced else text).strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidReply([f"the reply is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]) from exc
    if not isinstance(data, dict):
        raise InvalidReply([f"the reply is a JSON {type(data).__name__}; it must be a JSON object"])
    return data


def validation_errors(exc: ValidationError) -> list[str]:
    """One readable line per pydantic error: where (as a JSON path), what is wrong, what was given."""
    lines = []
    for error in exc.errors(include_url=False):
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        given = error.get("input")
        if isinstance(given, str | int | float | bool) and error["type"] != "missing":
            message += f" (got {json.dumps(given, ensure_ascii=False)[:80]})"
        lines.append(f"{where.lstrip('.')}: {message}" if where else message)
    return lines


def reference_problems(episode: Episode, draft: BibleDraft) -> list[str]:
    """Every scene location, character and speaker of `episode` that the bible does not know."""
    characters = {c.id for c in draft.characters}
    locations = {loc.id for loc in draft.locations}
    known_characters = ", ".join(sorted(characters))
    problems: list[str] = []
    for i, scene in enumerate(episode.scenes):
        where = f"scenes[{i}] ({scene.id!r})"
        if scene.location not in locations:
            problems.append(
                f"{where} is set in unknown location {scene.location!r}; use one of: {', '.join(sorted(locations))}"
            )
        for cid in scene.characters:
            if cid not in characters:
                problems.append(f"{where} lists unknown character {cid!r}; use one of: {known_characters}")
        for j, line in enumerate(scene.lines):
            if line.speaker != NARRATOR and line.speaker not in characters:
                problems.append(
                    f"{where}.lines[{j}] is spoken by unknown character {line.speaker!r}; use one of: "
                    f"{known_characters}, or {NARRATOR!r}"
                )
    return problems
