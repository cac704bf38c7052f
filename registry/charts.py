"""Small server-rendered SVG charts: no JavaScript, no external assets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

WIDTH, HEIGHT, PAD = 560, 160, 32


def score_history_svg(points: Sequence[tuple[datetime, int]]) -> str:
    """A line of openness scores (0 to 100) over time, with a text summary for screen readers."""
    if not points:
        return ""
    first, last = points[0][0], points[-1][0]
    span = (last - first).total_seconds() or 1.0

    def x(moment: datetime) -> float:
        if len(points) == 1:
            return WIDTH / 2
        return PAD + (WIDTH - 2 * PAD) * (moment - first).total_seconds() / span

    def y(score: int) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * score / 100

    summary = "; ".join(f"{m:%Y-%m-%d}: {s}" for m, s in points)
    line = " ".join(f"{x(m):.1f},{y(s):.1f}" for m, s in points)
    dots = "".join(
        f'<circle cx="{x(m):.1f}" cy="{y(s):.1f}" r="3"><title>{m:%Y-%m-%d %H:%M}: {s}</title>'
        "</circle>"
        for m, s in points
    )
    grid = "".join(
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
        f'<text x="{PAD - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>'
        for v in (0, 50, 100)
    )
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Openness score over time: {escape(summary)}">'
        f"<title>Openness score over time</title>{grid}"
        f'<polyline points="{line}" fill="none"/>{dots}'
        f'<text x="{PAD}" y="{HEIGHT - 8}">{first:%Y-%m-%d}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end">{last:%Y-%m-%d}</text>'
        "</svg>"
    )
