"""What the check screen makes of what a clerk pastes (issue 11 and issue 17 item 1): the
hint under the field says what the text rule removed, the record keeps it, and two numbers
pasted into one field are refused with the numbers named, nothing searched."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot
from ui_helpers import (
    LISTED_ID,
    office,  # noqa: F401 (fixture)
    office_template,  # noqa: F401 (fixture)
)

from desktop_app.services import audit, records
from desktop_app.services.screening import check as check_service

OTHER_ID = "450203199005209933"


def paste(qtbot: QtBot, field, text: str) -> None:
    """Paste `text` into `field` with Ctrl+V, as a clerk copies it from another program."""
    field.clear()
    field.setFocus()
    QGuiApplication.clipboard().setText(text)
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert field.text() == text


def test_the_hint_says_what_was_ignored_and_the_record_keeps_it(
    qtbot: QtBot,
    office,  # noqa: F811
) -> None:
    window = office.open(qtbot, "zhang")
    view = window.check_view
    paste(qtbot, view.search, f"\u202e{LISTED_ID[:9]}\u200b{LISTED_ID[9:]}")
    assert view.search.property("inputState") == "ok"
    assert view.kind.text() == (
        f"身份证号码，校验位正确；将按 {LISTED_ID} 核查\n已忽略 2 个不可见字符（U+202E、U+200B）"
    )
    assert view.kind.isVisible()

    with qtbot.waitSignal(view.record_changed, timeout=20000) as blocker:
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    record = blocker.args[0]
    assert record["status"] == "listed"
    assert view.banner.status == "listed"
    stored = records.get_record(office.launcher.ctx, window.session.user, record["record_number"])
    assert [note["text"] for note in stored["input_notes"]] == [
        "已忽略 2 个不可见字符（U+202E、U+200B）"
    ]
    assert "输入处理：已忽略 2 个不可见字符（U+202E、U+200B）" in view.hits_note.text()


def test_a_name_with_other_scripts_characters_says_so_too(
    qtbot: QtBot,
    office,  # noqa: F811
) -> None:
    view = office.open(qtbot, "zhang").check_view
    paste(qtbot, view.search, "韦\u0301小宝\ufe0f")
    assert view.kind.text() == (
        "将按姓名或名称核查：韦小宝\n已忽略 1 个不可见字符（U+FE0F）\n已忽略 1 个附加符号（U+0301）"
    )


@pytest.mark.parametrize("separator", [",", "、", "\n"])
def test_two_numbers_pasted_into_the_field_are_refused_and_named(
    qtbot: QtBot,
    office,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    separator: str,
) -> None:
    view = office.open(qtbot, "zhang").check_view
    ctx = office.launcher.ctx
    entries_before = len(audit.entries(ctx))

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("two numbers must not be searched")

    monkeypatch.setattr(check_service, "run_check", must_not_run)
    typed = f"{LISTED_ID}{separator}{OTHER_ID}"
    view.search.clear()
    view.search.setFocus()
    QGuiApplication.clipboard().setText(typed)
    qtbot.keyClick(view.search, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    message = f"输入中有 2 个号码：{LISTED_ID}、{OTHER_ID}。一次只能核查一个主体：请逐个输入核查"
    assert view.search.property("inputState") == "error"
    assert view.kind.text().startswith(message)
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert view.banner.status == "invalid_input"
    assert view.banner.title.text() == "输入有误"
    assert view.banner.detail.text().startswith(message)
    assert "批量核查（命令行 check --batch 文件）" in view.banner.detail.text()
    assert view.record is None and not view.print_button.isEnabled()
    assert ctx.office.records.search() == []
    assert len(audit.entries(ctx)) == entries_before
