"""The credit office's view of the whole city, from the feedback packages it imported.

`build_report` counts the latest version of every imported record checked in the period:

- 联合惩戒动态 (`by_department`, `by_department_category`, `by_category`): checks, subjects found
  (distinct subjects on a list: by their ID, else their name), measures due, 已实施 / 不适用 /
  已移送 / 待反馈, and the median days from the check to the feedback;
- per initiating department (`by_initiator`): the measures its subjects brought, by
  implementing department and feedback state, and (`applied_measures`) every measure applied
  to its subjects, with subject, record and time — what e.g. the court asks for;
- 绩效考核 (`performance`): per department the feedback completeness, the measures still
  waiting for feedback more than N days after the check (`overdue_days`, configurable,
  default 15) as of the end of the period (today, if sooner), feedback given later than that,
  the last package received and the audit-chain problems found; departments expected to
  report (those whose certificates this PC trusts) that sent nothing for the period are
  listed with 本期未报送, never left out;
- `by_month`: checks, hits, measures and feedback per month (the charts).

`write_report` writes it as PDF (`city_report_pdf`) and/or Excel, with this office's audit
witness, and audits it. `imported_records`, `imported_record` and `received_packages` are the
read-only views of what was imported (CLI and window).
"""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app import APP_NAME, __version__
from desktop_app.errors import InvalidInputError, RecordNotFoundError, UsageError
from desktop_app.models.labels import FEEDBACK_ACTION_TEXT, NO_FEEDBACK_TEXT, STATUS_TEXT
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit, records
from desktop_app.services.audit.report_files import (
    DATE_TIME,
    local_datetime,
    period_text,
    stream_sheet,
    write_witnessed,
)
from desktop_app.services.feedback.office_import import (
    FINDING_TEXT,
    office_jurisdiction,
    require_credit_office,
)

if TYPE_CHECKING:
    from desktop_app.context import AppContext

TITLE = "失信联合惩戒动态"
STATES = ("applied", "not_applicable", "referred", "pending")
NO_INITIATOR = "（未注明发起部门）"
NOT_REPORTED = "本期未报送"


def state_text(action: str | None) -> str:
    return FEEDBACK_ACTION_TEXT.get(action or "", NO_FEEDBACK_TEXT)


def shown_id(subject_id: str | None) -> str:
    """An ID as the window and the printed report show it: a resident ID masked (the
    workbook, working data for the initiating department, has it whole), codes whole."""
    from desktop_app.models.identifiers import mask_id

    if not subject_id:
        return "—"
    person = len(subject_id) in (15, 18) and subject_id[:15].isdigit()
    return mask_id("resident_id" if person else "code", subject_id)


def _counts() -> dict[str, int]:
    return {"measures": 0, **{state: 0 for state in STATES}}


def _days(checked_at: str, feedback_at: str | None) -> float | None:
    if not feedback_at:
        return None
    try:
        delta = datetime.fromisoformat(feedback_at) - datetime.fromisoformat(checked_at)
    except (TypeError, ValueError):
        return None
    return max(delta.total_seconds(), 0.0) / 86400


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _percent(part: int, whole: int) -> tuple[float | None, str]:
    if not whole:
        return None, "—"
    return round(part / whole, 4), f"{part / whole:.1%}"


class _Group:
    """The figures of one row of 联合惩戒动态 (a department, a category, or both)."""

    def __init__(self) -> None:
        self.records: set[tuple[str, str]] = set()
        self.subjects: set[str] = set()
        self.counts = _counts()
        self.days: list[float] = []

    def add_measure(self, row: Mapping[str, Any]) -> None:
        state = row["action"] or "pending"
        self.counts["measures"] += 1
        self.counts[state] += 1
        days = _days(row["checked_at"], row["feedback_at"]) if row["action"] else None
        if days is not None:
            self.days.append(days)

    def figures(self, checks: int | None = None) -> dict[str, Any]:
        completeness, completeness_text = _percent(
            self.counts["measures"] - self.counts["pending"], self.counts["measures"]
        )
        return {
            "checks": len(self.records) if checks is None else checks,
            "subjects_found": len(self.subjects),
            **self.counts,
            "completeness": completeness,
            "completeness_text": completeness_text,
            "median_days": _median(self.days),
        }


