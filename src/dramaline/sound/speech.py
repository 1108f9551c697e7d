"""Speech: the SpeechModel protocol, its implementations, and FakeSpeechModel for tests.

EspeakSpeechModel (offline, the default) lives in `espeak.py`, OpenAISpeechModel (any
OpenAI-compatible TTS server) in `openai_speech.py`; both are importable from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from dramaline.errors import InvalidInputError
from dramaline.model import Emotion, Voice, count_words
from dramaline.providers.fingerprint import options_digest
from dramaline.sound.audio import RATE, Audio
from dramaline.sound.delivery import DELIVERIES, Delivery, SpeechModel, delivery_options
from dramaline.sound.espeak import EspeakSpeechModel

if TYPE_CHECKING:
    from dramaline.sound.openai_speech import OpenAISpeechModel, OpenAIVoices

__all__ = [
    "DELIVERIES",
    "Delivery",
    "EspeakSpeechModel",
    "FakeSpeechModel",
    "OpenAISpeechModel",
    "OpenAIVoices",
    "SpeechModel",
]

SECONDS_PER_WORD = 0.3


def __getattr__(name: str) -> Any:
    # The OpenAI backend loads httpx, a twentieth of a build's start-up, which offline builds never use.
    if name in ("OpenAISpeechModel", "OpenAIVoices"):
        from dramaline.sound import openai_speech

        return getattr(openai_speech, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class FakeSpeechModel:
    """A deterministic stand-in: a sine tone at a pitch from Voice.pitch, 0.3 s per word."""

    def __init__(self) -> None:
        options = {"seconds_per_word": SECONDS_PER_WORD, "deliveries": delivery_options()}
        self.fingerprint = "fake:sine:" + options_digest(options)
        self.calls: list[tuple[str, Voice, Emotion, str]] = []

    def speak(self, text: str, voice: Voice, emotion: Emotion, *, language: str) -> Audio:
        """A tone of 0.3 s per word at 110–440 Hz by pitch, louder or softer by emotion."""
        if not text.strip():
            raise InvalidInputError("there is no text to speak; give the line some words")
        self.calls.append((text, voice, emotion, language))
        d: Delivery = DELIVERIES[emotion]
        n = round(max(1, count_words(text)) * SECONDS_PER_WORD * RATE)
        t = np.arange(n) / RATE
        hz = 110.0 * 2 ** (2 * voice.pitch / 100 + d.pitch / 50)
        fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
        tone = 0.3 * d.amplitude_pct / 100 * np.sin(2 * np.pi * hz * t) * fade
        return Audio(tone.astype(np.float32), RATE)
