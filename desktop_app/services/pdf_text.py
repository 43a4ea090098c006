"""Chinese and Latin text in reportlab PDFs, both with embedded fonts.

The bundled Chinese font (`paths.cjk_font_path()`, DroidSansFallbackFull) has no Latin
letters or digits at all: on its own, every number, ID and record hash would print as blank
space. Text is therefore split into runs: characters the Chinese font lacks are set in
Bitstream Vera Sans (`resources/fonts/Vera.ttf`, the font reportlab itself ships; licence
beside it). Use `markup` for Paragraph text and `draw_text` for strings drawn on the canvas.
"""

from __future__ import annotations

import functools
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from desktop_app import paths

CJK_FONT = "XyhcCJK"
LATIN_FONT = "XyhcLatin"


def latin_font_path() -> str:
    """Bitstream Vera Sans, for the Latin letters, digits and signs of every PDF."""
    return str(paths.fonts_dir() / "Vera.ttf")


@functools.cache
def register_fonts() -> None:
    """Register both fonts once per process (parsing the 4 MB Chinese font takes a moment)."""
    pdfmetrics.registerFont(TTFont(CJK_FONT, str(paths.cjk_font_path())))
    pdfmetrics.registerFont(TTFont(LATIN_FONT, latin_font_path()))


@functools.cache
def _cjk_characters() -> frozenset[int]:
    register_fonts()
    return frozenset(pdfmetrics.getFont(CJK_FONT).face.charToGlyph)


def runs(text: str) -> list[tuple[str, str]]:
    """Split text into (font name, text) runs: Latin runs where the Chinese font has no glyph."""
    covered = _cjk_characters()
    out: list[tuple[str, str]] = []
    for char in text:
        # Spaces exist in both fonts: keep them in the current run.
        font = CJK_FONT if ord(char) in covered else LATIN_FONT
        if char == " " and out:
            font = out[-1][0]
        if out and out[-1][0] == font:
            out[-1] = (font, out[-1][1] + char)
        else:
            out.append((font, char))
    return out


def markup(text: object) -> str:
    """Paragraph markup for plain text: escaped, Latin runs in the Latin font, newlines kept."""
    parts = []
    for font, chunk in runs(str(text)):
        escaped = escape(chunk).replace("\n", "<br/>")
        parts.append(escaped if font == CJK_FONT else f'<font name="{LATIN_FONT}">{escaped}</font>')
    return "".join(parts)


def text_width(text: str, size: float) -> float:
    """The printed width of mixed text at `size` points."""
    return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in runs(text))


def draw_text(
    canvas: Canvas, x: float, y: float, text: str, size: float, align: str = "left"
) -> None:
    """Draw one line of mixed text on the canvas; `align` is left, center or right of x."""
    if align == "right":
        x -= text_width(text, size)
    elif align == "center":
        x -= text_width(text, size) / 2
    for font, chunk in runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, font, size)
