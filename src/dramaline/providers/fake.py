"""Fakes of the backend protocols: tiny, deterministic, no network; for tests only.

FakeChatModel answers from a queue of canned replies and records what it was asked
(in the spirit of llm's MockModel).
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dramaline.errors import ProviderError
from dramaline.providers import ChatMessage


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
