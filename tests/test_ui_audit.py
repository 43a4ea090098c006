"""The supervisor's audit screen: totals and filters, the exported report, the chain
verification, and a printed record verified by dropping it on the window."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from ui_helpers import (
    LISTED_ID,
    NOT_LISTED_ID,
    PASSWORD,
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
)

from desktop_app.context import AppContext
from desktop_app.services import accounts, audit, records
from desktop_app.services.audit.witness import current_witness
from desktop_app.services.screening.check import run_check


def _checks_by_zhang(ctx) -> list[dict]:
    zhang = ctx.office.users.get("zhang")
    made = []
    for query in (LISTED_ID, NOT_LISTED_ID, "韦小宝"):
        result = run_check(ctx.catalog, ctx.lists, query, "柳州市", "市市场监管局")
        made.append(records.record_check(ctx, zhang, result))
    return made


def _messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    said: list[tuple[str, str]] = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(
            QMessageBox, kind, lambda parent, title, text, k=kind: said.append((k, text))
        )
    return said


def test_totals_filters_and_the_exported_report(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = office.open(qtbot, "wang")
    made = _checks_by_zhang(office.launcher.ctx)
    view = window.audit_view
    qtbot.keyClick(window.check_view.search, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.report is not None, timeout=20000)
    assert "核查 <b>3</b> 次" in view.totals.text()
    assert "发现失信 <b>2</b> 次" in view.totals.text()
    assert view.checks_model.rowCount() == 3
    assert {view.checks_model.item(r, 1).text() for r in range(3)} == {
        r["record_number"] for r in made
    }
    # 韦小宝 is one hit; the company he represents is shown beside it, not added to it.
    hits = {
        view.checks_model.item(r, 1).text(): view.checks_model.item(r, 7).text() for r in range(3)
    }
    assert hits[made[0]["record_number"]] == "1（关联 1）"
    assert hits[made[1]["record_number"]] == "0"
    assert view.log_model.rowCount() > 0

    view.status_filter.setCurrentIndex(view.status_filter.findData("not_listed"))
    view.checks.setFocus()
    qtbot.keyClick(view.checks, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: view.checks_model.rowCount() == 1, timeout=20000)
    assert view.checks_model.item(0, 6).text() == "未发现失信记录"
    assert view.checks_model.item(0, 4).text() == "450202********1237"  # masked

    pdf = tmp_path / "报告.pdf"
    view.export(pdf)
    qtbot.waitUntil(
        lambda: view.export_button.isEnabled() and hasattr(view, "exported"), timeout=60000
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    sheets = openpyxl.load_workbook(pdf.with_suffix(".xlsx"), read_only=True).sheetnames
    assert len(sheets) >= 2
    report_entry = audit.entries(office.launcher.ctx, action="report")[-1]
    assert report_entry["user_name"] == "wang"
    assert report_entry["details"]["checks"] == 1

    # Double-click (Enter) on a row opens the record in the check screen.
    view.checks.setFocus()
    view.checks.selectRow(0)
    qtbot.keyClick(view.checks, Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is window.check_view
    assert window.check_view.banner.status == "not_listed"


def test_chain_verification_from_the_window(
    qtbot: QtBot,
    office,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = office.open(qtbot, "wang")
    said = _messages(monkeypatch)
    view = window.audit_view
    qtbot.mouseClick(view.chain_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(said), timeout=30000)
    assert said[0][0] == "information" and said[0][1].startswith("审计日志完好")
    assert view.last_chain["ok"]


def test_a_dropped_pdf_is_verified_and_a_tampered_one_refused(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = office.open(qtbot, "zhang")
    ctx = office.launcher.ctx
    record = _checks_by_zhang(ctx)[0]
    pdf = tmp_path / "record.pdf"
    records.print_record(ctx, ctx.office.users.get("zhang"), record["record_number"], pdf)
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(pdf.read_bytes())
    spot = data.index(b"/Producer") if b"/Producer" in data else len(data) // 3
    data[spot + 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    said = _messages(monkeypatch)

    for path in (pdf, tampered):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        where = (
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        enter = QDragEnterEvent(QPoint(200, 200), *where)
        QApplication.sendEvent(window, enter)
        assert enter.isAccepted()  # the window takes PDF files
        QApplication.sendEvent(window, QDropEvent(QPointF(200, 200), *where))
    qtbot.waitUntil(lambda: len(said) == 2, timeout=60000)
    kinds = dict(said[i] for i in range(2))
    assert "核验通过" in kinds["information"] and record["record_number"] in kinds["information"]
    assert "核验未通过" in kinds["warning"]


def _printed_witnesses(copied, tmp_path: Path) -> dict:
    """Before the window opens: a record printed (first.pdf), a second one (second.pdf), more
    logins and a witness line written down (later.txt); the chain then cut back to the first
    print, its head fixed and the second record deleted, so that it verifies on its own."""
    ctx = AppContext(copied.data_dir)
    try:
        zhang = ctx.office.users.get("zhang")
        made = []
        for query, name in ((LISTED_ID, "first.pdf"), (NOT_LISTED_ID, "second.pdf")):
            result = run_check(ctx.catalog, ctx.lists, query, "柳州市", "市市场监管局")
            record = records.record_check(ctx, zhang, result)
            printed = records.print_record(ctx, zhang, record["record_number"], tmp_path / name)
            made.append((record, printed))
        for _ in range(3):
            accounts.authenticate(ctx, "wang", PASSWORD)
        (tmp_path / "later.txt").write_text(current_witness(ctx).to_text() + "\n", "utf-8")
        keep = made[0][1]["audit_witness"]["seq"] + 1  # the first print's own entry
    finally:
        ctx.close()
    (tmp_path / "junk.txt").write_text("没有见证的文件\n", "utf-8")
    conn = sqlite3.connect(copied.data_dir / "office.db")
    with conn:
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (keep,))
        (digest,) = conn.execute(
            "SELECT entry_hash FROM audit_log WHERE seq = ?", (keep,)
        ).fetchone()
        conn.execute("UPDATE audit_head SET last_seq = ?, last_hash = ?", (keep, digest))
        conn.execute("DELETE FROM records WHERE record_number = ?", (made[1][0]["record_number"],))
    conn.close()
    return {"first": made[0][1], "second": made[1][1], "keep": keep}


def test_witnesses_show_the_first_one_the_chain_no_longer_contains(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    facts = _printed_witnesses(office, tmp_path)
    window = office.open(qtbot, "wang")
    view = window.audit_view
    files = [tmp_path / n for n in ("later.txt", "second.pdf", "first.pdf", "junk.txt")]
    chosen: list[str] = []

    def choose(parent, caption, folder, filters):
        chosen.append(filters)
        return [str(p) for p in files], filters.split(";;")[0]

    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileNames", choose)
    qtbot.mouseClick(view.witness_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(view, "witness_report", None) is not None, timeout=60000)
    report = view.witness_report
    assert "*.xyhcbak" in chosen[0] and "*.pdf" in chosen[0] and "*.txt" in chosen[0]
    first_seq = facts["first"]["audit_witness"]["seq"]
    second_seq = facts["second"]["audit_witness"]["seq"]
    assert report.summary.text() == (
        f"第一个不再被包含的见证：second.pdf（第 {second_seq} 条）；"
        f"此前最后一个仍被包含的见证：first.pdf（第 {first_seq} 条），改动发生在这两者之间。"
    )
    model = report.model
    rows = [[model.item(r, c).text() for c in range(model.columnCount())] for r in range(4)]
    assert [row[0] for row in rows] == ["first.pdf", "second.pdf", "later.txt", "junk.txt"]
    assert [row[1] for row in rows] == ["核查记录 PDF", "核查记录 PDF", "见证文本", "见证文本"]
    assert rows[0][3] == "仍在日志中"
    assert report.first_row == 1
    assert rows[1][3].startswith("第一个不再包含的见证：")
    assert rows[2][3] in ("日志被截断或回退", "日志已被改写")
    assert rows[3][2:4] == ["—", "无法读取"] and rows[3][4] == "文件中没有审计见证。"
    assert model.item(1, 0).background().color().name() == "#fbe3e1"
    assert view.last_chain["ok"] is False
    assert report.isVisible()


def test_witnesses_still_contained_are_confirmed(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
) -> None:
    window = office.open(qtbot, "wang")
    ctx = office.launcher.ctx
    record = _checks_by_zhang(ctx)[0]
    pdf = tmp_path / "record.pdf"
    records.print_record(ctx, ctx.office.users.get("zhang"), record["record_number"], pdf)
    view = window.audit_view
    view.verify_chain([pdf])
    qtbot.waitUntil(lambda: getattr(view, "witness_report", None) is not None, timeout=60000)
    summary = view.witness_report.summary.text()
    assert summary.startswith("审计日志完好：") and summary.endswith("1 个见证均仍在审计日志中。")
    assert view.witness_report.first_row is None
    assert view.witness_report.model.item(0, 3).text() == "仍在日志中"
