"""Icon arrays: 100 small figures, some filled, for a chance like "About 60 out of 100 people".

Filled figures differ from the others by shape (solid against outline) as well as colour, and
the SVG's <title> carries the same sentence as the visible caption: screen readers and tagged
PDFs read the numbers, not the picture. Every option's array uses the same colours.
"""
from __future__ import annotations

from markupsafe import Markup, escape

COLUMNS = 10
CELL = 12  # user units per figure
FILLED = "#1d3f6e"
EMPTY_STROKE = "#6b7280"


def _figure(x: float, y: float, filled: bool) -> str:
    head_r, cx = 2.2, x + CELL / 2
    body = (f"M{cx - 3.2:.1f} {y + 11:.1f} v-3.6 a3.2 3.2 0 0 1 6.4 0 v3.6 z")
    if filled:
        style = f'fill="{FILLED}"'
    else:
        style = f'fill="#ffffff" stroke="{EMPTY_STROKE}" stroke-width="0.8"'
    return (f'<circle cx="{cx:.1f}" cy="{y + 3.4:.1f}" r="{head_r}" {style}/>'
            f'<path d="{body}" {style}/>')


def chance_sentence(count: int, out_of: int, event: str, time_frame: str,
                    qualifier: str = "About") -> str:
    """The words that go with an icon array; also its text alternative."""
    lead = "" if qualifier == "Exactly" else f"{qualifier} "
    sentence = f"{lead}{count} out of {out_of} people {event} {time_frame}".strip()
    return sentence[0].upper() + sentence[1:] + "."


def icon_array(count: int, out_of: int, title: str, element_id: str) -> Markup:
    """An inline SVG of ``out_of`` figures with ``count`` filled, read first row first."""
    if not 0 <= count <= out_of:
        raise ValueError(f"count {count} must be between 0 and {out_of}")
    rows = -(-out_of // COLUMNS)
    width, height = COLUMNS * CELL, rows * CELL
    figures = "".join(
        _figure((i % COLUMNS) * CELL, (i // COLUMNS) * CELL, i < count) for i in range(out_of))
    title_id = f"{element_id}-title"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="icon-array" id="{escape(element_id)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{escape(title_id)}"><title id="{escape(title_id)}">{escape(title)}</title>'
        f"{figures}</svg>")
