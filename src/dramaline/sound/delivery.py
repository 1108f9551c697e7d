"""The SpeechModel protocol and the emotion delivery table every speech backend plays lines by.

A Delivery says how an Emotion changes the voice: speed, pitch, pitch range and loudness.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol

from dramaline.model import Emotion, Voice
from dramaline.sound.audio import Audio


class SpeechModel(Protocol):
    """Speaks one line of text in a voice; `fingerprint` names the engine and its options."""

    fingerprint: str

    def speak(self, text: str, voice: Voice, emotion: Emotion, *, language: str) -> Audio:
        """Speak `text` in `voice` with `emotion` as mono 48 kHz Audio; same inputs → same audio."""
        ...


@dataclass(frozen=True)
class Delivery:
    """How an emotion colours a line: multipliers and offsets on the character's neutral voice."""

    speed: float
    """Multiplier on the voice's words per minute."""
    pitch: int
    """Offset on the 0–100 pitch scale."""
    range_pct: int
    """Pitch range (intonation) in percent of normal: 30 is flat, 180 is wide."""
    amplitude_pct: int
    """Loudness in percent of normal."""
    hint: str
    """How to say it, in words, for engines that take instructions."""


DELIVERIES: dict[Emotion, Delivery] = {
    Emotion.NEUTRAL: Delivery(1.00, 0, 100, 100, "calm and natural"),
    Emotion.ANGRY: Delivery(1.12, 8, 170, 150, "angry: fast, loud and forceful, biting the consonants"),
    Emotion.SHOCKED: Delivery(1.05, 15, 190, 130, "shocked: a sharp intake, high and breathless"),
    Emotion.CRYING: Delivery(0.80, 10, 130, 70, "crying: slow, trembling, close to tears, quiet"),
    Emotion.SMUG: Delivery(0.92, -4, 150, 100, "smug: slow and superior, a sneer in the voice"),
    Emotion.LOVING: Delivery(0.90, -2, 115, 85, "loving: soft, warm and intimate"),
    Emotion.AFRAID: Delivery(0.86, 12, 125, 70, "afraid: hushed, shaky and higher than usual"),
    Emotion.DETERMINED: Delivery(1.00, -5, 80, 120, "determined: firm, steady and resolute"),
    Emotion.COLD: Delivery(0.88, -8, 30, 90, "cold: slow, flat and icy, without warmth"),
    Emotion.PLEADING: Delivery(0.92, 8, 150, 85, "pleading: desperate and imploring, voice rising"),
    Emotion.JOYFUL: Delivery(1.08, 10, 170, 120, "joyful: bright, quick and smiling"),
}
"""The delivery of every emotion; speech fingerprints include it, so editing it re-voices lines."""


def delivery_options() -> dict[str, dict[str, object]]:
    """The delivery table as JSON-ready data, for fingerprints."""
    return {emotion.value: asdict(d) for emotion, d in DELIVERIES.items()}
