"""Which glyphs a PDF draws, per embedded font: glyph 0 is the missing-glyph box."""
import io
import re

from pypdf import PdfReader


def _cmap_codes(cmap: bytes) -> dict[int, int]:
    """code -> CID from a CMap stream's cidchar and cidrange entries (WeasyPrint's own encoding)."""
    text = cmap.decode("latin-1")
    codes = {}
    for block in re.findall(r"begincidchar(.*?)endcidchar", text, re.S):
        codes.update((int(code, 16), int(cid)) for code, cid in re.findall(r"<([0-9a-fA-F]+)>\s+(\d+)", block))
    for block in re.findall(r"begincidrange(.*?)endcidrange", text, re.S):
        for low, high, cid in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s+(\d+)", block):
            codes.update((code, int(cid) + code - int(low, 16)) for code in range(int(low, 16), int(high, 16) + 1))
    return codes


def glyphs_drawn(pdf: bytes) -> dict[str, set[int]]:
    """Every glyph id drawn, per embedded font, decoded as a viewer does: the 2-byte codes of each
    text-showing operator, through the font's Encoding (Identity-H, or a CMap of its own) to a CID,
    then through CIDToGIDMap to the glyph. Glyph 0 is .notdef: the missing-glyph box."""
    from pypdf.generic import ContentStream
    reader = PdfReader(io.BytesIO(pdf))
    drawn: dict[str, set[int]] = {}
    for page in reader.pages:
        decoders = {}
        for name, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            encoding = font["/Encoding"]
            codes = None if encoding == "/Identity-H" else _cmap_codes(encoding.get_object().get_data())
            to_gid = font["/DescendantFonts"][0].get_object()["/CIDToGIDMap"]
            gids = None if to_gid == "/Identity" else to_gid.get_object().get_data()
            decoders[name] = (font["/BaseFont"].split("+")[-1], codes, gids)
        font = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                font = decoders[operands[0]]
            elif operator in (b"Tj", b"TJ"):
                for part in operands[0] if operator == b"TJ" else [operands[0]]:
                    if isinstance(part, (int, float)):
                        continue
                    raw = part.original_bytes
                    base, codes, gids = font
                    for i in range(0, len(raw), 2):
                        code = int.from_bytes(raw[i:i + 2], "big")
                        cid = code if codes is None else codes.get(code, 0)
                        gid = cid if gids is None else int.from_bytes(gids[2 * cid:2 * cid + 2], "big")
                        drawn.setdefault(base, set()).add(gid)
    return drawn
