"""The translators: Apertium on a real installed pair, the LLM translator against a local protocol server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dramaline.errors import WriterOutputError
from dramaline.localize.apertium import ApertiumTranslator, supported_pairs
from dramaline.localize.llm_translator import LLMTranslator
from dramaline.localize.protocol import SceneText, TranslationJob, UnitText
from dramaline.model import Glossary, GlossaryEntry
from dramaline.providers.openai_chat import OpenAIChatModel
from tests.protocol_server import ProtocolServer, content_reply

GLOSSARY = Glossary(
    entries=(
        GlossaryEntry(source="Young Master", target="少爷", kind="address"),
        GlossaryEntry(source="Ethan", target="伊森", kind="name"),
    )
)
SCENE = SceneText(
    "ep001/s01",
    (
        UnitText("a", "Claire", "Mop the floor, Ethan."),
        UnitText("b", "Ethan", "Bring the cars around.", wanted=False),
        UnitText("c", "Driver", "Young Master, the cars are here."),
    ),
    "Harbor Street, night",
)
JOB = TranslationJob("en", "zh-Hans", (SCENE,), GLOSSARY, "Ethan Cole: male, 30, lead")


def test_llm_translator_sends_the_scene_and_retries_with_the_errors() -> None:
    bad = {"lines": [{"id": "a", "text": "把地拖了，伊森。"}, {"id": "c", "text": "少主，车到了。"}]}
    good = {"lines": [{"id": "a", "text": "把地拖了，伊森。"}, {"id": "c", "text": "少爷，车到了。"}]}
    with ProtocolServer() as server:
        server.enqueue(content_reply(json.dumps(bad, ensure_ascii=False)), content_reply(json.dumps(good)))
        chat = OpenAIChatModel(base_url=server.url, model="test-model", retries=0)
        out = LLMTranslator(chat).translate(JOB)
    assert {k: v.text for k, v in out.items()} == {"a": "把地拖了，伊森。", "c": "少爷，车到了。"}
    first, second = server.requests
    assert first.schema_name == "scene_translation"
    prompt = first.prompt
    assert "[b] (context) Ethan: Bring the cars around." in prompt and "[c] (TRANSLATE)" in prompt
    assert "Young Master → 少爷" in first.messages[0]["content"] and "Ethan Cole" in first.messages[0]["content"]
    assert "'Young Master' as '少爷'" in second.messages[-1]["content"]


def test_llm_translator_gives_up_with_a_clear_error() -> None:
    with ProtocolServer() as server:
        server.enqueue(*(content_reply('{"lines": []}') for _ in range(2)))
        chat = OpenAIChatModel(base_url=server.url, model="test-model", retries=0)
        with pytest.raises(WriterOutputError, match="line 'a' is missing"):
            LLMTranslator(chat, attempts=2).translate(JOB)


@pytest.mark.skipif(shutil.which("apertium") is None or ("en", "es") not in supported_pairs(), reason="no eng-spa")
def test_apertium_translates_in_one_batch_with_the_glossary_protected() -> None:
    glossary = Glossary(entries=(GlossaryEntry(source="Young Master", target="joven amo", kind="address"),))
    scene = SceneText(
        "s",
        tuple(
            UnitText(str(i), "x", text)
            for i, text in enumerate(["Young Master, the Harrington family awaits.", "Who are you really?"] * 20)
        ),
    )
    out = ApertiumTranslator("en", "es-MX").translate(TranslationJob("en", "es-MX", (scene,), glossary))
    assert len(out) == 40
    assert out["0"].text.startswith("Joven amo,") and out["0"].unknown == ("Harrington",)
    assert "*" not in out["0"].text
    assert out["1"].text == "¿Quién eres realmente?"


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium is not installed")
def test_cli_refuses_an_unsupported_pair_listing_the_supported_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from dramaline.cli import main
    from dramaline.series_folder import save_series
    from tests.conftest import make_series

    save_series(make_series(1), Path("series"))
    assert main(["localize", "series", "--to", "xh", "--preset", "draft"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "no installed pair en→xh" in err and "en→es" in err and "--backend llm" in err
    assert main(["localize", "series", "--list-pairs"]) == 0
    assert "en→es" in capsys.readouterr().out
