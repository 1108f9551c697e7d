"""The backend protocols, one required method each; implementations live beside this file.

Writer      premise -> Series   (embedded rules, or an LLM through ChatModel)
ChatModel   messages -> JSON    (any OpenAI-compatible chat-completions server)
ImageModel  prompt + seed -> a still picture (ComfyUI, or any OpenAI-compatible images server;
            defined in images.py, which needs Pillow)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol, TypedDict

from dramaline.model import Series, WriteRequest

ProgressFn = Callable[[str, int, int], None]
"""Called as progress(what, done, total) while long work runs."""


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class Writer(Protocol):
    """Writes a whole series for a request; a deterministic writer gives the same series per seed."""

    id: str

    def write(self, request: WriteRequest, *, progress: ProgressFn | None = None) -> Series:
        """Return the series written for `request`."""
        ...


class ChatModel(Protocol):
    """Answers a conversation with the raw text of a JSON object meant to match `schema`."""

    fingerprint: str

    def complete_json(self, messages: list[ChatMessage], *, schema: dict[str, Any], schema_name: str) -> str:
        """Return the model's reply text for `messages`, asking for JSON matching `schema`."""
        ...
