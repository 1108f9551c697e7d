"""Experiments for people: the per-variant table, the decision and its reason, as text or an HTML section.

`variant_table` is the one table every view shares (terminal, `dramaline experiment status`, the
audience report's HTML); `to_text` adds the headline, the sample ratio check, the decision and
notes; `summary_line` is one line for the report's terminal summary; `to_html_section` renders
every experiment as one section of the audience report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from dramaline.decide.bayes import format_amount
from dramaline.decide.experiments import ExperimentResult, VariantResult
from dramaline.model import Experiment, ExperimentAction, PrimaryMetric

__all__ = ["HEADERS", "describe", "summary_line", "to_html_section", "to_text", "variant_table"]

HEADERS = (
    "Variant",
    "Version",
    "Weight",
    "Viewers",
    "Started",
    "Completed",
    "Continued",
    "Unlocked",
    "Watch (s)",
    "Primary (interval)",
    "Lift vs control",
    "P(beat control)",
    "P(best)",
    "Expected loss",
)
"""The columns of `variant_table`."""

_METRIC_NAMES = {
    PrimaryMetric.COMPLETION: "completion",
    PrimaryMetric.CONTINUATION: "next-episode continuation",
    PrimaryMetric.UNLOCK: "unlock",
    PrimaryMetric.WATCH_TIME: "watch time",
}


def _share(count: int, viewers: int) -> str:
    return f"{count / viewers:.1%}" if viewers else "–"


def _value(value: float, metric: PrimaryMetric) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.1%}" if metric.is_rate else f"{value:.1f} s"


def describe(experiment: Experiment) -> str:
    """One line: id, episode, what varies, the metric, the split and since when (and until when)."""
    split = " / ".join(f"{v.name} v{v.version} ({v.weight / experiment.total_weight:.0%})" for v in experiment.variants)
    when = f"running since {experiment.started_at:%Y-%m-%d %H:%M} UTC"
    if experiment.stopped_at is not None:
        when = f"ran {experiment.started_at:%Y-%m-%d %H:%M} to {experiment.stopped_at:%Y-%m-%d %H:%M} UTC"
    element = experiment.element.value.replace("_", " ")
    return (
        f"Experiment {experiment.id}: episode {experiment.episode}, {element}; "
        f"primary metric {_METRIC_NAMES[experiment.metric]}; {split}; {when}"
    )


def _row(result: ExperimentResult, v: VariantResult) -> tuple[str, ...]:
    experiment, metric = result.experiment, result.experiment.metric
    is_control = v.variant.name == experiment.control
    arm = v.comparison
    lift = "control"
    if not is_control:
        lift = (
            f"{format_amount(arm.lift, metric, signed=True)} ({format_amount(arm.lift_low, metric, signed=True)} to "
            f"{format_amount(arm.lift_high, metric, signed=True)})"
        )
    return (
        v.variant.name + (" (control)" if is_control else ""),
        f"v{v.variant.version}",
        f"{v.variant.weight / experiment.total_weight:.0%}",
        f"{v.viewers:,}",
        _share(v.starters, v.viewers),
        _share(v.completions, v.viewers),
        _share(v.continuations, v.viewers),
        _share(v.unlocks, v.viewers),
        f"{v.watch_s:.1f}" if v.viewers else "–",
        f"{_value(v.posterior_mean, metric)} ({_value(v.posterior_low, metric)}–{_value(v.posterior_high, metric)})",
        lift,
        "–" if is_control else f"{arm.chance_to_beat_control:.1%}",
        f"{arm.chance_to_be_best:.1%}",
        format_amount(arm.expected_loss, metric),
    )


def variant_table(result: ExperimentResult) -> list[tuple[str, ...]]:
    """One row of `HEADERS` per variant, in the experiment's order."""
    return [_row(result, v) for v in result.variants]


def _decision_lines(result: ExperimentResult) -> list[str]:
    experiment = result.experiment
    lines = [f"Decision: {result.decision.headline()}. {result.decision.reason}."]
    if experiment.outcome is not None:
        served = experiment.outcome
        change = "no change" if served.shipped == experiment.control else "shipped"
        lines.append(f"Stopped: serving {served.shipped} (episode {experiment.episode} v{served.version}, {change}).")
    return lines


def to_text(result: ExperimentResult) -> str:
    """The experiment in plain text: headline, table, sample ratio check, decision with reason, notes."""
    rows = [HEADERS, *variant_table(result)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    table = [
        "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]
    caring = format_amount(result.experiment.caring, result.experiment.metric)
    out = [describe(result.experiment), *table]
    out.append(f"Assignment: {result.srm.describe()}.")
    out.append(
        f"Rules: at least {result.experiment.thresholds.min_viewers:,} viewers per variant; threshold of caring "
        f"{caring}."
    )
    out += _decision_lines(result)
    out += [f"Note: {note}." for note in result.notes]
    return "\n".join(out)


def summary_line(result: ExperimentResult) -> str:
    """One line for the audience report's terminal summary."""
    viewers = sum(v.viewers for v in result.variants)
    state = "running" if result.experiment.running else "stopped"
    return (
        f"{result.experiment.id} (ep {result.experiment.episode}, {state}, {viewers:,} viewers): "
        f"{result.decision.headline()}"
    )


def to_html_section(results: Sequence[ExperimentResult]) -> str:
    """An `<h2>Experiments</h2>` section with every experiment's table and decision; empty without experiments."""
    if not results:
        return ""
    parts = [
        "<h2>Experiments</h2>",
        '<p class="note">Per viewer exposed to the episode since the experiment started. Bayesian analysis: '
        "posterior of the primary metric with its credible interval, chance to beat the control, chance to be best, "
        "and the expected loss of choosing each variant; definitions in docs/experiments.md.</p>",
    ]
    for result in results:
        kind = result.decision.kind
        colour = {ExperimentAction.SHIP: "#1a7f37", ExperimentAction.INVESTIGATE: "#b3261e"}.get(kind, "#555")
        head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in variant_table(result)
        )
        parts.append(f"<h3>{escape(result.experiment.id)}</h3>")
        parts.append(f'<p class="note">{escape(describe(result.experiment))}</p>')
        parts.append(f"<table><tr>{head}</tr>{body}</table>")
        parts.append(f'<p class="note">Assignment: {escape(result.srm.describe())}.</p>')
        lines = _decision_lines(result)
        parts.append(f'<p><strong style="color:{colour}">{escape(lines[0])}</strong></p>')
        parts += [f"<p>{escape(line)}</p>" for line in lines[1:]]
        parts += [f'<p class="note">Note: {escape(note)}.</p>' for note in result.notes]
    return "".join(parts)
