"""`dramaline experiment new|status|stop`: A/B and n-way tests of an episode's versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dramaline.cli.common import console, open_series
from dramaline.errors import InvalidInputError
from dramaline.model import DecisionThresholds, ExperimentAction, PrimaryMetric, VariedElement

experiment_app = typer.Typer(help="Experiments: show an episode's versions to split audiences and pick the best.")
SeriesDir = Annotated[Path, typer.Argument(help="A series folder.", show_default=False)]
_COLOURS = {ExperimentAction.SHIP: "green", ExperimentAction.INVESTIGATE: "red", ExperimentAction.NO_DIFFERENCE: "cyan"}


def register(app: typer.Typer) -> None:
    app.add_typer(experiment_app, name="experiment")


def _variants(specs: list[str]) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for spec in specs:
        name, _, version = spec.partition("=")
        try:
            found.append((name.strip(), int(version)))
        except ValueError:
            raise InvalidInputError(
                f"--variant {spec!r}: write NAME=VERSION, for example cold-open=2 (version 2 of the episode)"
            ) from None
    if len(found) < 2:
        raise InvalidInputError("give at least two --variant NAME=VERSION, the control first")
    return found


def _weights(text: str | None, count: int) -> list[int] | None:
    if text is None:
        return None
    try:
        weights = [int(w) for w in text.split(",")]
    except ValueError:
        raise InvalidInputError(f"--weights {text!r}: write whole numbers separated by commas, e.g. 50,50") from None
    if len(weights) != count:
        raise InvalidInputError(f"--weights gives {len(weights)} weights for {count} variants; give one each")
    return weights


@experiment_app.command("new")
def new_command(
    folder: SeriesDir,
    episode: Annotated[int, typer.Option(help="The episode whose versions are tested.", min=1, show_default=False)],
    variant: Annotated[
        list[str], typer.Option(help="NAME=VERSION, once per variant; the first is the control.", show_default=False)
    ],
    metric: Annotated[PrimaryMetric, typer.Option(help="The primary metric.")] = PrimaryMetric.COMPLETION,
    weights: Annotated[
        str | None, typer.Option(help="Traffic weights in variant order, e.g. 50,50 (default: equal).")
    ] = None,
    experiment_id: Annotated[
        str | None, typer.Option("--id", help="The experiment's id (default: from the episode and variants).")
    ] = None,
    tests: Annotated[VariedElement, typer.Option(help="What the variants differ in.")] = VariedElement.SCRIPT,
    min_viewers: Annotated[int, typer.Option(help="Viewers every variant needs before a call.", min=1)] = 1000,
    caring: Annotated[
        float | None,
        typer.Option(help="Threshold of caring in the metric's unit (share or seconds); default 0.005 or 1 s."),
    ] = None,
    hypothesis: Annotated[str | None, typer.Option(help="What you expect, in a sentence.")] = None,
) -> None:
    """Start an experiment: viewers are split across the episode's versions by a hash of their id."""
    from dramaline.decide.experiments import experiment_path, new_experiment

    open_series(folder)
    pairs = _variants(variant)
    if caring is not None and not caring > 0:
        raise InvalidInputError(f"--caring must be positive; got {caring}")
    experiment = new_experiment(
        folder,
        episode,
        pairs,
        weights=_weights(weights, len(pairs)),
        metric=metric,
        experiment_id=experiment_id,
        element=tests,
        hypothesis=hypothesis,
        thresholds=DecisionThresholds(min_viewers=min_viewers, caring=caring),
    )
    console.print(f"[bold green]started[/] experiment {experiment.id}: {experiment_path(folder, experiment.id)}")
    console.print(
        "Serve each viewer the version `dramaline.decide.assignment.assign` gives them (docs/experiments.md "
        "has the rule for clients); events must carry episode_version."
    )


@experiment_app.command("status")
def status_command(
    folder: SeriesDir,
    experiment_id: Annotated[
        str | None, typer.Argument(help="One experiment (default: all).", show_default=False)
    ] = None,
) -> None:
    """Analyse experiments from the events so far: per-variant table, sample ratio check and decision."""
    from dramaline.decide.experiment_report import HEADERS, describe, variant_table
    from dramaline.decide.experiments import analyse_folder

    open_series(folder)
    with console.status("analysing…"):
        results = analyse_folder(folder, experiment_id)
    if not results:
        console.print(f"no experiments in {folder} yet; start one with `dramaline experiment new`")
        return
    for result in results:
        table = Table(title=describe(result.experiment), title_justify="left")
        for i, header in enumerate(HEADERS):
            table.add_column(header, justify="left" if i == 0 else "right")
        for row in variant_table(result):
            table.add_row(*row)
        console.print(table)
        console.print(f"Assignment: {result.srm.describe()}.")
        colour = _COLOURS.get(result.decision.kind, "yellow")
        console.print(f"[bold {colour}]{result.decision.headline()}[/]: {result.decision.reason}.")
        outcome = result.experiment.outcome
        if outcome is not None:
            console.print(f"Stopped: serving {outcome.shipped} (episode version {outcome.version}).")
        for note in result.notes:
            console.print(f"[yellow]note[/] {note}.")
        console.print()


@experiment_app.command("stop")
def stop_command(
    folder: SeriesDir,
    experiment_id: Annotated[str, typer.Argument(help="The experiment to stop.", show_default=False)],
    ship: Annotated[
        str | None, typer.Option(help="The variant whose version is served from now on (default: the control's).")
    ] = None,
    note: Annotated[str, typer.Option(help="Why, in a sentence, for the record.")] = "",
) -> None:
    """Stop an experiment and record the version to serve; the analysis' call is kept beside it."""
    from dramaline.decide.experiments import analyse_folder, load_experiment, stop_experiment

    open_series(folder)
    experiment = load_experiment(folder, experiment_id)
    if ship is not None and ship not in experiment.names:
        names = ", ".join(experiment.names)
        raise InvalidInputError(f"--ship {ship!r}: experiment {experiment_id} has variants {names}")
    if not experiment.running:
        raise InvalidInputError(f"experiment {experiment_id} was already stopped at {experiment.stopped_at}")
    (result,) = analyse_folder(folder, experiment_id)
    stopped = stop_experiment(folder, experiment_id, ship=ship, recommendation=result.decision, note=note)
    assert stopped.outcome is not None
    console.print(
        f"[bold green]stopped[/] {experiment_id}: serving {stopped.outcome.shipped} "
        f"(episode {stopped.episode} version {stopped.outcome.version})"
    )
    console.print(f"The analysis said: {result.decision.headline()} ({result.decision.reason}).")
    if result.decision.kind is ExperimentAction.SHIP and result.decision.variant != stopped.outcome.shipped:
        console.print(f"[yellow]note[/] the analysis recommended {result.decision.variant}; recorded your choice.")
