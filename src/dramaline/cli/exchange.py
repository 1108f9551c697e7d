"""`dramaline export` and `dramaline import`: Fountain screenplays and Markdown script books."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dramaline.cli.common import console, open_series
from dramaline.errors import InvalidInputError
from dramaline.series_folder import write_text_atomic


class ExportFormat(StrEnum):
    FOUNTAIN = "fountain"
    MARKDOWN = "markdown"


_SUFFIX = {ExportFormat.FOUNTAIN: ".fountain", ExportFormat.MARKDOWN: ".md"}


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_)


def export(
    folder: Annotated[Path, typer.Argument(help="A series folder.", show_default=False)],
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="fountain or markdown.")],
    episode: Annotated[
        list[int] | None, typer.Option("--episode", "-e", help="Only these episodes (repeatable).")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Export a series (or some episodes) as a Fountain screenplay or a Markdown script book."""
    from dramaline.exports.fountain import to_fountain
    from dramaline.exports.markdown import to_markdown

    series = open_series(folder)
    numbers = sorted(set(episode)) if episode else None
    for n in numbers or []:
        if not 1 <= n <= len(series.episodes):
            raise InvalidInputError(f"--episode {n}: the series has episodes 1-{len(series.episodes)}")
    text = to_fountain(series, numbers) if format is ExportFormat.FOUNTAIN else to_markdown(series, numbers)
    if output is None:
        part = "" if numbers is None else "-ep" + "-".join(str(n) for n in numbers)
        output = folder / "exports" / f"{folder.resolve().name}{part}{_SUFFIX[format]}"
    write_text_atomic(output, text)
    console.print(f"[bold green]exported[/] {format.value} -> {output}")


def import_(
    file: Annotated[Path, typer.Argument(help="A .fountain screenplay.", show_default=False)],
    into: Annotated[Path, typer.Option("--into", help="The series folder to update.")],
) -> None:
    """Import a Fountain screenplay back into a series, replacing the episodes it contains."""
    if not file.is_file():
        raise InvalidInputError(f"{file}: no such file; give the path of a .fountain screenplay")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{file}: not UTF-8 text ({exc.reason}); save it as UTF-8 and retry") from exc
    from dramaline.exports.fountain import import_into

    before = open_series(into)
    revised, added = import_into(into, before, text, source=str(file), note=f"imported from {file.name}")
    changed = [f"{e.number} (v{before.episode(e.number).version + 1})" for e in revised] + [
        f"{e.number} (new)" for e in added
    ]
    what = ", ".join(changed) if changed else "none (no differences)"
    console.print(f"[bold green]imported[/] {file} into {into}; episodes changed: {what}")
