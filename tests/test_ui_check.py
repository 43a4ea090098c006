"""The clerk's journeys through the real check screen, driven with the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from ui_helpers import (
    DEPARTMENT,
    HOMOPHONE,
    JURISDICTION,
    LISTED_ID,
    MISTYPED_ID,
    NOT_LISTED_ID,
    check,
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
    type_text,
)

from desktop_app.services import audit, records
from desktop_app.services.records.verification import verify_record_pdf
from desktop_app.services.screening import check as check_service
from desktop_app.ui import theme
from desktop_app.ui.measures_model import COL_FEEDBACK


def _select_measure_rows(view, count: int) -> list[str]:
    """Select the first `count` measure rows (not headings); their measure ids."""
    table = view.measures
    rows = [r for r in range(table.model().rowCount()) if not table.is_heading(r)][:count]
    selection = table.selectionModel()
    selection.clearSelection()
    selection.setCurrentIndex(
        table.model().index(rows[0], 1), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    for row in rows:
        selection.select(
            table.model().index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    return [m["id"] for _, m in view.measures.selected_measures()]


def test_a_listed_subject(qtbot: QtBot, office) -> None:  # noqa: F811
    window = office.open(qtbot, "zhang")
    view = window.check_view
    assert view.search.hasFocus()
    assert "柳州市 市市场监管局" in window.windowTitle()

    record = check(qtbot, view, LISTED_ID)

    assert view.banner.status == "listed"
    assert view.banner.title.text() == "发现失信记录"
    assert record["record_number"] in view.banner.detail.text()
    # The company 韦小宝 represents is shown apart, never counted as a hit.
    assert "有 1 条有效记录" in view.banner.detail.text()
    assert "另有 1 个关联单位（法定代表人同名，不计为命中）" in view.banner.detail.text()
    hits = view.hits.hits_model.hits
    assert [(h["name"], h["match"]) for h in hits][:1] == [("韦小宝", "exact_id")]
    assert hits[0]["id"] == "450202********9919"  # masked: the full ID is never shown
    expected = office.launcher.ctx.catalog.measures(
        JURISDICTION, DEPARTMENT, "失信被执行人", subject_type="person"
    )
    assert view.measures.measures_model.measure_count() == len(expected) > 0
    stored = records.get_record(office.launcher.ctx, window.session.user, record["record_number"])
    assert stored["status"] == "listed"
    # The measures table says what is still to do.
    first = view.measures.model().index(1, COL_FEEDBACK)
    assert first.data() == "待反馈"


def test_a_name_and_id_pasted_together_are_checked_together(
    qtbot: QtBot,
    office,  # noqa: F811
) -> None:
    view = office.open(qtbot, "zhang").check_view
    # Two cells copied from a spreadsheet: the name, a tab, the ID.
    view.search.setText(f"韦小宝\t{LISTED_ID}")
    assert "与名称“韦小宝”一起核对" in view.kind.text()
    with qtbot.waitSignal(view.record_changed, timeout=20000) as blocker:
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    record = blocker.args[0]
    assert (record["status"], record["name"]) == ("listed", "韦小宝")
    assert view.banner.status == "listed"
    # The masked ID of 令狐冲 matches only with his name: pasted with it, it does.
    masked = check(qtbot, view, "令狐冲 450205198703159919")
    assert [h["match"] for h in masked["hits"]][:1] == ["masked_id"]
    # Alone, not found is no conclusion (never a plain 未发现 beside it), and the clerk is
    # told to check again with the name.
    alone = check(qtbot, view, "450205198703159919")
    assert (alone["status"], alone["conclusive"]) == ("not_listed", False)
    assert "证件号码被遮蔽" in view.banner.detail.text()
    assert "不能作为依据" in view.banner.detail.text()


def test_a_subject_not_listed(qtbot: QtBot, office) -> None:  # noqa: F811
    view = office.open(qtbot, "zhang").check_view
    record = check(qtbot, view, NOT_LISTED_ID)
    assert view.banner.status == "not_listed"
    assert view.banner.title.text() == "未发现失信记录"
    assert "450202********1237" in view.banner.detail.text()
    assert record["hits"] == [] and view.measures.measures_model.measure_count() == 0
    assert view.print_button.isEnabled()  # a "not listed" result is printed too
    # Checked against the bundled demo lists only: said, and not painted as all clear.
    assert view.banner.detail.text().startswith("注意：本机只有程序自带的演示名单")
    assert theme.UNRELIABLE_LOOK.background in view.banner.styleSheet()


def test_a_check_with_no_list_loaded_is_never_shown_as_all_clear(
    qtbot: QtBot,
    office,  # noqa: F811
) -> None:
    view = office.open(qtbot, "zhang").check_view
    record = check(qtbot, view, NOT_LISTED_ID)
    # As run_check answers when no list is loaded at all.
    record = {**record, "data_versions": {**record["data_versions"], "lists": []}}
    record["warnings"] = [check_service.NO_LISTS_WARNING]
    view.show_record(record, editable=False)
    assert view.banner.title.text() == "未发现失信记录"
    assert view.banner.detail.text().startswith("注意：本机尚未导入任何失信名单")
    assert theme.UNRELIABLE_LOOK.background in view.banner.styleSheet()
    assert theme.STATUS_LOOK["not_listed"].background not in view.banner.styleSheet()


def test_a_mistyped_id_is_marked_red_and_nothing_is_searched(
    qtbot: QtBot,
    office,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = office.open(qtbot, "zhang").check_view
    ctx = office.launcher.ctx
    entries_before = len(audit.entries(ctx))

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("an invalid ID must not be searched")

    monkeypatch.setattr(check_service, "run_check", must_not_run)
    qtbot.keyClicks(view.search, MISTYPED_ID)
    # Marked while typing, before Enter.
    assert view.search.property("inputState") == "error"
    assert "校验位错误" in view.kind.text() and "应为“9”" in view.kind.text()
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert view.banner.status == "invalid_input"
    assert view.banner.title.text() == "输入有误"
    assert "第18位应为“9”，输入的是“3”" in view.banner.detail.text()
    assert not view.print_button.isEnabled()
    assert view.record is None
    assert ctx.office.records.search() == []
    assert len(audit.entries(ctx)) == entries_before

    # Correcting the last digit turns the mark green (the field keeps the text, selected).
    assert view.search.selectedText() == MISTYPED_ID
    qtbot.keyClick(view.search, Qt.Key.Key_End)
    qtbot.keyClick(view.search, Qt.Key.Key_Backspace)
    qtbot.keyClicks(view.search, "9")
    assert view.search.property("inputState") == "ok"
    assert view.kind.text().startswith("身份证号码")


def test_esc_clears_and_ctrl_l_returns_to_the_search(qtbot: QtBot, office) -> None:  # noqa: F811
    view = office.open(qtbot, "zhang").check_view
    check(qtbot, view, LISTED_ID)
    view.filter.setFocus()
    qtbot.keyClick(view.filter, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert view.search.hasFocus()
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)
    assert view.search.text() == ""
    assert view.record is None and view.banner.status == ""
    assert view.hits.hits_model.rowCount() == 0


def test_confirming_a_possible_match(qtbot: QtBot, office) -> None:  # noqa: F811
    view = office.open(qtbot, "zhang").check_view
    record = check(qtbot, view, HOMOPHONE)
    assert view.banner.status == "possible_match"
    assert view.banner.title.text() == "疑似匹配，请核实"
    assert view.possible.isVisible()
    assert view.possible.model.rows[0]["name"] == "黄蓉"
    assert view.measures.measures_model.measure_count() == 0

    with qtbot.waitSignal(view.record_changed) as blocker:
        qtbot.mouseClick(view.possible.confirm_button, Qt.MouseButton.LeftButton)
    confirmed = blocker.args[0]
    assert (confirmed["record_number"], confirmed["version"]) == (record["record_number"], 2)
    assert view.banner.status == "listed"
    assert [h["match"] for h in view.hits.hits_model.hits] == ["name_confirmed"]
    assert view.measures.measures_model.measure_count() > 0
    entry = audit.entries(office.launcher.ctx, action="correction")[-1]
    assert entry["record_number"] == record["record_number"]


def test_rejecting_a_possible_match(qtbot: QtBot, office) -> None:  # noqa: F811
    view = office.open(qtbot, "zhang").check_view
    record = check(qtbot, view, HOMOPHONE)
    view.possible.table.setFocus()
    # Alt+X is the button's mnemonic; a mnemonic "animates" the click (~100 ms).
    with qtbot.waitSignal(view.record_changed) as blocker:
        qtbot.keyClick(view.possible.table, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    rejected = blocker.args[0]
    # A new version of the record, in the history, with the candidate among the rejected.
    assert (rejected["record_number"], rejected["version"]) == (record["record_number"], 2)
    assert view.record == rejected
    name = record["possible"][0]["name"]
    assert [r["name"] for r in rejected["rejected"]] == [name]
    rows = view.possible.model.rows
    assert (
        rows[-1]["name"] == name and "已排除" in view.possible.model.index(len(rows) - 1, 0).data()
    )
    # 黄蓉 was the only candidate: nothing is left to verify.
    assert (rejected["possible"], view.banner.status) == ([], "not_listed")
    assert not view.possible.confirm_button.isEnabled()
    entry = audit.entries(office.launcher.ctx, action="possible_rejected")[-1]
    assert (entry["record_number"], entry["record_hash"]) == (
        record["record_number"],
        rejected["record_hash"],
    )


def test_feedback_and_printing_the_signed_record(
    qtbot: QtBot,
    office,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = office.open(qtbot, "zhang")
    view = window.check_view
    record = check(qtbot, view, LISTED_ID)
    chosen = _select_measure_rows(view, 2)
    assert len(chosen) == 2

    # 不适用 without a reason: refused with the records service's message, nothing stored.
    qtbot.keyClick(view.measures, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert view.feedback.action() == "not_applicable"
    qtbot.keyClick(view.measures, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "必须填写理由" in view.feedback.error.text()
    assert view.record["version"] == 1

    type_text(qtbot, view.feedback.reason, "申请事项不涉及")
    with qtbot.waitSignal(view.record_changed) as blocker:
        qtbot.keyClick(view.feedback.reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    updated = blocker.args[0]
    assert updated["version"] == 2
    marked = {m["id"]: m["feedback"] for m in updated["measures"] if m["id"] in chosen}
    assert {f["action"] for f in marked.values()} == {"not_applicable"}
    assert {f["reason"] for f in marked.values()} == {"申请事项不涉及"}
    texts = [
        view.measures.model().index(row, COL_FEEDBACK).data()
        for row in range(view.measures.model().rowCount())
    ]
    assert texts.count("不适用（申请事项不涉及）") == 2

    # Ctrl+P: rendered and signed off the GUI thread, then previewed.
    qtbot.keyClick(view.measures, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.preview is not None and view.preview.isVisible(), timeout=30000)
    preview = view.preview
    assert preview.page_count >= 1
    assert record["record_number"] in preview.windowTitle()

    target = tmp_path / "saved.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.keyClick(preview, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert preview.saved_to == target and target.is_file()
    verified = verify_record_pdf(office.launcher.ctx, target)
    assert verified["ok"], verified["problems"]
    assert (verified["record_number"], verified["record_version"]) == (record["record_number"], 2)

    # The system print dialog's printer, here a PDF file printer.
    from PySide6.QtPrintSupport import QPrinter

    from desktop_app.ui.record_preview import print_pdf

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(150)
    assert print_pdf(Path(window.check_view.printed["pdf"]), printer) == preview.page_count
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")
    prints = audit.entries(office.launcher.ctx, action="print")
    assert [p["record_number"] for p in prints] == [record["record_number"]]
    preview.accept()


def test_copying_a_row_copies_plain_text(qtbot: QtBot, office) -> None:  # noqa: F811
    view = office.open(qtbot, "zhang").check_view
    check(qtbot, view, LISTED_ID)
    view.hits.setFocus()
    view.hits.selectRow(0)
    qtbot.keyClick(view.hits, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    assert text.split("\t")[:2] == ["命中 证件号码一致", "韦小宝 450202********9919"]
    assert "\n" not in text and "<" not in text


def test_history_reopens_a_record_with_its_versions(qtbot: QtBot, office) -> None:  # noqa: F811
    window = office.open(qtbot, "zhang")
    view = window.check_view
    first = check(qtbot, view, LISTED_ID)
    check(qtbot, view, NOT_LISTED_ID)
    qtbot.keyClick(view.search, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    history = window.history_view
    assert window.tabs.currentWidget() is history
    assert history.records_model.rowCount() == 2
    history.table.selectRow(1)  # newest first: the listed check is the second row
    assert history.versions_model.rowCount() == 1
    history.table.setFocus()
    qtbot.keyClick(history.table, Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is view
    assert view.record["record_number"] == first["record_number"]
    assert view.banner.status == "listed" and view.editable


def _placeholder_is_whole(field) -> bool:
    """What QLineEdit paints: the placeholder elided to the text area's width (its contents
    rect without text margins, Qt's 2 px margins, the clear button)."""
    from PySide6.QtWidgets import QStyle, QStyleOptionFrame

    option = QStyleOptionFrame()
    field.initStyleOption(option)
    area = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, field)
    margins = field.textMargins()
    width = area.width() - margins.left() - margins.right() - 4
    if field.isClearButtonEnabled():
        width -= field.height()
    text = field.placeholderText()
    return field.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width) == text


@pytest.mark.parametrize("size", [(1366, 768), (1024, 700), (1920, 1080)])
def test_the_id_fields_hint_is_never_cut_off(qtbot: QtBot, office, size) -> None:  # noqa: F811
    """Issue 17 item 17: at 1366×768 the placeholder was cut off with "…"."""
    window = office.open(qtbot, "zhang")
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0])
    field = window.check_view.search
    assert field.placeholderText() in field.placeholders
    assert _placeholder_is_whole(field), (size, field.placeholderText(), field.width())
    assert field.toolTip() == "身份证号码、统一社会信用代码、组织机构代码或名称"
    if size[0] >= 1920:
        assert field.placeholderText() == field.placeholders[0]
    if size == (1366, 768):
        # What the screenshot shows: the kinds of number are all named.
        assert "组织机构代码" in field.placeholderText()
