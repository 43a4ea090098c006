"""The audit report as a PDF (reportlab): the summary in A4 portrait, the 结果反馈表 landscape.

Text goes through `pdf_text` (the Chinese font has no Latin glyphs: digits and record numbers
are set in the embedded Latin font), including the chart labels, which are drawn as mixed-font
strings rather than with the chart's own single-font labels. Styles, tables, chart parts and
the document are those of `report_layout`, which the credit office's report shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Spacer,
    Table,
)

from desktop_app.services.audit.audit_report import (
    FEEDBACK_STATES,
    FEEDBACK_TITLE,
    TITLE,
    scope_text,
    state_key,
    state_text,
)
from desktop_app.services.audit.report_files import local_time_text, period_text
from desktop_app.services.audit.report_layout import (
    GAP,
    MARGIN,
    STATE_COLORS,
    build,
    document,
    figures,
    heading,
    label,
    legend,
    made_by,
    p,
    page_template,
    stacked_bars,
    table,
    witness_line,
)
from desktop_app.services.pdf_common import (
    HEADER_FILL,
    RED,
    RULE,
    PdfBytes,
    table_style,
)
from desktop_app.services.pdf_text import (
    LATIN_FONT,
    register_fonts,
)

# One colour per check outcome (listed, possible match, not listed).
OUTCOME_COLORS = (RED, colors.HexColor("#E0A526"), colors.HexColor("#5B8C5A"))
# How many categories the bar chart shows; the table lists them all.
CHART_CATEGORIES = 8


def _chart(report: Mapping[str, Any], width: float) -> Drawing:
    """Left: measures per category of subject, stacked by feedback state. Right: check outcomes."""
    height = 78 * mm
    drawing = Drawing(width, height)
    # The drawing's default font would otherwise be Helvetica (not embedded).
    drawing.initialFontName = LATIN_FONT
    bar_width = width * 0.64
    categories = report["by_category"][:CHART_CATEGORIES]
    drawing.add(label(0, height - 10, "各类失信主体的应实施措施及反馈（项次）", 9))
    if categories and any(c["measures"] for c in categories):
        chart = stacked_bars(
            drawing,
            categories,
            "category",
            x=62 * mm,
            y=14 * mm,
            width=bar_width - 62 * mm,
            height=height - 34 * mm,
            group_spacing=6,
        )
        items = [(state_text(None if s == "pending" else s), STATE_COLORS[s]) for s in STATE_COLORS]
        legend(drawing, chart.x, 2 * mm, items, step=22 * mm)
    else:
        drawing.add(label(0, height / 2, "本期没有应实施的措施。", 9))

    totals = report["totals"]
    outcomes = [
        ("发现失信记录", totals["hits"]),
        ("疑似匹配", totals["possible"]),
        ("未发现", totals["not_listed"]),
    ]
    left = bar_width + 6 * mm
    drawing.add(label(left, height - 10, "核查结果构成（次）", 9))
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
            drawing.add(label(left + 4 * mm + 10, y + 1, f"{name} {count}", 7.5))
            y -= 5 * mm
    else:
        drawing.add(label(left, height / 2, "本期没有核查。", 9))
    return drawing


def _figures(report: Mapping[str, Any], width: float) -> Table:
    totals = report["totals"]
    cells = [
        ("核查次数", totals["checks"]),
        ("发现失信记录", totals["hits"]),
        ("命中率", totals["hit_rate_text"]),
        ("应实施措施（项次）", totals["measures"]),
    ]
    return figures(cells, width)


def _summary_story(report: Mapping[str, Any], width: float) -> list[Flowable]:
    totals = report["totals"]
    feedback = totals["feedback"]
    story: list[Flowable] = [
        p(TITLE, "title"),
        p(f"统计期间：{period_text(report)}{GAP}统计范围：{scope_text(report)}", "subtitle"),
        made_by(report),
        *witness_line(report),
        Spacer(1, 6 * mm),
        *heading("一、总体情况"),
        _figures(report, width),
        Spacer(1, 3 * mm),
        p(
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
        *heading("二、图表"),
        _chart(report, width),
        *heading("三、按联合惩戒对象统计"),
    ]
    states = [state_key(s) for s in FEEDBACK_STATES]
    state_headers = [state_text(s) for s in FEEDBACK_STATES]
    if report["by_category"]:
        story.append(
            table(
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
        story.append(p("本期没有命中。", "small"))
    story += heading("四、按措施统计")
    if report["by_measure"]:
        story.append(
            table(
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
        story.append(p("本期没有应实施的措施。", "small"))
    story += heading("五、按核查人员统计")
    if report["by_user"]:
        story.append(
            table(
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
        story.append(p("本期没有核查。", "small"))
    story += heading("六、核查清单")
    if report["checks"]:
        story.append(
            table(
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
        story.append(p("本期没有核查。", "small"))
    return story


def _feedback_story(report: Mapping[str, Any], width: float) -> list[Flowable]:
    generated = report["generated_by"]
    head = Table(
        [
            [
                p("报送单位", "head"),
                p(report["unit"]),
                p("统计期间", "head"),
                p(period_text(report)),
            ],
            [
                p("填报人", "head"),
                p(generated["display_name"]),
                p("填报日期", "head"),
                p(report["generated_at"][:10]),
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
        p(FEEDBACK_TITLE, "title"),
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
            table(
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
        story.append(p("本期没有应实施的联合惩戒措施，无需反馈。", "small"))
    signatures = Table(
        [
            [
                p("填报人（签字）：", "sign"),
                p("单位负责人（签字）：", "sign"),
                p("（单位盖章）", "sign"),
            ],
            [p(""), p(""), p(f"{GAP * 2}年{GAP * 2}月{GAP * 2}日", "sign")],
        ],
        colWidths=[width / 3] * 3,
        rowHeights=[14 * mm, 10 * mm],
    )
    signatures.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 8 * mm), KeepTogether([signatures, *witness_line(report)])]
    return story


def render(report: Mapping[str, Any]) -> bytes:
    """The report PDF (bytes): summary pages in portrait, then the feedback sheet landscape."""
    register_fonts()
    portrait_width = A4[0]
    landscape_width = landscape(A4)[0]
    out = PdfBytes()
    doc = document(
        out,
        A4,
        title=f"{TITLE}（{period_text(report)}）",
        author=report["unit"],
        subject=f"{TITLE}，{scope_text(report)}",
    )
    doc.addPageTemplates([page_template("portrait", A4), page_template("landscape", landscape(A4))])
    # Frames pad 6 pt on each side.
    story = _summary_story(report, portrait_width - 2 * MARGIN - 12)
    story += [NextPageTemplate("landscape"), PageBreak()]
    story += _feedback_story(report, landscape_width - 2 * MARGIN - 12)
    build(doc, story, report, title=TITLE, unit=report["unit"])
    return out.getvalue()
