"""Fakes of the backend protocols: tiny, deterministic, no network; for tests only.

FakeChatModel answers from a queue of canned replies and records what it was asked
(in the spirit of llm's MockModel); FakeImageModel paints flat colours.
"""

from __future__ import annotations

import copy
import hashlib
import io
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from dramaline.errors import ProviderError
from dramaline.providers import ChatMessage
from dramaline.providers.images import ImageRequest


@dataclass(frozen=True)
class ChatRequest:
    """One call a FakeChatModel received, copied so later changes by the caller don't show."""

    messages: list[ChatMessage]
    schema: dict[str, Any]
    schema_name: str


class FakeChatModel:
    """A ChatModel that returns queued replies in order and records every request."""

    fingerprint = "fake-chat"

    def __init__(self, replies: Iterable[str] = ()) -> None:
        self._replies: deque[str] = deque(replies)
        self.requests: list[ChatRequest] = []

    def enqueue(self, *texts: str) -> None:
        """Queue reply texts, returned one per call in the order queued."""
        self._replies.extend(texts)

    @property
    def pending(self) -> int:
        """How many queued replies have not been returned yet."""
        return len(self._replies)

    def complete_json(self, messages: list[ChatMessage], *, schema: dict[str, Any], schema_name: str) -> str:
        """Record the request and return the next queued reply."""
        self.requests.append(ChatRequest(copy.deepcopy(messages), copy.deepcopy(schema), schema_name))
        if not self._replies:
            raise ProviderError(
                f"FakeChatModel has no reply queued for request {len(self.requests)} ({schema_name!r}); "
                "call enqueue(...) with one reply per expected call",
                provider_id="fake",
            )
        return self._replies.popleft()


class FakeImageModel:
    """An ImageModel that paints a flat colour per request (from its hash, or `color`) and records requests."""

    def __init__(self, color: tuple[int, int, int] | None = None) -> None:
        self.color = color
        self.fingerprint = f"fake-image:{color}"
        self.requests: list[ImageRequest] = []
        self._lock = threading.Lock()

    def generate(self, request: ImageRequest) -> bytes:
        """A PNG of the request's size: one colour, with a darker band at the bottom so crops are visible."""
        with self._lock:
            self.requests.append(request)
        h = hashlib.sha256(request.model_dump_json().encode()).digest()
        r, g, b = self.color or (h[0], h[1], h[2])
        image = Image.new("RGB", (request.width, request.height), (r, g, b))
        band = Image.new("RGB", (request.width, request.height // 8), (r // 2, g // 2, b // 2))
        image.paste(band, (0, request.height - band.height))
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()
