"""The credit office's report as a PDF (A4 landscape), in the style of the audit report.

Sections: the figures of the period, two charts (measures and their feedback by department,
checks and feedback by month), 联合惩戒动态 per department and category of subject, what
each initiating department's subjects brought by implementing department (with the applied
measures listed; the workbook lists every measure), 绩效考核, and the audit-chain problems the
imports found. Palette, fonts, tables and chart parts are those of the audit report
(`audit.report_layout`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Spacer,
    Table,
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
from desktop_app.services.feedback.city_report import (
    STATES,
    TITLE,
    last_package_text,
    shown_id,
    state_text,
)
from desktop_app.services.pdf_common import (
    PdfBytes,
)
from desktop_app.services.pdf_text import LATIN_FONT, register_fonts

# Departments in the chart (the tables list them all), applied measures listed per initiator.
CHART_DEPARTMENTS = 14
APPLIED_ROWS_SHOWN = 300
CHECKS_COLOR = colors.HexColor("#37474F")


def _state_header(state: str) -> str:
    return state_text(None if state == "pending" else state)


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _figures(report: Mapping[str, Any], width: float) -> Table:
    totals = report["totals"]
    cells = [
        ("报送部门", f"{totals['departments_reporting']}/{totals['departments']}"),
        ("核查次数", totals["checks"]),
        ("发现失信主体", totals["subjects_found"]),
        ("应实施措施（项次）", totals["measures"]),
        ("反馈完成率", totals["completeness_text"]),
        ("反馈中位天数", _days(totals["median_days"])),
    ]
    return figures(cells, width)


def _department_chart(report: Mapping[str, Any], width: float) -> Drawing:
    """Measures of each department, stacked by feedback state (the most measures first)."""
    rows = sorted(report["by_department"], key=lambda r: (-r["measures"], r["department"]))
    rows = [r for r in rows if r["measures"]][:CHART_DEPARTMENTS]
    height = max(40 * mm, len(rows) * 8 * mm + 30 * mm)
    drawing = Drawing(width, height)
    drawing.initialFontName = LATIN_FONT
    drawing.add(label(0, height - 10, "各部门应实施措施及结果反馈（项次）", 9))
    if not rows:
        drawing.add(label(0, height / 2, "本期没有应实施的措施。", 9))
        return drawing
    chart = stacked_bars(
        drawing,
        rows,
        "department",
        x=48 * mm,
        y=14 * mm,
        width=width - 56 * mm,
        height=height - 30 * mm,
        group_spacing=5,
    )
    legend(
        drawing,
        chart.x,
        2 * mm,
        [(_state_header(s), STATE_COLORS[s]) for s in STATES],
        step=24 * mm,
    )
    return drawing


def _month_chart(report: Mapping[str, Any], width: float) -> Drawing:
    """Checks per month beside the measures due, these stacked by feedback state."""
    months = report["by_month"]
    height = 62 * mm
    drawing = Drawing(width, height)
    drawing.initialFontName = LATIN_FONT
    drawing.add(label(0, height - 10, "按月：核查次数与应实施措施的反馈（次、项次）", 9))
    if not months:
        drawing.add(label(0, height / 2, "本期没有核查。", 9))
        return drawing
    checks = VerticalBarChart()
    checks.x, checks.y = 14 * mm, 16 * mm
    checks.width, checks.height = width / 2 - 20 * mm, height - 30 * mm
    checks.data = [[m["checks"] for m in months], [m["listed"] for m in months]]
    checks.bars[0].fillColor = CHECKS_COLOR
    checks.bars[1].fillColor = STATE_COLORS["referred"]
    measures = VerticalBarChart()
    measures.x, measures.y = width / 2 + 10 * mm, 16 * mm
    measures.width, measures.height = width / 2 - 20 * mm, height - 30 * mm
    measures.data = [[m[state] for m in months] for state in STATES]
    measures.categoryAxis.style = "stacked"
    for index, state in enumerate(STATES):
        measures.bars[index].fillColor = STATE_COLORS[state]
    for chart in (checks, measures):
        chart.valueAxis.valueMin = 0
        chart.valueAxis.forceZero = True
        chart.valueAxis.labels.fontName = LATIN_FONT
        chart.valueAxis.labels.fontSize = 7
        chart.categoryAxis.labels.fontName = LATIN_FONT
        chart.categoryAxis.labels.fontSize = 7
        chart.categoryAxis.categoryNames = [m["month"] for m in months]
        chart.barSpacing = 1
        chart.groupSpacing = 4
        for index in range(len(chart.data)):
            chart.bars[index].strokeColor = None
        drawing.add(chart)
    found = STATE_COLORS["referred"]
    legend(drawing, checks.x, 2 * mm, [("核查", CHECKS_COLOR), ("发现失信", found)], step=24 * mm)
    legend(
        drawing,
        measures.x,
        2 * mm,
        [(_state_header(s), STATE_COLORS[s]) for s in STATES],
        step=24 * mm,
    )
    return drawing


def _state_cells(row: Mapping[str, Any]) -> list[Any]:
    return [row[state] for state in STATES]


def _dynamics(report: Mapping[str, Any], width: float) -> list[Flowable]:
    rows: list[list[Any]] = []
    pairs: dict[str, list[Mapping[str, Any]]] = {}
    for row in report["by_department_category"]:
        pairs.setdefault(row["department"], []).append(row)
    for row in report["by_department"]:
        name = row["department"] + ("" if row["reported"] else f"（{NOT_REPORTED_SHORT}）")
        rows.append(
            [
                name,
                "合计",
                row["checks"],
                row["subjects_found"],
                row["measures"],
                *_state_cells(row),
                _days(row["median_days"]),
            ]
        )
        for pair in pairs.get(row["department"], []):
            rows.append(
                [
                    "",
                    pair["category"],
                    pair["checks"],
                    pair["subjects_found"],
                    pair["measures"],
                    *_state_cells(pair),
                    _days(pair["median_days"]),
                ]
            )
    number = 16 * mm
    widths = [44 * mm, width - 44 * mm - 8 * number, *[number] * 8]
    header = [
        "部门",
        "联合惩戒对象",
        "核查",
        "发现主体",
        "应实施措施",
        *(_state_header(s) for s in STATES),
        "反馈中位天数",
    ]
    if not rows:
        return [p("本期没有报送的核查记录。", "small")]
    return [table(header, rows, widths, numeric=range(2, 10))]


NOT_REPORTED_SHORT = "未报送"


def _initiators(report: Mapping[str, Any], width: float) -> list[Flowable]:
    story: list[Flowable] = []
    if not report["by_initiator"]:
        return [p("本期没有应实施的措施。", "small")]
    applied: dict[str, list[Mapping[str, Any]]] = {}
    for row in report["applied_measures"]:
        applied.setdefault(row["initiator"], []).append(row)
    number = 18 * mm
    for item in report["by_initiator"]:
        story.append(
            p(
                f"{item['initiator']}：措施 {item['measures']} 项次，已实施 {item['applied']}，"
                f"不适用 {item['not_applicable']}，已移送 {item['referred']}，"
                f"待反馈 {item['pending']}",
                "body",
            )
        )
        story.append(
            table(
                ["实施部门", "措施（项次）", *(_state_header(s) for s in STATES)],
                [
                    [row["department"], row["measures"], *_state_cells(row)]
                    for row in item["departments"]
                ],
                [width - 5 * number, *[number] * 5],
                numeric=range(1, 6),
            )
        )
        rows = applied.get(item["initiator"], [])
        if rows:
            shown = rows[:APPLIED_ROWS_SHOWN]
            story.append(Spacer(1, 2 * mm))
            story.append(
                table(
                    ["实施部门", "核查日期", "主体", "证件号码", "已实施的措施", "反馈日期"],
                    [
                        [
                            r["department"],
                            r["checked_at"][:10],
                            r["subject"] or "—",
                            shown_id(r["subject_id"]),
                            r["measure"],
                            (r["feedback_at"] or "")[:10],
                        ]
                        for r in shown
                    ],
                    [36 * mm, 20 * mm, 28 * mm, 38 * mm, width - 142 * mm, 20 * mm],
                )
            )
            if len(rows) > len(shown):
                story.append(
                    p(
                        f"（另有 {len(rows) - len(shown)} 项已实施的措施，完整清单见 Excel "
                        "报告的“已实施措施明细”。）",
                        "small",
                    )
                )
        story.append(Spacer(1, 4 * mm))
    return story


def _performance(report: Mapping[str, Any], width: float) -> list[Flowable]:
    days = report["overdue_days"]
    rows = [
        [
            row["department"],
            row["status_text"],
            row["packages_in_period"],
            last_package_text(row),
            row["measures"],
            row["with_feedback"],
            row["completeness_text"],
            row["overdue"],
            row["late"],
            row["chain_problems"],
        ]
        for row in report["performance"]
    ]
    if not rows:
        return [
            p(
                "本机尚未信任任何部门的证书，也没有导入过反馈包（config trust-department）。",
                "small",
            )
        ]
    number = 17 * mm
    return [
        p(
            f"反馈完成率 = 已反馈的措施 ÷ 应实施的措施；超期 = 至 {report['as_of']} 仍待反馈且距"
            f"核查已超过 {days} 天；逾期反馈 = 反馈晚于核查 {days} 天以上。",
            "small",
        ),
        Spacer(1, 2 * mm),
        table(
            [
                "部门",
                "报送情况",
                "本期反馈包",
                "最近一次报送",
                "应实施措施",
                "已反馈",
                "完成率",
                f"超期（>{days}天）",
                "逾期反馈",
                "审计链异常",
            ],
            rows,
            [44 * mm, 22 * mm, number, width - 66 * mm - 7 * number, *[number] * 6],
            numeric=(2, 4, 5, 6, 7, 8, 9),
        ),
    ]


def _findings(report: Mapping[str, Any], width: float) -> list[Flowable]:
    if not report["findings"]:
        return [p("各部门相继报送的反馈包之间，审计链均只增未改。", "small")]
    return [
        table(
            ["发现时间", "部门", "类型", "说明"],
            [
                [local_time_text(f["found_at"]), f["department"], f["kind_text"], f["message"]]
                for f in report["findings"]
            ],
            [28 * mm, 36 * mm, 28 * mm, width - 92 * mm],
        )
    ]


def _story(report: Mapping[str, Any], width: float) -> list[Flowable]:
    totals = report["totals"]
    story: list[Flowable] = [
        p(f"{report['jurisdiction']}{TITLE}", "title"),
        p(
            f"统计期间：{period_text(report)}{GAP}数据来源：各部门报送的反馈包"
            f"（{totals['departments_reporting']}/{totals['departments']} 个部门本期已报送）",
            "subtitle",
        ),
        made_by(report),
        *witness_line(report),
        Spacer(1, 5 * mm),
        *heading("一、总体情况"),
        _figures(report, width),
        Spacer(1, 3 * mm),
        p(
            f"本期各部门共核查 {totals['checks']} 次，发现失信记录 {totals['listed']} 次，"
            f"涉及失信主体 {totals['subjects_found']} 个；应实施联合惩戒措施 "
            f"{totals['measures']} 项次："
            + "，".join(f"{_state_header(s)} {totals[s]} 项次" for s in STATES)
            + f"。反馈完成率 {totals['completeness_text']}，核查至反馈的中位天数 "
            f"{_days(totals['median_days'])} 天；待反馈超过 {report['overdue_days']} 天的 "
            f"{totals['overdue']} 项次。",
            "body",
        ),
        *heading("二、图表", keep=60 * mm),
        _department_chart(report, width),
        Spacer(1, 4 * mm),
        _month_chart(report, width),
        *heading("三、联合惩戒动态（按部门、联合惩戒对象）"),
        *_dynamics(report, width),
        *heading("四、发起部门：各实施部门的实施情况"),
        *_initiators(report, width),
        *heading("五、绩效考核：结果反馈情况"),
        *_performance(report, width),
        *heading("六、审计链核对"),
        *_findings(report, width),
    ]
    return story


def render(report: Mapping[str, Any]) -> bytes:
    """The report PDF (bytes), A4 landscape."""
    register_fonts()
    page_width = landscape(A4)[0]
    out = PdfBytes()
    title = f"{report['jurisdiction']}{TITLE}"
    doc = document(
        out,
        landscape(A4),
        title=f"{title}（{period_text(report)}）",
        author=report["jurisdiction"],
        subject=title,
    )
    doc.addPageTemplates([page_template("landscape", landscape(A4))])
    story = _story(report, page_width - 2 * MARGIN - 12)
    build(doc, story, report, title=title, unit=report["jurisdiction"])
    return out.getvalue()
