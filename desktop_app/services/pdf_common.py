"""What the two printed documents share: the check record and the audit report.

One palette (the red of official letterheads for titles and rules, greys elsewhere), one
byte sink for reportlab, one canvas that prints the running header and "第 x 页 / 共 y 页"
once the page count is known, the base paragraph styles, and the grid tables with a shaded
header row that repeats on every page. Text goes through `pdf_text` (embedded fonts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFInfo, PDFString
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table, TableStyle

from desktop_app.services.pdf_text import CJK_FONT, draw_text, markup

RED = colors.HexColor("#A4161A")
INK = colors.HexColor("#1F1F1F")
MUTED = colors.HexColor("#666666")
RULE = colors.HexColor("#9A9A9A")
HEADER_FILL = colors.HexColor("#EDE7E0")
LABEL_FILL = colors.HexColor("#F5F2EE")


class PdfBytes:
    """A write-only byte sink for reportlab (avoids a temporary file)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes | str) -> None:
        self._parts.append(data.encode("latin-1") if isinstance(data, str) else data)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


@dataclass(frozen=True)
class PageFrame:
    """The running texts of every page: header left/right, footer left/right (the page
    number goes in the middle of the footer)."""

    top_left: str
    top_right: str
    bottom_left: str
    bottom_right: str


class _InfoWithKeys(PDFInfo):
    """reportlab's document information plus custom keys (record number, audit witness)."""

    def __init__(self, base: PDFInfo, keys: dict[str, str]) -> None:
        super().__init__()
        self.__dict__.update(base.__dict__)
        self._custom = keys

    def format(self, document: Any) -> bytes:
        formatted = super().format(document)
        extra = b"".join(
            b"/" + key.encode("ascii") + b" " + PDFString(value).format(document) + b" "
            for key, value in self._custom.items()
        )
        # Insert the custom keys just before the dictionary's closing ">>".
        end = formatted.rindex(b">>")
        return formatted[:end] + extra + formatted[end:]


class NumberedCanvas(Canvas):
    """Defers page output so that every page can say "第 x 页 / 共 y 页", and draws the
    running header (with a red rule) and footer of `frame` on each. `info_keys` are added to
    the document information dictionary (names without the leading slash)."""

    def __init__(
        self,
        *args: Any,
        frame: PageFrame,
        margin: float,
        info_keys: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._frame = frame
        self._margin = margin
        self._pages: list[dict[str, Any]] = []
        if info_keys:
            self._doc.info = _InfoWithKeys(self._doc.info, info_keys)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_frame(number, total)
            super().showPage()
        super().save()

    def _draw_frame(self, number: int, total: int) -> None:
        page_width, page_height = self._pagesize
        left, right = self._margin, page_width - self._margin
        top, bottom = page_height - 12 * mm, 10 * mm
        frame = self._frame
        self.saveState()
        self.setFillColor(MUTED)
        draw_text(self, left, top, frame.top_left, 8)
        draw_text(self, right, top, frame.top_right, 8, align="right")
        self.setStrokeColor(RED)
        self.setLineWidth(0.6)
        self.line(left, top - 2.5 * mm, right, top - 2.5 * mm)
        self.setStrokeColor(RULE)
        self.setLineWidth(0.4)
        self.line(left, bottom + 4 * mm, right, bottom + 4 * mm)
        draw_text(self, left, bottom, frame.bottom_left, 8)
        draw_text(self, page_width / 2, bottom, f"第 {number} 页 / 共 {total} 页", 8, "center")
        draw_text(self, right, bottom, frame.bottom_right, 8, align="right")
        self.restoreState()


def base_styles(cell_size: float) -> dict[str, ParagraphStyle]:
    """The styles both documents use; `cell_size` is the size of table text."""
    body = ParagraphStyle(
        "body", fontName=CJK_FONT, fontSize=9.5, leading=14, textColor=INK, wordWrap="CJK"
    )
    cell_leading = cell_size + 3.5
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=cell_size, leading=cell_leading),
        "head": ParagraphStyle(
            "head", parent=body, fontSize=cell_size, leading=cell_leading, alignment=TA_CENTER
        ),
        "section": ParagraphStyle(
            "section", parent=body, fontSize=12, leading=16, spaceBefore=9, spaceAfter=4
        ),
    }


def paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: list data may contain < or &)."""
    return Paragraph(markup("" if text is None else text), style)


def section(title: str, style: ParagraphStyle, keep: float = 30 * mm) -> list[Flowable]:
    """A section heading that is never left alone at the bottom of a page."""
    return [CondPageBreak(keep), paragraph(title, style)]


def table_style(commands: Sequence[tuple[Any, ...]]) -> TableStyle:
    """A table style with the embedded font as the table's default: the cell text is in
    Paragraphs, but the table would otherwise name Helvetica, which is not embedded."""
    return TableStyle([("FONT", (0, 0), (-1, -1), CJK_FONT), *commands])


# Cell padding in points: (left and right, top, bottom).
RECORD_PADDING = (4.0, 3.0, 4.0)
COMPACT_PADDING = (3.0, 2.5, 2.5)


def grid_commands(padding: tuple[float, float, float] = RECORD_PADDING) -> list[tuple[Any, ...]]:
    """Thin grey grid lines, text at the top of its cell, `padding` around it."""
    side, top, bottom = padding
    return [
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), side),
        ("RIGHTPADDING", (0, 0), (-1, -1), side),
        ("TOPPADDING", (0, 0), (-1, -1), top),
        ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
    ]


def grid_table(
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    padding: tuple[float, float, float] = RECORD_PADDING,
    split_in_row: bool = False,
) -> Table:
    """A grid whose shaded header row (flowables) repeats on every page it spans.

    `split_in_row` lets a row taller than the space left break across pages.
    """
    table = Table(
        [list(header), *(list(row) for row in rows)],
        colWidths=list(widths),
        repeatRows=1,
        splitByRow=1,
        splitInRow=1 if split_in_row else 0,
        hAlign="LEFT",
    )
    table.setStyle(
        table_style(
            [
                *grid_commands(padding),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
            ]
        )
    )
    return table
