"""Bar charts drawn by the app as inline SVG: no script, no outside file, read out by their text.

Each chart is an image (role="img") named by its <title> and described by a <desc> that holds
every number, so a screen reader (and a PDF) gets the same figures as the eye. Every bar has
the same colour: no bar is singled out.
"""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

WIDTH, LABEL_WIDTH, ROW, BAR = 640, 250, 34, 20
# Markup.format escapes every value put into these, so a label can never become markup.
HEAD = Markup('<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" '
              'width="{w}" height="{h}" aria-labelledby="{id}-title {id}-desc">'
              '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}.</desc>')
ROW_PARTS = Markup('<text class="chart-label" x="{label_x}" y="{text_y}" text-anchor="end">{label}</text>'
                   '<rect class="chart-track" x="{x}" y="{y}" width="{plot}" height="{bar}"/>'
                   '<rect class="chart-bar" x="{x}" y="{y}" width="{length}" height="{bar}"/>'
                   '<text class="chart-value" x="{value_x}" y="{text_y}">{words}</text>')


def bar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, float, str]], *, scale_max: float) -> Markup:
    """``bars``: (label, value, value as words) in the order given (never re-sorted)."""
    plot = WIDTH - LABEL_WIDTH - 140
    desc = "; ".join(f"{label}: {words}" for label, _, words in bars)
    parts = [HEAD.format(w=WIDTH, h=ROW * len(bars) + 10, id=chart_id, title=title, desc=desc)]
    for index, (label, value, words) in enumerate(bars):
        y = 5 + index * ROW
        length = 0 if not scale_max else round(plot * max(0.0, min(value, scale_max)) / scale_max)
        parts.append(ROW_PARTS.format(label_x=LABEL_WIDTH - 8, text_y=y + 15, label=label, x=LABEL_WIDTH, y=y,
                                      plot=plot, bar=BAR, length=length, value_x=LABEL_WIDTH + plot + 8,
                                      words=words))
    return Markup("").join([*parts, Markup("</svg>")])
