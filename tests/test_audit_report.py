"""The audit report: figures, who may see what, the PDF (looked at as text) and the workbook."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime

import pytest
from office_helpers import FAST_SCRYPT, INJECTION, check_result, make_users, office
from openpyxl import load_workbook

from desktop_app.errors import InvalidInputError, PermissionDeniedError, UsageError
from desktop_app.services import accounts, audit, records
from desktop_app.services.audit import audit_report


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)


@pytest.fixture
def ctx(tmp_path, office_engine):
    """On SQLite and on PostgreSQL. zhang: 2 checks (one listed with 3 measures, fed back),
    li: 1 listed, 1 not listed; a hostile list entry name that looks like a spreadsheet formula."""
    context = office(tmp_path)
    users = make_users(context)
    zhang, li = users["zhang"], users["li"]
    first = records.record_check(context, zhang, check_result(zhang, measures=3))
    records.record_check(context, zhang, check_result(zhang, status="not_listed"))
    records.record_check(context, li, check_result(li, measures=2, hit_name=INJECTION))
    records.add_feedback(
        context,
        zhang,
        first["record_number"],
        [
            records.FeedbackInput("LZ-TEST-1", "applied", note="已暂停审批"),
            records.FeedbackInput("LZ-TEST-2", "not_applicable", reason="申请事项不涉及"),
            records.FeedbackInput("LZ-TEST-3", "referred"),
        ],
    )
    context.users = users
    yield context
    context.close()


def _report(ctx, name: str, **filters):
    today = audit.now().date().isoformat()
    return audit_report.build_report(
        ctx, ctx.users[name], date_from=today, date_to=today, **filters
    )


def test_totals_and_breakdowns(ctx) -> None:
    report = _report(ctx, "wang")
    totals = report["totals"]
    assert (totals["checks"], totals["hits"], totals["not_listed"]) == (3, 2, 1)
    assert totals["hit_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert totals["hit_rate_text"] == "66.7%"
    assert totals["measures"] == 5
    assert totals["feedback"] == {"applied": 1, "not_applicable": 1, "referred": 1, "pending": 2}
    (category,) = report["by_category"]
    assert category == {
        "category": "失信被执行人",
        "hits": 2,
        "measures": 5,
        "applied": 1,
        "not_applicable": 1,
        "referred": 1,
        "pending": 2,
    }
    by_measure = {m["id"]: m for m in report["by_measure"]}
    assert (by_measure["LZ-TEST-1"]["shown"], by_measure["LZ-TEST-1"]["applied"]) == (2, 1)
    assert by_measure["LZ-TEST-3"]["shown"] == 1
    assert {u["user"]: (u["checks"], u["listed"]) for u in report["by_user"]} == {
        "zhang": (2, 1),
        "li": (1, 1),
    }
    assert [c["query"] for c in report["checks"]] == ["450202********1236"] * 3
    rows = [r for r in report["feedback"] if r["action"]]
    assert [(r["measure_id"], r["action_text"], r["by_name"]) for r in rows] == [
        ("LZ-TEST-1", "已实施", "张三"),
        ("LZ-TEST-2", "不适用", "张三"),
        ("LZ-TEST-3", "已移送", "张三"),
    ]
    assert rows[1]["reason"] == "申请事项不涉及"


def test_a_clerks_report_covers_only_their_own_checks(ctx) -> None:
    report = _report(ctx, "zhang")
    assert report["user_filter"] == "zhang"
    assert report["totals"]["checks"] == 2
    with pytest.raises(PermissionDeniedError, match="无权查看其他用户的核查记录"):
        _report(ctx, "zhang", user_name="li")
    assert _report(ctx, "wang", user_name="li")["totals"]["checks"] == 1


def test_bad_periods_are_refused(ctx) -> None:
    with pytest.raises(InvalidInputError, match="晚于结束日期"):
        audit_report.build_report(
            ctx, ctx.users["wang"], date_from="2026-02-01", date_to="2026-01-01"
        )
    with pytest.raises(InvalidInputError, match="格式不对"):
        audit_report.build_report(ctx, ctx.users["wang"], date_from="昨天", date_to="2026-01-01")


def test_writing_needs_an_output_and_an_existing_folder(ctx, tmp_path) -> None:
    report = _report(ctx, "wang")
    before = len(audit.entries(ctx))
    with pytest.raises(UsageError, match="请至少指定一个输出文件"):
        audit_report.write_report(ctx, ctx.users["wang"], report)
    with pytest.raises(UsageError, match="输出目录"):
        audit_report.write_report(ctx, ctx.users["wang"], report, xlsx=tmp_path / "no" / "r.xlsx")
    assert len(audit.entries(ctx)) == before


def test_the_workbook_opens_with_styled_headers_dates_and_no_formulas(ctx, tmp_path) -> None:
    report = _report(ctx, "wang")
    out = tmp_path / "报告.xlsx"
    written = audit_report.write_report(ctx, ctx.users["wang"], report, xlsx=out)
    assert written == {"xlsx": str(out)}
    book = load_workbook(out)
    assert book.sheetnames == ["汇总", "按对象统计", "按措施统计", "核查清单", "结果反馈表"]
    for sheet in book:
        header = sheet[1]
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold and cell.fill.fgColor.rgb.endswith("A4161A") for cell in header)
        assert all(sheet.column_dimensions[cell.column_letter].width >= 8 for cell in header)
    checks = book["核查清单"]
    assert [c.value for c in checks[1]][:3] == ["记录编号", "版本", "核查时间"]
    assert checks.max_row == 4
    when = checks["C2"]
    assert isinstance(when.value, datetime) and when.number_format == "yyyy-mm-dd hh:mm"
    feedback = book["结果反馈表"]
    assert feedback.max_row == 1 + 5
    names = [row[2] for row in feedback.iter_rows(min_row=2)]
    hostile = [cell for cell in names if cell.value == INJECTION]
    assert len(hostile) == 2
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in hostile)
    # No cell anywhere holds a formula.
    assert not [c for s in book for row in s.iter_rows() for c in row if c.data_type == "f"]
    summary = {row[0].value: row[1] for row in book["汇总"].iter_rows(min_row=2)}
    assert summary["核查次数"].value == 3
    assert summary["命中率"].number_format == "0.0%"
    logged = audit.entries(ctx)[-1]
    assert logged["action"] == "report" and logged["details"]["checks"] == 3


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_pdf_has_the_sections_and_embedded_fonts(ctx, tmp_path) -> None:
    out = tmp_path / "report.pdf"
    audit_report.write_report(ctx, ctx.users["wang"], _report(ctx, "wang"), pdf=out)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "失信联合惩戒核查审计报告",
        "一、总体情况",
        "66.7%",
        "二、图表",
        "三、按联合惩戒对象统计",
        "六、核查清单",
        "失信联合惩戒措施实施结果反馈表",
        "申请事项不涉及",
        "单位负责人（签字）",
        "第1页/共3页",
    ):
        assert expected in text, expected
    assert "450202198503171236" not in text  # the full ID is never printed
    fonts = subprocess.run(
        ["pdffonts", str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # emb column
    sizes = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "99", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert "595.276 x 841.89" in sizes and "841.89 x 595.276" in sizes  # portrait + landscape


def test_related_subjects_are_counted_apart_from_hits(ctx) -> None:
    zhang = ctx.users["zhang"]
    result = check_result(zhang, measures=1, hit_name="黄某某")
    result.hits.append(
        {
            **result.hits[0],
            "hit_id": "L2",
            "name": "柳州市某某贸易有限公司",
            "id": "91450200MA5XXXXX0X",
            "match": "related",
            "related_to": "黄某某",
        }
    )
    record = records.record_check(ctx, zhang, result)
    report = _report(ctx, "wang")
    [check] = [c for c in report["checks"] if c["record_number"] == record["record_number"]]
    assert (check["hits"], check["related"], check["subject"]) == (1, 1, "黄某某")
    (category,) = report["by_category"]
    assert category["hits"] == 3  # the two earlier hits and this one, not the related company
    assert audit.entries(ctx, action="check")[-1]["details"]["hits"] == 1


def test_a_measure_several_hits_bring_is_fed_back_once_naming_them(ctx) -> None:
    zhang = ctx.users["zhang"]
    result = check_result(zhang, measures=1)
    first = result.hits[0]
    ids = [f"450202********991{n}" for n in range(1, 6)]
    result.hits = [{**first, "hit_id": f"L{n}", "id": i} for n, i in enumerate(ids, 1)]
    result.measures[0]["hit_ids"] = [f"L{n}" for n in range(1, 6)]
    record = records.record_check(ctx, zhang, result)
    rows = [
        r for r in _report(ctx, "wang")["feedback"] if r["record_number"] == record["record_number"]
    ]
    assert len(rows) == 1
    assert rows[0]["id"] == "、".join(ids[:3]) + " 等 5 个"
    assert rows[0]["subject"] == "黄某某"
