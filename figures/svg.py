"""Charts as plain SVG strings, drawn on the server (no script, no CDN), readable by screen readers.

Each chart carries ``<title>`` and ``<desc>`` referenced by ``aria-labelledby``, and writes every value as
text beside its mark, so the chart still says everything when printed in black and white.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# A presentation attribute, not style="": a CSP without 'unsafe-inline' (the admin's) would block the latter.
FONT = 'font-family="system-ui,sans-serif"'


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    text: str  # what is written after the bar, e.g. "47 (35 %)"


def _frame(ident: str, title: str, desc: str, width: int, height: int, body: list[str]) -> str:
    ident = escape(ident, quote=True)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" aria-labelledby="{ident}-t {ident}-d" {FONT}>',
            f'<title id="{ident}-t">{escape(title)}</title>',
            f'<desc id="{ident}-d">{escape(desc)}</desc>',
            *body,
            "</svg>",
        ]
    )


def hbars(
    ident: str,
    title: str,
    bars: Sequence[Bar],
    *,
    width: int = 640,
    label_width: int = 220,
    row: int = 26,
    color: str = "#1d5c8c",
) -> str:
    """Horizontal bars, largest scale = longest bar; an empty list draws a frame saying "aucune donnée"."""
    desc = "; ".join(f"{b.label} : {b.text}" for b in bars) or "Aucune donnée pour cette période."
    if not bars:
        body = [f'<text x="0" y="20" font-size="14" fill="#555">{escape("Aucune donnée pour cette période.")}</text>']
        return _frame(ident, title, desc, width, 32, body)
    top = max(b.value for b in bars) or 1
    track = width - label_width - 110
    body = []
    for i, b in enumerate(bars):
        y = i * row
        w = max(0.0, b.value) / top * track
        body += [
            f'<text x="{label_width - 8}" y="{y + row * 0.65:.1f}" font-size="13" text-anchor="end" '
            f'fill="#222">{escape(_clip(b.label, 30))}</text>',
            f'<rect x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{color}" rx="2"/>',
            f'<text x="{label_width + w + 6:.1f}" y="{y + row * 0.65:.1f}" font-size="13" '
            f'fill="#222">{escape(b.text)}</text>',
        ]
    return _frame(ident, title, desc, width, row * len(bars) + 4, body)


def line(
    ident: str,
    title: str,
    points: Sequence[tuple[str, float]],
    *,
    width: int = 640,
    height: int = 220,
    color: str = "#e07a1f",
) -> str:
    """A line over labelled steps (months), each point with its value written above it."""
    desc = "; ".join(f"{label} : {value:g}" for label, value in points) or "Aucune donnée pour cette période."
    if not points:
        body = [f'<text x="0" y="20" font-size="14" fill="#555">{escape("Aucune donnée pour cette période.")}</text>']
        return _frame(ident, title, desc, width, 32, body)
    left, right, top_pad, bottom = 20, 20, 24, 36
    top = max(v for _, v in points) or 1
    step = (width - left - right) / max(1, len(points) - 1)
    plot_h = height - top_pad - bottom
    xy = [
        (left + (i * step if len(points) > 1 else (width - left - right) / 2), top_pad + plot_h * (1 - v / top))
        for i, (_, v) in enumerate(points)
    ]
    base = top_pad + plot_h
    body = [f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#999" stroke-width="1"/>']
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(xy))
    body.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')
    for (label, value), (x, y) in zip(points, xy, strict=True):
        body += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>',
            f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="12" text-anchor="middle" fill="#222">{value:g}</text>',
            f'<text x="{x:.1f}" y="{base + 18}" font-size="12" text-anchor="middle" fill="#444">{escape(label)}</text>',
        ]
    return _frame(ident, title, desc, width, height, body)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
