"""The clinic's logo: a PNG checked by its signature and size, an SVG rebuilt from an allow-list
that refuses whatever could run a script or reach outside the file. No database needed."""
import struct
import zlib

import pytest

from decision_aid.clinic_details.logo import MAX_BYTES, PNG, SVG, LogoRefused, check_logo


def png(width: int = 4, height: int = 2) -> bytes:
    """A real PNG (white pixels), built by hand so the test needs no picture library."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\0" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


CLEAN_SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 120 40" width="120" height="40"
     inkscape:version="1.3">
  <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#1d3f6e"/></linearGradient></defs>
  <rect x="0" y="0" width="40" height="40" fill="url(#g)" inkscape:label="box"/>
  <use xlink:href="#g"/>
  <text x="45" y="26" font-size="14">Knee Clinic</text>
</svg>"""


def test_a_clean_svg_is_kept_without_the_drawing_programs_extras():
    logo = check_logo(CLEAN_SVG)
    assert logo.media_type == SVG
    assert b"Knee Clinic" in logo.data and b"url(#g)" in logo.data and b'href="#g"' in logo.data
    assert b"inkscape" not in logo.data and b"metadata" not in logo.data and b"rdf" not in logo.data


def test_a_png_is_checked_by_its_signature_and_dimensions():
    assert check_logo(png()).media_type == PNG
    with pytest.raises(LogoRefused, match="at most 2000 pixels"):
        check_logo(png(width=2001, height=1))
    with pytest.raises(LogoRefused, match="cut short or damaged"):
        check_logo(png()[:-12])
    with pytest.raises(LogoRefused, match="not a PNG"):
        check_logo(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)


def svg(body: str, attrs: str = "") -> bytes:
    return f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" {attrs}>{body}</svg>'.encode()


REFUSED = {
    "script": (svg("<script>alert(1)</script>"), "a script"),
    "script in another namespace": (svg('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'),
                                    "a script"),
    "onload": (svg("<rect width='1' height='1'/>", 'onload="alert(1)"'), "event handler"),
    "onclick on a shape": (svg("<rect width='1' height='1' onclick='alert(1)'/>"), "event handler"),
    "foreignObject": (svg("<foreignObject><p xmlns='http://www.w3.org/1999/xhtml'>hi</p></foreignObject>"),
                      "foreignObject"),
    "external href": (svg('<use href="https://evil.example/x.svg#a"/>'), "links to a file or web address"),
    "external xlink:href": (svg('<use xlink:href="file:///etc/passwd"/>'), "links to a file or web address"),
    "url() to a file": (svg("<rect width='1' height='1' fill='url(https://evil.example/p.svg#g)'/>"),
                        "refers to a file or web address"),
    "url() in a style": (svg("<rect width='1' height='1' style=\"fill: url('//evil.example/a')\"/>"),
                         "refers to a file or web address"),
    "@import": (svg("<style>@import 'https://evil.example/a.css';</style>"), "style sheet from elsewhere"),
    "an image element": (svg('<image href="data:image/png;base64,AAAA" width="1" height="1"/>'), "picture"),
    "external entity": (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>', "DTD or entities"),
    "a DTD": (b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
              b'<svg xmlns="http://www.w3.org/2000/svg"/>', "DTD or entities"),
    "billion laughs": (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                       b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>', "DTD or entities"),
    "oversized": (svg("<!--" + "x" * MAX_BYTES + "-->"), "at most 200 kB"),
    "not svg": (b"<html><body>hi</body></html>", "PNG or SVG"),
    "xml but not svg": (b'<?xml version="1.0"?><note/>', "not an SVG"),
    "broken xml": (b"<svg xmlns='http://www.w3.org/2000/svg'><rect>", "not a readable SVG"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_an_unsafe_or_unusable_logo_is_refused_saying_why(name):
    data, why = REFUSED[name]
    with pytest.raises(LogoRefused, match=why):
        check_logo(data)
