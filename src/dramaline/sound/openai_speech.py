"""OpenAISpeechModel: the SpeechModel of any OpenAI-compatible `POST /audio/speech` server.

Works with OpenAI, Kokoro-FastAPI, openedai-speech and LocalAI. Characters map onto the server's
voice names through an OpenAIVoices table; 429, 5xx and network errors are retried with backoff.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from dramaline.errors import InvalidInputError, ProviderError, ProviderTimeout
from dramaline.model import Emotion, Gender, Voice
from dramaline.sound.audio import Audio, decode_wav, trim_silence
from dramaline.sound.delivery import DELIVERIES, delivery_options

PROVIDER_ID = "openai-speech"
REFERENCE_WPM = 150
"""The words per minute a server speaks at speed 1.0; a Voice's rate_wpm is scaled against it."""
MAX_RETRY_AFTER_S = 300.0

_CHECK_BY_STATUS = {
    400: "check that the model supports the voice and response_format 'wav' (or turn off send_instructions)",
    401: "check the speech server's API key",
    403: "check the API key and that it may use this model",
    404: "check the base URL (it usually ends in /v1) and that the model is served there",
    413: "the line is too long for the server; split it",
    422: "check the voice names in the voices table against the server's voice list",
}


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
        if retries < 0:
            raise InvalidInputError(f"retries is {retries}; it must be 0 or more")
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/audio/speech"
        self.model = model
        self.voices = voices if isinstance(voices, OpenAIVoices) else OpenAIVoices.model_validate(voices or {})
        self.send_instructions = send_instructions
        self.timeout_s = timeout_s
        self.retries = retries
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._api_key = api_key
        self._transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        options = {
            "voices": self.voices.model_dump(mode="json"),
            "send_instructions": send_instructions,
            "reference_wpm": REFERENCE_WPM,
            "deliveries": delivery_options(),
        }
        digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()
        self.fingerprint = f"{PROVIDER_ID}:{model}:{digest}"

    def speak(self, text: str, voice: Voice, emotion: Emotion, *, language: str) -> Audio:
        """Speak `text` in `voice` with `emotion` as mono 48 kHz Audio."""
        if not text.strip():
            raise InvalidInputError("there is no text to speak; give the line some words")
        response = self._post(self.request_body(text, voice, emotion, language=language))
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
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> OpenAISpeechModel:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _http(self) -> httpx.Client:
        """The HTTP client, opened on first use (lines may be spoken from several threads)."""
        with self._lock:
            if self._client is None:
                headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
                self._client = httpx.Client(
                    headers=headers,
                    timeout=httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 10.0)),
                    verify=_tls_context(),
                    transport=self._transport,
                )
            return self._client

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        """POST `body`, retrying what may pass; return the first 2xx response."""
        client = self._http()
        attempts = self.retries + 1
        for attempt in range(attempts):
            last = attempt == self.retries
            try:
                response = client.post(self.url, json=body)
            except httpx.TimeoutException as exc:
                if last:
                    raise ProviderTimeout(
                        f"{self.url} did not answer within {self.timeout_s:g} s ({attempts} attempts); raise "
                        "timeout_s or use a faster speech model",
                        provider_id=PROVIDER_ID,
                        retryable=True,
                    ) from exc
            except httpx.TransportError as exc:
                if last:
                    raise ProviderError(
                        f"cannot reach {self.url} ({type(exc).__name__}: {exc}) after {attempts} attempts; the "
                        "speech server must be running and reachable there: start it or fix the base URL",
                        provider_id=PROVIDER_ID,
                        retryable=True,
                    ) from exc
            else:
                status = response.status_code
                if status < 400:
                    return response
                if status != 429 and status < 500:
                    raise ProviderError(
                        f"{self.url} refused to speak with model {self.model!r} and voice {body['voice']!r}: "
                        f"HTTP {status}: {_server_message(response)}; "
                        f"{_CHECK_BY_STATUS.get(status, 'check the speech server settings')}",
                        provider_id=PROVIDER_ID,
                    )
                if last:
                    raise ProviderError(
                        f"{self.url} answered HTTP {status} ({_server_message(response)}) on all {attempts} "
                        "attempts; the speech server is overloaded or failing: try again later or allow more retries",
                        provider_id=PROVIDER_ID,
                        retryable=True,
                    )
                wait_s = _retry_after_s(response)
                if wait_s is not None:
                    self._sleep(wait_s)
                    continue
            self._sleep(self._backoff(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int) -> float:
        """Seconds to wait before retry `attempt + 1`: exponential, capped, plus up to 25% jitter."""
        return min(self._max_backoff_s, self._backoff_s * 2.0**attempt) * (1 + random.random() / 4)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context, built once: loading the CA bundle takes a noticeable fraction of a second."""
    return httpx.create_ssl_context()


def _server_message(response: httpx.Response) -> str:
    """The error message a server put in its response body, however it shaped it."""
    try:
        data = response.json()
    except ValueError:
        return _snippet(response.text) or response.reason_phrase or "no message"
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message")))
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return _snippet(response.text)


def _retry_after_s(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait in a numeric `Retry-After`, if it did."""
    try:
        return min(max(float(response.headers["retry-after"]), 0.0), MAX_RETRY_AFTER_S)
    except (KeyError, ValueError):
        return None


def _snippet(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
