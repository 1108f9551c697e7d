"""A chat model carries out a plan: its reply is checked like an embedded revision, and errors go back to it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dramaline.errors import WriterOutputError
from dramaline.model import ColdOpen, Episode, Evidence, RevisionPlan, TightenScene
from dramaline.providers.fake import FakeChatModel
from dramaline.revise.llm_apply import REVISION_SCHEMA, LLMReviser
from tests.revise.scripts import episode, series_in_shape

WHY = Evidence(summary="Scene 2 lost 18% of viewers, 1.8× the episode's rate.")
TIGHTEN = TightenScene(scene="e1-s2", cut=(3,), evidence=WHY)
PLAN = RevisionPlan(episode=1, summary="One change backed by 4,000 views.", operations=(TIGHTEN,))


def reply(ep: Episode, **extra: Any) -> str:
    body = ep.model_dump(mode="json", exclude={"number", "version"})
    return json.dumps({**body, **extra})


def tightened() -> Episode:
    v1 = episode()
    s2 = v1.scenes[1]
    return v1.model_copy(
        update={"scenes": (v1.scenes[0], s2.model_copy(update={"lines": s2.lines[:2] + s2.lines[3:]}), *v1.scenes[2:])}
    )


def test_a_valid_reply_becomes_the_next_version() -> None:
    chat = FakeChatModel([reply(tightened())])
    revision = LLMReviser(chat).apply(series_in_shape(), PLAN)
    assert revision.applied == (TIGHTEN,) and revision.refused == ()
    assert revision.episode.version == 2
    assert revision.episode.scenes == tightened().scenes
    (request,) = chat.requests
    assert request.schema_name == REVISION_SCHEMA and "declined" in request.schema["properties"]
    system, user = request.messages
    assert system["role"] == "system" and "vertical micro-drama" in system["content"]
    assert "1. Tighten scene e1-s2: cut line 3. Why: Scene 2 lost 18% of viewers" in user["content"]
    assert '"id":"e1-s1"' in user["content"]  # the episode as it stands
    assert '"id":"claire"' in user["content"]  # the bible


def test_an_untouched_scene_that_comes_back_changed_is_sent_back_with_the_reason() -> None:
    wrong = tightened()
    s1 = wrong.scenes[0]
    wrong = wrong.model_copy(
        update={"scenes": (s1.model_copy(update={"purpose": "Something else."}), *wrong.scenes[1:])}
    )
    chat = FakeChatModel([reply(wrong), reply(tightened())])
    revision = LLMReviser(chat).apply(series_in_shape(), PLAN)
    assert revision.episode.scenes == tightened().scenes
    feedback = chat.requests[1].messages[-1]["content"]
    assert "scene 'e1-s1' was changed, but no operation names it" in feedback
    assert chat.requests[1].messages[-2] == {"role": "assistant", "content": reply(wrong)}


def test_every_rule_is_checked_and_the_last_errors_are_reported() -> None:
    v1 = episode()
    gone = v1.model_copy(update={"scenes": v1.scenes[:2] + v1.scenes[3:]})  # drops e1-s3, which no operation names
    ghost = v1.scenes[1].lines[0].model_copy(update={"speaker": "marcus"})
    haunted = v1.model_copy(
        update={"scenes": (v1.scenes[0], v1.scenes[1].model_copy(update={"lines": (ghost,)}), *v1.scenes[2:])}
    )
    chat = FakeChatModel([reply(gone), "not json at all", reply(haunted)])
    with pytest.raises(WriterOutputError) as caught:
        LLMReviser(chat, output_attempts=3).apply(series_in_shape(), PLAN)
    assert "scene 'e1-s3' is missing; no operation removes it" in chat.requests[1].messages[-1]["content"]
    assert "the reply is not valid JSON" in chat.requests[2].messages[-1]["content"]
    message = str(caught.value)
    assert "failed validation on all 3 attempts" in message
    assert "lines[0] is spoken by 'marcus', who is not in this scene's characters" in message


def test_a_declined_operation_is_a_refusal_and_its_scene_stays() -> None:
    cold = ColdOpen(source="e1-s3", line=2, evidence=WHY)
    plan = PLAN.model_copy(update={"operations": (TIGHTEN, cold)})
    chat = FakeChatModel([reply(tightened(), declined=[{"operation": 2, "reason": "the line gives the twist away"}])])
    revision = LLMReviser(chat).apply(series_in_shape(), plan)
    assert revision.applied == (TIGHTEN,)
    assert [(r.operation, r.reason) for r in revision.refused] == [(cold, "the line gives the twist away")]


def test_declining_everything_changes_nothing_and_an_empty_plan_asks_nothing() -> None:
    chat = FakeChatModel([reply(episode(), declined=[{"operation": 1, "reason": "it reads fine"}])])
    revision = LLMReviser(chat).apply(series_in_shape(), PLAN)
    assert not revision.changed and revision.episode.version == 1
    quiet = FakeChatModel()
    empty = LLMReviser(quiet).apply(series_in_shape(), PLAN.model_copy(update={"operations": ()}))
    assert not empty.changed and quiet.requests == []
