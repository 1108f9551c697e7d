"""Rendering the pages: the Jinja2 environment (autoescaped: scripts are user content) and small chart helpers.

Charts that need no interaction are drawn here as inline SVG from numbers only (a sparkline, the
funnel from `dramaline.audience.charts`); the retention curve under the player is drawn in the
browser by uPlot from the same numbers the API returns.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from dramaline.audience.charts import funnel_svg
from dramaline.studio.auth import Principal, identify, local_mode
from dramaline.studio.context import Studio
from dramaline.studio.summaries import FunnelRow
from dramaline.studio.users import Role

__all__ = ["funnel_chart", "page", "pct", "sparkline", "templates"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def pct(value: float | None, digits: int = 0) -> str:
    """A share as a percentage, or an en dash when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}%}"


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = max(0, round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def sparkline(values: Sequence[float | None], width: int = 120, height: int = 24) -> Markup:
    """A small line of per-episode shares (0-1); gaps where an episode has no data."""
    points = [(i, v) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    if len(points) < 2:
        return Markup('<span class="muted">–</span>')
    n = max(1, len(values) - 1)
    coords = " ".join(f"{i * (width - 2) / n + 1:.1f},{(1 - v) * (height - 2) + 1:.1f}" for i, v in points)
    label = ", ".join(f"ep {i + 1}: {v:.0%}" for i, v in points[:60])
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">'
        f"<title>completion by episode: {label}</title>"
        f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{coords}"/></svg>'
    )


def funnel_chart(rows: Sequence[FunnelRow]) -> Markup:
    """The series funnel: the share of episode 1's starters reaching each episode (censored), naive marks."""
    if not rows:
        return Markup("")
    labels = ["ep 1"] + [f"ep {r.episode + 1}" for r in rows]
    reach = [1.0] + [r.reach for r in rows]
    naive, product = [1.0], 1.0
    for r in rows:
        product *= r.naive if r.naive is not None else 0.0
        naive.append(product)
    return Markup(funnel_svg(labels, reach, naive))  # labels are made here from numbers; the SVG escapes them


templates.env.globals.update(pct=pct, clock=clock, sparkline=sparkline, funnel_chart=funnel_chart)


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render template `name` with the request's principal, role checks and CSRF token available."""
    studio: Studio = request.app.state.studio
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        try:
            principal = identify(studio, request)
        except Exception:  # the error page must render even when the database cannot be read
            principal = None

    def can(role: str) -> bool:
        return principal is not None and principal.can(Role(role))

    full = {
        "principal": principal,
        "can": can,
        "csrf": getattr(request.state, "csrf", ""),
        "local_mode": _local(studio),
        "made_at": time.time(),  # live job lists ask for the changes from this moment on
        **context,
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def _local(studio: Studio) -> bool:
    try:
        return local_mode(studio)
    except Exception:
        return False
