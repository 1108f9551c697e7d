"""LLMWriter end to end against a real local chat-completions server (and the FakeChatModel)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from dramaline import shape
from dramaline.errors import ProviderError, WriterOutputError
from dramaline.model import Archetype, BeatType, Frozen, WriteRequest, WriterKind
from dramaline.providers import ChatMessage
from dramaline.providers.fake import FakeChatModel
from dramaline.providers.openai_chat import OpenAIChatModel
from dramaline.settings import Settings
from dramaline.writers.llm import LLMWriter
from dramaline.writers.llm_prompts import (
    BIBLE_SCHEMA,
    OUTLINES_SCHEMA,
    SCENES_SCHEMA,
    BibleDraft,
    EpisodeScenes,
    OutlineChunk,
)
from tests.protocol_server import Handler, ProtocolServer, RecordedRequest, Reply, content_reply, error_reply

PREMISE = "A cleaner humiliated at a gala is the secret heir of the company that employs her."


def _character(cid: str, name: str, role: str, gender: str, age: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "name": name,
        "role": role,
        "age": age,
        "gender": gender,
        "occupation": extra.get("occupation", "executive"),
        "personality": ["proud", "quick"],
        "want": f"{name} wants to win.",
        "secret": f"{name} hides something.",
        "relationships": extra.get("relationships", []),
        "look": {
            "palette": ["#112233", "#aabbcc"],
            "hair": "black bob",
            "build": "slim",
            "outfit": "grey suit",
            "distinguishing_mark": "a scar on the wrist",
        },
        "voice": {"gender": gender, "age_years": age, "pitch": 50, "rate_wpm": 160, "timbre": "warm"},
    }


BIBLE: dict[str, Any] = {
    "title": "The Cleaner Owns the Tower",
    "logline": "A humiliated cleaner learns she is the heir of the empire that scorned her.",
    "archetype": "hidden_heir",
    "tone": "glossy revenge melodrama",
    "content_rating": "TV-14",
    "characters": [
        _character("mara", "Mara Lin", "lead", "female", 26, occupation="cleaner"),
        _character("adrian", "Adrian Cole", "love_interest", "male", 30),
        _character("vivian", "Vivian Cole", "antagonist", "female", 28, relationships=[
            {"to": "adrian", "kind": "stepsister of"}
        ]),
        _character("grant", "Walter Grant", "elder", "male", 64, occupation="lawyer"),
    ],
    "locations": [
        {"id": "gala_ballroom", "name": "Cole Tower Ballroom", "kind": "ballroom",
         "description": "Crystal and gold.", "palette": ["#d4af37", "#1a1a1a"]},
        {"id": "cole_office", "name": "Chairman's Office", "kind": "office",
         "description": "Glass walls.", "palette": ["#cccccc", "#333333"]},
        {"id": "tower_roof", "name": "Tower Rooftop", "kind": "rooftop",
         "description": "Wind and city lights.", "palette": ["#0b1d3a", "#f2c14e"]},
    ],
    "threads": [
        {"id": "mara_heir", "owner": "mara", "description": "Mara is the heir.", "planted_in": 1,
         "paid_off_in": 2},
        {"id": "mother_crash", "owner": "vivian", "description": "Who killed Mara's mother.",
         "planted_in": 2, "paid_off_in": 3},
    ],
}  # fmt: skip

# One scene per "#" header: id location time beat characters | purpose; then speaker/emotion: text.
STORY = {
    1: """
