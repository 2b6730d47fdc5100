"""The clinic's logo: a PNG checked by its signature and size, or an SVG made safe to print.

An SVG is a program as much as a picture: it can hold scripts, event handlers, HTML
(``foreignObject``) and references that make a browser or WeasyPrint fetch another file or
address. So an uploaded SVG is parsed with defusedxml (no DTD, no entities) and rebuilt from an
allow-list of drawing elements and attributes. Anything that could run or reach outside is
refused with a message saying what was found, so the admin knows why; harmless extras that
drawing programs add (Inkscape's own attributes, metadata) are left out of the stored copy.
"""
from __future__ import annotations

import re
import struct
# Only builds the clean copy: every parse goes through defusedxml below.
import xml.etree.ElementTree as ET  # nosec B405
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BYTES = 200 * 1024
MAX_SIDE = 2000  # pixels, for a PNG
MAX_ELEMENTS = 2000
PNG = "image/png"
SVG = "image/svg+xml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ELEMENTS = frozenset({
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
    "title", "desc", "defs", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "use",
    "symbol", "style"})
ATTRIBUTES = frozenset({
    "id", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry",
    "fx", "fy", "d", "points", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width",
    "stroke-opacity", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
    "stroke-dashoffset", "opacity", "transform", "offset", "stop-color", "stop-opacity",
    "gradientUnits", "gradientTransform", "spreadMethod", "clipPathUnits", "maskUnits",
    "maskContentUnits", "clip-path", "clip-rule", "mask", "font-family", "font-size", "font-weight",
    "font-style", "text-anchor", "dominant-baseline", "letter-spacing", "dx", "dy",
    "preserveAspectRatio", "version", "style", "href", "role", "aria-label", "type", "display",
    "visibility"})
# Never allowed, in any namespace: refused outright rather than dropped.
FORBIDDEN_ELEMENTS = {"script": "a script", "foreignObject": "embedded HTML (foreignObject)",
                      "iframe": "an embedded page", "image": "a linked or embedded picture",
                      "feImage": "a linked or embedded picture", "animate": "an animation",
                      "set": "an animation", "animateTransform": "an animation", "a": "a link"}
_URL = re.compile(r"url\s*\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)


class LogoRefused(ValueError):
    """The file cannot be used as the logo; the message says why, for the field."""


@dataclass(frozen=True)
class Logo:
    media_type: str
    data: bytes


def _local_name(name: str) -> tuple[str | None, str]:
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return None, name


def check_png(data: bytes) -> Logo:
    """A PNG by its signature, a first IHDR chunk and sensible dimensions, ending in IEND."""
    if len(data) < 33 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise LogoRefused("This file is not a PNG picture. Choose a PNG or SVG file.")
    width, height = struct.unpack(">II", data[16:24])
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise LogoRefused(f"The picture is {width} × {height} pixels. "
                          f"Use one at most {MAX_SIDE} pixels wide and high.")
    if not data.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"):
        raise LogoRefused("This PNG file is cut short or damaged. Save it again and upload it.")
    return Logo(PNG, data)


def _check_references(value: str, where: str) -> None:
    """Only references inside the drawing (``#id``) may stay: anything else could fetch."""
    if "@import" in value.lower():
        raise LogoRefused(f"The SVG loads a style sheet from elsewhere ({where}). Remove it and upload again.")
    for _quote, target in _URL.findall(value):
        if not target.strip().startswith("#"):
            raise LogoRefused(f"The SVG refers to a file or web address ({where}). "
                              "A logo must hold everything it draws.")


def _clean(element: ET.Element, counter: list[int]) -> ET.Element | None:
    counter[0] += 1
    if counter[0] > MAX_ELEMENTS:
        raise LogoRefused(f"The SVG has more than {MAX_ELEMENTS} parts. Simplify it or use a PNG.")
    namespace, tag = _local_name(element.tag)
    if tag in FORBIDDEN_ELEMENTS:
        raise LogoRefused(f"The SVG contains {FORBIDDEN_ELEMENTS[tag]}, which a logo may not hold.")
    if namespace != SVG_NS or tag not in ELEMENTS:
        return None  # metadata and drawing programs' own elements: left out
    clean = ET.Element(f"{{{SVG_NS}}}{tag}")
    for name, value in element.attrib.items():
        attr_ns, attr = _local_name(name)
        if attr.lower().startswith("on"):
            raise LogoRefused(f"The SVG has an event handler ({attr}), which could run a script.")
        if attr == "href" and attr_ns in (None, XLINK_NS):
            if not value.strip().startswith("#"):
                raise LogoRefused("The SVG links to a file or web address (href). "
                                  "A logo must hold everything it draws.")
            clean.set(f"{{{XLINK_NS}}}href" if attr_ns else "href", value)
            continue
        if attr_ns == XML_NS and attr == "space":
            clean.set(name, value)
            continue
        if attr_ns is not None or attr not in ATTRIBUTES:
            continue
        _check_references(value, attr)
        clean.set(attr, value)
    if tag == "style" and element.text:
        _check_references(element.text, "a style element")
    clean.text = element.text if tag in ("text", "tspan", "title", "desc", "style") else None
    for child in element:
        kept = _clean(child, counter)
        if kept is not None:
            kept.tail = child.tail if tag in ("text", "tspan") else None
            clean.append(kept)
    return clean


def sanitise_svg(data: bytes) -> Logo:
    """The SVG rebuilt from the allow-list, or LogoRefused saying what it held."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise LogoRefused("The SVG declares a DTD or entities, which can read other files. "
                          "Save it as plain SVG and upload again.") from None
    except ET.ParseError:
        raise LogoRefused("This file is not a readable SVG drawing. Choose a PNG or SVG file.") from None
    if _local_name(root.tag) != (SVG_NS, "svg"):
        raise LogoRefused("This file is not an SVG drawing. Choose a PNG or SVG file.")
    clean = _clean(root, [0])
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return Logo(SVG, ET.tostring(clean, encoding="utf-8", xml_declaration=False))


def check_logo(data: bytes) -> Logo:
    """The uploaded file as a logo that is safe to show and print, or LogoRefused."""
    if len(data) > MAX_BYTES:
        raise LogoRefused(f"The file is {len(data) // 1024} kB. Use a logo of at most {MAX_BYTES // 1024} kB.")
    if not data:
        raise LogoRefused("The file is empty. Choose a PNG or SVG file.")
    if data.startswith(PNG_SIGNATURE):
        return check_png(data)
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype", b"<!--")):
        return sanitise_svg(data)
    raise LogoRefused("Choose a PNG or SVG file for the logo.")
