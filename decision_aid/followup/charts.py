"""Bar charts drawn by the app as inline SVG: no script, no outside file, read out by their text.

Each chart is an image (role="img") named by its <title> and described by a <desc> that holds
every number, so a screen reader (and a PDF) gets the same figures as the eye. Every bar has
the same colour: no bar is singled out.
"""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, LABEL_WIDTH, ROW, BAR = 640, 250, 34, 20


def bar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, float, str]], *, scale_max: float) -> Markup:
    """``bars``: (label, value, value as words) in the order given (never re-sorted)."""
    plot = WIDTH - LABEL_WIDTH - 140
    height = ROW * len(bars) + 10
    desc = "; ".join(f"{label}: {words}" for label, _, words in bars)
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
             f'width="{WIDTH}" height="{height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(desc)}.</desc>']
    for index, (label, value, words) in enumerate(bars):
        y = 5 + index * ROW
        length = 0 if not scale_max else round(plot * max(0.0, min(value, scale_max)) / scale_max)
        parts += [f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>',
                  f'<rect class="chart-track" x="{LABEL_WIDTH}" y="{y}" width="{plot}" height="{BAR}"/>',
                  f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR}"/>',
                  f'<text class="chart-value" x="{LABEL_WIDTH + plot + 8}" y="{y + 15}">{escape(words)}</text>']
    parts.append("</svg>")
    return Markup("".join(parts))