# e1-s1 gala_ballroom night hook vivian,mara,adrian | Vivian shames Mara before the guests.
vivian/smug: Look who crawled into the Cole gala with a mop and a borrowed dress.
mara/determined: I was invited, Miss Cole. The card is in my hand.
vivian/cold: Then read it aloud, so everyone can laugh at the forgery.
adrian/neutral: Vivian, enough. Let her speak before you make a scene.
# e1-s2 gala_ballroom night humiliation vivian,mara | Mara is thrown out.
vivian/angry: Security, drag this cleaner out through the kitchen door where she belongs.
mara/crying: You poured wine on my mother's dress. That was all she left me.
vivian/smug: Then your mother had cheap taste, and so do you.
narrator/neutral: Three hundred guests watched, and not one of them moved to help her.
# e1-s3 cole_office night reveal grant,mara | Grant reveals Mara is the heir.
grant/shocked: Miss Lin, I have searched for you for eleven years.
mara/afraid: Who are you, and how do you know my real name?
grant/determined: I am the lawyer of the late chairman, your grandfather.
grant/neutral: His will names one heir to the whole Cole empire, and it is you.
mara/shocked: That cannot be true. I scrub the floors of his building every night.
# e1-s4 tower_roof night cliffhanger mara,adrian,vivian | Vivian frames Mara.
adrian/loving: I saw what she did downstairs. I am sorry I stayed silent.
mara/cold: Sorry does not dry wine, Mr. Cole. Tomorrow everything changes.
vivian/smug: Tomorrow you will be in a cell, because the necklace you stole is in your bag.
narrator/neutral: Mara opened the bag, and a stolen diamond necklace glittered inside it.
""",
    2: """
# e2-s1 cole_office day hook vivian,mara,grant | The police are coming.
vivian/smug: The police are on their way up, thief. Enjoy your last free morning.
mara/determined: Then they will hear who planted that necklace in my bag.
grant/cold: Before anyone calls anyone, I want the security footage from last night.
vivian/afraid: The footage? The cameras on that floor were broken all week.
# e2-s2 tower_roof day scheme vivian | Vivian orders the footage destroyed.
vivian/cold: Delete the gala recordings, every copy, and I will double your fee.
narrator/neutral: Vivian whispered into the phone, certain that nobody could hear her.
vivian/smug: By noon the cleaner is finished, and Adrian will never look at her again.
vivian/angry: And if the old lawyer digs further, make him disappear as well.
# e2-s3 cole_office day face_slap mara,vivian,adrian,grant | The footage exposes Vivian.
adrian/determined: I kept my own copy of the footage. Shall we watch it together?
vivian/shocked: Adrian, you would take the side of a servant over your own sister?
mara/cold: On the screen you slip the necklace into my bag with your own hand.
grant/determined: And the board will hear it today, from the new majority owner.
mara/determined: From now on, Vivian, you will knock before you enter my office.
# e2-s4 gala_ballroom dusk cliffhanger mara,grant | The mother's death was no accident.
grant/afraid: There is one more thing your grandfather wrote, and it frightens me.
mara/afraid: Tell me. After last night I can survive anything at all.
grant/pleading: Your mother did not die in an accident. Someone in this family killed her.
narrator/neutral: Behind the velvet curtain, a shadow slipped away before either of them turned.
""",
    3: """
