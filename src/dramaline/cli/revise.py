"""`dramaline revise` and `dramaline diff`: revision plans from audience data, new episode versions, what changed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from dramaline.cli.common import console, open_series, settings
from dramaline.errors import InvalidInputError
from dramaline.model import RevisionPlan, Series, WriterKind
from dramaline.settings import Settings

SeriesDir = Annotated[Path, typer.Argument(help="A series folder.", show_default=False)]


def register(app: typer.Typer) -> None:
    app.command("revise")(revise)
    app.command("diff")(diff)


def revise(
    folder: SeriesDir,
    episode: Annotated[
        int | None, typer.Option("--episode", "-e", help="Revise this episode (default: every episode).")
    ] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Write each plan into the episode's next version.")] = False,
    writer: Annotated[
        WriterKind, typer.Option(help="Who carries out the plan: embedded (rules) or llm.")
    ] = WriterKind.EMBEDDED,
) -> None:
    """Plan script revisions from the audience data (each change with its evidence); --apply writes them."""
    from dramaline.audience.report import analyse
    from dramaline.audience.simulate import SIMULATED_LABEL
    from dramaline.revise.diagnose import plan_revision

    series = open_series(folder)
    numbers = [_episode(series, episode)] if episode is not None else [e.number for e in series.episodes]
    config = settings()
    report = analyse(folder)
    if report.simulated_share > 0:
        console.print(f"[yellow]{report.simulated_share:.0%} of the events are simulated.[/] {SIMULATED_LABEL}")
    plans = [plan_revision(report, n, wpm=config.words_per_minute) for n in numbers]
    for plan in plans:
        _print_plan(plan)
    if not apply:
        if any(p.operations for p in plans):
            console.print(f"[dim]Write these into new episode versions with: dramaline revise {folder} --apply[/]")
        return
    todo = [p for p in plans if p.operations]
    if not todo:
        console.print("Nothing to revise: no episode has a significant problem.")
        return
    for plan in todo:
        _apply(folder, plan, writer, config)


def diff(
    folder: SeriesDir,
    episode: Annotated[int, typer.Option("--episode", "-e", help="The episode to compare.")],
    old: Annotated[str | None, typer.Argument(help="The older version (v1 or 1); default: the one before NEW.")] = None,
    new: Annotated[str | None, typer.Argument(help="The newer version; default: the current one.")] = None,
) -> None:
    """Show what changed between two versions of an episode: scenes added, removed, moved, lines changed."""
    from dramaline.revise.diff import diff_episodes, format_diff
    from dramaline.series_folder import episode_versions, load_episode_version, version_log

    series = open_series(folder)
    number = _episode(series, episode)
    versions = episode_versions(folder, number, series=series)
    newer = _version(new) if new is not None else versions[-1]
    if old is not None:
        older = _version(old)
    else:
        earlier = [v for v in versions if v < newer]
        if not earlier:
            raise InvalidInputError(
                f"episode {number} has only version {versions[0]}; nothing to compare yet "
                f"(make a new version with `dramaline revise {folder} --episode {number} --apply`)"
            )
        older = earlier[-1]
    for v in (older, newer):
        if v not in versions:
            known = ", ".join(f"v{k}" for k in versions)
            raise InvalidInputError(f"episode {number} has no version {v}; it has {known}")
    before = load_episode_version(folder, number, older, series=series)
    after = load_episode_version(folder, number, newer, series=series)
    console.print(Text(format_diff(diff_episodes(before, after), series)))
    notes = version_log(folder, number)
    for v in versions:
        if older < v <= newer and notes.get(v):
            console.print(Text(f"\nWhy v{v} was made:\n{notes[v]}", style="dim"))


def _apply(folder: Path, plan: RevisionPlan, writer: WriterKind, config: Settings) -> None:
    from dramaline.revise.apply import apply_plan
    from dramaline.revise.diff import diff_episodes, format_diff
    from dramaline.series_folder import load_series, save_episode_version

    series = load_series(folder)  # again: an earlier episode's new version may have changed what is fresh
    if writer is WriterKind.LLM:
        from dramaline.providers.openai_chat import OpenAIChatModel
        from dramaline.revise.llm_apply import LLMReviser

        chat = OpenAIChatModel.from_settings(config, seed=series.seed)
        reviser = LLMReviser(chat, output_attempts=config.llm_output_attempts, words_per_minute=config.words_per_minute)
        revision = reviser.apply(series, plan)
    else:
        revision = apply_plan(series, plan, wpm=config.words_per_minute)
    for refusal in revision.refused:
        console.print(Text(f"  ! {refusal.describe()}", style="yellow"))
    if not revision.changed:
        console.print(f"Episode {plan.episode}: no operation could be applied; nothing written.")
        return
    note = plan.describe()
    if revision.refused:
        note += "\nRefused:\n" + "\n".join(f"- {r.describe()}" for r in revision.refused)
    saved = save_episode_version(folder, revision.episode, note=note)
    now = saved.episode(plan.episode)
    console.print(f"[bold green]saved[/] episode {plan.episode} v{now.version} ({writer.value} writer)")
    console.print(Text(format_diff(diff_episodes(revision.before, now), saved)))


def _print_plan(plan: RevisionPlan) -> None:
    console.print(f"[bold]Episode {plan.episode} v{plan.version}[/]: {plan.summary}")
    for i, op in enumerate(plan.operations, 1):
        console.print(Text(f"  {i}. {op.describe()}"))
        console.print(Text(f"     {op.evidence.summary}", style="dim"))


def _episode(series: Series, number: int) -> int:
    if not 1 <= number <= len(series.episodes):
        raise InvalidInputError(
            f"--episode {number}: the series has episodes 1-{len(series.episodes)}; pick one of those"
        )
    return number


def _version(text: str) -> int:
    match = re.fullmatch(r"[vV]?(\d+)", text.strip())
    if not match or int(match.group(1)) < 1:
        raise InvalidInputError(f"version {text!r}: write it as v2 or 2")
    return int(match.group(1))
