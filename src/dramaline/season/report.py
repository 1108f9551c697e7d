"""The weekly report of a season: audience results beside each decision, its evidence, and what the week cost."""

from __future__ import annotations

from dramaline.model import SeasonState, WeekRecord


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "–"


def week_markdown(state: SeasonState, record: WeekRecord) -> str:
    """The week as Markdown: a table per series, then each series' decision, revisions and cost."""
    titles = {s.series_id: s.title for s in state.series}
    total_views = sum(s.views for s in record.series)
    total_done = sum(s.completions for s in record.series)
    render_s = sum(s.render_s for s in record.series)
    out = [
        f"# Season week {record.week} of {state.config.weeks}",
        "",
        "Simulated audience: every view in this report comes from the audience simulator, not from real viewers.",
        "",
        f"{len(record.series)} series; {total_views:,} views, {total_done:,} completed "
        f"({_pct(total_done, total_views)});"
        f" production {render_s:.0f} s, {sum(s.scenes_rendered for s in record.series)} scenes rendered,"
        f" {sum(s.model_calls for s in record.series)} model calls; the week took {record.seconds:.0f} s.",
        "",
        f"Diversity — {record.diversity}",
        "",
        "| series | new viewers | views | completed | completion | episodes out | revisions | produced | render s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in record.series:
        out.append(
            f"| {titles.get(s.series_id, s.series_id)} | {s.viewers:,} | {s.views:,} | {s.completions:,} | "
            f"{_pct(s.completions, s.views)} | {s.released} | {len(s.revisions)} | {s.episodes_produced} | "
            f"{s.render_s:.0f} |"
        )
    for s in record.series:
        out += ["", f"## {titles.get(s.series_id, s.series_id)} (`{s.series_id}`)", "", f"- Decision: {s.decision}"]
        out += [f"- Revision: {note}" for note in s.revisions] or ["- Revisions: none (no significant problem)"]
    return "\n".join(out) + "\n"


def week_line(record: WeekRecord) -> str:
    """One line for the terminal."""
    views = sum(s.views for s in record.series)
    done = sum(s.completions for s in record.series)
    revised = sum(len(s.revisions) for s in record.series)
    sunset = sum(1 for s in record.series if s.decision.startswith("sunset"))
    greenlit = sum(1 for s in record.series if s.decision.startswith("greenlight"))
    return (
        f"week {record.week}: {views:,} views, completion {_pct(done, views)}, {revised} revisions, "
        f"{greenlit} greenlit, {sunset} sunset, production {sum(s.render_s for s in record.series):.0f} s, "
        f"week {record.seconds:.0f} s -> {record.report}"
    )
