"""OpenAIChatModel: the ChatModel of any OpenAI-compatible `POST /chat/completions` server.

Works with Ollama, vLLM, llama.cpp server, LM Studio, OpenAI, DeepSeek and Qwen. Retries 429, 5xx
and network errors with jittered exponential backoff; every other failure says what to check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx

from dramaline.errors import ProviderError
from dramaline.providers import ChatMessage
from dramaline.providers.fingerprint import options_digest
from dramaline.providers.http import Advice, Endpoint, snippet
from dramaline.settings import Settings

PROVIDER_ID = "openai-chat"

ADVICE = Advice(
    timeout="raise DRAMALINE_LLM_TIMEOUT_S or use a smaller or faster model",
    unreachable=(
        "the LLM server must be running and reachable there: start it (for Ollama: `ollama serve`) "
        "or set DRAMALINE_LLM_BASE_URL to where it listens"
    ),
    overloaded="allow more retries with DRAMALINE_LLM_HTTP_RETRIES",
    by_status={
        400: "the server rejected the request; check that DRAMALINE_LLM_MODEL supports JSON-schema output",
        401: "check DRAMALINE_LLM_API_KEY (or OPENAI_API_KEY)",
        403: "check DRAMALINE_LLM_API_KEY and that the key may use this model",
        404: "check DRAMALINE_LLM_BASE_URL (it usually ends in /v1) and DRAMALINE_LLM_MODEL (is it served?)",
        413: "the prompt is too long for the server; use a model with a larger context window",
        422: "the server rejected the request; check that DRAMALINE_LLM_MODEL supports JSON-schema output",
    },
    otherwise="check the DRAMALINE_LLM_* settings",
)


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
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/chat/completions"
        self.model = model
        self.timeout_s = timeout_s
        self.retries = retries
        self.temperature = temperature
        self.seed = seed
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
        options = {"temperature": temperature, "seed": seed}
        digest = options_digest(options)
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
        self._endpoint.close()

    def __enter__(self) -> OpenAIChatModel:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        return self._endpoint.request("POST", self.url, json=body, refused=f"the request for model {self.model!r}")


def _content(response: httpx.Response, url: str) -> str:
    """The text of `choices[0].message.content` of a chat-completions response."""
    try:
        data = response.json()
        message = data["choices"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ProviderError(
            f"{url} answered HTTP {response.status_code} with something that is not a chat completion "
            f"({snippet(response.text)}); check that DRAMALINE_LLM_BASE_URL points at an "
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
