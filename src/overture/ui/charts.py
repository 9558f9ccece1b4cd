"""Inline SVG charts drawn on the server from the figures: no chart library, no JavaScript.

Each chart has a <title> and <desc> for screen readers, labelled axes, and a data table fallback
is left to the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
HEIGHT = 220
LEFT = 48
BOTTOM = 40
TOP = 16
RIGHT = 12
# A non-zero value is drawn at least this tall, else a 3 beside a 3,000 is a bar nobody can see.
MIN_BAR_PX = 3.0


@dataclass(frozen=True, slots=True)
class Chart:
    svg: str
    empty: bool


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 < value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return value


def _frame(title: str, desc: str, x_label: str, y_label: str, top: float, body: str, chart_id: str) -> str:
    plot_h = HEIGHT - TOP - BOTTOM
    grid = []
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        value = top * i / 4
        label = f"{value:g}" if value < 1000 else f"{value / 1000:g}k"
        grid.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{label}</text>'
        )
    return (
        f'<svg id="{chart_id}" data-testid="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(grid)
        + body
        + f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 4}" class="axis" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text x="12" y="{(TOP + HEIGHT - BOTTOM) / 2}" class="axis" text-anchor="middle" '
        f'transform="rotate(-90 12 {(TOP + HEIGHT - BOTTOM) / 2})">{escape(y_label)}</text></svg>'
    )


def bar_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    chart_id: str,
    label_every: int = 1,
    links: Sequence[str] | None = None,
) -> Chart:
    """Vertical bars, one per (label, value); every ``label_every``-th label is written under its bar.
    ``links``: one address per bar (the filtered list it counts), each bar a link a keyboard can reach."""
    top = _nice_max(max((v for _, v in points), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(points))
    bars = []
    for i, (label, value) in enumerate(points):
        h = max(plot_h * value / top, MIN_BAR_PX) if value > 0 else 0.0
        x = LEFT + i * slot + slot * 0.1
        y = TOP + plot_h - h
        bar = (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(slot * 0.8, MIN_BAR_PX):.1f}" height="{h:.1f}" class="bar" '
            f'data-value="{value:g}"><title>{escape(label)}: {value:,g}</title></rect>'
        )
        if links is not None:
            # SVG 2 ``href``; an <a> in SVG is focusable and follows on Enter like any link.
            bar = f'<a href="{escape(links[i])}" aria-label="{escape(label)}: {value:,g}">{bar}</a>'
        bars.append(bar)
        if i % label_every == 0:
            bars.append(
                f'<text x="{x + slot * 0.4:.1f}" y="{TOP + plot_h + 14}" class="tick" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    total = sum(v for _, v in points)
    desc = f"{len(points)} bars, total {total:g}, highest {max((v for _, v in points), default=0):g}"
    return Chart(_frame(title, desc, x_label, y_label, top, "".join(bars), chart_id), total == 0)


def line_chart(
    points: Sequence[tuple[str, float]], *, title: str, x_label: str, y_label: str, chart_id: str, label_every: int = 1
) -> Chart:
    """A polyline through (label, value) points with a marker on each."""
    top = _nice_max(max((v for _, v in points), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(points) - 1)
    coords = [(LEFT + i * step, TOP + plot_h - plot_h * v / top) for i, (_, v) in enumerate(points)]
    parts = [f'<polyline class="line" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}"/>']
    for i, ((label, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="dot"><title>{escape(label)}: {value:g}</title></circle>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" class="tick" text-anchor="middle">{escape(label)}</text>'
            )
    total = sum(v for _, v in points)
    desc = f"{len(points)} points, total {total:g}"
    return Chart(_frame(title, desc, x_label, y_label, top, "".join(parts), chart_id), total == 0)
