"""EspeakSpeechModel (the embedded voice) and FakeSpeechModel."""

from __future__ import annotations

import functools
import shutil

import numpy as np
import pytest

from dramaline.errors import ConfigError, InvalidInputError
from dramaline.model import Emotion, Gender, Voice
from dramaline.sound.audio import RATE, Audio
from dramaline.sound.delivery import DELIVERIES
from dramaline.sound.espeak import variant
from dramaline.sound.speech import EspeakSpeechModel, FakeSpeechModel, SpeechModel
from tests.sound.timelines import CLAIRE, ETHAN, VIVIAN

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
LINE = "You will regret this, all of you."


@functools.cache
def espeak() -> EspeakSpeechModel:
    return EspeakSpeechModel()


@functools.cache
def say(text: str, voice: Voice, emotion: Emotion = Emotion.NEUTRAL, language: str = "en") -> Audio:
    return espeak().speak(text, voice, emotion, language=language)


def test_every_emotion_has_a_delivery() -> None:
    assert set(DELIVERIES) == set(Emotion)


@needs_espeak
def test_espeak_satisfies_the_protocol_and_fingerprints_its_version() -> None:
    model: SpeechModel = espeak()
    version, digest = model.fingerprint.split(":")[1:]
    assert model.fingerprint.startswith("espeak-ng:")
    assert version[0].isdigit()
    assert len(digest) == 64


@needs_espeak
def test_same_inputs_give_identical_audio() -> None:
    first = espeak().speak(LINE, CLAIRE, Emotion.ANGRY, language="en")
    again = espeak().speak(LINE, CLAIRE, Emotion.ANGRY, language="en")
    assert first.rate == RATE
    assert np.array_equal(first.samples, again.samples)
    assert 0.05 < float(np.max(np.abs(first.samples))) <= 1.0


@needs_espeak
def test_each_character_gets_a_different_voice() -> None:
    takes = [say(LINE, v) for v in (CLAIRE, VIVIAN, ETHAN)]
    for i, a in enumerate(takes):
        for b in takes[i + 1 :]:
            assert len(a.samples) != len(b.samples) or not np.array_equal(a.samples, b.samples)
    args = {" ".join(espeak().arguments(v, Emotion.NEUTRAL, language="en")) for v in (CLAIRE, VIVIAN, ETHAN)}
    assert len(args) == 3


def test_variants_follow_gender_and_differ_within_it() -> None:
    women = {
        variant(Voice(gender=Gender.FEMALE, age_years=30, pitch=p, rate_wpm=150, timbre="warm")) for p in range(40)
    }
    men = {variant(Voice(gender=Gender.MALE, age_years=30, pitch=p, rate_wpm=150, timbre="warm")) for p in range(40)}
    assert women <= {"f1", "f2", "f3", "f4", "f5"} and len(women) > 2
    assert men <= {f"m{i}" for i in range(1, 8)} and len(men) > 2


@needs_espeak
def test_longer_text_takes_longer_and_a_faster_voice_takes_less_time() -> None:
    short = say("Leave.", ETHAN)
    long = say("Leave this house and never come back to my family again.", ETHAN)
    fast = say("Leave this house and never come back to my family again.", ETHAN.model_copy(update={"rate_wpm": 240}))
    assert long.duration_s > 2 * short.duration_s
    assert fast.duration_s < 0.8 * long.duration_s


@needs_espeak
def test_emotion_changes_the_delivery() -> None:
    neutral = say(LINE, CLAIRE, Emotion.NEUTRAL)
    angry = say(LINE, CLAIRE, Emotion.ANGRY)
    crying = say(LINE, CLAIRE, Emotion.CRYING)
    assert angry.duration_s < neutral.duration_s < crying.duration_s
    rms = {k: float(np.sqrt(np.mean(a.samples**2))) for k, a in (("angry", angry), ("crying", crying))}
    assert rms["angry"] > 1.5 * rms["crying"]
    assert not np.array_equal(say(LINE, CLAIRE, Emotion.COLD).samples[:1000], neutral.samples[:1000])


@needs_espeak
def test_leading_and_trailing_silence_is_trimmed() -> None:
    take = say("Hello.", CLAIRE)
    x = np.abs(take.samples)
    sounding = np.flatnonzero(x > 0.1 * float(np.max(x)))
    assert sounding[0] < 0.1 * RATE
    assert len(x) - sounding[-1] < 0.3 * RATE


@needs_espeak
@pytest.mark.parametrize(("tag", "expected"), [("en", "en-us"), ("en-GB", "en-gb"), ("zh", "cmn"), ("es-MX", "es-419")])
def test_languages_map_onto_espeak(tag: str, expected: str) -> None:
    assert espeak().espeak_language(tag) == expected


@needs_espeak
def test_chinese_is_spoken() -> None:
    assert say("你好，我回来了。", CLAIRE, language="zh").duration_s > 0.5


@needs_espeak
def test_unknown_language_lists_the_available_ones() -> None:
    with pytest.raises(InvalidInputError, match=r"cannot speak the language 'tlh'.*cmn.*en-us"):
        espeak().espeak_language("tlh")


@needs_espeak
def test_text_is_passed_safely() -> None:
    take = say("<b>Rich & powerful</b> -v xx --help; $(rm -rf /) 'quoted'", ETHAN)
    assert take.duration_s > 1.0
    with pytest.raises(InvalidInputError, match="no text"):
        espeak().speak("   ", ETHAN, Emotion.NEUTRAL, language="en")


def test_missing_espeak_is_a_config_error_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigError, match=r"apt-get install espeak-ng.*make demo"):
        EspeakSpeechModel()


def test_fake_speech_is_a_deterministic_tone_of_0_3_s_per_word() -> None:
    fake: SpeechModel = FakeSpeechModel()
    take = fake.speak("one two three four", CLAIRE, Emotion.NEUTRAL, language="en")
    assert take.duration_s == pytest.approx(1.2)
    again = fake.speak("one two three four", CLAIRE, Emotion.NEUTRAL, language="en")
    assert np.array_equal(take.samples, again.samples)
    low = fake.speak("one two three four", ETHAN, Emotion.NEUTRAL, language="en")
    spectrum = [np.argmax(np.abs(np.fft.rfft(a.samples))) for a in (take, low)]
    assert spectrum[0] > spectrum[1]
    assert fake.fingerprint.startswith("fake:sine:")
