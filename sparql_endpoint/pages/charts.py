"""Bar charts drawn on the server as SVG: no script, readable at any width.

A chart is a picture of a table shown beside it; screen readers get the chart's title
(the table holds the figures), everyone else a scalable drawing.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
TOP, BOTTOM, SIDE = 24, 28, 8
#: The text size on a phone, in the drawing's units (site.css): the chart is drawn about
#: 360 px wide there, so 24 units read as 13 px, never under 12.
PHONE_TEXT = 24
#: A character's width as a share of the text size, taken wide (digits and spaces).
CHARACTER = 0.6


def _every(bars: list[tuple[str, float, str]], step: float) -> int:
    """Label one bar in how many, so the phone's larger labels never overlap."""
    widest = max(len(text) for label, _, written in bars for text in (label, written))
    return max(1, math.ceil((widest * CHARACTER * PHONE_TEXT + 6) / step))


def bar_chart(bars: list[tuple[str, float, str]], title: str, chart_id: str) -> Markup:
    """Draw ``(label, value, value as written)`` bars under ``title``; empty for no bars."""
    if not bars:
        return Markup("")
    highest = max(value for _, value, _ in bars) or 1
    step = (WIDTH - 2 * SIDE) / len(bars)
    bar_width = max(step * 0.7, 2)
    room = HEIGHT - TOP - BOTTOM
    every = _every(bars, step)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<line class="axis" x1="{SIDE}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - SIDE}" '
        f'y2="{HEIGHT - BOTTOM}"/>',
    ]
    for index, (label, value, written) in enumerate(bars):
        height = room * value / highest
        x = SIDE + index * step + (step - bar_width) / 2
        y = HEIGHT - BOTTOM - height
        middle = x + bar_width / 2
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" '
                     f'height="{height:.1f}"/>')
        # The last bar keeps its labels, and one in ``every`` before it: "minor" ones
        # are hidden on a phone.
        minor = " minor" if (len(bars) - 1 - index) % every else ""
        parts.append(f'<text class="value{minor}" x="{middle:.1f}" y="{y - 6:.1f}" '
                     f'text-anchor="middle">{escape(written)}</text>')
        parts.append(f'<text class="label{minor}" x="{middle:.1f}" y="{HEIGHT - 8}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
