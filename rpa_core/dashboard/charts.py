"""Server-rendered SVG charts: bars and stacked bars, no browser or JavaScript needed.

Each column is one ``<g class="mark">`` (a night, a run, a reason) holding its bars, with a ``<title>`` that a
browser shows on hover; the chart has a visible caption, and a ``<title>`` and ``aria-label`` for screen readers.
The axis runs from 0 to a round number (1, 2 or 5 times a power of ten). Labels are escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

_DEFAULT_COLOUR = "#0b5cad"
_LEFT, _BOTTOM, _TOP = 56, 34, 22


def _nice(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (the axis' top)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _axis(width: int, height: int, top_value: float, unit: str) -> list[str]:
    base = height - _BOTTOM
    parts = [f'<line x1="{_LEFT}" y1="{base}" x2="{width - 4}" y2="{base}" stroke="#9aa5b1"/>']
    fractions = (0.0, 1.0) if top_value < 2 else (0.0, 0.5, 1.0)  # no half cases on an axis of counts up to 1
    for fraction in fractions:
        y = base - (base - _TOP) * fraction
        label = f"{top_value * fraction:g}{unit}"
        if fraction:
            parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{width - 4}" y2="{y:.1f}" stroke="#e3e8ee"/>')
        parts.append(f'<text x="{_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{escape(label)}</text>')
    return parts


def stacked_bars(
    columns: Sequence[tuple[str, dict[str, float]]],
    series: Sequence[str],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    unit: str = "",
    colours: dict[str, str] | None = None,
    legend: bool = True,
) -> Markup:
    """One stacked bar per column (label, {series: value}), the series stacked in the order given."""
    colours = colours or {}
    totals = [sum(values.get(name, 0) for name in series) for _, values in columns]
    top = _nice(max(totals, default=0))
    base = height - _BOTTOM
    step = (width - _LEFT - 8) / max(len(columns), 1)
    bar = min(max(step * 0.7, 1), 36)  # one run is not a wall of colour
    parts = [
        f'<figure class="chart-figure"><figcaption>{escape(title)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        *_axis(width, height, top, unit),
    ]
    every = max(1, len(columns) // 10)
    for index, (label, values) in enumerate(columns):
        x = _LEFT + index * step + (step - bar) / 2
        y = base
        hover = ", ".join(f"{name}: {values.get(name, 0):g}" for name in series if values.get(name))
        parts.append(
            f'<g class="mark" data-label="{escape(label)}"><title>{escape(label)}: {escape(hover or "0")}</title>'
        )
        for name in series:
            value = values.get(name, 0)
            if value <= 0:
                continue
            h = (base - _TOP) * value / top
            y -= h
            colour = colours.get(name, _DEFAULT_COLOUR)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}"/>')
        parts.append("</g>")
        if index % every == 0 or index == len(columns) - 1:
            middle = x + bar / 2
            text = escape(label)
            parts.append(f'<text x="{middle:.1f}" y="{base + 14}" text-anchor="middle" font-size="10">{text}</text>')
    legend_x = _LEFT
    for name in series if legend else ():
        colour = colours.get(name, _DEFAULT_COLOUR)
        parts.append(f'<rect x="{legend_x}" y="4" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="13" font-size="10">{escape(name)}</text>')
        legend_x += 14 + 7 * len(name) + 12
    parts.append("</svg></figure>")
    return Markup("".join(parts))


def bars(
    values: Sequence[tuple[str, float]], *, title: str, width: int = 640, height: int = 220, unit: str = ""
) -> Markup:
    """One bar per (label, value)."""
    columns = [(label, {"value": value}) for label, value in values]
    colours = {"value": _DEFAULT_COLOUR}
    return stacked_bars(
        columns, ["value"], title=title, width=width, height=height, unit=unit, colours=colours, legend=False
    )
