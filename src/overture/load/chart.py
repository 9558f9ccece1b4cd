"""The run as a self-contained HTML page: two inline SVG charts (orders a second offered and placed;
capture latency p50 and p95 a second) and the report's lines. No script, no CDN: it opens offline
and can be attached to an issue as it is."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from overture.load.report import LoadReport, Second, lines

WIDTH, HEIGHT, PAD = 720, 220, 40
_STYLE = "body{font:14px system-ui,sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}svg{background:#fff}"


def _polyline(points: Sequence[tuple[float, float | None]], top: float, colour: str, label: str) -> str:
    """One series scaled into the plot (x: seconds, y: 0..top); gaps where a second has no value."""
    last_x = max((x for x, _ in points), default=1.0) or 1.0
    coords = [
        f"{PAD + x / last_x * (WIDTH - 2 * PAD):.1f},{HEIGHT - PAD - y / top * (HEIGHT - 2 * PAD):.1f}"
        for x, y in points
        if y is not None
    ]
    return (
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(coords)}">'
        f"<title>{html.escape(label)}</title></polyline>"
    )


def _chart(title: str, unit: str, series: Sequence[tuple[str, str, list[tuple[float, float | None]]]]) -> str:
    top = max((y for _, _, points in series for _, y in points if y is not None), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img">',
        f"<title>{html.escape(title)}</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>',
        f'<text x="{PAD}" y="{PAD - 8}" font-size="12">{top:,.1f} {html.escape(unit)}</text>',
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 12}" font-size="12" text-anchor="end">seconds</text>',
    ]
    for n, (label, colour, points) in enumerate(series):
        parts.append(_polyline(points, top, colour, label))
        parts.append(f'<text x="{PAD + 10 + n * 160}" y="{HEIGHT - 12}" font-size="12" fill="{colour}">{label}</text>')
    parts.append("</svg>")
    return f"<h2>{html.escape(title)}</h2>" + "".join(parts)


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1000


def render(report: LoadReport) -> str:
    seconds: list[Second] = report.seconds
    rate = _chart(
        "Orders a second",
        "/s",
        [
            ("offered", "#888", [(s.at, float(s.offered)) for s in seconds]),
            ("placed (201)", "#1a7f37", [(s.at, float(s.placed)) for s in seconds]),
        ],
    )
    latency = _chart(
        "Capture latency",
        "ms",
        [
            ("p50", "#0969da", [(s.at, _ms(s.p50_s)) for s in seconds]),
            ("p95", "#cf222e", [(s.at, _ms(s.p95_s)) for s in seconds]),
        ],
    )
    text = html.escape("\n".join(lines(report)))
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>overture load</title><style>{_STYLE}</style>'
        f"</head><body><h1>overture load</h1><pre>{text}</pre>{rate}{latency}</body></html>\n"
    )


def write_html(report: LoadReport, path: Path) -> None:
    path.write_text(render(report), encoding="utf-8")
