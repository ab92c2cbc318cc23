"""The text of a PDF that fpdf2 wrote without compression, read back for assertions.

fpdf2 writes a Unicode font's text as glyph numbers (two bytes each) and maps them back to
characters in the font's ToUnicode CMap; this reads both, nothing more (no PDF library)."""

from __future__ import annotations

import re
import zlib

_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_TRIPLE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _cmap(pdf: bytes) -> dict[int, str]:
    glyphs: dict[int, str] = {}
    for block in _BFCHAR.findall(pdf):
        for glyph, text in _PAIR.findall(block):
            glyphs[int(glyph, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in _BFRANGE.findall(pdf):
        for first, last, start in _TRIPLE.findall(block):
            for offset in range(int(last, 16) - int(first, 16) + 1):
                glyphs[int(first, 16) + offset] = chr(int(start, 16) + offset)
    return glyphs


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    index = 0
    while index < len(raw):
        byte = raw[index : index + 1]
        if byte == b"\\":
            following = raw[index + 1 : index + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[index + 1 : index + 4])
            if octal:
                out.append(int(octal.group(), 8))
                index += 1 + len(octal.group())
                continue
            out += _ESCAPES.get(following, following)
            index += 2
            continue
        out += byte
        index += 1
    return bytes(out)


_STREAM = re.compile(rb"(<<(?:(?!>>).)*>>)\s*stream\r?\n(.*?)endstream", re.S)


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams written out (fpdf2 compresses by default)."""

    def inflate(match: re.Match[bytes]) -> bytes:
        if b"/FlateDecode" not in match.group(1):
            return match.group(0)
        try:
            return match.group(1) + b"\nstream\n" + zlib.decompress(match.group(2)) + b"\nendstream"
        except zlib.error:
            return match.group(0)

    return _STREAM.sub(inflate, pdf)


_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_FONT_RESOURCE = re.compile(rb"/(F\d+) (\d+) 0 R")
_TO_UNICODE = re.compile(rb"/ToUnicode (\d+) 0 R")
_OPERATION = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj|\bET\b", re.S)


def pdf_text(pdf: bytes) -> str:
    """Every shown string, one a line, each decoded through its font's CMap."""
    objects = {int(number): body for number, body in _OBJECT.findall(_inflated(pdf))}
    cmaps = {
        number: _cmap(objects[int(match.group(1))])
        for number, body in objects.items()
        if (match := _TO_UNICODE.search(body))
    }
    fonts = {
        name.decode(): cmaps.get(int(number), {})
        for name, number in _FONT_RESOURCE.findall(b"".join(objects.values()))
    }
    lines = []
    line = ""
    glyphs: dict[int, str] = {}
    for body in objects.values():
        for match in _OPERATION.finditer(body):
            if match.group(1):
                glyphs = fonts.get(match.group(1).decode(), {})
            elif match.group(2) is not None:
                data = _unescape(match.group(2))
                line += "".join(
                    glyphs.get(int.from_bytes(data[i : i + 2], "big"), "?")
                    for i in range(0, len(data), 2)
                )
            elif line:  # the end of a text object (ET): one line, its strings joined
                lines.append(line)
                line = ""
    return "\n".join(lines)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))
