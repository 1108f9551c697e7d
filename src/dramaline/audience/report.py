"""The audience report of one series: every metric, the curves with their scenes, the funnel, the hotspots.

`analyse` reads the series folder (script, timelines, event store) once into a `SeriesReport`;
`to_html` makes one self-contained page of it (inline SVG, no scripts, works offline) and
`to_text` the terminal summary. Simulated data is labelled wherever it is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from dramaline.audience.charts import Span, funnel_svg, retention_svg
from dramaline.audience.funnel import Funnel, series_funnel
from dramaline.audience.hotspots import BeatLoss, EpisodeLosses, SpanLoss, beat_losses, series_losses, top_hotspots
from dramaline.audience.metrics import EpisodeMetrics, episode_metrics
from dramaline.audience.partials import series_sessions
from dramaline.audience.simulate import SIMULATED_LABEL
from dramaline.audience.store import EventStore, series_id
from dramaline.audience.survival import Estimate
from dramaline.audience.timelines import EpisodeTimeline, load_timeline_versions
from dramaline.decide.experiment_report import summary_line, to_html_section
from dramaline.decide.experiments import ExperimentResult, analyse_folder
from dramaline.model import Series
from dramaline.series_folder import load_series, write_text_atomic


@dataclass(frozen=True)
class SeriesReport:
    """Everything the report shows, computed once."""

    series: Series
    series_id: str
    events: int
    simulated_share: float  # share of events made by the audience simulator
    timelines: dict[tuple[int, int], EpisodeTimeline]
    metrics: list[EpisodeMetrics]
    losses: list[EpisodeLosses]
    hotspots: list[SpanLoss]
    beats: list[BeatLoss]
    funnel: Funnel
    made_at: datetime
    experiments: tuple[ExperimentResult, ...] = ()


def analyse(folder: Path) -> SeriesReport:
    """Read the series in `folder` and its events, and compute every metric and hotspot."""
    series = load_series(folder)
    sid = series_id(folder)
    timelines = load_timeline_versions(folder, series)
    plain = {key: t.timeline for key, t in timelines.items()}
    conn = EventStore(folder).connect(partials=True)
    row = conn.execute(
        "SELECT count(*), coalesce(avg(simulated::INTEGER), 0) FROM events WHERE series = ?", [sid]
    ).fetchone()
    events, simulated = (int(row[0]), float(row[1])) if row else (0, 0.0)
    sessions = series_sessions(conn, sid, plain)
    metrics = episode_metrics(sessions, series=sid)
    losses = series_losses(metrics, plain)
    return SeriesReport(
        series=series,
        series_id=sid,
        events=events,
        simulated_share=simulated,
        timelines=timelines,
        metrics=metrics,
        losses=losses,
        hotspots=top_hotspots(losses, n=10),
        beats=beat_losses(losses),
        funnel=series_funnel(sessions, sid),
        made_at=datetime.now(UTC),
        experiments=tuple(analyse_folder(folder, sessions=sessions)),
    )


def write_report(report: SeriesReport, out: Path) -> Path:
    """Write the HTML report to `out` atomically (a reader never sees half a page)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, to_html(report))
    return out


# ------------------------------------------------------------------------------------ terminal


def _pct(e: Estimate) -> str:
    if math.isnan(e.value):
        return "–"
    return f"{e.value:.1%} ({e.low:.1%}–{e.high:.1%})"


def _seconds(e: Estimate) -> str:
    if math.isnan(e.value):
        return "–"
    return f"{e.value:.1f} s ({e.low:.1f}–{e.high:.1f})"


def _label(report: SeriesReport) -> str:
    if report.simulated_share <= 0:
        return ""
    if report.simulated_share >= 1:
        return SIMULATED_LABEL
    return f"{report.simulated_share:.0%} of these events are simulated. {SIMULATED_LABEL}"


