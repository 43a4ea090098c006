"""The service functions the window calls: first start, audited admin actions, report filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from office_helpers import FAST_SCRYPT, PASSWORDS, check_result, make_users, office
from signing_helpers import make_p12

from desktop_app import paths
from desktop_app.errors import (
    CertificateImportError,
    InvalidInputError,
    PermissionDeniedError,
    UsageError,
)
from desktop_app.services import accounts, admin, audit, records
from desktop_app.services.audit import audit_report
from desktop_app.services.lists.report import ImportReport
from desktop_app.services.records import signing


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(accounts, "SCRYPT", FAST_SCRYPT)
    monkeypatch.setenv("XYHC_SECRET_DIR", str(tmp_path / "secrets"))
    monkeypatch.setenv("XYHC_CONFIG", str(tmp_path / "machine.toml"))


def _actions(ctx) -> list[str]:
    return [entry["action"] for entry in audit.entries(ctx)]


def test_first_start_creates_the_admin_and_a_certificate(tmp_path: Path) -> None:
    ctx = office(tmp_path)
    user, facts = admin.first_start(
        ctx,
        jurisdiction="柳州",
        department="市场监督管理局",
        admin_name="admin",
        password=PASSWORDS["admin"],
        display_name="管理员",
    )
    assert (user.role, user.jurisdiction, user.department) == ("admin", "柳州市", "市市场监管局")
    assert "CN=市市场监管局" in facts["subject"]
    assert signing.active_certificate(ctx.data_dir) is not None
    assert _actions(ctx) == ["admin_created", "certificate_new"]


def test_first_start_with_a_wrong_certificate_password_creates_nothing(tmp_path: Path) -> None:
    ctx = office(tmp_path)
    p12 = tmp_path / "dept.p12"
    make_p12(p12, b"right-password")
    with pytest.raises(CertificateImportError) as refused:
        admin.first_start(
            ctx,
            jurisdiction="柳州市",
            department="市市场监管局",
            admin_name="admin",
            password=PASSWORDS["admin"],
            pkcs12=p12,
            pkcs12_password="wrong-password",
        )
    assert "密码" in refused.value.message
    assert ctx.office.users.count() == 0
    assert _actions(ctx) == []
    assert signing.active_certificate(ctx.data_dir) is None


def test_first_start_imports_the_department_certificate(tmp_path: Path) -> None:
    ctx = office(tmp_path)
    p12 = tmp_path / "dept.p12"
    certificate = make_p12(p12, b"right-password")
    _, facts = admin.first_start(
        ctx,
        jurisdiction="柳州市",
        department="市市场监管局",
        admin_name="admin",
        password=PASSWORDS["admin"],
        pkcs12=p12,
        pkcs12_password="right-password",
    )
    assert signing.active_certificate(ctx.data_dir) == certificate
    assert facts["source"] == "imported"
    assert _actions(ctx) == ["admin_created", "certificate_import"]


def test_only_admins_import_lists_and_the_import_is_audited(tmp_path: Path) -> None:
    ctx = office(tmp_path)
    users = make_users(ctx)
    demo = paths.resources_dir() / "demo" / "tax_violations.csv"
    before = len(audit.entries(ctx))
    with pytest.raises(PermissionDeniedError) as refused:
        admin.import_list_file(ctx, users["zhang"], demo, "重大税收违法案件当事人")
    assert "导入失信名单" in refused.value.message
    assert ctx.lists.is_empty()
    assert len(audit.entries(ctx)) == before

    report = admin.import_list_file(ctx, users["admin"], demo, "重大税收违法案件当事人")
    assert report.added == 45
    entry = audit.entries(ctx, action="list_import")[-1]
    assert (entry["user_name"], entry["details"]["added"]) == ("admin", 45)


def test_rejected_rows_are_exported_as_text_never_as_formulas(tmp_path: Path) -> None:
    import zipfile

    import openpyxl

    from desktop_app.services.lists.report import RejectedRows

    report = ImportReport(
        file="名单.csv", list="测试名单", category="失信被执行人", sha256="", file_format="csv"
    )
    report.header_cells = ["失信被执行人姓名/名称", "身份证号码/组织机构代码"]
    report.rejected_rows = RejectedRows()
    report.reject(9, "姓名/名称以“=”开头", ["=cmd|' /C calc'!A0", "+1", "\x01控制"])
    report.reject(7, "身份证号码校验位错误", ["张三", "450102198501011234"])
    report.reject(3, "与第 2 行是同一条记录（重复）。", ["李四", "@SUM(A1)"])  # a later run
    out = admin.write_rejections_xlsx(report, tmp_path / "拒绝.xlsx")
    sheet = openpyxl.load_workbook(out)["被拒绝的行"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows == [
        ["行号", "原因", "失信被执行人姓名/名称", "身份证号码/组织机构代码", None],
        [3, "与第 2 行是同一条记录（重复）。", "李四", "@SUM(A1)", None],
        [7, "身份证号码校验位错误", "张三", "450102198501011234", None],
        [9, "姓名/名称以“=”开头", "=cmd|' /C calc'!A0", "+1", "\ufffd控制"],
    ]
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row[1:] if c.value)
    with zipfile.ZipFile(out) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)
    path = report.rejected_rows.path
    report.rejected_rows.discard()
    assert not Path(path).exists()


def test_report_filters_by_result_and_category(tmp_path: Path) -> None:
    ctx = office(tmp_path)
    users = make_users(ctx)
    zhang = users["zhang"]
    records.record_check(ctx, zhang, check_result(zhang))
    records.record_check(ctx, zhang, check_result(zhang, category="重大税收违法案件当事人"))
    records.record_check(ctx, zhang, check_result(zhang, status="not_listed"))
    period = {"date_from": "2020-01-01", "date_to": "2099-12-31"}

    everything = audit_report.build_report(ctx, users["wang"], **period)
    assert everything["totals"]["checks"] == 3
    listed = audit_report.build_report(ctx, users["wang"], status="listed", **period)
    assert [c["status"] for c in listed["checks"]] == ["listed", "listed"]
    taxes = audit_report.build_report(
        ctx, users["wang"], category="重大税收违法案件当事人", **period
    )
    assert taxes["totals"]["checks"] == 1
    assert taxes["category_filter"] == "重大税收违法案件当事人"
    assert "对象类别 重大税收违法案件当事人" in audit_report.scope_text(taxes)
    with pytest.raises(InvalidInputError) as refused:
        audit_report.build_report(ctx, users["wang"], status="hit", **period)
    assert "核查结果“hit”无效" in refused.value.message


def test_rejecting_a_possible_match_makes_a_new_version(tmp_path: Path) -> None:
    ctx = office(tmp_path)
    users = make_users(ctx)
    zhang = users["zhang"]
    result = check_result(zhang, status="not_listed")
    result.status = "possible_match"
    result.possible = [
        {
            "hit_id": 4,
            "name": "黄蓉",
            "id": None,
            "category": "失信被执行人",
            "list": "演示",
            "score": 92.5,
            "reason": "同音字",
        }
    ]
    record = records.record_check(ctx, zhang, result)
    number = record["record_number"]
    with pytest.raises(UsageError, match="可排除的编号：4"):
        records.reject_possible_match(ctx, zhang, number, 99)
    with pytest.raises(PermissionDeniedError):
        records.reject_possible_match(ctx, users["zhao"], number, 4)
    assert audit.entries(ctx, action="possible_rejected") == []
    assert len(records.record_versions(ctx, zhang, number)) == 1
    # The CLI passes the hit id as text.
    rejected = records.reject_possible_match(ctx, zhang, number, "4")
    assert (rejected["version"], rejected["status"], rejected["status_text"]) == (
        2,
        "not_listed",
        "未发现失信记录",
    )
    assert rejected["possible"] == []
    assert [(r["hit_id"], r["rejected_by"]) for r in rejected["rejected"]] == [(4, "zhang")]
    assert records.get_record(ctx, zhang, number) == rejected
    assert records.get_record(ctx, zhang, number, 1)["possible"][0]["hit_id"] == 4
    entry = audit.entries(ctx, action="possible_rejected")[0]
    assert (entry["record_number"], entry["record_hash"]) == (number, rejected["record_hash"])
    assert (entry["details"]["rejected_hit"], entry["details"]["version"]) == (4, 2)
    assert audit.verify_chain(ctx)["ok"]
    with pytest.raises(UsageError, match="没有编号 4"):
        records.reject_possible_match(ctx, zhang, number, 4)
