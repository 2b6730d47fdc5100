"""The link as a QR code, drawn here (segno, pure Python) as inline SVG: no outside service
ever sees the link, and the page needs no image request."""
from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str, title: str) -> Markup:
    """An SVG the patient's phone camera reads; ``title`` is its text alternative."""
    code = segno.make(text, error="m")
    svg = code.svg_inline(scale=5, border=4, title=title, svgclass="qr-code", lineclass=None,
                          dark="#000", light="#fff")
    # Safe to mark up: segno drew it from our own link (as path geometry) and escaped the title.
    # role="img" makes the <title> the accessible name.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # nosec B704