def to_text(report: SeriesReport) -> str:
    """A short terminal summary: per-episode headline metrics, the funnel's biggest losses, the hotspots."""
    out = [f"{report.series.title} ({report.series_id}): {report.events:,} events"]
    if label := _label(report):
        out.append(f"[{label}]")
    if not report.metrics:
        out.append("No viewing sessions yet: import events, run the ingestion server, or simulate an audience.")
        return "\n".join(out)
    out.append("ep  ver   views  hook 3s   completion  avg view   next ep")
    for m in report.metrics:
        out.append(
            f"{m.episode:>2}  v{m.episode_version:<3}{m.views:>6}  {m.hook_rate.value:>7.1%}  "
            f"{m.completion_rate.value:>10.1%}  {m.average_view_duration_s.value:>6.1f} s  "
            f"{m.next_episode_rate.value:>7.1%}"
        )
    losses = report.funnel.biggest_losses(3)
    if losses:
        steps = ", ".join(f"ep {s.episode}→{s.episode + 1}: {s.lost:.0%} lost" for s in losses)
        out.append(f"Funnel, biggest losses (within {report.funnel.window.days} days): {steps}")
    if report.hotspots:
        out.append("Top drop-off hotspots:")
        out += [f"  {i}. {h.describe()}" for i, h in enumerate(report.hotspots[:5], 1)]
    if report.experiments:
        out.append("Experiments:")
        out += [f"  {summary_line(result)}" for result in report.experiments]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------- html

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:820px;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:12.5px}td,th{padding:3px 6px;border-bottom:1px solid #eee;
text-align:right}td:first-child,th:first-child,td.l{text-align:left}.sim{background:#fff4d6;border:1px solid #e0b84c;
padding:.5rem .8rem;border-radius:4px}.chart{width:100%;height:auto}.note{color:#666;font-size:12px}
"""


def to_html(report: SeriesReport) -> str:
    """One self-contained HTML page: nothing loaded from elsewhere, every piece of user text escaped."""
    title = escape(report.series.title)
    body = [f"<h1>{title}</h1>", f'<p class="note">Series {escape(report.series_id)} · {report.events:,} events · '
            f"report made {report.made_at:%Y-%m-%d %H:%M} UTC</p>"]  # fmt: skip
    if label := _label(report):
        body.append(f'<p class="sim"><strong>Simulated data.</strong> {escape(label)}</p>')
    if not report.metrics:
        body.append("<p>No viewing sessions yet.</p>")
    else:
        body += _metrics_table(report)
        body += _funnel_section(report)
        body += _hotspot_section(report)
        body += _curves(report)
        body.append(to_html_section(report.experiments))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}: audience report</title>'
        f"<style>{_STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )


def _metrics_table(report: SeriesReport) -> list[str]:
    head = ("Episode", "Views", "Hook rate (3 s)", "Completion", "Avg view duration", "Avg % viewed", "Next episode",
            "Rewatch", "Likes /1k", "Shares /1k", "Follows /1k", "Unlock")  # fmt: skip
    rows = []
    for m in report.metrics:
        unlock = _pct(m.unlock_conversion) if m.unlock_conversion is not None else "free"
        cells = (f"{m.episode} v{m.episode_version}", f"{m.views:,}", _pct(m.hook_rate), _pct(m.completion_rate),
                 _seconds(m.average_view_duration_s), _pct(m.average_percentage_viewed), _pct(m.next_episode_rate),
                 _pct(m.rewatch_rate), f"{m.likes_per_1000.value:.0f}", f"{m.shares_per_1000.value:.0f}",
                 f"{m.follows_per_1000.value:.0f}", unlock)  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    return [
        "<h2>Episodes</h2>",
        '<p class="note">Estimates with 95% intervals; definitions in docs/metrics.md.</p>',
        "<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>",
    ]


def _funnel_section(report: SeriesReport) -> list[str]:
    steps = report.funnel.steps
    if not steps:
        return []
    labels = ["ep 1"] + [f"ep {s.episode + 1}" for s in steps]
    reach = [1.0] + [s.reach for s in steps]
    naive, product = [1.0], 1.0
    for s in steps:
        product *= s.naive_rate.value if not math.isnan(s.naive_rate.value) else 0.0
        naive.append(product)
    rows = "".join(
        f"<tr><td>{s.episode} → {s.episode + 1}</td><td>{s.starters:,}</td><td>{escape(_pct(s.continuation))}</td>"
        f"<td>{escape(_pct(s.naive_rate))}</td><td>{s.reach:.1%}</td></tr>"
        for s in steps
    )
    return [
        "<h2>Series funnel</h2>",
        f'<p class="note">Share of episode 1\'s starters who reach each episode within {report.funnel.window.days} '
        "days of the one before (Kaplan–Meier over watch dates, so viewers still arriving count as censored, "
        "not lost). The red marks are the naive shares, which read low while a cohort is still arriving.</p>",
        funnel_svg(labels, reach, naive),
        "<table><tr><th>Step</th><th>Starters</th><th>Continue (censored)</th><th>Naive</th><th>Reach</th></tr>"
        f"{rows}</table>",
    ]


def _hotspot_section(report: SeriesReport) -> list[str]:
    out = ["<h2>Drop-off hotspots</h2>"]
    if report.hotspots:
        out.append("<ol>" + "".join(f"<li>{escape(h.describe())}</li>" for h in report.hotspots) + "</ol>")
    else:
        out.append("<p>No scene lost viewers faster than its episode's baseline.</p>")
    if report.beats:
        rows = "".join(
            f"<tr><td>{escape(b.beat.value.replace('_', ' '))}</td><td>{b.scenes}</td><td>{b.rate_ratio:.2f}×</td></tr>"
            for b in report.beats
        )
        out.append("<h3>Loss by beat type, across the series</h3>")
        out.append(f"<table><tr><th>Beat</th><th>Scenes</th><th>Loss rate vs baseline</th></tr>{rows}</table>")
    return out


def _curves(report: SeriesReport) -> list[str]:
    hot = {(h.episode, h.episode_version, h.scene) for h in report.hotspots}
    out = ["<h2>Retention curves</h2>"]
    for m in report.metrics:
        entry = report.timelines.get((m.episode, m.episode_version))
        if entry is None:
            continue
        timeline = entry.timeline
        spans = [
            Span(
                timeline.seconds(s.start_frame),
                timeline.seconds(s.end_frame),
                f"{k}. {s.beat.value.replace('_', ' ')}",
                (m.episode, m.episode_version, k) in hot,
            )
            for k, s in enumerate(timeline.scenes, 1)
        ]
        curve = m.retention()
        name = f"Episode {m.episode} v{m.episode_version}: {timeline.episode_title}"
        note = " (timeline estimated from the script: not built yet)" if entry.estimated else ""
        out.append(f"<h3>{escape(name)}</h3><p class='note'>{m.views:,} views{escape(note)}</p>")
        out.append(
            retention_svg(
                curve.seconds.tolist(),
                curve.share.tolist(),
                curve.low.tolist(),
                curve.high.tolist(),
                m.duration_s,
                spans,
                title=name,
            )
        )
    return out
