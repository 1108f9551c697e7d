"""What every model type shares: the frozen base class, constrained string types and constants."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

SCHEMA_VERSION = 1
"""Version of the on-disk series format; bumped when a saved series would load differently."""

DEFAULT_FPS = 30
MAX_EPISODES = 100
NARRATOR = "narrator"
"""The speaker id of lines spoken by the narrator rather than a character."""


class Frozen(BaseModel):
    """Base of all model types: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


def require_unique(values: list[str], what: str) -> None:
    """Raise a validation message naming the first value that repeats."""
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"duplicate {what} {v!r}; each must be unique")
        seen.add(v)
