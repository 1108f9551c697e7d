"""OpenAIImageModel: the ImageModel of any OpenAI-compatible `POST /images/generations` server.

Works with OpenAI (gpt-image-1, dall-e-3), LocalAI, SD.Next and other servers that copy the API.
Pictures come back as `b64_json` or as a `url` that is then fetched. Servers other than
api.openai.com also get the request's `seed` and `negative_prompt`, which most of them honour and
which keep a character's pictures alike; OpenAI itself rejects unknown fields, so it gets none.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from dramaline.errors import ProviderError
from dramaline.providers.fingerprint import options_digest
from dramaline.providers.http import Advice, Endpoint, snippet
from dramaline.providers.images import ImageRequest, as_png

PROVIDER_ID = "openai-images"
DEFAULT_MODEL = "gpt-image-1"

ADVICE = Advice(
    timeout="raise DRAMALINE_IMAGE_TIMEOUT_S or use a faster image model",
    unreachable=(
        "the image server must be running and reachable there: start it or set DRAMALINE_IMAGE_BASE_URL "
        "to where it listens"
    ),
    overloaded="try a smaller DRAMALINE_IMAGE_SIZE",
    by_status={
        400: "check that DRAMALINE_IMAGE_MODEL can draw DRAMALINE_IMAGE_SIZE and that the prompt passes the "
        "server's content filter",
        401: "check DRAMALINE_IMAGE_API_KEY",
        403: "check DRAMALINE_IMAGE_API_KEY and that the key may use this model",
        404: "check DRAMALINE_IMAGE_BASE_URL (it usually ends in /v1) and DRAMALINE_IMAGE_MODEL (is it served?)",
        422: "check that the server accepts DRAMALINE_IMAGE_MODEL and DRAMALINE_IMAGE_SIZE",
    },
    otherwise="check the DRAMALINE_IMAGE_* settings",
)


class OpenAIImageModel:
    """Generate stills through an OpenAI-compatible image-generation endpoint."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str = DEFAULT_MODEL,
        api_key: str | None = None,
        extras: bool | None = None,
        timeout_s: float = 300.0,
        retries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/images/generations"
        self.model = model
        self.extras = extras if extras is not None else urlsplit(self.base_url).hostname != "api.openai.com"
        # The gpt-image models always answer in base64 and reject the field; DALL-E and most
        # compatible servers answer with a short-lived URL unless asked for base64.
        self.response_format = None if model.startswith("gpt-image") else "b64_json"
        common: dict[str, Any] = {
            "provider_id": PROVIDER_ID,
            "advice": ADVICE,
            "timeout_s": timeout_s,
            "retries": retries,
            "backoff_s": backoff_s,
            "max_backoff_s": max_backoff_s,
            "sleep": sleep,
            "transport": transport,
        }
        self._endpoint = Endpoint(api_key=api_key, **common)
        # Picture URLs often point at a CDN or object store: the key must not travel there.
        self._downloads = Endpoint(**common)
        options = {"extras": self.extras, "response_format": self.response_format}
        digest = options_digest(options)
        self.fingerprint = f"{PROVIDER_ID}:{model}:{digest}"

    def request_body(self, request: ImageRequest) -> dict[str, Any]:
        """The JSON body that asks the server for one picture."""
        body: dict[str, Any] = {"model": self.model, "prompt": request.prompt, "n": 1, "size": request.size}
        if self.response_format:
            body["response_format"] = self.response_format
        if self.extras:
            body["seed"] = request.seed
            if request.negative_prompt:
                body["negative_prompt"] = request.negative_prompt
        return body

    def generate(self, request: ImageRequest) -> bytes:
        """The picture for `request` as PNG bytes."""
        refused = f"to draw a {request.size} picture with model {self.model!r}"
        response = self._endpoint.request("POST", self.url, json=self.request_body(request), refused=refused)
        item = _first_item(response, self.url)
        encoded = item.get("b64_json")
        if isinstance(encoded, str) and encoded:
            try:
                data = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ProviderError(
                    f"{self.url} sent a b64_json picture that is not valid base64 ({exc})",
                    provider_id=PROVIDER_ID,
                    retryable=True,
                ) from exc
            return as_png(data, source=self.url, provider_id=PROVIDER_ID)
        link = item.get("url")
        if isinstance(link, str) and link:
            target = urljoin(self.base_url + "/", link)
            same_host = urlsplit(target).netloc == urlsplit(self.base_url).netloc
            downloads = self._endpoint if same_host else self._downloads
            picture = downloads.request("GET", target, refused="to send the generated picture")
            return as_png(picture.content, source=target, provider_id=PROVIDER_ID)
        raise ProviderError(
            f"{self.url} answered without a picture: data[0] has neither b64_json nor url "
            f"({snippet(json.dumps(item))}); check that the server supports response_format 'b64_json' or 'url'",
            provider_id=PROVIDER_ID,
            retryable=True,
        )

    def close(self) -> None:
        """Close the HTTP connection pools, if they were opened."""
        self._endpoint.close()
        self._downloads.close()

    def __enter__(self) -> OpenAIImageModel:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _first_item(response: httpx.Response, url: str) -> dict[str, Any]:
    """`data[0]` of an images response."""
    try:
        item = response.json()["data"][0]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ProviderError(
            f"{url} answered HTTP {response.status_code} with something that is not an images response "
            f"({snippet(response.text)}); check that DRAMALINE_IMAGE_BASE_URL points at an OpenAI-compatible "
            "API (it usually ends in /v1)",
            provider_id=PROVIDER_ID,
            retryable=True,
        ) from exc
    if not isinstance(item, dict):
        raise ProviderError(f"{url} answered with data[0] = {item!r}, not a picture", provider_id=PROVIDER_ID)
    return item
