"""`dramaline audience simulate|import|serve` and `dramaline report`: events in, the audience report out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from dramaline.cli.common import console, open_series
from dramaline.errors import InvalidInputError

audience_app = typer.Typer(help="Viewer events: simulate an audience, import platform exports, run ingestion.")


def register(app: typer.Typer) -> None:
    app.add_typer(audience_app, name="audience")
    app.command("report")(report_command)


def _punish(specs: list[str]) -> dict[str, float]:
    planted: dict[str, float] = {}
    for spec in specs:
        scene, _, factor = spec.partition("=")
        try:
            planted[scene.strip()] = float(factor)
        except ValueError:
            raise InvalidInputError(
                f"--punish {spec!r}: write SCENE_ID=FACTOR, for example e03s02=4 (4× the hazard in that scene)"
            ) from None
    return planted


@audience_app.command("simulate")
def simulate_command(
    folder: Annotated[Path, typer.Argument(help="A series folder.", show_default=False)],
    viewers: Annotated[int, typer.Option(help="Viewers to simulate.", min=1)] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed; the same seed simulates the same audience.")] = 0,
    days: Annotated[float, typer.Option(help="Days over which viewers arrive, ending now.", min=0.01)] = 14.0,
    punish: Annotated[
        list[str] | None, typer.Option(help="Plant a hotspot: SCENE_ID=FACTOR multiplies leaving in that scene.")
    ] = None,
) -> None:
    """Simulate a synthetic audience watching the series and store its events (labelled simulated)."""
    from dramaline.audience.simulate import AudienceModel, simulate_into
    from dramaline.audience.store import EventStore, series_id
    from dramaline.audience.timelines import load_timelines

    series = open_series(folder)
    sid = series_id(folder)
    scene_ids = {s.id for e in series.episodes for s in e.scenes}
    planted = _punish(punish or [])
    unknown = sorted(set(planted) - scene_ids)
    if unknown:
        raise InvalidInputError(f"--punish names scenes this series does not have: {', '.join(unknown)}")
    timelines = load_timelines(folder, series)
    estimated = [n for n, t in timelines.items() if t.estimated]
    model = AudienceModel(punish=planted)
    start = datetime.now(UTC) - timedelta(days=days)
    with console.status(f"simulating {viewers:,} viewers…"):
        results = simulate_into(EventStore(folder), series, timelines, model, viewers, seed, start, days, series_id=sid)
    accepted = sum(r.accepted for r in results)
    duplicates = sum(r.duplicates for r in results)
    console.print(f"[bold green]stored[/] {accepted:,} simulated events ({duplicates:,} already there) in {folder}")
    if estimated:
        console.print(f"timelines estimated from the script for episodes not built yet: {estimated}")


@audience_app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(help="Events (JSONL, CSV, Parquet) or a retention table.", show_default=False)
    ],
    into: Annotated[Path, typer.Option("--into", help="The series folder to store them in.", show_default=False)],
    simulated: Annotated[bool, typer.Option(help="Mark every imported event as simulated.")] = False,
) -> None:
    """Import a platform export: a raw event log, or a per-second audience-retention table."""
    from dramaline.audience.imports import import_file
    from dramaline.audience.store import EventStore

    open_series(into)
    if not file.is_file():
        raise InvalidInputError(f"{file}: no such file")
    result = import_file(EventStore(into), file, simulated=simulated)
    console.print(result.summary())


@audience_app.command("serve")
def serve_command(
    folder: Annotated[Path, typer.Argument(help="A series folder, or a folder of series folders.")] = Path("."),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    token: Annotated[
        str | None, typer.Option(envvar="DRAMALINE_INGEST_TOKEN", help="Require this bearer token.", show_default=False)
    ] = None,
) -> None:
    """Run the event-ingestion endpoint (POST /v1/events) until interrupted."""
    from dramaline.audience.server import serve

    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        raise InvalidInputError(
            f"--host {host} opens ingestion to the network; set --token (or DRAMALINE_INGEST_TOKEN) so only your "
            "clients can send events"
        )
    console.print(f"ingesting events for {folder} at http://{host}:{port}/v1/events")
    serve(folder, host, port, token=token)


def report_command(
    folder: Annotated[Path, typer.Argument(help="A series folder.", show_default=False)],
    out: Annotated[
        Path | None, typer.Option(help="Where to write the HTML (default DIR/reports/audience.html).")
    ] = None,
) -> None:
    """Write the audience report (HTML, self-contained) and print its summary."""
    from dramaline.audience.report import analyse, to_text, write_report

    open_series(folder)
    with console.status("computing metrics…"):
        report = analyse(folder)
    path = write_report(report, out or folder / "reports" / "audience.html")
    console.print(to_text(report), markup=False, highlight=False)
    console.print(f"[bold green]report[/] {path}")
