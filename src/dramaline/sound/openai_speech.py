"""OpenAISpeechModel: the SpeechModel of any OpenAI-compatible `POST /audio/speech` server.

Works with OpenAI, Kokoro-FastAPI, openedai-speech and LocalAI. Characters map onto the server's
voice names through an OpenAIVoices table; 429, 5xx and network errors are retried with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from dramaline.errors import InvalidInputError, ProviderError
from dramaline.model import Emotion, Gender, Voice
from dramaline.providers.fingerprint import options_digest
from dramaline.providers.http import Advice, Endpoint
from dramaline.sound.audio import Audio, decode_wav, trim_silence
from dramaline.sound.delivery import DELIVERIES, delivery_options

PROVIDER_ID = "openai-speech"
REFERENCE_WPM = 150
"""The words per minute a server speaks at speed 1.0; a Voice's rate_wpm is scaled against it."""

ADVICE = Advice(
    timeout="raise timeout_s or use a faster speech model",
    unreachable=("the speech server must be running and reachable there: start it or fix DRAMALINE_SPEECH_BASE_URL"),
    overloaded="allow more retries",
    by_status={
        400: "check that the model supports the voice and response_format 'wav' (or turn off send_instructions)",
        401: "check the speech server's API key (DRAMALINE_SPEECH_API_KEY)",
        403: "check the API key and that it may use this model",
        404: "check the base URL (it usually ends in /v1) and that the model is served there",
        413: "the line is too long for the server; split it",
        422: "check the voice names in the voices table against the server's voice list",
    },
    otherwise="check the speech server settings",
)


class OpenAIVoices(BaseModel):
    """Which server voice speaks a Voice: per gender, names ordered from lowest to highest pitch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    female: tuple[str, ...] = Field(default=("sage", "coral", "nova", "shimmer"), min_length=1)
    male: tuple[str, ...] = Field(default=("onyx", "ash", "echo", "verse"), min_length=1)
    nonbinary: tuple[str, ...] = Field(default=("fable", "alloy"), min_length=1)

    def pick(self, voice: Voice) -> str:
        """The name for `voice`: its gender's list, indexed by its pitch band."""
        names = {Gender.FEMALE: self.female, Gender.MALE: self.male, Gender.NONBINARY: self.nonbinary}[voice.gender]
        return names[min(len(names) - 1, voice.pitch * len(names) // 101)]


class OpenAISpeechModel:
    """Speak lines through an OpenAI-compatible text-to-speech endpoint, as WAV."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str = "gpt-4o-mini-tts",
        api_key: str | None = None,
        voices: OpenAIVoices | Mapping[str, Sequence[str]] | None = None,
        send_instructions: bool = True,
        timeout_s: float = 120.0,
        retries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/audio/speech"
        self.model = model
        self.voices = voices if isinstance(voices, OpenAIVoices) else OpenAIVoices.model_validate(voices or {})
        self.send_instructions = send_instructions
        self.timeout_s = timeout_s
        self.retries = retries
        self._endpoint = Endpoint(
            provider_id=PROVIDER_ID,
            advice=ADVICE,
            api_key=api_key,
            timeout_s=timeout_s,
            retries=retries,
            backoff_s=backoff_s,
            max_backoff_s=max_backoff_s,
            sleep=sleep,
            transport=transport,
        )
        options = {
            "voices": self.voices.model_dump(mode="json"),
            "send_instructions": send_instructions,
            "reference_wpm": REFERENCE_WPM,
            "deliveries": delivery_options(),
        }
        digest = options_digest(options)
        self.fingerprint = f"{PROVIDER_ID}:{model}:{digest}"

    def speak(self, text: str, voice: Voice, emotion: Emotion, *, language: str) -> Audio:
        """Speak `text` in `voice` with `emotion` as mono 48 kHz Audio."""
        if not text.strip():
            raise InvalidInputError("there is no text to speak; give the line some words")
        body = self.request_body(text, voice, emotion, language=language)
        refused = f"to speak with model {self.model!r} and voice {body['voice']!r}"
        response = self._endpoint.request("POST", self.url, json=body, refused=refused)
        try:
            audio = decode_wav(response.content)
        except InvalidInputError as exc:
            raise ProviderError(
                f"{self.url} answered HTTP {response.status_code} with something that is not a WAV file "
                f"(content-type {response.headers.get('content-type', 'unknown')!r}: {exc}); check that the "
                "server supports response_format 'wav' and that the base URL points at an OpenAI-compatible API",
                provider_id=PROVIDER_ID,
                retryable=True,
            ) from exc
        return trim_silence(audio)

    def request_body(self, text: str, voice: Voice, emotion: Emotion, *, language: str) -> dict[str, Any]:
        """The JSON body that asks the server to speak `text` in `voice` with `emotion`."""
        d = DELIVERIES[emotion]
        body: dict[str, Any] = {
            "model": self.model,
            "input": text,
            "voice": self.voices.pick(voice),
            "response_format": "wav",
            "speed": round(min(4.0, max(0.25, voice.rate_wpm / REFERENCE_WPM * d.speed)), 2),
        }
        if self.send_instructions:
            body["instructions"] = (
                f"Speak as a {voice.age_years}-year-old {voice.gender.value} character with a {voice.timbre} "
                f"voice, in the language {language!r}. Delivery: {d.hint}."
            )
        return body

    def close(self) -> None:
        """Close the HTTP connection pool, if one was opened."""
        self._endpoint.close()

    def __enter__(self) -> OpenAISpeechModel:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
