"""The clerk's journeys through 批量核查 and 待处理提醒 in the real window."""

from __future__ import annotations

from pathlib import Path

from batch_support import (
    BIDDER_HEADER,
    LISTED_COMPANY,
    MASKED_PERSON,
    bidder_rows,
    valid_id,
    write_csv,
    write_xlsx,
)
from lists_support import row
from lists_support import write_csv as write_list
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_helpers import (
    check,
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
    type_text,
)

from desktop_app.services import audit
from desktop_app.services.records.verification import verify_record_pdf


def _batch_tab(qtbot: QtBot, window):
    qtbot.keyClick(window.check_view.search, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.batch_view
    return window.batch_view


def _read(qtbot: QtBot, view, path: Path) -> None:
    view.file.clear()
    type_text(qtbot, view.file, str(path))
    qtbot.keyClick(view.file, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.source is not None, timeout=30000)


def _stored(ctx) -> tuple[int, int]:
    return (
        sum(1 for _ in ctx.office.records.iter_stored()),
        sum(1 for _ in ctx.office.batches.iter_stored()),
    )


def _select(view, status: str, position: int = 0) -> dict:
    """Show only the rows of `status` and select the `position`-th; its row summary."""
    view.filter.setCurrentIndex(view.filter.findData(status))
    view.results.selectRow(position)
    index = view.results.currentIndex()
    return view.rows_model.rows[view.rows_filter.mapToSource(index).row()]


def test_a_bidder_file_checked_reviewed_printed_and_opened(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = write_xlsx(tmp_path / "投标人名单.xlsx", BIDDER_HEADER, bidder_rows(200), titles=1)
    window = office.open(qtbot, "zhang")
    ctx = office.launcher.ctx
    view = _batch_tab(qtbot, window)
    assert not view.run_button.isEnabled()  # nothing to run before a file is read
    _read(qtbot, view, path)

    # The columns found by their headings, and the first rows of the file.
    assert view.name_column.currentText() == "投标人"
    assert view.id_column.currentText() == "统一社会信用代码"
    assert "第 2 行为表头" in view.columns_text.text()
    assert "共 200 行要核查" in view.columns_text.text()
    assert view.preview_model.rowCount() == 20
    assert view.preview_model.rows[0][2] == LISTED_COMPANY[0]

    qtbot.keyClick(view.file, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert view.task is not None and view.progress.isVisible() and view.cancel_button.isVisible()
    qtbot.waitUntil(lambda: view.task is None and view.batch is not None, timeout=120000)
    batch = view.batch
    assert batch["counts"]["rows"] == 200 and batch["counts"]["listed"] == 2
    assert batch["counts"]["invalid"] == 1 and batch["counts"]["pending"] == 1
    assert "尚有 1 条疑似匹配待复核" in view.summary.text()

    # Listed and possible matches first, then the row that could not be checked.
    shown = [view.rows_filter.index(r, 0).data() for r in range(5)]
    assert shown[:4] == ["3", "4", "6", "5"]  # the header is in row 2
    assert view.rows_filter.index(0, 3).data().startswith("发现失信记录")
    masked = _select(view, "listed", 1)
    assert masked["name"] == MASKED_PERSON[0] and masked["id"] == "450205********9919"
    invalid = _select(view, "invalid_input")
    assert "校验位" in invalid["error"] and "无法核查" in view.possible_hint.text()

    # The possible match is reviewed here, with the rules of a single check.
    pending = _select(view, "possible_match")
    assert view.possible.model.rowCount() == 1 and view.possible.confirm_button.isEnabled()
    qtbot.mouseClick(view.possible.reject_button, Qt.MouseButton.LeftButton)
    assert "本批核查已完成" in view.summary.text()
    assert view.batch["counts"]["pending"] == 0
    record = ctx.office.records.get(pending["record_number"])
    assert record["version"] == 2 and record["rejected"]

    # The signed batch record (the reviewed state, as version 2) and the results workbook.
    qtbot.mouseClick(view.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.preview is not None and view.preview.isVisible(), timeout=60000)
    assert view.preview.page_count >= 3
    pdf = Path(view.printed["pdf"])
    assert view.printed["version"] == 2 and view.printed["pending"] == 0
    verified = verify_record_pdf(ctx, pdf)
    assert verified["ok"] and verified["kind"] == "batch", verified["problems"]
    view.preview.accept()
    out = tmp_path / "结果.xlsx"
    view.export_to(out)
    qtbot.waitUntil(lambda: view.task is None and out.is_file(), timeout=30000)

    # A double-click opens the subject's record in the check screen, measures and feedback.
    view.filter.setCurrentIndex(0)
    index = view.rows_filter.index(0, 1)
    view.results.scrollTo(index)
    qtbot.waitUntil(lambda: view.results.visualRect(index).isValid())
    center = view.results.visualRect(index).center()
    qtbot.mouseClick(view.results.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(view.results.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert window.tabs.currentWidget() is window.check_view
    opened = window.check_view.record
    assert opened["query"] == LISTED_COMPANY[1] and opened["status"] == "listed"
    assert window.check_view.measures.measures_model.measure_count() > 0
    assert window.check_view.editable  # feedback per subject, as for any record


def test_cancel_in_the_middle_stores_nothing(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "户.csv", BIDDER_HEADER, bidder_rows(3000))
    window = office.open(qtbot, "zhang")
    ctx = office.launcher.ctx
    before = _stored(ctx), len(audit.entries(ctx))
    view = _batch_tab(qtbot, window)
    _read(qtbot, view, path)

    def cancel_once_started(value: int) -> None:
        if value > 0 and view.cancel_button.isEnabled():
            qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)

    view.progress.valueChanged.connect(cancel_once_started)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.task is None, timeout=120000)
    assert view.batch is None
    assert "批量核查已取消，没有保存任何核查记录" in view.summary.text()
    assert (_stored(ctx), len(audit.entries(ctx))) == before
    assert view.run_button.isEnabled()  # the file is still there to run again


def test_an_update_that_lists_a_subject_raises_an_alert_turned_into_a_record(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
) -> None:
    subject = ("欧阳锋", valid_id(7))
    # A clerk checks a subject that is on no list yet.
    window = office.open(qtbot, "zhang")
    earlier = check(qtbot, window.check_view, subject[1], subject[0])
    assert earlier["status"] == "not_listed"
    assert window.alerts_button.text() == "没有待处理的提醒"
    office.close()

    # The administrator imports the court's new list; the re-check runs on a worker.
    update = write_list(tmp_path / "court.csv", [row(subject[0], subject[1])])
    window = office.open(qtbot, "admin")
    qtbot.keyClick(window.check_view.search, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    panel = window.admin_view.lists
    qtbot.keyClick(panel.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dialog = panel.dialog
    type_text(qtbot, dialog.file, str(update))
    dialog.category.lineEdit().clear()
    type_text(qtbot, dialog.category.lineEdit(), "失信被执行人")
    type_text(qtbot, dialog.list_name.lineEdit(), "柳州市中级人民法院推送名单")
    with (
        qtbot.waitSignal(window.rescreens.finished, timeout=60000) as finished,
        qtbot.waitSignal(dialog.imported, timeout=60000),
    ):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert finished.args[0]["alerts"] == 1
    assert window.alerts_button.text() == "待处理提醒 1 条"
    assert "新提醒 1 条" in window.message.text()
    dialog.accept()
    office.close()

    # The clerk sees it in the status bar, opens it and checks the subject again.
    window = office.open(qtbot, "zhang")
    assert window.alerts_button.text() == "待处理提醒 1 条"
    qtbot.mouseClick(window.alerts_button, Qt.MouseButton.LeftButton)
    view = window.alerts_view
    assert window.tabs.currentWidget() is view
    assert view.model.rowCount() == 1
    assert view.model.item(0, 1).text() == "新列入失信名单"
    assert view.model.item(0, 2).text().startswith("欧阳锋（")
    assert view.model.item(0, 3).text() == earlier["record_number"]
    assert view.model.item(0, 5).text() == "0 天"
    assert "新列入" in view.detail.toPlainText() and "应实施的措施" in view.detail.toPlainText()
    qtbot.mouseClick(view.new_record_button, Qt.MouseButton.LeftButton)

    assert window.tabs.currentWidget() is window.check_view
    record = window.check_view.record
    assert record["status"] == "listed" and record["record_number"] != earlier["record_number"]
    assert record["hits"][0]["list"] == "柳州市中级人民法院推送名单"
    assert window.check_view.editable and record["measures"]
    assert window.alerts_button.text() == "没有待处理的提醒"
    ctx = office.launcher.ctx
    assert (
        audit.entries(ctx, action="alert_record")[-1]["details"]["new_record"]
        == (record["record_number"])
    )


def test_the_window_asks_for_the_sheet_and_the_name_column(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Two sheets of subjects, and two columns that could be the name: the window picks
    neither, it asks, and checks what the clerk chose."""
    import openpyxl

    path = tmp_path / "两批.xlsx"
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "第一批"
    for cells in (["单位名称", "姓名", "身份证号码"], ["某中学", *MASKED_PERSON]):
        first.append(cells)
    second = workbook.create_sheet("第二批")
    for cells in (["姓名", "身份证号码"], ["张三", valid_id(2)]):
        second.append(cells)
    workbook.save(path)
    window = office.open(qtbot, "zhang")
    view = _batch_tab(qtbot, window)
    view.file.clear()
    type_text(qtbot, view.file, str(path))
    qtbot.keyClick(view.file, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "请选择要核查的工作表" in view.columns_text.text(), timeout=30000)
    assert view.source is None and not view.run_button.isEnabled()
    assert view.sheet.isVisible()
    assert [view.sheet.itemText(i) for i in range(view.sheet.count())] == [
        "（请选择）",
        "第一批",
        "第二批",
    ]
    view.sheet.setCurrentIndex(view.sheet.findData("第一批"))
    view.sheet.activated.emit(view.sheet.currentIndex())
    qtbot.waitUntil(lambda: "请选择名称列" in view.columns_text.text(), timeout=30000)
    assert "“单位名称”、“姓名”" in view.columns_text.text()
    assert view.name_column.currentText() == "（请选择）"
    assert view.id_column.currentText() == "身份证号码"
    assert not view.run_button.isEnabled()
    view.name_column.setCurrentIndex(view.name_column.findData("姓名"))
    view.name_column.activated.emit(view.name_column.currentIndex())
    qtbot.waitUntil(lambda: view.source is not None, timeout=30000)
    assert view.source.columns.sheet == "第一批"
    assert (view.source.rows[0].query, view.source.rows[0].name) == (
        MASKED_PERSON[1],
        MASKED_PERSON[0],
    )
    assert view.run_button.isEnabled()
    qtbot.keyClick(view.file, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.task is None and view.batch is not None, timeout=60000)
    assert view.batch["file"]["sheet"] == "第一批"
    assert view.batch["rows"][0]["status"] == "listed"
