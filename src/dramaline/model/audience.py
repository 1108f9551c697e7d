"""The audience: what viewers do while watching, as events that carry who, what, where and when.

One Event is one thing a viewer did in one viewing session of one version of one episode. The
analytics read nothing else; the ingestion endpoint, file imports and the audience simulator all
produce Events. `dramaline.audience.schema` publishes this model as JSON Schema.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, Field, StringConstraints, model_validator

from dramaline.model.base import MAX_EPISODES, Frozen, LanguageTag, Slug

EVENT_SCHEMA_VERSION = 1
"""Version of the event format (and of the event store's columns)."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$", max_length=128)]
"""An opaque id from the client: event, session and pseudonymous viewer ids."""
Market = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""An ISO 3166-1 alpha-2 country code: US, CN, BR …"""
Platform = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=32)]
"""Where the episode was watched, lower case: douyin, tiktok, reelshort, youtube, web …"""

_HOURS_ONLY_OFFSET = re.compile(r"[Tt ]\d\d:\d\d(:\d\d([.,]\d+)?)?[+-]\d\d$")


def _complete_offset(value: object) -> object:
    # ISO 8601 allows an offset of whole hours ("+08"), as PostgreSQL and DuckDB write timestamps;
    # pydantic reads only "+08:00".
    if isinstance(value, str) and _HOURS_ONLY_OFFSET.search(value):
        return value + ":00"
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_complete_offset)]
"""ISO 8601 with an offset (Z, +08:00, +0800 or +08); a naive time is refused."""

MAX_CLOCK_SKEW = timedelta(days=1)
"""How far ahead of the server a client's clock may run before its timestamp is refused."""


class EventType(StrEnum):
    IMPRESSION = "impression"  # the episode was shown in a feed or list
    PLAY = "play"  # playback started (position: where, usually 0)
    PROGRESS = "progress"  # a heartbeat while playing (position: where the playhead is)
    PAUSE = "pause"
    SEEK = "seek"  # from_position → position
    EXIT = "exit"  # the viewer left before the end (position: where)
    COMPLETE = "complete"  # playback reached the end (position: the episode's length)
    NEXT_EPISODE = "next_episode"  # the viewer went on to the next episode from this one
    LIKE = "like"
    SHARE = "share"
    FOLLOW = "follow"
    COMMENT = "comment"
    UNLOCK = "unlock"  # a paid unlock of a locked episode (amount: what was paid)


POSITIONED = frozenset(
    {EventType.PLAY, EventType.PROGRESS, EventType.PAUSE, EventType.SEEK, EventType.EXIT, EventType.COMPLETE}
)
"""Event types that are about a moment of the episode, so they must say which (position_s)."""


class Event(Frozen):
    """One viewer action in one viewing session of one episode version."""

    event_id: Identifier = Field(description="unique per event; a resent event with the same id is ignored")
    type: EventType
    viewer_id: Identifier = Field(description="pseudonymous: stable per viewer, never a name, email or phone")
    session_id: Identifier = Field(description="one viewing of one episode, from play to exit or complete")
    series: Slug
    episode: int = Field(ge=1, le=MAX_EPISODES)
    episode_version: int = Field(default=1, ge=1, le=2_147_483_647)  # the event store keeps it as INTEGER
    position_s: float | None = Field(
        default=None, ge=0, le=3600, allow_inf_nan=False, description="where the playhead was, seconds"
    )
    from_position_s: float | None = Field(
        default=None, ge=0, le=3600, allow_inf_nan=False, description="seek only: where it started"
    )
    platform: Platform
    market: Market
    language: LanguageTag
    segment: Slug | None = Field(default=None, description="a viewer segment the platform or studio assigns")
    amount: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="unlock only: what was paid, in the market's unit"
    )
    client_ts: Timestamp = Field(description="when it happened, by the client's clock (ISO 8601 with offset)")
    received_ts: Timestamp | None = Field(default=None, description="set by the ingestion on arrival")
    simulated: bool = Field(default=False, description="made by the audience simulator, not a real viewer")

    @model_validator(mode="after")
    def _fields_fit_the_type(self) -> Event:
        if self.type in POSITIONED and self.position_s is None:
            raise ValueError(f"a {self.type.value} event needs position_s (seconds into the episode)")
        if self.type is EventType.SEEK and self.from_position_s is None:
            raise ValueError("a seek event needs from_position_s (where the seek started)")
        if self.type is not EventType.SEEK and self.from_position_s is not None:
            raise ValueError(f"from_position_s belongs to seek events, not {self.type.value}")
        if self.amount is not None and self.type is not EventType.UNLOCK:
            raise ValueError(f"amount belongs to unlock events, not {self.type.value}")
        if self.received_ts is not None and self.client_ts - self.received_ts > MAX_CLOCK_SKEW:
            raise ValueError("client_ts is more than a day after the time it was received; check the client's clock")
        return self