def build_report(
    ctx: AppContext,
    user: User,
    *,
    date_from: str,
    date_to: str,
    overdue_days: int | None = None,
) -> dict[str, Any]:
    """The credit office's report over the records checked from `date_from` to `date_to`."""
    accounts.require(user, "feedback.read")
    require_credit_office(ctx)
    day_from = records.parse_day(date_from, "开始日期") or ""
    day_to = records.parse_day(date_to, "结束日期") or ""
    if day_from > day_to:
        raise InvalidInputError(f"开始日期 {day_from} 晚于结束日期 {day_to}，请调换后重试。")
    overdue = overdue_days if overdue_days is not None else ctx.config.feedback_overdue_days
    if not 1 <= overdue <= 365:
        raise InvalidInputError("超期天数应在 1 到 365 之间。")
    jurisdiction = office_jurisdiction(ctx, user)
    today = audit.now().date().isoformat()
    as_of = min(day_to, today)
    store = ctx.office.feedback

    departments = expected_departments(ctx, jurisdiction)
    by_department: dict[str, _Group] = {name: _Group() for name in departments}
    by_pair: dict[tuple[str, str], _Group] = {}
    by_category: dict[str, _Group] = {}
    city = _Group()
    months: dict[str, dict[str, int]] = {}
    checks_of: dict[str, int] = defaultdict(int)
    subject_of: dict[tuple[str, str], str] = {}
    listed = 0
    for record in store.latest_summaries(date_from=day_from, date_to=day_to):
        subject_of[(record["origin"], record["record_number"])] = record["subject_key"]
        listed += record["status"] == "listed"
        department = record["department"]
        by_department.setdefault(department, _Group())
        checks_of[department] += 1
        month = months.setdefault(record["checked_on"][:7], {"checks": 0, "listed": 0, **_counts()})
        month["checks"] += 1
        month["listed"] += record["status"] == "listed"
    for hit in store.latest_hits(date_from=day_from, date_to=day_to):
        if hit["role"] != "hit":
            continue
        key = (hit["origin"], hit["record_number"])
        subject = subject_of[key]
        for group in (
            by_department.setdefault(hit["department"], _Group()),
            by_pair.setdefault((hit["department"], hit["category"]), _Group()),
            by_category.setdefault(hit["category"], _Group()),
            city,
        ):
            group.records.add(key)
            group.subjects.add(subject)
    initiators: dict[str, dict[str, dict[str, int]]] = {}
    applied_rows: list[dict[str, Any]] = []
    late: dict[str, int] = defaultdict(int)
    overdue_count: dict[str, int] = defaultdict(int)
    for row in store.latest_measures(date_from=day_from, date_to=day_to):
        department = row["record_department"]
        for group in (
            by_department.setdefault(department, _Group()),
            by_pair.setdefault((department, row["category"]), _Group()),
            by_category.setdefault(row["category"], _Group()),
            city,
        ):
            group.add_measure(row)
        state = row["action"] or "pending"
        month = months[row["checked_on"][:7]]
        month["measures"] += 1
        month[state] += 1
        days = _days(row["checked_at"], row["feedback_at"])
        if row["action"] and days is not None and days > overdue:
            late[department] += 1
        if (
            not row["action"]
            and (date.fromisoformat(as_of) - date.fromisoformat(row["checked_on"])).days > overdue
        ):
            overdue_count[department] += 1
        initiator = row["initiator"] or NO_INITIATOR
        counts = initiators.setdefault(initiator, {}).setdefault(department, _counts())
        counts["measures"] += 1
        counts[state] += 1
        if row["action"] != "applied":
            continue
        applied_rows.append(
            {
                "initiator": initiator,
                "department": department,
                "record_number": row["record_number"],
                "checked_at": row["checked_at"],
                "subject": row["subject_name"],
                "subject_id": row["subject_id"],
                "category": row["category"],
                "measure_id": row["measure_id"],
                "measure": f"{row['label'] or ''}{row['measure_text']}",
                "basis": row["basis"],
                "note": row["note"],
                "feedback_by": row["feedback_by"],
                "feedback_at": row["feedback_at"],
            }
        )
    applied_rows.sort(
        key=lambda r: (r["initiator"], r["department"], r["checked_at"], r["record_number"])
    )
    performance = _performance(
        ctx, jurisdiction, by_department, day_from, day_to, overdue_count, late
    )
    reporting = sum(1 for row in performance if row["packages_in_period"])
    city_figures = city.figures(checks=len(subject_of))
    return {
        "title": TITLE,
        "jurisdiction": jurisdiction,
        "date_from": day_from,
        "date_to": day_to,
        "as_of": as_of,
        "overdue_days": overdue,
        "generated_at": audit.timestamp(),
        "generated_by": {"name": user.name, "display_name": user.display_name},
        "totals": {
            **city_figures,
            "listed": listed,
            "departments": len(performance),
            "departments_reporting": reporting,
            "overdue": sum(overdue_count.values()),
            "late": sum(late.values()),
        },
        "by_department": [
            {
                "department": name,
                "reported": any(
                    row["packages_in_period"] for row in performance if row["department"] == name
                ),
                **group.figures(checks=checks_of.get(name, 0)),
            }
            for name, group in sorted(by_department.items())
        ],
        "by_department_category": [
            {"department": department, "category": category, **group.figures()}
            for (department, category), group in sorted(by_pair.items())
        ],
        "by_category": sorted(
            ({"category": name, **group.figures()} for name, group in by_category.items()),
            key=lambda row: (-row["measures"], row["category"]),
        ),
        "by_initiator": [
            {
                "initiator": initiator,
                **_sum(per_department.values()),
                "departments": [
                    {"department": department, **counts}
                    for department, counts in sorted(per_department.items())
                ],
            }
            for initiator, per_department in sorted(initiators.items())
        ],
        "applied_measures": applied_rows,
        "performance": performance,
        "by_month": [{"month": month, **values} for month, values in sorted(months.items())],
        "findings": [
            {**finding, "kind_text": FINDING_TEXT.get(finding["kind"], finding["kind"])}
            for finding in store.findings()
            if finding["found_at"][:10] <= day_to
        ],
    }


