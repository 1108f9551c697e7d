"""A season: K series launched together and run week by week through the whole loop (`dramaline season`).

`SeasonConfig` is what the producer asks for, `SeasonSeries` one launched series and how far it
has been released, `WeekRecord` what one simulated week did and cost, and `SeasonState` what
`STUDIO/season.yaml` keeps between weeks, so a killed season resumes at the week it was in.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from dramaline.model.base import MAX_EPISODES, Frozen, ShortText, Slug, Text
from dramaline.model.portfolio import PeriodBudget
from dramaline.model.story import Archetype

SeasonPreset = Literal["draft", "final", "none"]
"""How each week's new and revised episodes are produced; "none" skips rendering (timelines estimated)."""


class SeasonConfig(Frozen):
    """What the producer asks of a season; docs/season.md explains each field."""

    series: int = Field(ge=1, le=100, description="series launched in week 0")
    weeks: int = Field(ge=1, le=52, description="simulated weeks after the launch")
    seed: int = Field(default=0, ge=0)
    start: AwareDatetime = Field(description="when week 1 begins (simulated time, in the past)")
    episodes_written: int = Field(default=8, ge=2, le=MAX_EPISODES, description="episodes written at launch")
    launch_episodes: int = Field(default=2, ge=1, le=MAX_EPISODES, description="episodes released at launch")
    viewers_per_week: int = Field(default=1500, ge=0, description="new viewers a series finds in a week unpromoted")
    viewers_per_promotion: int = Field(default=400, ge=0, description="extra new viewers per promotion unit")
    budget: PeriodBudget = PeriodBudget()
    preset: SeasonPreset = "draft"
    exploration: float = Field(default=0.2, ge=0, le=1, description="share of the writer's choices that explore")

    @model_validator(mode="after")
    def _fits(self) -> SeasonConfig:
        if self.launch_episodes > self.episodes_written:
            raise ValueError(
                f"launch_episodes ({self.launch_episodes}) cannot exceed episodes_written ({self.episodes_written})"
            )
        return self


class SeasonSeries(Frozen):
    """One launched series: its folder in the studio and how many of its episodes are out."""

    series_id: Slug
    title: ShortText
    archetype: Archetype
    premise: Text
    released: int = Field(ge=0, le=MAX_EPISODES)
    promotion: float = Field(default=0.0, ge=0, description="promotion units granted for the coming week")
    sunset_in_week: int | None = Field(default=None, ge=0)


class SeriesWeek(Frozen):
    """One series in one week: audience, revisions, production and the portfolio's decision."""

    series_id: Slug
    viewers: int = Field(ge=0, description="new viewers simulated this week")
    views: int = Field(ge=0, description="sessions started this week, every episode")
    completions: int = Field(ge=0, description="sessions completed this week")
    released: int = Field(ge=0, description="episodes out at the end of the week")
    revisions: tuple[str, ...] = Field(default=(), description="each applied revision, with its evidence")
    decision: str = Field(default="", description="the portfolio's action and its reasons")
    episodes_produced: int = Field(default=0, ge=0, description="episodes built this week (new or revised)")
    scenes_rendered: int = Field(default=0, ge=0, description="scene segments rendered (the rest came from cache)")
    render_s: float = Field(default=0.0, ge=0, description="wall seconds of production")
    model_calls: int = Field(default=0, ge=0, description="calls to generative model backends")


class WeekRecord(Frozen):
    """What one simulated week did, per series, and what it cost."""

    week: int = Field(ge=1)
    series: tuple[SeriesWeek, ...]
    diversity: str = Field(description="the catalog's diversity as the portfolio reported it")
    seconds: float = Field(ge=0, description="wall seconds the whole week took")
    report: str = Field(description="the week's report file, relative to the studio")


class SeasonState(Frozen):
    """STUDIO/season.yaml: the configuration, the launched series, and every finished week."""

    schema_version: Literal[1] = 1
    config: SeasonConfig
    series: tuple[SeasonSeries, ...]
    weeks: tuple[WeekRecord, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> SeasonState:
        numbers = [w.week for w in self.weeks]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"weeks must be 1..{len(numbers)} in order; found {numbers}")
        return self

    def entry(self, series_id: str) -> SeasonSeries:
        return next(s for s in self.series if s.series_id == series_id)
