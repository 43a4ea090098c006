"""The audit report as a PDF (reportlab): the summary in A4 portrait, the 结果反馈表 landscape.

Text goes through `pdf_text` (the Chinese font has no Latin glyphs: digits and record numbers
are set in the embedded Latin font), including the chart labels, which are drawn as mixed-font
strings rather than with the chart's own single-font labels.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)

from desktop_app import APP_NAME, __version__
from desktop_app.services.audit.audit_report import (
    FEEDBACK_STATES,
    FEEDBACK_TITLE,
    TITLE,
    scope_text,
    state_key,
    state_text,
)
from desktop_app.services.audit.report_files import local_time_text, period_text
from desktop_app.services.audit.witness import Witness
from desktop_app.services.pdf_common import (
    COMPACT_PADDING,
    HEADER_FILL,
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
from desktop_app.services.pdf_text import (
    CJK_FONT,
    LATIN_FONT,
    register_fonts,
    runs,
)

# One colour per feedback state (applied, not applicable, referred, pending) and per outcome.
STATE_COLORS = {
    "applied": colors.HexColor("#2E7D32"),
    "not_applicable": colors.HexColor("#9E9E9E"),
    "referred": colors.HexColor("#1565C0"),
    "pending": colors.HexColor("#E0A526"),
}
OUTCOME_COLORS = (RED, colors.HexColor("#E0A526"), colors.HexColor("#5B8C5A"))

MARGIN = 16 * mm
TOP = 22 * mm
BOTTOM = 18 * mm
# Paragraphs collapse ideographic spaces; no-break spaces keep a visible gap.
GAP = "\u00a0" * 4
# How many categories the bar chart shows; the table lists them all.
CHART_CATEGORIES = 8


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    styles = base_styles(cell_size=8)
    base = styles["body"]
    return {
        **styles,
        "num": ParagraphStyle("num", parent=styles["cell"], alignment=TA_RIGHT),
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


def _p(text: object, style: str = "cell") -> Paragraph:
    return paragraph(text, _styles()[style])


def _section(title: str) -> list[Flowable]:
    return section(title, _styles()["section"], keep=35 * mm)


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    numeric: Sequence[int] = (),
) -> Table:
    """A grid with a shaded header repeated on every page; `numeric` columns align right."""
    body = [
        [_p(value, "num" if column in numeric else "cell") for column, value in enumerate(row)]
        for row in rows
    ]
    head = [_p(text, "head") for text in header]
    return grid_table(head, body, widths, padding=COMPACT_PADDING, split_in_row=True)


def _empty_note(text: str) -> Paragraph:
    return _p(text, "small")


def _label(x: float, y: float, text: str, size: float, anchor: str = "start") -> Group:
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


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chart(report: Mapping[str, Any], width: float) -> Drawing:
    """Left: measures per category of subject, stacked by feedback state. Right: check outcomes."""
    height = 78 * mm
    drawing = Drawing(width, height)
    # The drawing's default font would otherwise be Helvetica (not embedded).
    drawing.initialFontName = LATIN_FONT
    bar_width = width * 0.64
    categories = report["by_category"][:CHART_CATEGORIES]
    drawing.add(_label(0, height - 10, "各类失信主体的应实施措施及反馈（项次）", 9))
    if categories and any(c["measures"] for c in categories):
        chart = HorizontalBarChart()
        chart.x, chart.y = 62 * mm, 14 * mm
        chart.width, chart.height = bar_width - chart.x, height - 34 * mm
        states = [state_key(s) for s in FEEDBACK_STATES]
        # Top category first: the chart draws the first category at the bottom.
        ordered = list(reversed(categories))
        chart.data = [[c[state] for c in ordered] for state in states]
        chart.categoryAxis.style = "stacked"
        # No axis labels: they would be set in one font; ours are mixed-font below.
        chart.categoryAxis.visibleLabels = False
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labels.fontName = LATIN_FONT
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.forceZero = True
        chart.barSpacing = 2
        chart.groupSpacing = 6
        for index, state in enumerate(states):
            chart.bars[index].fillColor = STATE_COLORS[state]
            chart.bars[index].strokeColor = None
        drawing.add(chart)
        step = chart.height / len(ordered)
        for index, category in enumerate(ordered):
            y = chart.y + step * index + step / 2 - 3
            drawing.add(_label(chart.x - 3, y, _shorten(category["category"], 14), 7, "end"))
        x = chart.x
        for state in states:
            drawing.add(Rect(x, 2 * mm, 7, 7, fillColor=STATE_COLORS[state], strokeColor=None))
            label = state_text(None if state == "pending" else state)
            drawing.add(_label(x + 10, 2 * mm + 1, label, 7.5))
            x += 22 * mm
    else:
        drawing.add(_label(0, height / 2, "本期没有应实施的措施。", 9))

    totals = report["totals"]
    outcomes = [
        ("发现失信记录", totals["hits"]),
        ("疑似匹配", totals["possible"]),
        ("未发现", totals["not_listed"]),
    ]
    left = bar_width + 6 * mm
    drawing.add(_label(left, height - 10, "核查结果构成（次）", 9))
    if totals["checks"]:
        pie = Pie()
        size = min(width - left - 4 * mm, 40 * mm)
        pie.x, pie.y = left + 4 * mm, 26 * mm
        pie.width = pie.height = size
        shown = [
            (name, count, color)
            for (name, count), color in zip(outcomes, OUTCOME_COLORS, strict=True)
            if count
        ]
        pie.data = [count for _, count, _ in shown]
        pie.labels = None
        pie.slices.strokeColor = colors.white
        pie.slices.strokeWidth = 1
        for index, (_, _, color) in enumerate(shown):
            pie.slices[index].fillColor = color
        drawing.add(pie)
        y = 18 * mm
        for (name, count), color in zip(outcomes, OUTCOME_COLORS, strict=True):
            drawing.add(Rect(left + 4 * mm, y, 7, 7, fillColor=color, strokeColor=None))
            drawing.add(_label(left + 4 * mm + 10, y + 1, f"{name} {count}", 7.5))
            y -= 5 * mm
    else:
        drawing.add(_label(left, height / 2, "本期没有核查。", 9))
    return drawing


def _figures(report: Mapping[str, Any], width: float) -> Table:
    totals = report["totals"]
    cells = [
        ("核查次数", totals["checks"]),
        ("发现失信记录", totals["hits"]),
        ("命中率", totals["hit_rate_text"]),
        ("应实施措施（项次）", totals["measures"]),
    ]
    table = Table(
        [
            [_p(value, "figure") for _, value in cells],
            [_p(name, "figure_label") for name, _ in cells],
        ],
        colWidths=[width / len(cells)] * len(cells),
    )
    table.setStyle(
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
    return table


def _summary_story(report: Mapping[str, Any], width: float) -> list[Flowable]:
    totals = report["totals"]
    feedback = totals["feedback"]
    generated = report["generated_by"]
    story: list[Flowable] = [
        _p(TITLE, "title"),
        _p(f"统计期间：{period_text(report)}{GAP}统计范围：{scope_text(report)}", "subtitle"),
        _p(
            f"制表人：{generated['display_name']}（{generated['name']}）{GAP}"
            f"制表时间：{local_time_text(report['generated_at'])}",
            "subtitle",
        ),
        *_witness_line(report),
        Spacer(1, 6 * mm),
        *_section("一、总体情况"),
        _figures(report, width),
        Spacer(1, 3 * mm),
        _p(
            f"本期共核查 {totals['checks']} 次，其中发现失信记录 {totals['hits']} 次，"
            f"疑似匹配待核实 {totals['possible']} 次，未发现失信记录 {totals['not_listed']} 次。"
            f"应实施联合惩戒措施 {totals['measures']} 项次："
            + "，".join(
                f"{state_text(state)} {feedback[state_key(state)]} 项次"
                for state in FEEDBACK_STATES
            )
            + "。",
            "body",
        ),
        *_section("二、图表"),
        _chart(report, width),
        *_section("三、按联合惩戒对象统计"),
    ]
    states = [state_key(s) for s in FEEDBACK_STATES]
    state_headers = [state_text(s) for s in FEEDBACK_STATES]
    if report["by_category"]:
        story.append(
            _table(
                ["联合惩戒对象", "命中", "应实施措施", *state_headers],
                [
                    [c["category"], c["hits"], c["measures"], *(c[s] for s in states)]
                    for c in report["by_category"]
                ],
                [width - 6 * 17 * mm, *[17 * mm] * 6],
                numeric=range(1, 7),
            )
        )
    else:
        story.append(_empty_note("本期没有命中。"))
    story += _section("四、按措施统计")
    if report["by_measure"]:
        story.append(
            _table(
                ["措施", "联合惩戒对象", "展示", *state_headers],
                [
                    [
                        f"{m['label'] or ''}{m['text']}\n（{m['id']}）",
                        m["category"],
                        m["shown"],
                        *(m[s] for s in states),
                    ]
                    for m in report["by_measure"]
                ],
                [width - 36 * mm - 5 * 13 * mm, 36 * mm, *[13 * mm] * 5],
                numeric=range(2, 7),
            )
        )
    else:
        story.append(_empty_note("本期没有应实施的措施。"))
    story += _section("五、按核查人员统计")
    if report["by_user"]:
        story.append(
            _table(
                ["核查人", "用户名", "核查次数", "发现失信记录", "已实施措施"],
                [
                    [u["display_name"], u["user"], u["checks"], u["listed"], u["applied"]]
                    for u in report["by_user"]
                ],
                [width - 4 * 30 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm],
                numeric=(2, 3, 4),
            )
        )
    else:
        story.append(_empty_note("本期没有核查。"))
    story += _section("六、核查清单")
    if report["checks"]:
        story.append(
            _table(
                [
                    "记录编号",
                    "核查时间",
                    "核查人",
                    "查询内容",
                    "主体",
                    "结果",
                    "措施",
                    "已实施",
                    "待反馈",
                ],
                [
                    [
                        f"{c['record_number']}（第{c['version']}版）",
                        local_time_text(c["checked_at"]),
                        c["display_name"],
                        c["query"],
                        c["subject"],
                        c["status_text"],
                        c["measures"],
                        c["applied"],
                        c["pending"],
                    ]
                    for c in report["checks"]
                ],
                [
                    width - 20 * mm - 16 * mm - 34 * mm - 20 * mm - 18 * mm - 3 * 11 * mm,
                    20 * mm,
                    16 * mm,
                    34 * mm,
                    20 * mm,
                    18 * mm,
                    11 * mm,
                    11 * mm,
                    11 * mm,
                ],
                numeric=(6, 7, 8),
            )
        )
    else:
        story.append(_empty_note("本期没有核查。"))
    return story


def _witness(report: Mapping[str, Any]) -> Witness | None:
    data = report.get("audit_witness")
    return Witness.from_dict(data) if data else None


def _witness_line(report: Mapping[str, Any]) -> list[Flowable]:
    """The audit witness under the title: a report on file proves where the log stood."""
    witness = _witness(report)
    if witness is None:
        return []
    return [_p(f"审计见证：{witness.visible_text()}", "witness")]


def _feedback_story(report: Mapping[str, Any], width: float) -> list[Flowable]:
    generated = report["generated_by"]
    head = Table(
        [
            [
                _p("报送单位", "head"),
                _p(report["unit"]),
                _p("统计期间", "head"),
                _p(period_text(report)),
            ],
            [
                _p("填报人", "head"),
                _p(generated["display_name"]),
                _p("填报日期", "head"),
                _p(report["generated_at"][:10]),
            ],
        ],
        colWidths=[24 * mm, width / 2 - 24 * mm, 24 * mm, width / 2 - 24 * mm],
    )
    head.setStyle(
        table_style(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, RULE),
                ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL),
                ("BACKGROUND", (2, 0), (2, -1), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story: list[Flowable] = [
        _p(FEEDBACK_TITLE, "title"),
        Spacer(1, 3 * mm),
        head,
        Spacer(1, 4 * mm),
    ]
    rows = report["feedback"]
    if rows:
        fixed = [8, 36, 20, 18, 34, 20, 28, 14, 22, 14]
        widths = [value * mm for value in fixed]
        measure_width = width - sum(widths)
        widths.insert(6, measure_width)
        story.append(
            _table(
                [
                    "序号",
                    "记录编号",
                    "核查日期",
                    "主体名称",
                    "证件号码",
                    "联合惩戒对象",
                    "措施",
                    "实施依据",
                    "实施结果",
                    "理由/备注",
                    "反馈人",
                ],
                [
                    [
                        index,
                        r["record_number"],
                        local_time_text(r["checked_at"])[:10],
                        r["subject"],
                        r["id"] or "—",
                        r["category"],
                        r["measure"],
                        r["basis"],
                        r["action_text"],
                        "；".join(x for x in (r["reason"], r["note"]) if x),
                        r["by_name"] or "",
                    ]
                    for index, r in enumerate(rows, 1)
                ],
                widths,
                numeric=(0,),
            )
        )
    else:
        story.append(_empty_note("本期没有应实施的联合惩戒措施，无需反馈。"))
    signatures = Table(
        [
            [
                _p("填报人（签字）：", "sign"),
                _p("单位负责人（签字）：", "sign"),
                _p("（单位盖章）", "sign"),
            ],
            [_p(""), _p(""), _p(f"{GAP * 2}年{GAP * 2}月{GAP * 2}日", "sign")],
        ],
        colWidths=[width / 3] * 3,
        rowHeights=[14 * mm, 10 * mm],
    )
    signatures.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 8 * mm), KeepTogether([signatures, *_witness_line(report)])]
    return story


def render(report: Mapping[str, Any]) -> bytes:
    """The report PDF (bytes): summary pages in portrait, then the feedback sheet landscape."""
    register_fonts()
    portrait_width, portrait_height = A4
    landscape_width, landscape_height = landscape(A4)
    out = PdfBytes()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        title=f"{TITLE}（{period_text(report)}）",
        author=report["unit"],
        subject=f"{TITLE}，{scope_text(report)}",
        creator=f"{APP_NAME} {__version__}",
        # Otherwise every page names Helvetica, a font that is not embedded.
        initialFontName=CJK_FONT,
    )
    doc.addPageTemplates(
        [
            PageTemplate(
                id="portrait",
                pagesize=A4,
                frames=[
                    Frame(
                        MARGIN,
                        BOTTOM,
                        portrait_width - 2 * MARGIN,
                        portrait_height - TOP - BOTTOM,
                    )
                ],
            ),
            PageTemplate(
                id="landscape",
                pagesize=landscape(A4),
                frames=[
                    Frame(
                        MARGIN,
                        BOTTOM,
                        landscape_width - 2 * MARGIN,
                        landscape_height - TOP - BOTTOM,
                    )
                ],
            ),
        ]
    )
    # Frames pad 6 pt on each side.
    story = _summary_story(report, portrait_width - 2 * MARGIN - 12)
    story += [NextPageTemplate("landscape"), PageBreak()]
    story += _feedback_story(report, landscape_width - 2 * MARGIN - 12)
    frame = PageFrame(
        top_left=f"{APP_NAME} · {TITLE}",
        top_right=f"统计期间 {period_text(report)}",
        bottom_left=f"制表时间 {local_time_text(report['generated_at'])}",
        bottom_right=report["unit"],
    )
    witness = _witness(report)
    doc.build(
        story,
        canvasmaker=functools.partial(
            NumberedCanvas,
            frame=frame,
            margin=MARGIN,
            info_keys=witness.pdf_info() if witness else None,
        ),
    )
    return out.getvalue()