def _sum(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total = _counts()
    for row in counts:
        for key in total:
            total[key] += row[key]
    return total


def expected_departments(ctx: AppContext, jurisdiction: str) -> list[str]:
    """The departments expected to report: those whose certificates this PC trusts, and
    those that ever sent a package (of this jurisdiction)."""
    from desktop_app.errors import UnknownNameError

    names: set[str] = set()
    for trusted in ctx.config.trusted_departments:
        try:
            place = ctx.catalog.resolve_jurisdiction(trusted.jurisdiction)
        except UnknownNameError:
            continue
        if place == jurisdiction:
            names.add(trusted.department)
    names.update(d for j, d in ctx.office.feedback.departments() if j == jurisdiction)
    return sorted(names)


def _performance(
    ctx: AppContext,
    jurisdiction: str,
    groups: Mapping[str, _Group],
    day_from: str,
    day_to: str,
    overdue: Mapping[str, int],
    late: Mapping[str, int],
) -> list[dict[str, Any]]:
    store = ctx.office.feedback
    packages = [p for p in store.packages() if p["jurisdiction"] == jurisdiction]
    findings = store.findings()
    rows = []
    for department, group in sorted(groups.items()):
        own = [p for p in packages if p["department"] == department]
        in_period = [p for p in own if p["period_from"] <= day_to and p["period_to"] >= day_from]
        last = max(own, key=lambda p: p["imported_at"], default=None)
        counts = group.counts
        given = counts["measures"] - counts["pending"]
        completeness, completeness_text = _percent(given, counts["measures"])
        problems = [f for f in findings if f["department"] == department]
        rows.append(
            {
                "department": department,
                "packages_in_period": len(in_period),
                "last_package": (
                    {
                        "sequence": last["sequence"],
                        "exported_at": last["exported_at"],
                        "imported_at": last["imported_at"],
                        "period_from": last["period_from"],
                        "period_to": last["period_to"],
                    }
                    if last
                    else None
                ),
                "measures": counts["measures"],
                "with_feedback": given,
                "pending": counts["pending"],
                "completeness": completeness,
                "completeness_text": completeness_text,
                "overdue": overdue.get(department, 0),
                "late": late.get(department, 0),
                "chain_problems": len(problems),
                "status_text": "已报送" if in_period else NOT_REPORTED,
            }
        )
    return rows


# -- read-only views of what was imported -------------------------------------------------------


def imported_records(
    ctx: AppContext,
    user: User,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    department: str | None = None,
    limit: int | None = 200,
) -> list[dict[str, Any]]:
    """The latest versions of the imported records (newest first) with their origin."""
    accounts.require(user, "feedback.read")
    require_credit_office(ctx)
    if department is not None:
        department = ctx.catalog.resolve_department(office_jurisdiction(ctx, user), department)
    found = ctx.office.feedback.latest_records(
        date_from=records.parse_day(date_from, "开始日期"),
        date_to=records.parse_day(date_to, "结束日期"),
        department=department,
        limit=limit,
    )
    return [{**row, "status_text": STATUS_TEXT.get(row["status"], row["status"])} for row in found]


def imported_record(
    ctx: AppContext,
    user: User,
    record_number: str,
    *,
    version: int | None = None,
    origin: str | None = None,
) -> dict[str, Any]:
    """One imported record as the department stored it, with where it came from and every
    version received. Read-only: nothing at the credit office changes it."""
    accounts.require(user, "feedback.read")
    require_credit_office(ctx)
    store = ctx.office.feedback
    origins = store.origins_of(record_number)
    if origin is not None:
        origins = [o for o in origins if o["origin"].startswith(origin)]
    if not origins:
        raise RecordNotFoundError(
            f"没有从各部门导入编号为 {record_number} 的核查记录。请核对编号（feedback records）。",
            record_number=record_number,
        )
    if len(origins) > 1:
        raise UsageError(
            f"编号 {record_number} 的记录来自多台电脑，请用 --origin 指定："
            + "、".join(f"{o['origin'][:12]}（{o['department']}）" for o in origins),
        )
    chosen = origins[0]
    record = store.record(chosen["origin"], record_number, version)
    if record is None:
        raise RecordNotFoundError(
            f"核查记录 {record_number} 没有第 {version} 版（最新为第 {chosen['latest']} 版）。",
            record_number=record_number,
        )
    versions = store.versions(chosen["origin"], record_number)
    this = next(v for v in versions if v["version"] == record["version"])
    return {
        "record": record,
        "read_only": True,
        "origin": {
            "origin": chosen["origin"],
            "jurisdiction": chosen["jurisdiction"],
            "department": chosen["department"],
            "package_id": this["package_id"],
            "sequence": this["sequence"],
            "exported_at": this["exported_at"],
            "imported_at": this["imported_at"],
        },
        "versions": versions,
    }


def received_packages(ctx: AppContext, user: User, department: str | None = None) -> dict[str, Any]:
    """The packages imported (latest first) and the audit-chain problems found."""
    accounts.require(user, "feedback.read")
    require_credit_office(ctx)
    if department is not None:
        department = ctx.catalog.resolve_department(office_jurisdiction(ctx, user), department)
    store = ctx.office.feedback
    return {
        "packages": store.packages(department),
        "findings": [
            {**f, "kind_text": FINDING_TEXT.get(f["kind"], f["kind"])}
            for f in store.findings(department)
        ],
    }


# -- files ----------------------------------------------------------------------------------------


def write_report(
    ctx: AppContext,
    user: User,
    report: Mapping[str, Any],
    *,
    pdf: Path | None = None,
    xlsx: Path | None = None,
) -> dict[str, str]:
    """Write the report as PDF and/or Excel with this office's audit witness, and audit it."""
    return write_witnessed(
        ctx,
        user,
        report,
        event="feedback_report",
        details={
            "date_from": report["date_from"],
            "date_to": report["date_to"],
            "checks": report["totals"]["checks"],
        },
        pdf=pdf,
        xlsx=xlsx,
        render_pdf=_render_pdf,
        render_xlsx=render_xlsx,
    )


def _render_pdf(report: Mapping[str, Any]) -> bytes:
    from desktop_app.services.feedback import city_report_pdf

    return city_report_pdf.render(report)


_STATE_COLUMNS = tuple((state_text(None if s == "pending" else s), s, None, None) for s in STATES)


def _days_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def render_xlsx(report: Mapping[str, Any]) -> bytes:
    """The report as an .xlsx workbook. Sheets: 汇总, 联合惩戒动态, 按对象类别, 按发起部门,
    已实施措施明细, 绩效考核, 按月, 审计链异常.

    Written in openpyxl's write-only mode, row by row: the detail sheet of a city's year holds
    hundreds of thousands of measures, which a workbook kept in memory would hold as millions
    of cell objects (gigabytes)."""
    from openpyxl import Workbook

    from desktop_app.services.audit.witness import Witness

    workbook = Workbook(write_only=True)
    totals = report["totals"]
    period = period_text(report)
    summary = [
        ("报告名称", f"{report['jurisdiction']}{TITLE}"),
        ("统计期间", period),
        ("应报送部门", totals["departments"]),
        ("本期报送部门", totals["departments_reporting"]),
        ("核查次数", totals["checks"]),
        ("发现失信记录（次）", totals["listed"]),
        ("发现失信主体（个）", totals["subjects_found"]),
        ("应实施措施（项次）", totals["measures"]),
        *((f"其中{state_text(None if s == 'pending' else s)}", totals[s]) for s in STATES),
        ("反馈完成率", totals["completeness_text"]),
        ("核查至反馈天数（中位数）", _days_text(totals["median_days"])),
        (f"待反馈超过 {report['overdue_days']} 天（项次）", totals["overdue"]),
        (f"反馈晚于 {report['overdue_days']} 天（项次）", totals["late"]),
        ("制表人", report["generated_by"]["display_name"]),
        ("制表时间", local_datetime(report["generated_at"])),
    ]
    if report.get("audit_witness"):
        summary.append(("审计见证", Witness.from_dict(report["audit_witness"]).to_text()))
    stream_sheet(
        workbook,
        "汇总",
        [("项目", "item", None, None), ("数值", "value", None, 40)],
        [
            {"item": item, "value": value, "format": DATE_TIME}
            if isinstance(value, datetime)
            else {"item": item, "value": value}
            for item, value in summary
        ],
        f"{TITLE}（{period}）",
    )
    counts = [*_STATE_COLUMNS]
    stream_sheet(
        workbook,
        "联合惩戒动态",
        [
            ("部门", "department", None, None),
            ("联合惩戒对象", "category", None, 30),
            ("核查次数", "checks", None, None),
            ("发现失信主体", "subjects_found", None, None),
            ("应实施措施", "measures", None, None),
            *counts,
            ("反馈中位天数", "median_days", "0.0", None),
        ],
        [
            *({**row, "category": "（合计）"} for row in report["by_department"]),
            *report["by_department_category"],
        ],
        f"{TITLE}：按部门和联合惩戒对象（{period}）",
    )
    stream_sheet(
        workbook,
        "按对象类别",
        [
            ("联合惩戒对象", "category", None, 36),
            ("发现失信记录", "checks", None, None),
            ("发现失信主体", "subjects_found", None, None),
            ("应实施措施", "measures", None, None),
            *counts,
            ("反馈中位天数", "median_days", "0.0", None),
        ],
        report["by_category"],
        f"按联合惩戒对象（{period}）",
    )
    stream_sheet(
        workbook,
        "按发起部门",
        [
            ("发起部门", "initiator", None, 30),
            ("实施部门", "department", None, None),
            ("措施（项次）", "measures", None, None),
            *counts,
        ],
        [
            {"initiator": item["initiator"], **row}
            for item in report["by_initiator"]
            for row in item["departments"]
        ],
        f"发起部门：各实施部门的实施情况（{period}）",
    )
    stream_sheet(
        workbook,
        "已实施措施明细",
        [
            ("发起部门", "initiator", None, 24),
            ("实施部门", "department", None, 20),
            ("记录编号", "record_number", None, 34),
            ("核查时间", "checked_at", DATE_TIME, 17),
            ("主体名称", "subject", None, 20),
            ("证件号码", "subject_id", None, 21),
            ("联合惩戒对象", "category", None, 24),
            ("措施", "measure", None, 50),
            ("实施依据", "basis", None, 36),
            ("备注", "note", None, 30),
            ("反馈人", "feedback_by", None, 12),
            ("实施时间", "feedback_at", DATE_TIME, 17),
        ],
        (
            {
                **row,
                "checked_at": local_datetime(row["checked_at"]),
                "feedback_at": local_datetime(row["feedback_at"]),
            }
            for row in report["applied_measures"]
        ),
        f"发起部门：对其联合惩戒对象已实施的措施（{period}）",
        fitted=False,
    )
    stream_sheet(
        workbook,
        "绩效考核",
        [
            ("部门", "department", None, None),
            ("报送情况", "status_text", None, None),
            ("本期反馈包", "packages_in_period", None, None),
            ("最近一次报送", "last_package_text", None, None),
            ("应实施措施", "measures", None, None),
            ("已反馈", "with_feedback", None, None),
            ("反馈完成率", "completeness", "0.0%", None),
            (f"待反馈超过{report['overdue_days']}天", "overdue", None, None),
            (f"反馈晚于{report['overdue_days']}天", "late", None, None),
            ("审计链异常", "chain_problems", None, None),
        ],
        ({**row, "last_package_text": last_package_text(row)} for row in report["performance"]),
        f"绩效考核：结果反馈情况（{period}）",
    )
    stream_sheet(
        workbook,
        "按月",
        [
            ("月份", "month", None, None),
            ("核查次数", "checks", None, None),
            ("发现失信记录", "listed", None, None),
            ("应实施措施", "measures", None, None),
            *counts,
        ],
        report["by_month"],
        f"按月统计（{period}）",
    )
    stream_sheet(
        workbook,
        "审计链异常",
        [
            ("发现时间", "found_at", DATE_TIME, None),
            ("部门", "department", None, None),
            ("类型", "kind_text", None, None),
            ("反馈包", "sequence", None, None),
            ("说明", "message", None, 90),
        ],
        ({**f, "found_at": local_datetime(f["found_at"])} for f in report["findings"]),
        "各部门审计链核对中发现的问题",
    )
    workbook.properties.title = f"{report['jurisdiction']}{TITLE}"
    workbook.properties.creator = f"{APP_NAME} {__version__}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def last_package_text(row: Mapping[str, Any]) -> str:
    """The last package of a 绩效考核 row in words: 第 3 号，2026-04-02 导入（03-01 至 03-31）."""
    last = row.get("last_package")
    if not last:
        return "从未报送"
    return (
        f"第 {last['sequence']} 号，{last['imported_at'][:10]} 导入"
        f"（{last['period_from']} 至 {last['period_to']}）"
    )
