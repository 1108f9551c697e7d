"""Charts for the HTML report as inline SVG: a retention curve with its scenes, and a funnel.

Inline SVG keeps the report one self-contained file that opens offline in any browser, prints,
and can be mailed; every label is escaped because scene and series names are user text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 34, 40
_BAND = ("#f3f1ec", "#e9e6df")
_HOT = "#f7d0c6"


@dataclass(frozen=True)
class Span:
    """A stretch of the episode drawn behind the curve: one scene, labelled with its beat."""

    start_s: float
    end_s: float
    label: str
    hot: bool = False


def _x(t: float, duration: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (t / duration if duration > 0 else 0.0)


def _y(share: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - max(0.0, min(1.0, share)))


def _path(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def retention_svg(
    times_s: Sequence[float],
    survival: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    duration_s: float,
    spans: Sequence[Span] = (),
    *,
    title: str = "",
) -> str:
    """The share of starters still watching at each second, its 95% band, and the scenes under it."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, span in enumerate(spans):
        x0, x1 = _x(span.start_s, duration_s), _x(span.end_s, duration_s)
        fill = _HOT if span.hot else _BAND[i % 2]
        parts.append(
            f'<rect x="{x0:.1f}" y="{TOP}" width="{max(0.0, x1 - x0):.1f}" height="{HEIGHT - TOP - BOTTOM}" '
            f'fill="{fill}"><title>{escape(span.label)}</title></rect>'
        )
        parts.append(
            f'<text x="{(x0 + x1) / 2:.1f}" y="{TOP - 8}" font-size="10" text-anchor="middle" '
            f'fill="#555">{escape(_short(span.label, max(3, int((x1 - x0) / 6))))}</text>'
        )
    parts += _grid((0.0, 0.25, 0.5, 0.75, 1.0))
    ticks = max(1, int(duration_s // 15))
    for k in range(ticks + 1):
        t = min(duration_s, k * 15.0)
        x = _x(t, duration_s)
        label = f"{int(t) // 60}:{int(t) % 60:02d}"
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" text-anchor="middle">{label}</text>')
    if times_s:
        band = [(_x(t, duration_s), _y(u)) for t, u in zip(times_s, upper, strict=True)]
        band += [(_x(t, duration_s), _y(v)) for t, v in reversed(list(zip(times_s, lower, strict=True)))]
        parts.append(f'<path d="{_path(band)} Z" fill="#2b6cb0" fill-opacity="0.18" stroke="none"/>')
        steps: list[tuple[float, float]] = []
        for i, (t, s) in enumerate(zip(times_s, survival, strict=True)):
            if i:
                steps.append((_x(t, duration_s), steps[-1][1]))  # Kaplan–Meier curves are steps
            steps.append((_x(t, duration_s), _y(s)))
        parts.append(f'<path d="{_path(steps)}" fill="none" stroke="#2b6cb0" stroke-width="2"/>')
    caption = "seconds into the episode"
    parts.append(f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT - 6}" font-size="11" text-anchor="middle">{caption}</text>')
    parts.append("</svg>")
    return "".join(parts)


def funnel_svg(labels: Sequence[str], shares: Sequence[float], naive: Sequence[float] | None = None) -> str:
    """Bars: of the viewers who started episode 1, the share estimated to reach each episode."""
    n = max(1, len(labels))
    bar_w = (WIDTH - LEFT - RIGHT) / n
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart">']
    parts += _grid((0.0, 0.5, 1.0))
    for i, (label, share) in enumerate(zip(labels, shares, strict=True)):
        x = LEFT + i * bar_w + bar_w * 0.15
        y = _y(share)
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.7:.1f}" height="{HEIGHT - BOTTOM - y:.1f}" '
            f'fill="#2b6cb0"><title>{escape(label)}: {share:.1%}</title></rect>'
        )
        if naive is not None:
            ny = _y(naive[i])
            parts.append(
                f'<line x1="{x:.1f}" x2="{x + bar_w * 0.7:.1f}" y1="{ny:.1f}" y2="{ny:.1f}" '
                f'stroke="#c53030" stroke-width="2"><title>naive: {naive[i]:.1%}</title></line>'
            )
        parts.append(
            f'<text x="{x + bar_w * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _grid(shares: Sequence[float]) -> list[str]:
    """Horizontal rules with their percentage labels."""
    out = []
    for share in shares:
        y = _y(share)
        rule = f'x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"'
        out.append(f'<line {rule} stroke="#ccc" stroke-width=".5"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{share:.0%}</text>')
    return out


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"
