"""`dramaline next`: write a series' next episodes, guided by what its audience responded to."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dramaline.cli.common import console, open_series, settings
from dramaline.cli.write import make_writer
from dramaline.errors import InvalidInputError
from dramaline.model import Series, WriterKind
from dramaline.model.guidance import AudienceGuidance, GuidedRun


def register(app: typer.Typer) -> None:
    app.command("next")(next_episodes)


def next_episodes(
    folder: Annotated[Path, typer.Argument(help="A series folder.", show_default=False)],
    from_episode: Annotated[
        int,
        typer.Option("--from", help="First episode to write; every earlier one is kept as it is.", show_default=False),
    ],
    add: Annotated[int, typer.Option("--add", help="Episodes to add after the last one (the finale moves).")] = 0,
    exploration: Annotated[
        float, typer.Option(help="Share of choices that explore instead of following the audience (0-1).")
    ] = 0.2,
    no_audience: Annotated[bool, typer.Option("--no-audience", help="Write without the audience's guidance.")] = False,
    writer: Annotated[WriterKind, typer.Option(help="embedded (offline rules) or llm.")] = WriterKind.EMBEDDED,
    seed: Annotated[int, typer.Option(help="Seed; the same seed writes the same episodes.")] = 0,
) -> None:
    """Write a series' next episodes (rewrite from --from, add --add), guided by its audience data."""
    from dramaline.decide.guidance_log import guidance_log_path, save_next_episodes

    if not 0 <= exploration <= 1:
        raise InvalidInputError(f"--exploration {exploration}: give a share between 0 and 1, like 0.2")
    series = open_series(folder)
    guidance = None if no_audience else _guidance(folder, exploration)
    if guidance is not None:
        console.print("[bold]Audience guidance[/]")
        for line in guidance.describe():
            console.print(f"  {escape(line)}")
    chosen = make_writer(writer, settings(), seed=seed)
    with Progress(
        TextColumn("[bold]writing[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("episodes", total=None)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        result = chosen.write_next(
            series, from_episode=from_episode, add=add, guidance=guidance, seed=seed, progress=progress
        )
    save_next_episodes(folder, series, result)
    _report(result.series, result.run, kept=from_episode - 1)
    if guidance is not None:
        counts = result.run.counts()
        console.print(
            f"{counts['guided'] + counts['explored']} choices: {counts['guided']} guided, "
            f"{counts['explored']} explored; the log is in {guidance_log_path(folder)}"
        )


def _guidance(folder: Path, exploration: float) -> AudienceGuidance:
    from dramaline.audience.report import analyse
    from dramaline.decide.guidance import guidance_from_report

    report = analyse(folder)
    if not report.metrics:
        raise InvalidInputError(
            f"{folder} has no viewing data yet, so there is nothing to be guided by: import or simulate an "
            "audience first (`dramaline audience ...`), or write without it with --no-audience"
        )
    return guidance_from_report(report, exploration=exploration)


def _report(series: Series, run: GuidedRun, *, kept: int) -> None:
    first, last = run.episodes[0], run.episodes[-1]
    which = f"episode {first}" if first == last else f"episodes {first}–{last}"
    also = f" (kept 1–{kept} as they were)" if kept > 1 else " (kept episode 1 as it was)" if kept == 1 else ""
    console.print(f"[bold green]wrote[/] {which} of {escape(series.title)!r}{also}")
    for number in run.episodes:
        episode = series.episode(number)
        beats = ", ".join(b.value.replace("_", " ") for b in episode.beats)
        choices = [c for c in run.choices if c.episode == number]
        said = "; ".join(f"{c.kind} {c.chosen.replace('_', ' ')} ({c.mode})" for c in choices)
        console.print(f"  {number:>3} v{episode.version}  {escape(episode.title)}: {beats}")
        if said:
            console.print(f"        [dim]{escape(said)}[/]")
