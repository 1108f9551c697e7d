"""`dramaline portfolio STUDIO`: this period's greenlights, promotion and sunsets for every series, with reasons."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from dramaline.cli.common import console, invalid_options
from dramaline.errors import InvalidInputError
from dramaline.model import Allocation, PeriodBudget, PortfolioAction, PortfolioPolicy

_OPTIONS = {
    "episodes": "--budget",
    "promotion": "--promotion",
    "sunset_completion_floor": "--sunset-floor",
    "sunset_confidence": "--sunset-confidence",
    "sunset_min_views": "--min-views",
    "min_episodes_before_sunset": "--min-episodes",
    "max_share": "--max-share",
    "exploration_share": "--exploration",
    "diversity_floor": "--diversity-floor",
}
_COLOURS = {
    PortfolioAction.GREENLIGHT: "green",
    PortfolioAction.PROMOTE: "cyan",
    PortfolioAction.HOLD: "white",
    PortfolioAction.SUNSET: "red",
}


def register(app: typer.Typer) -> None:
    app.command("portfolio")(portfolio_command)


def portfolio_command(
    studio: Annotated[Path, typer.Argument(help="A studio: a folder of series folders.", show_default=False)],
    budget: Annotated[
        int | None, typer.Option("--budget", help="Episodes to produce this period (default: the state's).")
    ] = None,
    promotion: Annotated[
        float | None, typer.Option(help="Promotion units to spend this period (default: the state's).")
    ] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Record the decisions in STUDIO/portfolio.yaml.")] = False,
    seed: Annotated[int | None, typer.Option(help="Seed of the sampling (default: the period number).")] = None,
    sunset_floor: Annotated[float | None, typer.Option(help="Sunset below this completion rate.")] = None,
    sunset_confidence: Annotated[float | None, typer.Option(help="Posterior probability needed to sunset.")] = None,
    min_views: Annotated[int | None, typer.Option(help="Views a series needs before it can be sunset.")] = None,
    min_episodes: Annotated[int | None, typer.Option(help="Released episodes needed before a sunset.")] = None,
    max_share: Annotated[float | None, typer.Option(help="Most of each budget one series may get.")] = None,
    exploration: Annotated[float | None, typer.Option(help="Share of the budget kept for exploration.")] = None,
    diversity_floor: Annotated[float | None, typer.Option(help="Archetype evenness the budget keeps.")] = None,
    market: Annotated[
        str | None, typer.Option(help="Decide for one market (ISO code: MX) from its viewing, in its own state file.")
    ] = None,
) -> None:
    """Decide this period's greenlights, promotion and sunsets across a studio's series, with the reasons.

    Thresholds come from STUDIO/portfolio.yaml (defaults when it does not exist yet); options override
    them for this run, and with --apply the options used are saved there with the decisions.
    """
    from dramaline.decide.portfolio import PortfolioAllocator, apply_allocation
    from dramaline.decide.portfolio_io import load_state, read_studio, save_state

    if market is not None and not re.fullmatch(r"[A-Z]{2}", market):
        raise InvalidInputError(f"--market {market!r}: give an ISO 3166-1 country code in capitals, like MX or CN")
    state = load_state(studio, market)
    overrides = {
        "sunset_completion_floor": sunset_floor,
        "sunset_confidence": sunset_confidence,
        "sunset_min_views": min_views,
        "min_episodes_before_sunset": min_episodes,
        "max_share": max_share,
        "exploration_share": exploration,
        "diversity_floor": diversity_floor,
    }
    try:
        policy = PortfolioPolicy.model_validate(
            {**state.policy.model_dump(), **{k: v for k, v in overrides.items() if v is not None}}
        )
        period_budget = PeriodBudget(
            episodes=state.budget.episodes if budget is None else budget,
            promotion=state.budget.promotion if promotion is None else promotion,
        )
    except ValidationError as exc:
        raise invalid_options(exc, _OPTIONS) from exc
    now = datetime.now(UTC)
    period = state.period + 1
    with console.status("reading the studio's series and audiences…"):
        snapshots = read_studio(studio, state, as_of=now, market=market)
    allocation = PortfolioAllocator(policy, seed=period if seed is None else seed).allocate(
        snapshots, period_budget, period=period
    )
    _print(allocation, policy, studio, any(s.simulated_share > 0 for s in snapshots))
    if apply:
        updated = apply_allocation(
            state.model_copy(update={"policy": policy, "budget": period_budget}), allocation, now
        )
        path = save_state(studio, updated, market)
        console.print(f"[bold green]recorded[/] period {period} in {path}")
    else:
        console.print("Nothing recorded: add --apply to record these decisions.")


def _print(allocation: Allocation, policy: PortfolioPolicy, studio: Path, simulated: bool) -> None:
    from dramaline.audience.simulate import SIMULATED_LABEL

    b = allocation.budget
    console.print(
        f"[bold]Portfolio of {studio}[/], period {allocation.period}: {b.episodes} episodes and "
        f"{b.promotion:g} promotion units to allocate"
    )
    if simulated:
        console.print(f"[yellow]Some audience data is simulated. {SIMULATED_LABEL}[/]")
    table = Table(show_edge=False, pad_edge=False)
    for column in ("series", "archetype", "decision", "episodes", "promotion", f"P(top {policy.top_k})",
                   "completion", "completed/episode"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("series", "archetype", "decision") else "right")
    for d in allocation.decisions:
        c, m = d.completion, d.completed_per_episode
        table.add_row(
            d.series_id,
            d.archetype.value,
            f"[{_COLOURS[d.action]}]{d.action.value}[/]",
            str(d.episodes),
            f"{d.promotion:g}",
            f"{d.p_top:.0%}",
            f"{c.value:.0%} [{c.low:.0%}–{c.high:.0%}]",
            f"{m.value:,.0f} [{m.low:,.0f}–{m.high:,.0f}]",
        )
    console.print(table)
    for d in allocation.decisions:
        console.print(f"[bold]{d.series_id}[/]: " + "; ".join(d.reasons))
    console.print(f"Diversity: {allocation.diversity.describe()}")
    for note in allocation.notes:
        console.print(f"Note: {note}")
