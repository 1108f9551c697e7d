"""Everything audio: speech (SpeechModel and its backends), sound effects, the music score, the
mix and the master. Each stage passes `Audio` values: mono float32 at 48 kHz.
"""

from dramaline.sound.audio import Audio, Loudness, measure, read_wav, write_wav
from dramaline.sound.effects import effect, effects_for
from dramaline.sound.mix import master, mix
from dramaline.sound.score import score
from dramaline.sound.speech import (
    EspeakSpeechModel,
    FakeSpeechModel,
    OpenAISpeechModel,
    OpenAIVoices,
    SpeechModel,
)

__all__ = [
    "Audio",
    "EspeakSpeechModel",
    "FakeSpeechModel",
    "Loudness",
    "OpenAISpeechModel",
    "OpenAIVoices",
    "SpeechModel",
    "effect",
    "effects_for",
    "master",
    "measure",
    "mix",
    "read_wav",
    "score",
    "write_wav",
]