# e3-s1 tower_roof night hook mara,adrian | Mara demands the truth.
mara/crying: My mother was murdered, Adrian, and your family knew all along.
adrian/pleading: I swear I knew nothing. Let me help you find who did it.
mara/cold: Then bring me the name of the driver who hit her car.
adrian/determined: I will have it before the board meets tonight.
# e3-s2 cole_office night confrontation vivian,mara,grant | The driver's confession.
vivian/angry: You stole my grandfather, my company and my brother in three days.
mara/determined: I stole nothing. I only took back what was always mine.
grant/cold: Miss Cole, the driver signed a confession this afternoon. He named you.
vivian/afraid: He is lying. I was sixteen when that crash happened.
# e3-s3 gala_ballroom night face_slap mara,vivian,adrian,grant | Vivian is exposed before everyone.
adrian/cold: You were sixteen, and you paid him with your mother's jewels.
narrator/neutral: The receipt passed from hand to hand across the silent ballroom.
mara/determined: You called me a thief in this very room. Say it again now.
vivian/crying: Please, Mara, I was a child, and she told me to do it.
grant/determined: The police are waiting outside the ballroom doors for you, Miss Cole.
# e3-s4 tower_roof dawn cliffhanger mara,adrian | Who is "she"?
adrian/loving: It is over. You can finally rest, and maybe let me stay.
mara/loving: Stay. But first tell me who she meant when she said she.
narrator/neutral: Adrian looked away, and his phone lit up with a message from his mother.
""",
}
TITLES = {1: "The Wine-Stained Dress", 2: "The Footage", 3: "The Confession"}


def scenes_of(template: int) -> list[dict[str, Any]]:
    scenes: list[dict[str, Any]] = []
    for row in STORY[template].strip().splitlines():
        if row.startswith("# "):
            head, purpose = row[2:].split(" | ")
            sid, location, time_of_day, beat, characters = head.split()
            scenes.append(
                {
                    "id": sid,
                    "location": location,
                    "time_of_day": time_of_day,
                    "beat": beat,
                    "characters": characters.split(","),
                    "purpose": purpose,
                    "lines": [],
                }
            )
        else:
            who, text = row.split(": ", 1)
            speaker, emotion = who.split("/")
            scenes[-1]["lines"].append({"speaker": speaker, "emotion": emotion, "text": text})
    return scenes  # fmt: skip


def template_for(number: int, total: int) -> int:
    """Which hand-written episode plays episode `number`; the finale always gets the climax (3)."""
    return 3 if number == total else (number - 1) % 3 + 1


def outline(number: int, total: int) -> dict[str, Any]:
    template = template_for(number, total)
    return {
        "number": number,
        "title": f"{TITLES[template]} ({number})",
        "summary": f"Episode {number} of the story.",
        "cliffhanger": f"What happens after episode {number}?",
        "beats": [s["beat"] for s in scenes_of(template)],
    }


def reply_for(request: RecordedRequest) -> Reply:
    """Answer each step of the writer with valid content, chosen by the requested schema name."""
    if request.schema_name == BIBLE_SCHEMA:
        return content_reply(f"```json\n{json.dumps(BIBLE, indent=2)}\n```")
    if request.schema_name == OUTLINES_SCHEMA:
        found = re.search(r"Outline episodes (\d+) to (\d+) of (\d+)", request.prompt)
        assert found, request.prompt
        first, last, total = map(int, found.groups())
        return content_reply(json.dumps({"episodes": [outline(n, total) for n in range(first, last + 1)]}))
    if request.schema_name == SCENES_SCHEMA:
        found = re.search(r"scenes of episode (\d+) of (\d+)", request.prompt)
        assert found, request.prompt
        number, total = map(int, found.groups())
        return content_reply(json.dumps({"scenes": scenes_of(template_for(number, total))}))
    return error_reply(400, f"unexpected schema name {request.schema_name!r}")


@pytest.fixture
def server() -> Iterator[ProtocolServer]:
    with ProtocolServer(handler=reply_for) as s:
        yield s


def make_writer(server: ProtocolServer, attempts: int = 3) -> LLMWriter:
    chat = OpenAIChatModel(base_url=server.url, model="story-model", api_key="sk-story", sleep=lambda s: None)
    return LLMWriter(chat, settings=Settings(llm_output_attempts=attempts))


REQUEST = WriteRequest(premise=PREMISE, episodes=3, seed=11, language="en")


def test_the_hand_written_story_is_valid_on_its_own():
    for n in STORY:
        assert EpisodeScenes.model_validate({"scenes": scenes_of(n)})


def test_writes_a_three_episode_series_through_the_server(server):
    calls: list[tuple[str, int, int]] = []
    series = make_writer(server).write(REQUEST, progress=lambda *call: calls.append(call))

    assert series.title == BIBLE["title"]
    assert series.archetype is Archetype.HIDDEN_HEIR
    assert (series.writer, series.seed, series.language, series.premise) == (WriterKind.LLM, 11, "en", PREMISE)
    assert [c.id for c in series.bible.characters] == ["mara", "adrian", "vivian", "grant"]
    assert [e.title for e in series.episodes] == [f"{TITLES[n]} ({n})" for n in (1, 2, 3)]
    assert [len(e.scenes) for e in series.episodes] == [4, 4, 4]
    assert series.episodes[1].scenes[2].beat is BeatType.FACE_SLAP
    assert shape.series_problems(series) == []
    assert calls == [
        ("bible", 1, 5), ("outline 1-3", 2, 5), ("episode 1", 3, 5), ("episode 2", 4, 5), ("episode 3", 5, 5)
    ]  # fmt: skip

    names = [r.schema_name for r in server.requests]
    assert names == [BIBLE_SCHEMA, OUTLINES_SCHEMA, SCENES_SCHEMA, SCENES_SCHEMA, SCENES_SCHEMA]
    schemas: dict[str | None, type[Frozen]] = {
        BIBLE_SCHEMA: BibleDraft,
        OUTLINES_SCHEMA: OutlineChunk,
        SCENES_SCHEMA: EpisodeScenes,
    }
    for r in server.requests:
        assert r.path == "/v1/chat/completions"
        assert r.body["model"] == "story-model"
        assert r.headers["authorization"] == "Bearer sk-story"
        assert r.body["response_format"]["type"] == "json_schema"
        assert r.body["response_format"]["json_schema"]["schema"] == schemas[r.schema_name].model_json_schema()
        assert r.messages[0]["role"] == "system" and "face_slap" in r.messages[0]["content"]
    for r in server.requests[1:]:
        for c in BIBLE["characters"]:
            assert f'"id":"{c["id"]}","name":"{c["name"]}"' in r.prompt
        for loc in BIBLE["locations"]:
            assert f'"id":"{loc["id"]}"' in r.prompt
    episode_prompts = [r.prompt for r in server.requests[2:]]
    assert "episode 1 of 3" in episode_prompts[0] and "previous episode ended" not in episode_prompts[0]
    assert "The previous episode ended on: What happens after episode 1?" in episode_prompts[1]
    assert "mother_crash (planted in episode 2)" in episode_prompts[1]


def test_invalid_json_is_fed_back_and_the_step_retried(server):
    server.enqueue(content_reply('{"title": "Cut off'))
    series = make_writer(server).write(REQUEST)

    assert len(series.episodes) == 3
    first, retry = server.requests[0], server.requests[1]
    assert first.schema_name == retry.schema_name == BIBLE_SCHEMA
    assert retry.messages[:2] == first.messages
    assert retry.messages[2] == {"role": "assistant", "content": '{"title": "Cut off'}
    feedback = retry.messages[3]
    assert feedback["role"] == "user"
    assert feedback["content"].startswith("Your reply failed validation:\n- the reply is not valid JSON: ")
    assert feedback["content"].endswith("Reply again with the corrected JSON object only.")
    assert len(server.requests) == 6


def test_an_episode_breaking_the_rules_gets_the_exact_problems_back(server):
    bad = scenes_of(2)[:2]
    bad[1]["location"] = "moon_base"
    bad[0]["characters"].append("ghost")
    server.handler = broken_once(reply_for, SCENES_SCHEMA, "episode 2 of", json.dumps({"scenes": bad}))

    series = make_writer(server).write(REQUEST)

    assert series.episodes[1].scenes[0].characters == ("vivian", "mara", "grant")
    retried = [r for r in server.requests if "episode 2 of" in r.prompt]
    assert len(retried) == 2
    feedback = retried[1].messages[-1]["content"]
    assert "scenes[1] ('e2-s2') is set in unknown location 'moon_base'" in feedback
    assert "scenes[0] ('e2-s1') lists unknown character 'ghost'" in feedback
    assert "episode 2: the last scene's beat is 'scheme'; it must be 'cliffhanger'" in feedback
    assert re.search(r"episode 2: \d+ spoken words .* it needs 150–300 words", feedback)


def broken_once(good: Handler, schema_name: str, marker: str, bad_content: str) -> Handler:
    """A handler that answers the first matching request with `bad_content`, then like `good`."""
    used: list[bool] = []

    def handle(request: RecordedRequest) -> Reply:
        if request.schema_name == schema_name and marker in request.prompt and not used:
            used.append(True)
            return content_reply(bad_content)
        return good(request)

    return handle


def test_output_that_stays_invalid_fails_after_exactly_n_attempts(server):
    server.handler = lambda request: content_reply('{"title": "Only a title"}')
    with pytest.raises(WriterOutputError) as caught:
        make_writer(server, attempts=3).write(REQUEST)

    assert len(server.requests) == 3
    assert [len(r.messages) for r in server.requests] == [2, 4, 6]
    message = str(caught.value)
    assert "series bible" in message and "all 3 attempts" in message
    assert "characters: Field required" in message
    assert "DRAMALINE_LLM_OUTPUT_ATTEMPTS" in message
    assert caught.value.provider_id.startswith("openai-chat:story-model:")


def test_bible_must_keep_the_forced_archetype_and_threads_inside_the_series(server):
    wrong = {**BIBLE, "threads": [{**BIBLE["threads"][0], "paid_off_in": 9}]}
    server.handler = broken_once(reply_for, BIBLE_SCHEMA, "", json.dumps(wrong))
    request = REQUEST.model_copy(update={"archetype": Archetype.REBIRTH_REVENGE})

    with pytest.raises(WriterOutputError):
        make_writer(server, attempts=2).write(request)

    assert "rebirth_revenge (required)" in server.requests[0].prompt
    feedback = server.requests[1].messages[-1]["content"]
    assert "archetype is 'hidden_heir'; it must be 'rebirth_revenge'" in feedback
    assert "thread 'mara_heir' is planted in episode 1 and paid off in episode 9; both must be between 1 and 3" in (
        feedback
    )


def test_outlines_must_have_the_genre_shape_and_the_requested_numbers(server):
    flat = [{**outline(n, 3), "beats": ["hook", "romance", "cliffhanger"]} for n in (1, 2, 4)]
    server.handler = broken_once(reply_for, OUTLINES_SCHEMA, "", json.dumps({"episodes": flat}))

    make_writer(server).write(REQUEST)

    feedback = server.requests[2].messages[-1]["content"]
    assert "the episode numbers are [1, 2, 4]; they must be exactly [1, 2, 3], in order" in feedback
    assert "episodes[0] (episode 1): no reversal" in feedback
    assert "episodes[2] (episode 4): the finale needs a climax" not in feedback


def test_http_errors_surface_as_provider_errors_not_output_errors(server):
    server.enqueue(error_reply(401, "bad key"))
    with pytest.raises(ProviderError) as caught:
        make_writer(server).write(REQUEST)
    assert not isinstance(caught.value, WriterOutputError)
    assert "DRAMALINE_LLM_API_KEY" in str(caught.value)


def test_a_long_series_is_outlined_in_chunks_with_only_recent_context():
    total = 22
    fake = FakeChatModel([json.dumps({**BIBLE, "threads": []})])
    for first in (1, 11, 21):
        chunk = [outline(n, total) for n in range(first, min(first + 9, total) + 1)]
        fake.enqueue(json.dumps({"episodes": chunk}))
    fake.enqueue(*(json.dumps({"scenes": scenes_of(template_for(n, total))}) for n in range(1, total + 1)))

    series = LLMWriter(fake).write(REQUEST.model_copy(update={"episodes": total}))

    assert len(series.episodes) == total and fake.pending == 0
    assert [r.schema_name for r in fake.requests[1:4]] == [OUTLINES_SCHEMA] * 3
    third_chunk = fake.requests[3].messages[1]["content"]
    assert "Outline episodes 21 to 22 of 22" in third_chunk
    assert '"number":11,' in third_chunk and '"number":20,' in third_chunk
    assert '"number":10,' not in third_chunk
    assert all('"id":"mara","name":"Mara Lin"' in r.messages[1]["content"] for r in fake.requests[1:])


def test_the_fake_chat_model_records_requests_and_says_when_it_runs_dry():
    fake = FakeChatModel()
    fake.enqueue("{}")
    messages: list[ChatMessage] = [{"role": "user", "content": "hi"}]
    assert fake.complete_json(messages, schema={"type": "object"}, schema_name="s") == "{}"
    messages[0]["content"] = "changed"
    assert fake.requests[0].messages == [{"role": "user", "content": "hi"}]
    with pytest.raises(ProviderError, match="no reply queued for request 2"):
        fake.complete_json([], schema={}, schema_name="s")
