"""`dramaline new`: premise -> a series folder, written by the embedded or the LLM writer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dramaline.cli.common import console, invalid_options, settings
from dramaline.errors import InvalidInputError
from dramaline.model import Archetype, WriteRequest, WriterKind
from dramaline.series_folder import save_series
from dramaline.settings import Settings

if TYPE_CHECKING:
    from dramaline.writers.embedded.writer import EmbeddedWriter
    from dramaline.writers.llm import LLMWriter


def register(app: typer.Typer) -> None:
    app.command("new")(new)


def new(
    premise: Annotated[str, typer.Argument(help="The story in a sentence.", show_default=False)],
    episodes: Annotated[int, typer.Option("--episodes", "-n", help="Episodes to write (1-100).")] = 10,
    archetype: Annotated[
        Archetype | None, typer.Option(help="Force an archetype instead of choosing from the premise.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed; the same seed writes the same series.")] = 0,
    writer: Annotated[WriterKind, typer.Option(help="embedded (offline rules) or llm.")] = WriterKind.EMBEDDED,
    out: Annotated[Path | None, typer.Option(help="Series folder to create (default: series/<title>).")] = None,
) -> None:
    """Write a new series (bible and episode scripts) from a premise."""
    try:
        request = WriteRequest(premise=premise, episodes=episodes, archetype=archetype, seed=seed)
    except ValidationError as exc:
        raise invalid_options(exc, {"premise": "PREMISE", "episodes": "--episodes"}) from exc
    if out is not None:
        _require_free(out)
    chosen = make_writer(writer, settings(), seed=seed)
    with Progress(
        TextColumn("[bold]writing[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("episodes", total=episodes)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        series = chosen.write(request, progress=progress)
    folder = out if out is not None else Path("series") / _slug(series.title)
    _require_free(folder)
    save_series(series, folder)
    minutes = sum(e.spoken_duration_frames(fps=series.fps) for e in series.episodes) / series.fps / 60
    console.print(
        f"[bold green]wrote[/] {series.title!r}: {len(series.episodes)} episodes "
        f"({series.archetype.value}, about {minutes:.0f} min of drama) -> {folder}"
    )


def make_writer(kind: WriterKind, config: Settings, *, seed: int) -> EmbeddedWriter | LLMWriter:
    """The writer named on the command line, configured from the settings (the seed reaches the model).

    Both writers write a new series (`Writer`) and write an existing one on (`NextWriter`).
    """
    if kind is WriterKind.LLM:
        from dramaline.providers.openai_chat import OpenAIChatModel
        from dramaline.writers.llm import LLMWriter

        return LLMWriter(OpenAIChatModel.from_settings(config, seed=seed), settings=config)
    from dramaline.writers.embedded.writer import EmbeddedWriter

    return EmbeddedWriter()


def _require_free(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInputError(
            f"--out {folder} already exists and is not empty; choose another folder or remove it first"
        )


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "series"
