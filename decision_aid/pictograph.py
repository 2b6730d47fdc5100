"""Icon arrays: 100 small figures, some filled, for a chance like "About 60 out of 100 people".

Filled figures differ from the others by shape (solid against outline) as well as colour, and
the SVG's <title> carries the same sentence as the visible caption: screen readers and tagged
PDFs read the numbers, not the picture. Every option's array uses the same colours.
"""
from __future__ import annotations

from flask_babel import gettext
from markupsafe import Markup

COLUMNS = 10
CELL = 12  # user units per figure
FILLED = "#1d3f6e"
EMPTY_STROKE = "#6b7280"


def N_(message: str) -> str:
    """Marks a message for the catalog (pybabel's N_ keyword); gettext translates it when used."""
    return message


_SENTENCES = {
    "About": N_("About %(count)s out of %(out_of)s %(unit)s %(event)s %(time_frame)s"),
    "Up to": N_("Up to %(count)s out of %(out_of)s %(unit)s %(event)s %(time_frame)s"),
    "Fewer than": N_("Fewer than %(count)s out of %(out_of)s %(unit)s %(event)s %(time_frame)s"),
    "Exactly": N_("%(count)s out of %(out_of)s %(unit)s %(event)s %(time_frame)s"),
}


def _figure(x: float, y: float) -> str:
    """Path data for one figure: a round head (two arcs) and a rounded body."""
    r, cx, cy = 2.0, x + CELL / 2, y + 2.6
    head = f"M{cx - r:.1f} {cy:.1f}a{r} {r} 0 1 0 {2 * r} 0a{r} {r} 0 1 0 {-2 * r} 0z"
    body = f"M{cx - 3.2:.1f} {y + 11.6:.1f}v-3.2a3.2 3.2 0 0 1 6.4 0v3.2z"
    return head + body


def chance_sentence(count: int, out_of: int, event: str, time_frame: str,
                    qualifier: str = "About", unit: str = "people") -> str:
    """The words that go with an icon array; also its text alternative.

    ``unit`` is what was counted: "people", or "injections" where a study counted each
    injection ("About 2 out of 100 injections ...")."""
    # One whole sentence per qualifier, so a translation may order its words freely. Outside a
    # request (content checks, benchmarks) gettext returns the English.
    pattern = _SENTENCES.get(qualifier, _SENTENCES["About"])
    sentence = " ".join(gettext(pattern, count=count, out_of=out_of, unit=unit, event=event,
                                time_frame=time_frame).split())
    return sentence[0].upper() + sentence[1:] + "."


def _size(out_of: int) -> tuple[int, int]:
    return COLUMNS * CELL, -(-out_of // COLUMNS) * CELL


def icon_array(count: int, out_of: int, title: str, element_id: str) -> Markup:
    """An inline SVG of ``out_of`` figures with ``count`` filled, read first row first."""
    if not 0 <= count <= out_of:
        raise ValueError(f"count {count} must be between 0 and {out_of}")
    width, height = _size(out_of)
    # One path for the filled figures and one for the others: a handful of SVG elements
    # instead of hundreds keeps pages light and PDF rendering fast.
    cells = [((i % COLUMNS) * CELL, (i // COLUMNS) * CELL) for i in range(out_of)]
    filled = "".join(_figure(x, y) for x, y in cells[:count])
    empty = "".join(_figure(x, y) for x, y in cells[count:])
    figures = Markup("")
    if filled:
        figures += Markup('<path class="filled" d="{}" fill="{}"/>').format(filled, FILLED)
    if empty:
        figures += Markup('<path class="empty" d="{}" fill="#ffffff" stroke="{}" stroke-width="0.8"/>').format(
            empty, EMPTY_STROKE)
    # Markup.format escapes every value, the title above all (it comes from the content).
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="icon-array" id="{id}" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{title}</title>'
        '{figures}</svg>').format(id=element_id, w=width, h=height, title=title, figures=figures)


def no_number_panel(out_of: int, title: str, element_id: str) -> Markup:
    """An empty framed box exactly the size of an icon array of ``out_of`` figures.

    Drawn where no number can honestly be given, so that every option in a row of chances has a
    picture of the same size: a filled array never stands beside a small box of text. It holds
    no figures (it must not read as "0 out of 100"); its caption says why there is no number.
    """
    width, height = _size(out_of)
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="icon-array no-number-panel" id="{id}" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-title">'
        '<title id="{id}-title">{title}</title>'
        '<rect x="1" y="1" width="{iw}" height="{ih}" rx="4" fill="#f3f4f6" stroke="{stroke}" '
        'stroke-width="1" stroke-dasharray="4 3"/></svg>').format(
            id=element_id, w=width, h=height, iw=width - 2, ih=height - 2, title=title,
            stroke=EMPTY_STROKE)
