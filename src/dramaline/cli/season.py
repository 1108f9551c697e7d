"""`dramaline season`: launch K series and run simulated weeks of the whole loop, with a report per week."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dramaline.cli.common import console
from dramaline.errors import InvalidInputError
from dramaline.model import PRESETS, PeriodBudget, SeasonConfig

if TYPE_CHECKING:  # the season's modules load the analytics (seconds): only when a season runs
    from dramaline.season.week import Produce, ProductionCost


def register(app: typer.Typer) -> None:
    app.command("season")(season)


def season(
    studio: Annotated[Path, typer.Argument(help="The studio folder: one series folder per launched series.")],
    series: Annotated[int, typer.Option("--series", help="Series to launch.")] = 4,
    weeks: Annotated[int, typer.Option("--weeks", help="Simulated weeks to run.")] = 4,
    budget: Annotated[int | None, typer.Option(help="Episodes produced per week (default 2 per series).")] = None,
    promotion: Annotated[float | None, typer.Option(help="Promotion units per week (default 1/series).")] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same season.")] = 0,
    preset: Annotated[str, typer.Option(help="draft, final, or none (no rendering: estimated timelines).")] = "draft",
    viewers: Annotated[int, typer.Option(help="New viewers a series finds in a week without promotion.")] = 1500,
    episodes: Annotated[int, typer.Option(help="Episodes each series is written with at launch.")] = 8,
) -> None:
    """Launch series and run the loop week by week: viewers, analytics, revisions, greenlight/sunset, reports.

    The audience is simulated (each series has hidden tastes that drift); a killed season resumes
    at the week it was in. Reports go to STUDIO/season/week-NN.md.
    """
    from dramaline.season.report import week_line
    from dramaline.season.run import load_season, run_season

    if preset not in ("draft", "final", "none"):
        raise InvalidInputError(f"--preset {preset!r}: use draft, final or none")
    found = load_season(studio)
    # Simulated weeks end by today: the event store refuses events from the future.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = found.config.start if found else today - timedelta(days=7 * weeks)
    if start + timedelta(days=7 * weeks) > datetime.now(UTC):
        raise InvalidInputError(
            f"{studio}: this season began {start:%Y-%m-%d}; {weeks} weeks from then reach past today. "
            "Run fewer weeks, or start a new season in another folder"
        )
    config = SeasonConfig(
        series=series,
        weeks=weeks,
        seed=seed,
        start=start,
        episodes_written=episodes,
        launch_episodes=min(2, episodes),
        viewers_per_week=viewers,
        budget=PeriodBudget(
            episodes=budget if budget is not None else 2 * series,
            promotion=promotion if promotion is not None else float(series),
        ),
        preset=preset,
    )
    produce = None if preset == "none" else _producer(preset)
    console.print(f"season in {studio}: {series} series, {weeks} weeks, production preset {preset}")
    state = run_season(studio, config, produce, on_week=lambda record: console.print(week_line(record)))
    active = sum(1 for s in state.series if s.sunset_in_week is None)
    console.print(f"[bold green]done[/]: {len(state.weeks)} weeks, {active} of {len(state.series)} series active")


def _producer(preset: str) -> Produce:
    from dramaline.cli.produce import default_production
    from dramaline.produce.build import make
    from dramaline.season.week import ProductionCost

    def produce(folder: Path, episodes: Sequence[int]) -> ProductionCost:
        summary = make(folder, default_production(folder, PRESETS[preset], "local"), episodes=list(episodes))
        return ProductionCost(
            episodes=len(summary.episodes), scenes_rendered=summary.built["scene"], seconds=summary.seconds
        )

    return produce
