"""OpenAIChatModel: the ChatModel of any OpenAI-compatible `POST /chat/completions` server.

Works with Ollama, vLLM, llama.cpp server, LM Studio, OpenAI, DeepSeek and Qwen. Retries 429, 5xx
and network errors with jittered exponential backoff; every other failure says what to check.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx

from dramaline.errors import ProviderError, ProviderTimeout
from dramaline.providers import ChatMessage
from dramaline.settings import Settings

PROVIDER_ID = "openai-chat"
MAX_RETRY_AFTER_S = 300.0
"""Longest `Retry-After` honoured, so a misconfigured server cannot park a run for hours."""

_CHECK_BY_STATUS = {
    400: "the server rejected the request; check that DRAMALINE_LLM_MODEL supports JSON-schema output",
    401: "check DRAMALINE_LLM_API_KEY (or OPENAI_API_KEY)",
    403: "check DRAMALINE_LLM_API_KEY and that the key may use this model",
    404: "check DRAMALINE_LLM_BASE_URL (it usually ends in /v1) and DRAMALINE_LLM_MODEL (is it served?)",
    413: "the prompt is too long for the server; use a model with a larger context window",
    422: "the server rejected the request; check that DRAMALINE_LLM_MODEL supports JSON-schema output",
}


class OpenAIChatModel:
    """Answer a conversation with JSON through an OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        retries: int = 4,
        temperature: float = 0.8,
        seed: int | None = None,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError(f"retries is {retries}; it must be 0 or more")
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/chat/completions"
        self.model = model
        self.timeout_s = timeout_s
        self.retries = retries
        self.temperature = temperature
        self.seed = seed
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._api_key = api_key
        self._transport = transport
        self._client: httpx.Client | None = None
        options = {"temperature": temperature, "seed": seed}
        digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()
        self.fingerprint = f"{PROVIDER_ID}:{model}:{digest}"

    @classmethod
    def from_settings(cls, settings: Settings, *, seed: int | None = None) -> OpenAIChatModel:
        """Return a model configured from the DRAMALINE_LLM_* settings."""
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=key,
            timeout_s=settings.llm_timeout_s,
            retries=settings.llm_http_retries,
            temperature=settings.llm_temperature,
            seed=seed,
        )

    def complete_json(self, messages: list[ChatMessage], *, schema: dict[str, Any], schema_name: str) -> str:
        """Return the reply text for `messages`, asking the server for JSON matching `schema`."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": False},
            },
        }
        if self.seed is not None:
            body["seed"] = self.seed
        return _content(self._post(body), self.url)

    def close(self) -> None:
        """Close the HTTP connection pool, if one was opened."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> OpenAIChatModel:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _http(self) -> httpx.Client:
        """The HTTP client, opened on first use."""
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
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = client.post(self.url, json=body)
            except httpx.TimeoutException as exc:
                if last:
                    raise ProviderTimeout(
                        f"{self.url} did not answer within {self.timeout_s:g} s "
                        f"({self.retries + 1} attempts): {type(exc).__name__}; raise DRAMALINE_LLM_TIMEOUT_S "
                        "or use a smaller or faster model",
                        provider_id=PROVIDER_ID,
                        retryable=True,
                    ) from exc
                self._sleep(self._backoff(attempt))
                continue
            except httpx.ConnectError as exc:
                if last:
                    raise ProviderError(
                        f"cannot connect to {self.url} ({exc}) after {self.retries + 1} attempts; "
                        "the LLM server must be running and reachable there: start it (for Ollama: "
                        "`ollama serve`) or set DRAMALINE_LLM_BASE_URL to where it listens",
                        provider_id=PROVIDER_ID,
                        retryable=True,
                    ) from exc
                self._sleep(self._backoff(attempt))
                continue
            except httpx.TransportError as exc:
                if last:
                    raise ProviderError(
                        f"the connection to {self.url} failed ({type(exc).__name__}: {exc}) after "
                        f"{self.retries + 1} attempts; check that the server is healthy and try again",
                        provider_id=PROVIDER_ID,
                        retryable=True,
                    ) from exc
                self._sleep(self._backoff(attempt))
                continue
            status = response.status_code
            if status < 400:
                return response
            if status == 429 or status >= 500:
                if last:
                    raise ProviderError(
                        f"{self.url} answered HTTP {status} ({_server_message(response)}) on all "
                        f"{self.retries + 1} attempts; the server is overloaded or failing: try again "
                        "later, or allow more retries with DRAMALINE_LLM_HTTP_RETRIES",
                        provider_id=PROVIDER_ID,
                        retryable=True,
                    )
                wait_s = _retry_after_s(response)
                self._sleep(self._backoff(attempt) if wait_s is None else wait_s)
                continue
            check = _CHECK_BY_STATUS.get(status, "check the DRAMALINE_LLM_* settings")
            raise ProviderError(
                f"{self.url} refused the request for model {self.model!r} with HTTP {status}: "
                f"{_server_message(response)}; {check}",
                provider_id=PROVIDER_ID,
            )
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int) -> float:
        """Seconds to wait before retry `attempt + 1`: exponential, capped, plus up to 25% jitter."""
        delay = min(self._max_backoff_s, self._backoff_s * 2.0**attempt)
        return delay * (1 + random.random() / 4)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context, built once: loading the CA bundle takes a noticeable fraction of a second."""
    return httpx.create_ssl_context()


def _content(response: httpx.Response, url: str) -> str:
    """The text of `choices[0].message.content` of a chat-completions response."""
    try:
        data = response.json()
        message = data["choices"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ProviderError(
            f"{url} answered HTTP {response.status_code} with something that is not a chat completion "
            f"({_snippet(response.text)}); check that DRAMALINE_LLM_BASE_URL points at an "
            "OpenAI-compatible API (it usually ends in /v1)",
            provider_id=PROVIDER_ID,
            retryable=True,
        ) from exc
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str) or not content.strip():
        refusal = message.get("refusal") if isinstance(message, dict) else None
        why = f"the model refused: {refusal}" if refusal else "the reply has no text content"
        raise ProviderError(
            f"{url} returned no usable reply ({why}); try again or use another DRAMALINE_LLM_MODEL",
            provider_id=PROVIDER_ID,
            retryable=True,
        )
    return content


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
    """Seconds the server asked us to wait in `Retry-After` (seconds or an HTTP date), if it did."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _snippet(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
