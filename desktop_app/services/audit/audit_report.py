"""The supervisor's audit report: totals, a chart, the list of checks and the feedback sheet.

`build_report` gathers the figures from the latest version of every check record in a period
(a clerk's report covers only their own checks); `write_report` writes it as a PDF (reportlab,
embedded fonts, A4: the summary in portrait, the 结果反馈表 in landscape, ready to send to the
credit office) and/or an Excel workbook (openpyxl), and audits that it was made.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app import APP_NAME, __version__
from desktop_app.errors import InvalidInputError
from desktop_app.models.labels import FEEDBACK_ACTION_TEXT, NO_FEEDBACK_TEXT, STATUS_TEXT
from desktop_app.models.record_types import active_hits, masked_query, related_subjects
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit, records
from desktop_app.services.audit.report_files import (
    DATE_TIME,
    local_datetime,
    period_text,
    table_sheet,
    write_witnessed,
)
from desktop_app.services.audit.witness import Witness

if TYPE_CHECKING:
    from desktop_app.context import AppContext

TITLE = "失信联合惩戒核查审计报告"
FEEDBACK_TITLE = "失信联合惩戒措施实施结果反馈表"
# Feedback states in the order reports show them; None = no feedback yet.
FEEDBACK_STATES: tuple[str | None, ...] = ("applied", "not_applicable", "referred", None)
# The results a report can be narrowed to (an invalid input makes no record).
REPORT_STATUSES = ("listed", "possible_match", "not_listed")


def state_key(action: str | None) -> str:
    return action or "pending"


def state_text(action: str | None) -> str:
    return FEEDBACK_ACTION_TEXT[action] if action else NO_FEEDBACK_TEXT


def _counts() -> dict[str, int]:
    return {state_key(state): 0 for state in FEEDBACK_STATES}


def _subject(record: Mapping[str, Any]) -> str:
    """Who was checked, as a reader names them: the listed name, else the name typed."""
    for hit in active_hits(record):
        return hit["name"]
    if record.get("name"):
        return record["name"]
    return record["query"] if record.get("input_kind") == "name" else ""


def build_report(
    ctx: AppContext,
    user: User,
    *,
    date_from: str,
    date_to: str,
    department: str | None = None,
    user_name: str | None = None,
    status: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """The report's figures and tables over the records made from `date_from` to `date_to`.

    A clerk's report covers only their own checks; asking for another user's is refused.
    `status` (listed, possible_match, not_listed) and `category` (a hit in force of that
    category) narrow the records further.
    """
    date_from = records.parse_day(date_from, "开始日期") or ""
    date_to = records.parse_day(date_to, "结束日期") or ""
    if date_from > date_to:
        raise InvalidInputError(f"开始日期 {date_from} 晚于结束日期 {date_to}，请调换后重试。")
    if department is not None and user.jurisdiction:
        # Resolved here as well: the report prints the canonical name.
        department = ctx.catalog.resolve_department(user.jurisdiction, department)
    found = records.list_records(
        ctx,
        user,
        date_from=date_from,
        date_to=date_to,
        user_name=user_name,
        department=department,
    )
    if status is not None and status not in REPORT_STATUSES:
        choices = "、".join(f"{code}（{STATUS_TEXT[code]}）" for code in REPORT_STATUSES)
        raise InvalidInputError(f"核查结果“{status}”无效，请选择：{choices}。")
    if category is not None:
        category = ctx.catalog.resolve_category(category)
    found = [record for record in found if _selected(record, status, category)]
    if not accounts.can(user, "records.read_all"):
        user_name = user.name
    names = {u.name: u.display_name for u in ctx.office.users.all()}
    figures = _figures(found)
    for row in figures["feedback"]:
        row["by_name"] = names.get(row["by"], row["by"]) if row["by"] else None
    return {
        "title": TITLE,
        "date_from": date_from,
        "date_to": date_to,
        "department": department,
        "user_filter": user_name,
        "status_filter": status,
        "category_filter": category,
        "generated_at": audit.timestamp(),
        "generated_by": {"name": user.name, "display_name": user.display_name},
        "unit": _unit(found, user, department),
        **figures,
    }


def _selected(record: Mapping[str, Any], status: str | None, category: str | None) -> bool:
    if status is not None and record["status"] != status:
        return False
    return category is None or any(hit["category"] == category for hit in active_hits(record))


def _joined(values: Iterable[str], shown: int = 3) -> str | None:
    """Distinct values in order, the first `shown` of them named: "甲、乙、丙 等 5 个"."""
    distinct = list(dict.fromkeys(values))
    text = "、".join(distinct[:shown])
    if len(distinct) > shown:
        text += f" 等 {len(distinct)} 个"
    return text or None


def _unit(found: Sequence[Mapping[str, Any]], user: User, department: str | None) -> str:
    """The reporting unit printed on the feedback sheet."""
    units = sorted({f"{r['jurisdiction']} {r['department']}" for r in found})
    if len(units) == 1:
        return units[0]
    if department:
        return f"{user.jurisdiction or ''} {department}".strip()
    if user.department:
        return f"{user.jurisdiction or ''} {user.department}".strip()
    return "、".join(units) or (user.jurisdiction or "—")


def _figures(found: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    statuses = Counter(r["status"] for r in found)
    feedback_totals = _counts()
    by_category: dict[str, dict[str, Any]] = {}
    by_measure: dict[str, dict[str, Any]] = {}
    by_user: dict[str, dict[str, Any]] = {}
    checks, feedback_rows = [], []
    for record in found:
        hits = {hit["hit_id"]: hit for hit in record["hits"]}
        active = active_hits(record)
        for hit in active:
            category = by_category.setdefault(
                hit["category"],
                {"category": hit["category"], "hits": 0, "measures": 0, **_counts()},
            )
            category["hits"] += 1
        person = by_user.setdefault(
            record["user"]["name"],
            {
                "user": record["user"]["name"],
                "display_name": record["user"]["display_name"],
                "checks": 0,
                "listed": 0,
                "applied": 0,
            },
        )
        person["checks"] += 1
        person["listed"] += record["status"] == "listed"
        applied = 0
        for measure in record["measures"]:
            action = (measure.get("feedback") or {}).get("action")
            state = state_key(action)
            applied += action == "applied"
            feedback_totals[state] += 1
            category = by_category.setdefault(
                measure["category"],
                {"category": measure["category"], "hits": 0, "measures": 0, **_counts()},
            )
            category["measures"] += 1
            category[state] += 1
            row = by_measure.setdefault(
                measure["id"],
                {
                    "id": measure["id"],
                    "label": measure.get("label"),
                    "text": measure["text"],
                    "category": measure["category"],
                    "department": measure["department"],
                    "basis": measure["basis"],
                    "shown": 0,
                    **_counts(),
                },
            )
            row["shown"] += 1
            row[state] += 1
            # A measure that several hits bring is fed back once, for the subject they share.
            tied = [hits[h] for h in measure.get("hit_ids") or [measure["hit_id"]] if h in hits]
            feedback = measure.get("feedback") or {}
            feedback_rows.append(
                {
                    "record_number": record["record_number"],
                    "version": record["version"],
                    "checked_at": record["checked_at"],
                    "subject": _joined(h["name"] for h in tied) or _subject(record),
                    "id": _joined(h["id"] for h in tied if h.get("id")),
                    "category": measure["category"],
                    "list": _joined(h["list"] for h in tied),
                    "measure_id": measure["id"],
                    "measure": f"{measure.get('label') or ''}{measure['text']}",
                    "basis": measure["basis"],
                    "action": action,
                    "action_text": state_text(action),
                    "reason": feedback.get("reason"),
                    "note": feedback.get("note"),
                    "by": feedback.get("by"),
                    "at": feedback.get("at"),
                }
            )
        person["applied"] += applied
        checks.append(
            {
                "record_number": record["record_number"],
                "version": record["version"],
                "checked_at": record["checked_at"],
                "user": record["user"]["name"],
                "display_name": record["user"]["display_name"],
                "department": record["department"],
                "query": masked_query(record),
                "subject": _subject(record),
                "status": record["status"],
                "status_text": STATUS_TEXT.get(record["status"], record["status_text"]),
                "hits": len(active),
                "related": len(related_subjects(record)),
                "measures": len(record["measures"]),
                "applied": applied,
                "pending": sum(
                    1 for m in record["measures"] if not (m.get("feedback") or {}).get("action")
                ),
            }
        )
    total = len(found)
    listed = statuses.get("listed", 0)
    return {
        "totals": {
            "checks": total,
            "hits": listed,
            "possible": statuses.get("possible_match", 0),
            "not_listed": statuses.get("not_listed", 0),
            "hit_rate": round(listed / total, 4) if total else 0.0,
            "hit_rate_text": f"{listed / total:.1%}" if total else "—",
            "measures": sum(feedback_totals.values()),
            "feedback": feedback_totals,
        },
        "by_category": sorted(by_category.values(), key=lambda c: (-c["measures"], c["category"])),
        "by_measure": sorted(
            by_measure.values(), key=lambda m: (-m["applied"], -m["shown"], m["id"])
        ),
        "by_user": sorted(by_user.values(), key=lambda u: (-u["checks"], u["user"])),
        "checks": checks,
        "feedback": feedback_rows,
    }


def write_report(
    ctx: AppContext,
    user: User,
    report: Mapping[str, Any],
    *,
    pdf: Path | None = None,
    xlsx: Path | None = None,
) -> dict[str, str]:
    """Write the report as PDF and/or Excel (each atomically) and audit it; returns the paths.

    Both files carry the audit witness (see `report_files.write_witnessed`)."""
    return write_witnessed(
        ctx,
        user,
        report,
        event="report",
        details={
            "date_from": report["date_from"],
            "date_to": report["date_to"],
            "department": report["department"],
            "user_filter": report["user_filter"],
            "checks": report["totals"]["checks"],
        },
        pdf=pdf,
        xlsx=xlsx,
        render_pdf=render_report_pdf,
        render_xlsx=render_report_xlsx,
    )


def scope_text(report: Mapping[str, Any]) -> str:
    parts = [report["unit"]]
    if report["user_filter"]:
        parts.append(f"核查人 {report['user_filter']}")
    if report.get("status_filter"):
        parts.append(f"结果 {STATUS_TEXT.get(report['status_filter'], report['status_filter'])}")
    if report.get("category_filter"):
        parts.append(f"对象类别 {report['category_filter']}")
    return "，".join(parts)


# --------------------------------------------------------------------------------------- PDF


def render_report_pdf(report: Mapping[str, Any]) -> bytes:
    """The report as an A4 PDF (see `desktop_app.services.audit.report_pdf`)."""
    from desktop_app.services.audit import report_pdf

    return report_pdf.render(report)


# ------------------------------------------------------------------------------------- Excel


def render_report_xlsx(report: Mapping[str, Any]) -> bytes:
    """The report as an .xlsx workbook (bytes).

    Sheets: 汇总, 按对象统计, 按措施统计, 核查清单, 结果反馈表.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    totals = report["totals"]
    feedback = totals["feedback"]
    period = period_text(report)
    summary = [
        {"item": "报告名称", "value": TITLE},
        {"item": "统计期间", "value": period},
        {"item": "统计范围", "value": scope_text(report)},
        {"item": "核查次数", "value": totals["checks"]},
        {"item": "发现失信记录（命中）", "value": totals["hits"]},
        {"item": "疑似匹配待核实", "value": totals["possible"]},
        {"item": "未发现失信记录", "value": totals["not_listed"]},
        {"item": "命中率", "value": totals["hit_rate"], "format": "0.0%"},
        {"item": "应实施措施（项次）", "value": totals["measures"]},
        *(
            {"item": f"其中{state_text(state)}", "value": feedback[state_key(state)]}
            for state in FEEDBACK_STATES
        ),
        {"item": "制表人", "value": report["generated_by"]["display_name"]},
        {"item": "制表时间", "value": local_datetime(report["generated_at"]), "format": DATE_TIME},
        *(
            [{"item": "审计见证", "value": Witness.from_dict(report["audit_witness"]).to_text()}]
            if report.get("audit_witness")
            else []
        ),
    ]
    sheet = table_sheet(
        workbook,
        "汇总",
        [("项目", "item", None, None), ("数值", "value", None, 36)],
        summary,
        f"{TITLE}（{period}）",
    )
    for row, item in enumerate(summary, 2):
        if item.get("format"):
            sheet.cell(row=row, column=2).number_format = item["format"]
    counts = [(state_text(state), state_key(state), None, None) for state in FEEDBACK_STATES]
    table_sheet(
        workbook,
        "按对象统计",
        [
            ("联合惩戒对象", "category", None, 40),
            ("命中次数", "hits", None, None),
            ("应实施措施（项次）", "measures", None, None),
            *counts,
        ],
        report["by_category"],
        f"按联合惩戒对象统计（{period}）",
    )
    table_sheet(
        workbook,
        "按措施统计",
        [
            ("措施编号", "id", None, None),
            ("序号", "label", None, None),
            ("措施内容", "text", None, 60),
            ("联合惩戒对象", "category", None, 30),
            ("实施部门", "department", None, None),
            ("实施依据", "basis", None, 40),
            ("展示次数", "shown", None, None),
            *counts,
        ],
        report["by_measure"],
        f"按措施统计（{period}）",
    )
    checks = [{**c, "checked_at": local_datetime(c["checked_at"])} for c in report["checks"]]
    table_sheet(
        workbook,
        "核查清单",
        [
            ("记录编号", "record_number", None, None),
            ("版本", "version", None, None),
            ("核查时间", "checked_at", DATE_TIME, None),
            ("核查人", "display_name", None, None),
            ("部门", "department", None, None),
            ("查询内容", "query", None, None),
            ("主体名称", "subject", None, None),
            ("核查结果", "status_text", None, None),
            ("命中", "hits", None, None),
            ("关联主体", "related", None, None),
            ("应实施措施", "measures", None, None),
            ("已实施", "applied", None, None),
            ("待反馈", "pending", None, None),
        ],
        checks,
        f"核查清单（{period}）",
    )
    rows = [
        {
            **r,
            "checked_at": local_datetime(r["checked_at"]),
            "at": local_datetime(r["at"]),
            "reason_note": "；".join(x for x in (r["reason"], r["note"]) if x),
        }
        for r in report["feedback"]
    ]
    table_sheet(
        workbook,
        "结果反馈表",
        [
            ("记录编号", "record_number", None, None),
            ("核查时间", "checked_at", DATE_TIME, None),
            ("主体名称", "subject", None, None),
            ("证件号码", "id", None, None),
            ("联合惩戒对象", "category", None, 24),
            ("措施", "measure", None, 50),
            ("实施依据", "basis", None, 36),
            ("实施结果", "action_text", None, None),
            ("理由/备注", "reason_note", None, 30),
            ("反馈人", "by_name", None, None),
            ("反馈时间", "at", DATE_TIME, None),
        ],
        rows,
        f"{FEEDBACK_TITLE}　报送单位：{report['unit']}　统计期间：{period}",
    )
    workbook.properties.title = TITLE
    workbook.properties.creator = f"{APP_NAME} {__version__}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
