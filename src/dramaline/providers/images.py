"""The ImageModel protocol: a text prompt and a seed in, one still picture (PNG bytes) out.

Backends: `openai_images.py` (any OpenAI-compatible `/images/generations` server), `comfyui.py`
(a ComfyUI server running a workflow template) and `fake.FakeImageModel` for tests. The
embedded renderer needs none of them; a build uses an ImageModel only when one is configured.
"""

from __future__ import annotations

import io
from typing import Annotated, Protocol

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dramaline.errors import ProviderError

MAX_SEED = 2**32 - 1
"""Seeds stay within 32 bits: the range every sampler (and JSON number parser) accepts."""


class ImageRequest(BaseModel):
    """One picture to generate; equal requests to the same backend give the same picture."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    negative_prompt: str = Field(default="", max_length=2000)
    width: int = Field(ge=64, le=4096, multiple_of=8)
    height: int = Field(ge=64, le=4096, multiple_of=8)
    seed: int = Field(ge=0, le=MAX_SEED)
    subject: str | None = Field(
        default=None, description="the character the picture must show, for workflows that load a reference"
    )

    @property
    def size(self) -> str:
        """The size as servers write it: `WIDTHxHEIGHT`."""
        return f"{self.width}x{self.height}"


class ImageModel(Protocol):
    """Generates a still picture for a request; `fingerprint` names everything that shapes its pixels."""

    fingerprint: str

    def generate(self, request: ImageRequest) -> bytes:
        """Return the picture for `request` as PNG bytes."""
        ...


def as_png(data: bytes, *, source: str, provider_id: str) -> bytes:
    """`data` as an RGB PNG, whatever image format the server sent; a ProviderError if it is no image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.format == "PNG" and image.mode == "RGB":
                return data
            out = io.BytesIO()
            image.convert("RGB").save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        head = data[:40].decode("utf-8", errors="replace")
        raise ProviderError(
            f"{source} sent {len(data)} bytes that are not an image ({head!r}…); check that the server "
            "returns PNG, JPEG or WebP pictures",
            provider_id=provider_id,
            retryable=True,
        ) from exc
