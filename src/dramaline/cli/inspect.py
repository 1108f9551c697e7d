"""`dramaline show` and `dramaline check`: read a series folder on the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dramaline.cli.common import console, open_series, settings
from dramaline.errors import InvalidInputError
from dramaline.model import NARRATOR, Episode, Series
from dramaline.shape import series_problems

SeriesDir = Annotated[Path, typer.Argument(help="A series folder.", show_default=False)]


def register(app: typer.Typer) -> None:
    app.command("show")(show)
    app.command("check")(check)


def show(
    folder: SeriesDir,
    episode: Annotated[int | None, typer.Option("--episode", "-e", help="Print this episode's script.")] = None,
) -> None:
    """Show a series overview, or one episode's script."""
    series = open_series(folder)
    if episode is None:
        _overview(series)
        return
    try:
        ep = series.episode(episode)
    except KeyError:
        raise InvalidInputError(
            f"--episode {episode}: the series has episodes 1-{len(series.episodes)}; pick one of those"
        ) from None
    _script(series, ep)


def check(folder: SeriesDir) -> None:
    """Validate a series folder and its genre shape (hook, reversal, cliffhanger, length)."""
    series = open_series(folder)
    problems = series_problems(series, wpm=settings().words_per_minute)
    if problems:
        for p in problems:
            console.print(f"[yellow]![/] {p}")
        console.print(f"[bold red]{len(problems)} problem(s)[/] in {folder}")
        raise typer.Exit(1)
    console.print(f"[bold green]ok[/] {folder}: {len(series.episodes)} episodes, every one in shape")


def _overview(series: Series) -> None:
    meta = (
        f"{series.logline}\n\n[dim]{series.archetype.value} · {series.tone} · {series.language}/"
        f"{series.target_market} · {series.content_rating.value} · written by {series.writer.value}"
        f"{'' if series.seed is None else f' (seed {series.seed})'}[/]"
    )
    console.print(Panel(meta, title=f"[bold]{series.title}[/]", expand=False), soft_wrap=False)
    cast = Table("name", "role", "age", "occupation", "want", title="Cast", title_justify="left")
    for c in series.bible.characters:
        cast.add_row(c.name, c.role.value, str(c.age), c.occupation, Text(c.want))
    console.print(cast)
    eps = Table("#", "title", "beats", "sec", "cliffhanger", title="Episodes", title_justify="left")
    for e in series.episodes:
        seconds = e.spoken_duration_frames(fps=series.fps) // series.fps
        eps.add_row(
            str(e.number),
            Text(e.title),
            " › ".join(b.value for b in e.beats),
            str(seconds),
            Text(e.cliffhanger),
        )
    console.print(eps)


def _script(series: Series, episode: Episode) -> None:
    seconds = episode.spoken_duration_frames(fps=series.fps) / series.fps
    console.print(f"[bold]Episode {episode.number}: {episode.title}[/]  [dim]({seconds:.0f} s)[/]")
    console.print(Text(episode.summary, style="italic"))
    for scene in episode.scenes:
        place = series.bible.location(scene.location).name
        console.rule(f"{scene.beat.value.upper()} · {place} · {scene.time_of_day.value}", align="left")
        for line in scene.lines:
            if line.action:
                console.print(Text(f"  [{line.action}]", style="dim"))
            who = "NARRATOR" if line.speaker == NARRATOR else series.speaker_name(line.speaker).upper()
            how = ", ".join(x for x in (line.emotion.value, line.delivery) if x and x != "neutral")
            head = Text(f"  {who}", style="bold")
            if how:
                head.append(f" ({how})", style="dim")
            console.print(head)
            console.print(Text(f"    {line.text}"))
    console.print(Text(f"\nCliffhanger: {episode.cliffhanger}", style="bold magenta"))
