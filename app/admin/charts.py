"""Sparklines drawn on the server as inline SVG: no script, readable by screen readers through their label."""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 150, 36, 3


def sparkline(values, label: str, *, target: float | None = None, ceiling: float | None = None) -> Markup:
    """An SVG line of ``values`` (None for a day without data) with an optional dashed target line."""
    known = [v for v in values if v is not None]
    top = max([*known, target or 0, ceiling or 0, 1e-9]) if ceiling is None else ceiling
    step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * min(value, top) / top, 1)

    runs, run = [], []
    for i, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(f"{round(PAD + i * step, 1)},{y(value)}")
    if run:
        runs.append(run)
    parts = [f'<svg class="sparkline" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
             f'role="img" aria-label="{escape(label)}">']
    if target is not None:
        parts.append(f'<line class="sparkline-target" x1="0" x2="{WIDTH}" y1="{y(target)}" y2="{y(target)}"/>')
    for points in runs:
        if len(points) == 1:
            x, py = points[0].split(",")
            parts.append(f'<circle class="sparkline-line" cx="{x}" cy="{py}" r="1.5"/>')
        else:
            parts.append(f'<polyline class="sparkline-line" points="{" ".join(points)}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
