"""The parts the report PDFs share (reportlab): the audit report (`report_pdf`) and the
credit office's report (`feedback.city_report_pdf`) look alike through them.

Styles, paragraphs, section headings and tables; chart labels in mixed fonts (the Chinese
font has no Latin glyphs, so a chart's own single-font labels will not do), legends and the
bar chart of measures stacked by feedback state; the band of key figures; the audit witness
under the title; and the document with its page templates, running header and footer.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table

from desktop_app import APP_NAME, __version__
from desktop_app.services.audit.report_files import local_time_text, period_text
from desktop_app.services.audit.witness import Witness
from desktop_app.services.pdf_common import (
    COMPACT_PADDING,
    INK,
    MUTED,
    RED,
    RULE,
    NumberedCanvas,
    PageFrame,
    PdfBytes,
    base_styles,
    grid_table,
    paragraph,
    section,
    table_style,
)
from desktop_app.services.pdf_text import CJK_FONT, LATIN_FONT, runs

# One colour per feedback state (applied, not applicable, referred, pending).
STATE_COLORS = {
    "applied": colors.HexColor("#2E7D32"),
    "not_applicable": colors.HexColor("#9E9E9E"),
    "referred": colors.HexColor("#1565C0"),
    "pending": colors.HexColor("#E0A526"),
}

MARGIN = 16 * mm
TOP = 22 * mm
BOTTOM = 18 * mm
# Paragraphs collapse ideographic spaces; no-break spaces keep a visible gap.
GAP = "\u00a0" * 4


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    found = base_styles(cell_size=8)
    base = found["body"]
    return {
        **found,
        "num": ParagraphStyle("num", parent=found["cell"], alignment=TA_RIGHT),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, textColor=RED
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=9.5, leading=14, alignment=TA_CENTER, textColor=MUTED
        ),
        "figure": ParagraphStyle(
            "figure", parent=base, fontSize=18, leading=22, alignment=TA_CENTER, textColor=RED
        ),
        "figure_label": ParagraphStyle(
            "figure_label",
            parent=base,
            fontSize=8.5,
            leading=12,
            alignment=TA_CENTER,
            textColor=MUTED,
        ),
        "sign": ParagraphStyle("sign", parent=base, fontSize=10, leading=20),
        "witness": ParagraphStyle(
            "witness", parent=base, fontSize=7.5, leading=11, alignment=TA_CENTER, textColor=MUTED
        ),
    }


def p(text: object, style: str = "cell") -> Paragraph:
    return paragraph(text, styles()[style])


def heading(title: str, keep: float = 35 * mm) -> list[Flowable]:
    """A section heading kept with at least `keep` of what follows."""
    return section(title, styles()["section"], keep=keep)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    numeric: Sequence[int] = (),
) -> Table:
    """A grid with a shaded header repeated on every page; `numeric` columns align right."""
    body = [
        [p(value, "num" if column in numeric else "cell") for column, value in enumerate(row)]
        for row in rows
    ]
    head = [p(text, "head") for text in header]
    return grid_table(head, body, widths, padding=COMPACT_PADDING, split_in_row=True)


def figures(cells: Sequence[tuple[str, Any]], width: float) -> Table:
    """The band of key figures under the title: each value large, its name below."""
    band = Table(
        [
            [p(value, "figure") for _, value in cells],
            [p(name, "figure_label") for name, _ in cells],
        ],
        colWidths=[width / len(cells)] * len(cells),
    )
    band.setStyle(
        table_style(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LINEAFTER", (0, 0), (-2, -1), 0.4, RULE),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FAF8F5")),
                ("TOPPADDING", (0, 0), (-1, 0), 8),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
            ]
        )
    )
    return band


def label(x: float, y: float, text: str, size: float, anchor: str = "start") -> Group:
    """A chart label in mixed fonts (one String per run), anchored like a String."""
    pieces = runs(text)
    width = sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in pieces)
    if anchor == "end":
        x -= width
    elif anchor == "middle":
        x -= width / 2
    group = Group()
    for font, chunk in pieces:
        group.add(String(x, y, chunk, fontName=font, fontSize=size, fillColor=INK))
        x += pdfmetrics.stringWidth(chunk, font, size)
    return group


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def legend(
    drawing: Drawing, x: float, y: float, items: Sequence[tuple[str, Any]], step: float
) -> None:
    """Colour swatches with their names, left to right, `step` apart."""
    for name, color in items:
        drawing.add(Rect(x, y, 7, 7, fillColor=color, strokeColor=None))
        drawing.add(label(x + 10, y + 1, name, 7.5))
        x += step


def stacked_bars(
    drawing: Drawing,
    rows: Sequence[Mapping[str, Any]],
    name_key: str,
    *,
    x: float,
    y: float,
    width: float,
    height: float,
    group_spacing: float,
) -> HorizontalBarChart:
    """Horizontal bars of the measures of each row (the first on top), stacked by feedback
    state in `STATE_COLORS`, each named by `row[name_key]` on its left."""
    chart = HorizontalBarChart()
    chart.x, chart.y = x, y
    chart.width, chart.height = width, height
    # The chart draws the first row at the bottom.
    ordered = list(reversed(rows))
    chart.data = [[row[state] for row in ordered] for state in STATE_COLORS]
    chart.categoryAxis.style = "stacked"
    # No axis labels: they would be set in one font; ours are mixed-font below.
    chart.categoryAxis.visibleLabels = False
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True
    chart.valueAxis.labels.fontName = LATIN_FONT
    chart.valueAxis.labels.fontSize = 7
    chart.barSpacing = 2
    chart.groupSpacing = group_spacing
    for index, color in enumerate(STATE_COLORS.values()):
        chart.bars[index].fillColor = color
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    step = chart.height / len(ordered)
    for index, row in enumerate(ordered):
        row_y = chart.y + step * index + step / 2 - 3
        drawing.add(label(chart.x - 3, row_y, shorten(row[name_key], 14), 7, "end"))
    return chart


def witness_of(report: Mapping[str, Any]) -> Witness | None:
    data = report.get("audit_witness")
    return Witness.from_dict(data) if data else None


def witness_line(report: Mapping[str, Any]) -> list[Flowable]:
    """The audit witness under the title: a report on file proves where the log stood."""
    witness = witness_of(report)
    if witness is None:
        return []
    return [p(f"审计见证：{witness.visible_text()}", "witness")]


def made_by(report: Mapping[str, Any]) -> Paragraph:
    """Who made the report and when, under the title."""
    generated = report["generated_by"]
    return p(
        f"制表人：{generated['display_name']}（{generated['name']}）{GAP}"
        f"制表时间：{local_time_text(report['generated_at'])}",
        "subtitle",
    )


def page_template(template_id: str, pagesize: tuple[float, float]) -> PageTemplate:
    """A page of `pagesize` with one frame inside the report margins."""
    width, height = pagesize
    return PageTemplate(
        id=template_id,
        pagesize=pagesize,
        frames=[Frame(MARGIN, BOTTOM, width - 2 * MARGIN, height - TOP - BOTTOM)],
    )


def document(
    out: PdfBytes, pagesize: tuple[float, float], *, title: str, author: str, subject: str
) -> BaseDocTemplate:
    return BaseDocTemplate(
        out,
        pagesize=pagesize,
        title=title,
        author=author,
        subject=subject,
        creator=f"{APP_NAME} {__version__}",
        # Otherwise every page names Helvetica, a font that is not embedded.
        initialFontName=CJK_FONT,
    )


def build(
    doc: BaseDocTemplate,
    story: list[Flowable],
    report: Mapping[str, Any],
    *,
    title: str,
    unit: str,
) -> None:
    """Lay out `story` with page numbers and a running header (the app and `title`, the
    period) and footer (when it was made, `unit`); the report's audit witness also goes into
    the document information."""
    frame = PageFrame(
        top_left=f"{APP_NAME} · {title}",
        top_right=f"统计期间 {period_text(report)}",
        bottom_left=f"制表时间 {local_time_text(report['generated_at'])}",
        bottom_right=unit,
    )
    witness = witness_of(report)
    doc.build(
        story,
        canvasmaker=functools.partial(
            NumberedCanvas,
            frame=frame,
            margin=MARGIN,
            info_keys=witness.pdf_info() if witness else None,
        ),
    )
